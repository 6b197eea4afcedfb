"""App client secret rotation: ``UserPoolClient.secrets`` and the mutations that add and delete a secret.

A confidential client holds one or two secrets, so it can move to a new one before the old one goes. The list
gives each secret's ID and date, never its value; ``addUserPoolClientSecret`` answers a secret Cognito generated
once, on its payload (``clientSecretDescriptor.clientSecretValue``, admin-only as every secret). A secret chosen in
the input is a secret too: the audit redacts it. The gateway's own SECRET_HASH reads the client's secret with
DescribeUserPoolClient (:func:`gateway.graphql.clients.describe_client`); these mutations drop the cached
description of the pool's clients, so a sign-in after a rotation uses the secret the client holds now.
"""

from typing import Any

import strawberry

from gateway.auth import Role
from gateway.graphql.clients import UserPoolClientIdentifiers
from gateway.graphql.context import Context
from gateway.graphql.operations import mutation, payload_type
from gateway.graphql.shapes import from_cognito, output_type

ClientSecretDescriptor = output_type("ClientSecretDescriptorType")


async def client_secrets(context: Context, user_pool_id: str, client_id: str) -> list[Any]:
    """The client's secrets, without their values. One call: a client holds at most two secrets, so Cognito's
    answer is one page (its NextToken is never needed)."""
    response = await context.loaders.read("ListUserPoolClientSecrets", UserPoolId=user_pool_id, ClientId=client_id)
    return [from_cognito(ClientSecretDescriptor, item) for item in response.get("ClientSecrets") or []]


@strawberry.type
class ClientSecretIdentifiers(UserPoolClientIdentifiers):
    client_secret_id: str


_CLIENT = ("UserPoolId", "ClientId")


@strawberry.type
class ClientSecretMutations:
    add_user_pool_client_secret = mutation(
        "AddUserPoolClientSecret",
        payload_type("AddUserPoolClientSecret", UserPoolClientIdentifiers),
        role=Role.ADMIN,
        identifiers=_CLIENT,
    )
    delete_user_pool_client_secret = mutation(
        "DeleteUserPoolClientSecret",
        payload_type("DeleteUserPoolClientSecret", ClientSecretIdentifiers),
        role=Role.ADMIN,
        identifiers=(*_CLIENT, "ClientSecretId"),
    )
