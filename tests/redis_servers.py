"""Redis in tests, a real server (DESIGN.md sections 7 and 10).

The server at ``COGNITO_GATEWAY_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``) when it answers, else a
throw-away one started from Debian's ``redis-server`` on a free port. Each test keys its data under a namespace of its
own (``GATEWAY_REDIS_KEY_PREFIX``), so tests never see each other's buckets. Tests that stop and start Redis start a
server of their own (:func:`private_redis`). With no server and no binary the Redis tests skip, unless
``COGNITO_GATEWAY_REQUIRE_REDIS`` is set (CI sets it): then they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import redis
from redis.exceptions import RedisError

DEFAULT_SERVER = "redis://127.0.0.1:6379/0"
REQUIRE_VARIABLE = "COGNITO_GATEWAY_REQUIRE_REDIS"


def answers(url: str) -> bool:
    """Whether Redis answers at ``url`` (a blocking client: this runs inside tests' event loops too)."""
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        return bool(client.ping())
    except (RedisError, OSError):
        return False
    finally:
        client.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_VARIABLE):
        pytest.fail(f"Redis is required ({REQUIRE_VARIABLE}) but {reason}")
    pytest.skip(reason)


@dataclass
class RedisProcess:
    """A ``redis-server`` of this test's own on ``port``, which the test may stop and start again."""

    port: int
    directory: str
    process: subprocess.Popen[bytes] | None = field(default=None)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            _unavailable("no redis-server binary here (apt install redis-server)")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--dir", self.directory],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while not answers(self.url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                _unavailable(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@contextmanager
def private_redis() -> Iterator[RedisProcess]:
    """A started ``redis-server`` of the caller's own, killed on exit."""
    server = RedisProcess(free_port(), tempfile.mkdtemp(prefix="gateway-redis-"))
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """The URL of the Redis the session's tests share."""
    configured = os.environ.get("COGNITO_GATEWAY_TEST_REDIS_URL", DEFAULT_SERVER)
    if answers(configured):
        yield configured
        return
    with private_redis() as server:
        yield server.url


def delete_namespace(url: str, namespace: str) -> None:
    """Delete every key under ``namespace``: a test's or a bench's, once it is done."""
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{namespace}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def redis_namespace(redis_server: str) -> Iterator[str]:
    """A key prefix of this test's own (GATEWAY_REDIS_KEY_PREFIX) on the session's Redis, its keys deleted after."""
    namespace = f"gateway-test-{uuid.uuid4().hex[:12]}"
    yield namespace
    delete_namespace(redis_server, namespace)


def closed_port_url() -> str:
    """A Redis URL nothing answers at: a port just freed."""
    return f"redis://127.0.0.1:{free_port()}/0"
