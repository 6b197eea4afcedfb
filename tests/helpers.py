"""Arranging Cognito state through boto3 (the gateway is what the tests exercise, not this), and waiting for the\ngateway's readiness."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from botocore.client import BaseClient

HANG_GUARD_SECONDS = 30  # catches a hung request; not a speed target (bench/ measures those)


def create_users(cognito: BaseClient, pool_id: str, count: int, *, prefix: str = "user") -> list[str]:
    """``count`` users named ``<prefix>-000``... with an email and a given name; returns their usernames."""
    usernames = [f"{prefix}-{index:03d}" for index in range(count)]

    def create(username: str) -> None:
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": f"{username}@example.com"},
                {"Name": "given_name", "Value": "Even" if int(username[-3:]) % 2 == 0 else "Odd"},
            ],
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(create, usernames))
    return usernames


def create_group(cognito: BaseClient, pool_id: str, name: str, members: list[str] = ()) -> None:
    cognito.create_group(UserPoolId=pool_id, GroupName=name, Description=f"the {name}")
    for username in members:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=name)


def assert_error(result: dict[str, Any], typename: str, code: str) -> None:
    """A typed Cognito error union member, with its message and the request ID Cognito gave."""
    assert result["__typename"] == typename, result
    assert result["code"] == code
    assert result["message"]
    assert result["requestId"]


PASSWORD = "Passw0rd!Passw0rd"


def signed_in_user(cognito: BaseClient, pool_id: str, username: str = "alice") -> dict[str, str]:
    """A confirmed user signed in through an app client: its ``ClientId`` and ``AccessToken``/``RefreshToken``."""
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="tests",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    cognito.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)
    tokens = cognito.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return {"ClientId": client_id, "AccessToken": tokens["AccessToken"], "RefreshToken": tokens["RefreshToken"]}


async def readiness_turns(http: httpx.AsyncClient, status: int) -> dict:
    """The body of the first /readyz answer with ``status``; every probe must answer (a hung one fails).

    /readyz answers from the last check of Cognito, waiting at most a second for one under way: on a stalled
    machine the first probe may answer before the first check has, as a Kubernetes probe would see it."""

    async def probe() -> httpx.Response:
        return await asyncio.wait_for(http.get("/readyz"), HANG_GUARD_SECONDS)

    async def poll() -> dict:
        while (response := await probe()).status_code != status:
            await asyncio.sleep(0.05)
        return response.json()

    return await asyncio.wait_for(poll(), HANG_GUARD_SECONDS)


class GraphQLOverHTTP:
    """``query`` and ``data`` over a gateway's ``http`` client: the in-process app's (tests/conftest.py) or a
    process's (tests/processes.py)."""

    http: httpx.AsyncClient

    async def query(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.http.post("/graphql", json={"query": document, "variables": variables or {}})
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The ``data`` of a response that must have no ``errors``."""
        body = await self.query(document, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]
