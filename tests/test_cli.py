"""The console script: `export-schema` and `serve --demo`, run as a user runs them."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from gateway.graphql.schema import schema_sdl
from tests.test_app import closed_port

ROOT = Path(__file__).resolve().parent.parent


def test_export_schema_prints_the_sdl():
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "export-schema"], capture_output=True, text=True, check=True, cwd=ROOT
    )

    assert result.stdout == schema_sdl()
    assert "type Query" in result.stdout and "interface CognitoError" in result.stdout


def post(url: str, query: str) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps({"query": query}).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


@pytest.fixture
def demo_server():
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
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            printed.append(line)
            if "Uvicorn running" in line:  # printed once the socket listens
                yield port, "".join(printed)
                return
        pytest.fail("the demo did not start:\n" + "".join(printed))
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_serve_demo_prints_graphiql_and_an_example_that_works(demo_server):
    port, printed = demo_server

    assert f"GraphiQL at http://127.0.0.1:{port}/graphql" in printed
    pool_id = re.search(r"user pool (\S+)", printed).group(1)
    example = printed[printed.index("try this query:") + len("try this query:") :].split("INFO")[0]
    body = post(f"http://127.0.0.1:{port}/graphql", example)
    users = body["data"]["users"]["nodes"]
    assert len(users) == 5 and all(user["username"] for user in users)

    pools = post(f"http://127.0.0.1:{port}/graphql", "{ userPools { ... on UserPoolConnection { nodes { id } } } }")
    assert pools["data"]["userPools"]["nodes"] == [{"id": pool_id}]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as response:
        assert response.status == 200
