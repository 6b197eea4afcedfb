"""A counting proxy in front of the Cognito stand-in: it counts every call by operation, waits a fixed
latency (what a real Cognito round trip costs), then forwards the call over a kept-alive connection.

Every client of the bench (the gateway and both peers) goes through it, so the counts are the same
measure for all of them. ``GET /__bench/calls`` answers the counts so far (and is not counted).

With ``record_times=True`` it also keeps when each call arrived, by operation (``times()``, ``GET /__bench/times``):
``time.monotonic()`` once the whole request is read, before the latency, which on Linux is CLOCK_MONOTONIC, the same
clock in every process of the machine. The replicas' bench and tests read the highest count in any one second from it.
"""

from __future__ import annotations

import http.client
import json
import socket
import sys
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# Per-connection headers, which a proxy never forwards (RFC 9110, 7.6.1); the body length is set anew.
_HOP_BY_HOP = frozenset(
    ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "content-length"]
)


CALLS_PATH = "/__bench/calls"
TIMES_PATH = "/__bench/times"


class CountingProxy:
    """``start()`` listens on ``host`` (a free port); ``calls()`` is a snapshot of the counts so far, ``times()`` of
    the calls' arrival times when ``record_times`` (off by default: a long run would keep every one)."""

    def __init__(
        self,
        upstream_url: str,
        latency_seconds: float,
        host: str = "127.0.0.1",
        handler: type | None = None,
        *,
        record_times: bool = False,
    ) -> None:
        upstream = urlsplit(upstream_url)
        self.upstream = (upstream.hostname or "127.0.0.1", upstream.port or 80)
        self.latency_seconds = latency_seconds
        self.record_times = record_times
        self._counts: Counter[str] = Counter()
        self._times: defaultdict[str, list[float]] = defaultdict(list)
        self._lock = threading.Lock()
        self._server = _Server((host, 0), handler or ProxyHandler)
        self._server.proxy = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="counting-proxy", daemon=True)

    @property
    def endpoint_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> CountingProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def calls(self) -> Counter[str]:
        with self._lock:
            return Counter(self._counts)

    def times(self) -> dict[str, list[float]]:
        """When each call arrived (``time.monotonic()``), by operation, in arrival order: empty unless
        ``record_times``."""
        with self._lock:
            return {operation: list(times) for operation, times in self._times.items()}

    def record(self, operation: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._counts[operation] += 1
            if self.record_times:
                self._times[operation].append(now)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the default backlog (5) drops connections when 50 clients connect at once
    proxy: CountingProxy

    def handle_error(self, request: object, client_address: object) -> None:
        """A client gone mid-request (a gateway process killed) is no error of the proxy's: no traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one thread per client connection, serving its requests in turn
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self._upstream: http.client.HTTPConnection | None = None

    def finish(self) -> None:
        super().finish()
        if self._upstream is not None:
            self._upstream.close()

    def do_POST(self) -> None:
        self._forward()

    def do_GET(self) -> None:
        if self.path == CALLS_PATH:
            answer: object = self.server.proxy.calls()
        elif self.path == TIMES_PATH:
            answer = self.server.proxy.times()
        else:
            return self._forward()
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass  # no access log

    def _forward(self) -> None:
        body, operation = self.read_request()
        self.server.proxy.record(operation)
        time.sleep(self.server.proxy.latency_seconds)
        self.respond(*self.send_upstream(body))

    def read_request(self) -> tuple[bytes, str]:
        """The body, and the Cognito operation named by X-Amz-Target (``AWSCognitoIdentityProviderService.<Op>``)."""
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        target = self.headers.get("X-Amz-Target", "")
        return body, target.rpartition(".")[2] or f"{self.command} {self.path}"

    def respond(self, status: int, reason: str, headers: list[tuple[str, str]], data: bytes) -> None:
        self.send_response(status, reason)
        for name, value in headers:
            if name.lower() not in _HOP_BY_HOP | {"server", "date"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_upstream(self, body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
        """One round trip on this connection's upstream connection, reconnecting once if it went stale."""
        headers = {name: value for name, value in self.headers.items() if name.lower() not in _HOP_BY_HOP}
        for attempt in (1, 2):
            if self._upstream is None:
                self._upstream = http.client.HTTPConnection(*self.server.proxy.upstream, timeout=60)
                self._upstream.connect()
                self._upstream.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                self._upstream.request(self.command, self.path, body=body, headers=headers)
                response = self._upstream.getresponse()
                return response.status, response.reason, response.getheaders(), response.read()
            except (ConnectionError, http.client.HTTPException):
                self._upstream.close()
                self._upstream = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")
