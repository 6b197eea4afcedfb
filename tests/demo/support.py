"""What the tests of the demo backend's operation families share: the model, error checks, pools to arrange."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.model import Shape

from gateway.demo.server import DEMO_CREDENTIALS, DEMO_REGION, DemoBackend

__all__ = [
    "MODEL",
    "PASSWORD",
    "Pool",
    "TwoClientPool",
    "check_against_model",
    "make_pool",
    "pool_with_two_clients",
    "raises",
    "secret_hash",
    "unvalidated_client",
]

PASSWORD = "Passw0rd!Passw0rd"
MODEL = botocore.session.get_session().get_service_model("cognito-idp")


def raises(code: str, call: Callable[..., Any], /, *args: Any, **kwargs: Any) -> str:
    """Call a client method that must fail with Cognito error ``code``; returns the message."""
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    error = caught.value.response["Error"]
    assert error["Code"] == code, error
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return str(error.get("Message", ""))


def check_against_model(value: Any, shape: Shape, path: str) -> None:
    """``value`` (an answer, or part of one) has only members of ``shape``, its required ones, and their types."""
    if shape.type_name == "structure":
        assert isinstance(value, dict), path
        assert set(value) <= set(shape.members), f"{path}: {set(value) - set(shape.members)} not in the model"
        missing = set(shape.required_members) - set(value)
        assert not missing, f"{path}: required {missing} missing"
        for name, member in value.items():
            check_against_model(member, shape.members[name], f"{path}.{name}")
    elif shape.type_name == "list":
        for index, item in enumerate(value):
            check_against_model(item, shape.member, f"{path}[{index}]")  # type: ignore[attr-defined]
    elif shape.type_name == "string":
        assert isinstance(value, str), path
        if shape.enum:
            assert value in shape.enum, f"{path}: {value!r} not in {shape.enum}"
    elif shape.type_name == "timestamp":
        assert isinstance(value, datetime), path
    elif shape.type_name == "boolean":
        assert isinstance(value, bool), path


def secret_hash(secret: str, client_id: str, username: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def unvalidated_client(backend: DemoBackend) -> BaseClient:
    """A client without botocore's parameter validation, to send what the server must refuse itself."""
    session = boto3.session.Session(region_name=DEMO_REGION, **DEMO_CREDENTIALS)
    return session.client(
        "cognito-idp",
        endpoint_url=backend.endpoint_url,
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}, proxies={}),
    )


# -- pools ---------------------------------------------------------------------------------


@dataclass
class Pool:
    id: str
    arn: str
    client_id: str  # public client: admin and user password auth, refresh tokens

    def create_user(self, cognito: BaseClient, username: str, **attributes: str) -> None:
        """A CONFIRMED user with ``PASSWORD``."""
        cognito.admin_create_user(
            UserPoolId=self.id,
            Username=username,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": name, "Value": value} for name, value in attributes.items()],
        )
        cognito.admin_set_user_password(UserPoolId=self.id, Username=username, Password=PASSWORD, Permanent=True)

    def sign_in(self, cognito: BaseClient, username: str, password: str = PASSWORD) -> dict[str, Any]:
        return cognito.admin_initiate_auth(
            UserPoolId=self.id,
            ClientId=self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )


def make_pool(cognito: BaseClient, *, advanced_security: str | None = "AUDIT", **config: Any) -> Pool:
    """A pool (advanced security in AUDIT mode unless told) with one app client for password sign-ins."""
    if advanced_security is not None:
        config["UserPoolAddOns"] = {"AdvancedSecurityMode": advanced_security}
    created = cognito.create_user_pool(PoolName="extensions", **config)["UserPool"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=created["Id"],
        ClientName="app",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return Pool(created["Id"], created["Arn"], client_id)


@dataclass
class TwoClientPool:
    id: str
    client_id: str  # "web"
    other_client_id: str  # "mobile"


def pool_with_two_clients(cognito: BaseClient, name: str, **config: Any) -> TwoClientPool:
    """A pool with the app clients "web" and "mobile"."""
    pool_id = cognito.create_user_pool(PoolName=name, **config)["UserPool"]["Id"]
    clients = [
        cognito.create_user_pool_client(UserPoolId=pool_id, ClientName=client)["UserPoolClient"]["ClientId"]
        for client in ("web", "mobile")
    ]
    return TwoClientPool(pool_id, *clients)
