"""Callers by role for the graph's tests: the app in api-key mode, one key per role (and an admin of one pool)."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from gateway.auth.api_keys import hash_key
from gateway.demo.server import DemoBackend
from gateway.settings import ApiKey
from tests.conftest import Gateway, running_gateway

KEYS = {"viewer": "viewer-key", "operator": "operator-key", "admin": "admin-key", "pool-admin": "pool-admin-key"}


@asynccontextmanager
async def callers(backend: DemoBackend, pool_id: str, **settings: Any) -> AsyncIterator[Callable[[str], Gateway]]:
    """``as_caller(name)``: the app in api-key mode, called with the key of ``name`` (calls counted afresh)."""
    keys = [ApiKey(name=name, role=name, hash=hash_key(key)) for name, key in KEYS.items() if name != "pool-admin"]
    keys.append(ApiKey(name="pool-admin", role="admin", pools=[pool_id], hash=hash_key(KEYS["pool-admin"])))
    async with running_gateway(backend, auth_mode="api-key", api_keys=keys, **settings) as gateway:

        def as_caller(name: str) -> Gateway:
            gateway.http.headers["X-API-Key"] = KEYS[name]
            gateway.reset_calls()
            return gateway

        yield as_caller


def forbidden(body: dict[str, Any], path: list[Any]) -> str:
    """The field at ``path`` was refused with one FORBIDDEN error; returns its message."""
    [error] = [error for error in body["errors"] if error["path"] == path]
    assert error["extensions"] == {"code": "FORBIDDEN"}
    return error["message"]


async def refused_without_a_call(gateway: Gateway, changes: list[tuple[str, dict[str, Any]]]) -> None:
    """Each mutation of ``changes`` (its name, its input) is refused to ``gateway``'s caller: no payload, one
    FORBIDDEN error, and not one Cognito call among them."""
    gateway.reset_calls()
    for name, input in changes:
        operation = name[0].upper() + name[1:]
        body = await gateway.query(
            f"mutation($input: {operation}Input!) {{ {name}(input: $input) {{ __typename }} }}", {"input": input}
        )
        assert body["data"] == {name: None}
        assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"], name
    assert gateway.calls == {}
