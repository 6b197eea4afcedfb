"""The gateway under test, in a process of its own so that its memory can be read from ``/proc``.

``python -m bench.gateway_server --port P --endpoint-url URL`` serves the real app (``create_app``) on
127.0.0.1, with two routes added for the bench: ``GET /bench/bare``, a bare FastAPI JSON route to
measure the gateway's overhead against, and ``GET /bench/info``, the settings the gateway runs with.
:class:`GatewayProcess` starts and stops it from the bench.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.processes import reap

ROOT = Path(__file__).resolve().parent.parent


def build_app(endpoint_url: str) -> Any:
    from gateway.app import create_app
    from gateway.demo.server import DEMO_CREDENTIALS, DEMO_REGION
    from gateway.settings import Settings

    settings = Settings(aws_region=DEMO_REGION)  # everything else from the environment, as `serve` does
    app = create_app(settings, endpoint_url=endpoint_url, credentials=DEMO_CREDENTIALS)

    @app.get("/bench/bare")
    async def bare() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/bench/info")
    async def info() -> dict[str, Any]:
        served_elsewise = {"host", "port", "log_level"}  # `serve`'s; this process is served by main() below
        return {"pid": os.getpid(), "settings": settings.model_dump(mode="json", exclude=served_elsewise)}

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--endpoint-url", required=True)
    args = parser.parse_args()
    uvicorn.run(build_app(args.endpoint_url), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ticks_to_seconds() -> float:
    return 1 / os.sysconf("SC_CLK_TCK")


class GatewayProcess:
    """The gateway subprocess: ``start()`` returns once ``/healthz`` answers (which calls no Cognito)."""

    def __init__(self, endpoint_url: str, env: dict[str, str]) -> None:
        self.endpoint_url = endpoint_url
        self.env = {**os.environ, **env}
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = tempfile.TemporaryFile()  # the gateway's output, shown if it fails to start
        self._process: subprocess.Popen[bytes] | None = None
        self.info: dict[str, Any] = {}

    def start(self, timeout: float = 60) -> GatewayProcess:
        command = [sys.executable, "-m", "bench.gateway_server", "--port", str(self.port)]
        self._process = subprocess.Popen(
            [*command, "--endpoint-url", self.endpoint_url],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.url, trust_env=False, timeout=5) as http:
            while True:
                if self._process.poll() is not None:
                    raise RuntimeError(f"the gateway exited with {self._process.returncode}:\n{self.log_tail()}")
                try:
                    if http.get("/healthz").status_code == 200:
                        self.info = http.get("/bench/info").json()
                        return self
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the gateway did not answer within {timeout} s:\n{self.log_tail()}")
                time.sleep(0.1)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            reap(self._process)
        self._log.close()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def status(self, field: str) -> int:
        """A ``/proc/<pid>/status`` figure in kB (VmHWM: peak resident set size; VmRSS: current)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        raise KeyError(field)

    def cpu_seconds(self) -> float:
        """User + system CPU time the gateway process has used so far."""
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat.rpartition(")")[2].split()  # after the command name, which may hold spaces
        return (int(fields[11]) + int(fields[12])) * _ticks_to_seconds()

    def log_tail(self, lines: int = 40) -> str:
        self._log.seek(0)
        return "\n".join(self._log.read().decode(errors="replace").splitlines()[-lines:])


if __name__ == "__main__":
    main()
