"""A fault-injecting proxy in front of the Cognito stand-in, for tests and the bench.

``FaultProxy(upstream_url).start()`` forwards every call like :class:`bench.proxy.CountingProxy`, after
``faults.latency`` seconds, unless a fault is drawn for it. A call's fault is the rule for its operation
(``faults.rules = {"AdminGetUser": "throttle"}``), else one drawn with the fractions ``faults.rates``
(``{"error500": 0.1, "reset": 0.05}``) from a random generator seeded with ``seed``. The faults:

* ``refuse``: close the connection before reading the request body, without an answer;
* ``reset``: read the request, then reset the connection (RST: SO_LINGER 0);
* ``hang``: read the request and never answer, until ``release()`` (or ``stop()``) closes the connection;
* ``throttle``: Cognito's HTTP 400 ``TooManyRequestsException``;
* ``error500``: HTTP 500 ``InternalErrorException``;
* ``reset_after_forward``, ``hang_after_forward``: the call reaches the upstream (and takes effect there),
  but its answer is lost: the outcome is unknown to the client.

``calls()`` counts the calls per operation (the X-Amz-Target suffix), ``fault_counts()`` the faults per
``(operation, fault)``; ``reset_counts()`` clears both.
"""

from __future__ import annotations

import json
import random
import socket
import struct
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from bench.proxy import CountingProxy, ProxyHandler

Fault = Literal["refuse", "reset", "hang", "throttle", "error500", "reset_after_forward", "hang_after_forward"]
FAULTS: tuple[Fault, ...] = (
    "refuse",
    "reset",
    "hang",
    "throttle",
    "error500",
    "reset_after_forward",
    "hang_after_forward",
)
# Cognito's answers, as botocore decodes them: the code comes from x-amzn-ErrorType or the body's __type.
_ERRORS = {
    "throttle": (400, "TooManyRequestsException", "Rate exceeded"),
    "error500": (500, "InternalErrorException", "Internal error"),
}


@dataclass
class Faults:
    latency: float = 0.0  # seconds before each call is forwarded or fails
    rates: dict[Fault, float] = field(default_factory=dict)  # the fraction of calls that get each fault
    rules: dict[str, Fault] = field(default_factory=dict)  # operation -> the fault every one of its calls gets


class FaultProxy(CountingProxy):
    def __init__(self, upstream_url: str, faults: Faults | None = None, seed: int = 0, host: str = "127.0.0.1"):
        super().__init__(upstream_url, 0.0, host, handler=_FaultHandler)
        self.faults = faults or Faults()
        self._faults_seen: Counter[tuple[str, Fault]] = Counter()
        self._random = random.Random(seed)
        self._released = threading.Event()

    def fault_counts(self) -> Counter[tuple[str, Fault]]:
        """A snapshot of the faults so far, per ``(operation, fault)``; ``calls()`` counts every call."""
        with self._lock:
            return Counter(self._faults_seen)

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()
            self._faults_seen.clear()

    def draw(self, operation: str) -> Fault | None:
        """Counts the call and picks its fault, if any (one draw per call, in arrival order)."""
        with self._lock:
            self._counts[operation] += 1
            fault = self.faults.rules.get(operation)
            if fault is None:
                point, total = self._random.random(), 0.0
                for candidate in FAULTS:
                    total += self.faults.rates.get(candidate, 0.0)
                    if point < total:
                        fault = candidate
                        break
            if fault is not None:
                self._faults_seen[(operation, fault)] += 1
            return fault

    def release(self) -> None:
        """Lets every hanging connection go (closed without an answer); later hangs hang again."""
        self._released.set()
        self._released = threading.Event()

    def stop(self) -> None:
        self.release()
        super().stop()


class _FaultHandler(ProxyHandler):
    def _forward(self) -> None:
        proxy: FaultProxy = self.server.proxy  # type: ignore[assignment]
        target = self.headers.get("X-Amz-Target", "")
        fault = proxy.draw(target.rpartition(".")[2] or f"{self.command} {self.path}")
        if proxy.faults.latency:
            time.sleep(proxy.faults.latency)
        if fault == "refuse":
            return self._close()
        body, _ = self.read_request()
        if fault in _ERRORS:
            status, code, message = _ERRORS[fault]
            data = json.dumps({"__type": code, "message": message}).encode()
            headers = [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("x-amzn-ErrorType", f"{code}:"),
                ("x-amzn-RequestId", str(uuid.uuid4())),
            ]
            return self.respond(status, "", headers, data)
        if fault is None or fault.endswith("_after_forward"):
            answer = self.send_upstream(body)
            if fault is None:
                return self.respond(*answer)
        if fault.startswith("hang"):
            proxy._released.wait()
            return self._close()
        self._close(reset=True)

    def _close(self, reset: bool = False) -> None:
        self.close_connection = True
        if reset:  # close() with a zero linger time sends RST instead of FIN
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()  # the descriptor closes once the handler's files are closed too
