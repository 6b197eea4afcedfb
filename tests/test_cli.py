"""The console script: `export-schema` and `serve --demo`, run as a user runs them."""

import concurrent.futures
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from gateway.graphql.schema import schema_sdl
from tests.helpers import readiness_turns
from tests.processes import demo_process
from tests.test_app import closed_port

ROOT = Path(__file__).resolve().parent.parent


def test_export_schema_prints_the_sdl():
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "export-schema"], capture_output=True, text=True, check=True, cwd=ROOT
    )

    assert result.stdout == schema_sdl()
    assert "type Query" in result.stdout and "interface CognitoError" in result.stdout


def ready(url: str, within_seconds: float = 30) -> dict:
    """The first 200 answer of the readiness probe at ``url``: the first probe may come before the first check of
    Cognito has answered (/readyz waits at most a second for it)."""
    deadline = time.monotonic() + within_seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code != 503 or time.monotonic() > deadline:
                raise
        time.sleep(0.05)


def post(url: str, query: str) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps({"query": query}).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


@pytest.fixture
def demo_server():
    with demo_process() as started:
        yield started


def test_serve_demo_prints_graphiql_and_an_example_that_works(demo_server):
    port, printed = demo_server

    assert f"GraphiQL at http://127.0.0.1:{port}/graphql" in printed
    pool_id = re.search(r"user pool (\S+)", printed).group(1)
    after = printed[printed.index("try this query:\n") + len("try this query:\n") :]
    example = after[: after.index("\n}\n") + 2]  # the query ends with a "}" of its own at column 0
    body = post(f"http://127.0.0.1:{port}/graphql", example)
    users = body["data"]["users"]["nodes"]
    assert len(users) == 5 and all(user["username"] for user in users)

    pools = post(f"http://127.0.0.1:{port}/graphql", "{ userPools { ... on UserPoolConnection { nodes { id } } } }")
    assert pools["data"]["userPools"]["nodes"] == [{"id": pool_id}]
    assert ready(f"http://127.0.0.1:{port}/readyz") == {"status": "ready"}

    # The demo's pool is indexed at start.
    status = f'{{ indexStatus(userPoolId: "{pool_id}") {{ ... on IndexStatus {{ state usersIndexed progress }} }} }}'
    deadline = time.monotonic() + 30
    while (index := post(f"http://127.0.0.1:{port}/graphql", status)["data"]["indexStatus"])["state"] != "READY":
        assert index["state"] in ("NOT_INDEXED", "SYNCING") and time.monotonic() < deadline, index
        time.sleep(0.05)
    seeded = int(re.search(r"user pool \S+ \((\d+) users", printed).group(1))
    assert index["progress"] == 1.0 and index["usersIndexed"] == seeded


def test_sigterm_lets_in_flight_requests_finish_then_exits(backend, cognito):
    """A request in flight when SIGTERM arrives (its Cognito call takes 2 s) still gets its answer; then the
    process exits cleanly, and no longer accepts connections."""
    from bench.proxy import CountingProxy
    from gateway.demo.server import DEMO_CREDENTIALS, DEMO_REGION

    slow_cognito = CountingProxy(backend.endpoint_url, latency_seconds=2).start()
    port = closed_port()
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": slow_cognito.endpoint_url,
        "AWS_ACCESS_KEY_ID": DEMO_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": DEMO_CREDENTIALS["aws_secret_access_key"],
        "AWS_REGION": DEMO_REGION,
        "GATEWAY_AUTH_MODE": "none",
        "GATEWAY_ALLOW_INSECURE": "true",
        "GATEWAY_PORT": str(port),
        "GATEWAY_METRICS_PORT": str(closed_port()),
        "GATEWAY_SHUTDOWN_TIMEOUT_SECONDS": "10",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        printed = []
        while "Uvicorn running" not in "".join(printed):
            line = process.stdout.readline()
            assert line, "the gateway did not start:\n" + "".join(printed)
            printed.append(line)
        url = f"http://127.0.0.1:{port}/graphql"
        with concurrent.futures.ThreadPoolExecutor() as pool:
            in_flight = pool.submit(post, url, "{ userPools { __typename } }")
            deadline = time.monotonic() + 15
            while not slow_cognito.calls()["ListUserPools"]:  # SIGTERM once the call is at Cognito (for 2 s)
                assert time.monotonic() < deadline and not in_flight.done(), "the request never reached Cognito"
                time.sleep(0.01)
            process.send_signal(signal.SIGTERM)
            answer = in_flight.result(timeout=15)
        exit_code = process.wait(timeout=15)
        printed.append(process.stdout.read())
    finally:
        process.kill()
        slow_cognito.stop()

    assert answer == {"data": {"userPools": {"__typename": "UserPoolConnection"}}}
    # uvicorn re-raises the signal once shut down, so the process ends as terminated by SIGTERM.
    assert exit_code == -signal.SIGTERM
    log = "".join(printed)
    assert "shutting down: finishing in-flight requests" in log
    assert log.index("shutting down") < log.index("Application shutdown complete")  # the lifespan closed the clients
    with pytest.raises(OSError):
        post(url, "{ __typename }")


async def test_readiness_turns_false_while_draining(gateway):
    await readiness_turns(gateway.http, 200)

    gateway.app.state.draining = True  # what the server sets on SIGTERM

    response = await gateway.http.get("/readyz")
    assert (response.status_code, response.json()) == (503, {"status": "draining"})
