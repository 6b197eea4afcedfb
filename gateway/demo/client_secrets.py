"""App client secret rotation, which moto 5.2.5 lacks: AddUserPoolClientSecret, ListUserPoolClientSecrets,
DeleteUserPoolClientSecret, and CreateUserPoolClient's ``ClientSecret`` (a secret of the caller's choosing).

A confidential client holds one or two secrets (``<client-id>--<epoch-millis>`` IDs).  moto knows one,
``client.secret``, which it checks SECRET_HASH against and DescribeUserPoolClient answers; here it is always the
oldest secret still held.  :func:`install` also makes moto's SECRET_HASH check accept any of the client's secrets,
so a client can switch to a new secret before the old one is deleted.  The secrets are kept on moto's client
object, so ``POST /moto-api/reset`` drops them.
"""

from __future__ import annotations

import functools
import json
import re
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import moto.cognitoidp.models as moto_models
from moto.cognitoidp.exceptions import InvalidParameterException, ResourceNotFoundError
from moto.cognitoidp.models import CognitoIdpUserPoolClient, cognitoidp_backends
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow

from gateway.demo.exceptions import LimitExceededException
from gateway.demo.requests import Handler, Operations, required_param

__all__ = ["MAX_SECRETS", "OPERATIONS", "ClientSecret", "client_secrets", "find_client", "is_client_secret"]

MAX_SECRETS: Final = 2  # "Supports up to 2 active secrets per app client"
# ClientSecretType: 24..64 characters of [\w+].
_SECRET_PATTERN: Final = re.compile(r"[\w+]{24,64}", re.ASCII)
_GENERATED_LENGTH: Final = 52  # what Cognito generates
_GENERATED_ALPHABET: Final = string.ascii_lowercase + string.digits
_STATE_ATTRIBUTE: Final = "_gateway_client_secrets"


@dataclass
class ClientSecret:
    id: str
    value: str = field(repr=False)
    created: datetime

    def descriptor(self, *, with_value: bool = False) -> dict[str, Any]:
        """ClientSecretDescriptorType; the value only where Cognito answers it (a secret it just generated)."""
        data: dict[str, Any] = {"ClientSecretId": self.id, "ClientSecretCreateDate": self.created}
        if with_value:
            data["ClientSecretValue"] = self.value
        return data


def _new_secret(client: CognitoIdpUserPoolClient, value: str, held: list[ClientSecret]) -> ClientSecret:
    now = utcnow()
    millis = int(now.timestamp() * 1000)
    taken = {secret.id for secret in held}
    while f"{client.id}--{millis}" in taken:  # two secrets in one millisecond
        millis += 1
    return ClientSecret(f"{client.id}--{millis}", value, now)


def client_secrets(client: CognitoIdpUserPoolClient) -> list[ClientSecret]:
    """The client's secrets, oldest first ([] for a public client). The first is moto's ``client.secret``."""
    held: list[ClientSecret] | None = client.__dict__.get(_STATE_ATTRIBUTE)
    if held is None:
        held = [_new_secret(client, client.secret, [])] if client.generate_secret else []
        held = client.__dict__.setdefault(_STATE_ATTRIBUTE, held)  # atomic under the GIL
    return held


def is_client_secret(client: CognitoIdpUserPoolClient, value: str | None) -> bool:
    """Whether ``value`` is one of the client's secrets (constant-time per secret)."""
    return value is not None and any(
        secrets.compare_digest(value.encode(), secret.value.encode()) for secret in client_secrets(client)
    )


def _check_secret_value(value: Any, member: str) -> str:
    if not isinstance(value, str) or not _SECRET_PATTERN.fullmatch(value):
        # Never echo the value: it is a secret.
        raise InvalidParameterException(
            f"1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must have "
            "length between 24 and 64 and satisfy regular expression pattern: [\\w+]+"
        )
    return value


def _client(response: CognitoIdpResponse) -> CognitoIdpUserPoolClient:
    """ResourceNotFoundException for an unknown pool or client, as DescribeUserPoolClient answers."""
    return response.backend.describe_user_pool_client(
        required_param(response, "UserPoolId"), required_param(response, "ClientId")
    )


OPERATIONS: Final = Operations()


