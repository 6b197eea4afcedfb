"""The Cognito side of the bench, in a process of its own: moto (the demo backend) with the seeded pool, and
the counting proxy in front of it. Every client (the gateway, the ideal and the naive client) reaches it the
same way, and moto's CPU work stays off the clients' interpreters.

``python -m bench.backend --users N --groups G --latency-ms L`` seeds, then prints one JSON line (the proxy's
URL and the pool) and serves until its stdin closes. :class:`BackendProcess` starts and stops it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.peers import boto_client
from bench.processes import reap
from bench.proxy import CALLS_PATH, CountingProxy
from gateway.demo import extensions
from gateway.demo.server import DemoBackend

ROOT = Path(__file__).resolve().parent.parent
DEVICES = 2  # of the user the detail scenario reads
_NO_PROXIES = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Pool:
    id: str
    usernames: list[str]
    groups: list[str]
    detail_user: str


def seed_pool(endpoint_url: str, users: int, groups: int) -> Pool:
    """A pool of ``users`` users with an email, in ``groups`` groups of equal size (each user in one group).
    The first user also gets a phone number, SMS MFA and devices, for the detail scenario."""
    cognito = boto_client(endpoint_url, 16)
    pool_id = cognito.create_user_pool(PoolName="bench-pool")["UserPool"]["Id"]
    group_names = [f"group-{index}" for index in range(groups)]
    for name in group_names:
        cognito.create_group(UserPoolId=pool_id, GroupName=name, Description=f"bench {name}")
    usernames = [f"user-{index:05d}" for index in range(users)]

    def create(index: int) -> None:
        username = usernames[index]
        attributes = [
            {"Name": "email", "Value": f"{username}@bench.example"},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": f"Bench User {index}"},
        ]
        if index == 0:
            attributes.append({"Name": "phone_number", "Value": "+15550000000"})
        cognito.admin_create_user(
            UserPoolId=pool_id, Username=username, UserAttributes=attributes, MessageAction="SUPPRESS"
        )
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group_names[index % groups])

    with ThreadPoolExecutor(max_workers=16) as executor:
        list(executor.map(create, range(users)))
    detail = usernames[0]
    cognito.admin_set_user_mfa_preference(
        UserPoolId=pool_id, Username=detail, SMSMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    now = datetime.now(UTC)
    for index in range(DEVICES):  # moto has no device API of its own: straight into the in-process backend
        extensions.seed_device(
            pool_id,
            detail,
            name=f"bench device {index}",
            remembered=True,
            last_authenticated=now - timedelta(days=index),
        )
    return Pool(pool_id, usernames, group_names, detail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--groups", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, required=True)
    args = parser.parse_args()
    with DemoBackend() as backend:
        pool = seed_pool(backend.endpoint_url, args.users, args.groups)
        proxy = CountingProxy(backend.endpoint_url, args.latency_ms / 1000).start()
        print(json.dumps({"proxy": proxy.endpoint_url, "pool": asdict(pool)}), flush=True)
        sys.stdin.read()  # until the bench closes it, or exits
        proxy.stop()


class BackendProcess:
    """The backend subprocess: ``start()`` returns once the pool is seeded and the proxy listens."""

    def __init__(self, users: int, groups: int, latency_ms: float) -> None:
        self.arguments = ["--users", str(users), "--groups", str(groups), "--latency-ms", str(latency_ms)]
        self._log = tempfile.TemporaryFile()
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> BackendProcess:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.backend", *self.arguments],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self._process.wait()
            self._log.seek(0)
            log = self._log.read().decode(errors="replace")[-3000:]
            raise RuntimeError(f"the backend exited with {self._process.returncode}:\n{log}")
        ready = json.loads(line)
        self.proxy_url: str = ready["proxy"]
        self.pool = Pool(**ready["pool"])
        return self

    def calls(self) -> Counter[str]:
        """The upstream calls the proxy has counted so far, by operation."""
        with _NO_PROXIES.open(self.proxy_url + CALLS_PATH, timeout=30) as response:
            return Counter(json.load(response))

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            reap(self._process)
        self._log.close()


if __name__ == "__main__":
    main()
