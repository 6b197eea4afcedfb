"""Service-account API keys (X-API-Key) through HTTP on the real app, and `cognito-gateway api-key`."""

import json
from typing import Any

import pytest

from gateway.auth.api_keys import hash_key
from gateway.cli import main
from tests.conftest import Gateway, running_gateway

VIEWER_KEY = "cgw_viewer-key-for-the-tests"
ADMIN_KEY = "cgw_admin-key-for-the-tests"
POOLS = "{ userPools { __typename } }"
CREATE_GROUP = 'mutation { createGroup(input: {userPoolId: "us-east-1_x", groupName: "g"}) { __typename } }'


def entry(name: str, role: str, key: str, pools: list[str] | None = None) -> dict[str, Any]:
    return {"name": name, "role": role, "pools": pools, "hash": hash_key(key)}


@pytest.fixture
async def key_gateway(backend, cognito):
    keys = [entry("dashboard", "viewer", VIEWER_KEY), entry("provisioner", "admin", ADMIN_KEY)]
    async with running_gateway(backend, auth_mode="api-key", api_keys=keys) as running:
        yield running


async def post(gateway: Gateway, key: str | None, query: str = POOLS) -> Any:
    return await gateway.http.post("/graphql", json={"query": query}, headers={"X-API-Key": key} if key else {})


async def test_a_known_key_is_accepted(key_gateway):
    response = await post(key_gateway, VIEWER_KEY)

    assert response.status_code == 200 and "errors" not in response.json(), response.text


async def test_the_keys_role_applies(key_gateway):
    viewer = (await post(key_gateway, VIEWER_KEY, CREATE_GROUP)).json()

    assert viewer["data"]["createGroup"] is None
    assert viewer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert key_gateway.calls == {}

    admin = (await post(key_gateway, ADMIN_KEY, CREATE_GROUP)).json()

    assert "errors" not in admin and admin["data"]["createGroup"]["__typename"], admin
    assert key_gateway.calls.get("CreateGroup") == 1


@pytest.mark.parametrize("key", [None, "cgw_not-a-key-we-know", VIEWER_KEY + "x", ""])
async def test_a_wrong_or_missing_key_is_refused_before_anything_runs(key_gateway, key):
    response = await post(key_gateway, key)

    assert response.status_code == 401, response.text
    assert "data" not in response.json()
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"].startswith("ApiKey")
    assert key_gateway.calls == {}


def new_api_key(capsys, *arguments: str) -> tuple[str, dict[str, Any]]:
    assert main(["api-key", *arguments]) == 0
    key, line = capsys.readouterr().out.splitlines()
    return key, json.loads(line)


async def test_the_cli_output_works_as_settings(backend, cognito, capsys):
    key, api_key = new_api_key(capsys, "--name", "reporting", "--role", "admin")

    assert key.startswith("cgw_") and key not in json.dumps(api_key)
    assert api_key["name"] == "reporting" and api_key["role"] == "admin" and "pools" not in api_key
    async with running_gateway(backend, auth_mode="api-key", api_keys=[api_key]) as gateway:
        accepted = await post(gateway, key, CREATE_GROUP)
        refused = await post(gateway, key[:-1])

    assert accepted.status_code == 200 and "errors" not in accepted.json(), accepted.text
    assert refused.status_code == 401


async def test_a_pool_limited_key_is_refused_on_other_pools(backend, cognito, capsys):
    mine = cognito.create_user_pool(PoolName="mine")["UserPool"]["Id"]
    theirs = cognito.create_user_pool(PoolName="theirs")["UserPool"]["Id"]
    key, api_key = new_api_key(capsys, "--name", "support-bot", "--role", "operator", "--pool", mine)
    assert api_key["pools"] == [mine]
    query = '{{ user(userPoolId: "{pool}", username: "nobody") {{ __typename }} }}'

    async with running_gateway(backend, auth_mode="api-key", api_keys=[api_key]) as gateway:
        own = (await post(gateway, key, query.format(pool=mine))).json()
        other = (await post(gateway, key, query.format(pool=theirs))).json()

    assert "errors" not in own and own["data"]["user"]["__typename"], own  # no such user: a typed error
    assert other["data"]["user"] is None
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert theirs in other["errors"][0]["message"]


async def test_keys_read_from_a_mounted_secret_s_files(backend, cognito, tmp_path, monkeypatch):
    """GATEWAY_SECRETS_DIR: a Kubernetes Secret mounted as files, one per setting, instead of variables."""
    (tmp_path / "GATEWAY_API_KEYS").write_text(json.dumps([entry("dashboard", "viewer", VIEWER_KEY)]) + "\n")
    monkeypatch.setenv("GATEWAY_SECRETS_DIR", str(tmp_path))

    async with running_gateway(backend, auth_mode="api-key") as gateway:
        accepted = await post(gateway, VIEWER_KEY)
        refused = await post(gateway, ADMIN_KEY)

    assert accepted.status_code == 200 and "errors" not in accepted.json(), accepted.text
    assert refused.status_code == 401