@OPERATIONS.add
def add_user_pool_client_secret(self: CognitoIdpResponse) -> ActionResult:
    client = _client(self)
    chosen = self._get_param("ClientSecret")
    if chosen is not None:
        _check_secret_value(chosen, "clientSecret")
    if not client.generate_secret:
        raise InvalidParameterException(f"Client {client.id} is a public client: it has no client secret to rotate.")
    held = client_secrets(client)
    if len(held) >= MAX_SECRETS:
        raise LimitExceededException(
            f"Client {client.id} already has {MAX_SECRETS} secrets; delete one before adding another."
        )
    value = (
        chosen if chosen is not None else "".join(secrets.choice(_GENERATED_ALPHABET) for _ in range(_GENERATED_LENGTH))
    )
    secret = _new_secret(client, value, held)
    held.append(secret)
    # Cognito answers the value only when it generated it: the caller already knows its own.
    return ActionResult({"ClientSecretDescriptor": secret.descriptor(with_value=chosen is None)})


@OPERATIONS.add
def list_user_pool_client_secrets(self: CognitoIdpResponse) -> ActionResult:
    client = _client(self)
    # At most two secrets: one page, no NextToken (as the API reference says).
    return ActionResult({"ClientSecrets": [secret.descriptor() for secret in client_secrets(client)]})


@OPERATIONS.add
def delete_user_pool_client_secret(self: CognitoIdpResponse) -> ActionResult:
    client = _client(self)
    secret_id = required_param(self, "ClientSecretId")
    held = client_secrets(client)
    secret = next((secret for secret in held if secret.id == secret_id), None)
    if secret is None:
        raise ResourceNotFoundError(f"Client secret {secret_id} does not exist for client {client.id}.")
    if len(held) == 1:
        raise InvalidParameterException(f"Client secret {secret_id} is the last secret of client {client.id}.")
    held.remove(secret)
    client.secret = held[0].value  # what moto checks SECRET_HASH against and DescribeUserPoolClient answers
    return EmptyResult()


def _takes_a_chosen_secret(handler: Handler) -> Handler:
    """Wrap moto's CreateUserPoolClient: it would store ``ClientSecret`` as a plain setting and generate its own.

    The client's first secret is recorded as it is created, so its ClientSecretCreateDate is the client's.
    """

    @functools.wraps(handler)
    def wrapper(self: CognitoIdpResponse) -> ActionResult:
        # moto parses ``parameters`` from the body at every access: the request is changed in the body.
        request = json.loads(self.body)
        chosen = request.pop("ClientSecret", None)
        if chosen is not None:
            _check_secret_value(chosen, "clientSecret")
            if request.get("GenerateSecret"):
                raise InvalidParameterException("GenerateSecret cannot be true when a ClientSecret is provided.")
            request["GenerateSecret"] = True  # a confidential client, with the caller's secret
            self.body = json.dumps(request)
        result = handler(self)
        answer: dict[str, Any] = result.result["UserPoolClient"]  # type: ignore[index]
        client = self.backend.describe_user_pool_client(answer["UserPoolId"], answer["ClientId"])
        if chosen is not None:
            client.secret = answer["ClientSecret"] = chosen
        client_secrets(client)
        return result

    return wrapper


def find_client(client_id: str) -> CognitoIdpUserPoolClient | None:
    """The client of that ID in any account and region of this process's moto."""
    for regions in list(cognitoidp_backends.values()):
        for backend in list(regions.values()):
            for pool in list(backend.user_pools.values()):
                if client_id in pool.clients:
                    return pool.clients[client_id]
    return None


def _accepts_every_secret(check: Callable[[str, str, str, str | None], bool]) -> Callable[..., bool]:
    """Wrap moto's SECRET_HASH check (always given ``client.secret``) to accept the client's other secret too."""

    @functools.wraps(check)
    def wrapper(app_client_secret: str, app_client_id: str, username: str, secret_hash: str | None) -> bool:
        if check(app_client_secret, app_client_id, username, secret_hash):
            return True
        client = find_client(app_client_id)
        return client is not None and any(
            check(secret.value, app_client_id, username, secret_hash) for secret in client_secrets(client)
        )

    return wrapper


@OPERATIONS.on_install
def _wrap_moto() -> None:
    """CreateUserPoolClient takes a chosen secret; SECRET_HASH checks accept every secret of the client."""
    CognitoIdpResponse.create_user_pool_client = _takes_a_chosen_secret(  # type: ignore[method-assign]
        CognitoIdpResponse.create_user_pool_client
    )
    moto_models.check_secret_hash = _accepts_every_secret(moto_models.check_secret_hash)  # type: ignore[assignment]
