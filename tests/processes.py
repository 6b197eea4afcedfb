"""The gateway as a user starts it: `cognito-gateway serve --demo` in a process of its own."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.test_app import closed_port

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def demo_process(timeout: float = 120) -> Iterator[tuple[int, str]]:
    """Starts `serve --demo` on a free port; yields the port and what it printed until it listened."""
    port = closed_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    printed = []
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and (line := process.stdout.readline()):
            printed.append(line)
            if "Uvicorn running" in line:  # printed once the socket listens
                yield port, "".join(printed)
                return
        pytest.fail("the demo did not start:\n" + "".join(printed))
    finally:
        process.terminate()
        process.wait(timeout=15)
