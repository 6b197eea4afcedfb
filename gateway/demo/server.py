"""A throw-away Cognito backend: moto running as a real HTTP server in a thread.

moto's in-process ``mock_aws`` patches botocore's synchronous HTTP layer, which
aiobotocore bypasses (they use aiohttp), so the gateway's async clients
would hit real AWS.  Running moto as an actual HTTP server on localhost works
for every client, sync or async: they are simply given ``endpoint_url``.

Note that moto keeps its state in process-global backends: every server started
in the same process (and any active ``mock_aws``) shares it, and ``reset()``
clears all of it.

``DemoBackend.start()`` installs :mod:`gateway.demo.extensions` (the Cognito
operations moto lacks, such as devices and auth events) into moto, once per
process, so every demo backend and every test server has them.
"""

from __future__ import annotations

import threading
import urllib.request
from types import TracebackType
from typing import Final, Self

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from gateway.demo import extensions

__all__ = ["DEMO_CREDENTIALS", "DEMO_REGION", "DemoBackend"]

# moto accepts any credentials; these are the conventional dummies.  Passed
# explicitly to every client so nothing depends on (or touches) AWS_* env vars.
DEMO_CREDENTIALS: Final[dict[str, str]] = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
}
DEMO_REGION: Final[str] = "us-east-1"

# Wildcard bind addresses are not connectable everywhere; use loopback instead.
_CONNECT_HOST_FOR_WILDCARD: Final[dict[str, str]] = {
    "": "127.0.0.1",
    "0.0.0.0": "127.0.0.1",
    "::": "::1",
}

# No urllib proxies: a local endpoint must never be sent through HTTP(S)_PROXY.
_URL_OPENER: Final = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class _QuietRequestHandler(MotoRequestHandler):
    """Moto's request handler without werkzeug's per-request access log line."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _MotoServer(ThreadedMotoServer):
    """ThreadedMotoServer with two fixes for embedding it in tests and demos.

    * Bind failures are reported instead of hanging: werkzeug's ``make_server``
      prints a message and calls ``sys.exit(1)`` when it cannot bind, which
      ends the server thread before the ready event is set, so moto's
      ``start()`` would wait forever.
    * Access logging is optional (werkzeug otherwise writes a line to stderr
      for every request, i.e. hundreds while seeding).

    This replaces ``ThreadedMotoServer._server_entry`` and relies on its
    private attributes as of moto 5.2.5 (``_ip_address``, ``_port``,
    ``_server``, ``_server_ready_event``).
    """

    def __init__(self, ip_address: str, port: int, *, log_requests: bool) -> None:
        super().__init__(ip_address, port, verbose=False)
        self._handler: type[MotoRequestHandler] = MotoRequestHandler if log_requests else _QuietRequestHandler
        self.startup_error: BaseException | None = None

    def _server_entry(self) -> None:
        try:
            app = DomainDispatcherApplication(create_backend_app)
            self._server = make_server(
                self._ip_address,
                self._port,
                app,
                threaded=True,
                request_handler=self._handler,
            )
        except BaseException as exc:  # SystemExit from werkzeug, or OSError
            self.startup_error = exc
            self._server_ready_event.set()
            return
        self._server_ready_event.set()
        self._server.serve_forever()


class DemoBackend:
    """A moto server on ``host:port`` (``port=0`` picks a free port on start).

    ``log_requests=True`` restores werkzeug's access log on stderr.

    Usable as a context manager::

        with DemoBackend() as backend:
            cognito = backend.client()
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, log_requests: bool = False) -> None:
        self._host = host
        self._log_requests = log_requests
        self._requested_port = port
        self._bound_port: int | None = None
        self._server: _MotoServer | None = None
        # One boto3 session per region for the backend's life, so that the clients made from it share its parsed
        # botocore data (a new session parses it again: ~0.1 s a client, one per test). Sessions are not
        # thread-safe: clients are made under the lock.
        self._sessions: dict[str, boto3.session.Session] = {}
        self._sessions_lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> Self:
        """Start serving; returns once the socket is bound and listening."""
        if self._server is not None:
            raise RuntimeError("DemoBackend is already running")
        extensions.install()  # idempotent; before the first request can arrive
        server = _MotoServer(self._host, self._requested_port, log_requests=self._log_requests)
        server.start()
        if server.startup_error is not None:
            server.stop()  # joins the (already finished) thread
            raise OSError(f"moto server could not bind {self._host}:{self._requested_port}") from server.startup_error
        # With port 0 the OS picks the port; the bound socket knows which one.
        _, self._bound_port = server.get_host_and_port()
        self._server = server
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket. Idempotent.

        moto's stop() shuts the serve loop down and joins the thread; werkzeug's
        ``serve_forever`` closes the listening socket on its way out, so the
        port is free once this returns.  Backend state is *not* cleared (see
        ``reset()``).
        """
        if self._server is None:
            return
        server, self._server = self._server, None
        self._bound_port = None
        server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addressing --------------------------------------------------------

    @property
    def is_running(self) -> bool:
        return self._server is not None

    @property
    def host(self) -> str:
        """Connectable host name for the endpoint URL."""
        return _CONNECT_HOST_FOR_WILDCARD.get(self._host, self._host)

    @property
    def port(self) -> int:
        """The bound port (resolved from the socket when 0 was requested)."""
        if self._bound_port is None:
            raise RuntimeError("DemoBackend is not running; call start() first")
        return self._bound_port

    @property
    def endpoint_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host  # IPv6 literal
        return f"http://{host}:{self.port}"

    # -- operations --------------------------------------------------------

    def reset(self) -> None:
        """Drop all moto state (every service, account and region)."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", data=b"", method="POST")
        with _URL_OPENER.open(request, timeout=10) as response:
            response.read()

    def client(self, region: str = DEMO_REGION) -> BaseClient:
        """A synchronous boto3 ``cognito-idp`` client pointed at this server."""
        with self._sessions_lock:
            # Private sessions, so boto3's module-level default session is untouched.
            session = self._sessions.get(region)
            if session is None:
                session = self._sessions[region] = boto3.session.Session(region_name=region, **DEMO_CREDENTIALS)
            return session.client(
                "cognito-idp",
                endpoint_url=self.endpoint_url,
                config=Config(
                    # A local server either answers or is broken: don't retry.
                    retries={"total_max_attempts": 1},
                    # An explicit (empty) mapping stops botocore from picking up
                    # HTTP(S)_PROXY from the environment for the local endpoint.
                    proxies={},
                ),
            )
