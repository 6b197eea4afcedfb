"""Child processes of the bench and the tests (moto, the gateway, a browser)."""

from __future__ import annotations

import subprocess


def reap(process: subprocess.Popen, timeout: float = 10) -> None:
    """Wait for ``process``, already asked to stop, for up to ``timeout`` seconds; then kill it."""
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
