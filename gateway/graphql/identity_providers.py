"""Identity providers (SAML, OIDC, Google, Facebook, Login with Amazon, Sign in with Apple): type, queries, mutations.

``providerDetails`` and ``attributeMapping`` are JSON. The secrets a provider holds in its details
(``client_secret``, Apple's ``private_key``) are shown as ``REDACTED``, and an update that sends that
marker back is refused rather than storing it as the secret.
"""

import asyncio
from typing import TYPE_CHECKING, Annotated, Any, Optional

import strawberry

from gateway.auth import Role
from gateway.cognito import model
from gateway.cognito.errors import invalid_parameter
from gateway.graphql.context import Context, Info
from gateway.graphql.declarations import calls
from gateway.graphql.errors import result_union
from gateway.graphql.operations import mutation, payload_type
from gateway.graphql.pagination import PAGE_SIZE, Connection, list_connection, selects_beyond, summary_fields
from gateway.graphql.shapes import cognito_type, from_cognito

if TYPE_CHECKING:
    from gateway.graphql.user_pools import UserPool

UserPoolRef = Annotated["UserPool", strawberry.lazy("gateway.graphql.user_pools")]


def redact(provider: dict[str, Any]) -> dict[str, Any]:
    """A provider as Cognito describes it, with the secrets of its details masked (as the audit masks them)."""
    return model.redact(provider, model.shape("IdentityProviderType"))


@cognito_type("IdentityProviderType")
class IdentityProvider:
    @strawberry.field(
        description="The user pool the provider belongs to.", extensions=calls("DescribeUserPool", role=Role.VIEWER)
    )
    async def user_pool(self, info: Info) -> Optional[UserPoolRef]:
        from gateway.graphql.user_pools import user_pool_by_id

        return await user_pool_by_id(info.context, self.user_pool_id)


def provider_from(data: dict[str, Any]) -> IdentityProvider:
    return from_cognito(IdentityProvider, redact(data))


async def describe_provider(context: Context, user_pool_id: str, provider_name: str) -> dict[str, Any]:
    response = await context.loaders.read(
        "DescribeIdentityProvider", UserPoolId=user_pool_id, ProviderName=provider_name
    )
    return response["IdentityProvider"]


@strawberry.type
class IdentityProviderConnection(Connection[IdentityProvider]):
    pass


_SUMMARY_FIELDS = summary_fields("ProviderDescription", "user_pool", "user_pool_id")


async def list_providers(info: Info, user_pool_id: str, first: int, after: Optional[str]) -> IdentityProviderConnection:
    context = info.context
    needs_details = selects_beyond(info, _SUMMARY_FIELDS)

    async def expand(providers: list[Any]) -> list[Any]:
        if needs_details:
            providers = await asyncio.gather(
                *(describe_provider(context, user_pool_id, p["ProviderName"]) for p in providers)
            )
        # The summary has no UserPoolId; the nodes' `userPool` needs it.
        return [{"UserPoolId": user_pool_id, **provider} for provider in providers]

    return await list_connection(
        context,
        IdentityProviderConnection,
        "ListIdentityProviders",
        provider_from,
        first,
        after,
        expand=expand,
        UserPoolId=user_pool_id,
    )


IdentityProvidersResult = result_union("IdentityProvidersResult", IdentityProviderConnection, "ListIdentityProviders")
IdentityProviderResult = result_union("IdentityProviderResult", IdentityProvider, "DescribeIdentityProvider")
IdentityProviderByIdentifierResult = result_union(
    "IdentityProviderByIdentifierResult", IdentityProvider, "GetIdentityProviderByIdentifier"
)


@strawberry.type
class IdentityProviderQueries:
    @strawberry.field(
        description="The identity providers of a user pool (ListIdentityProviders).",
        extensions=calls("ListIdentityProviders", role=Role.VIEWER, each_node="DescribeIdentityProvider"),
    )
    async def identity_providers(
        self, info: Info, user_pool_id: strawberry.ID, first: int = PAGE_SIZE, after: Optional[str] = None
    ) -> IdentityProvidersResult:
        return await list_providers(info, user_pool_id, first, after)

    @strawberry.field(
        description="One identity provider by name (DescribeIdentityProvider).",
        extensions=calls("DescribeIdentityProvider", role=Role.VIEWER),
    )
    async def identity_provider(
        self, info: Info, user_pool_id: strawberry.ID, provider_name: str
    ) -> IdentityProviderResult:
        return provider_from(await describe_provider(info.context, user_pool_id, provider_name))

    @strawberry.field(
        description="The identity provider that has an IdP identifier (GetIdentityProviderByIdentifier).",
        extensions=calls("GetIdentityProviderByIdentifier", role=Role.VIEWER),
    )
    async def identity_provider_by_identifier(
        self, info: Info, user_pool_id: strawberry.ID, idp_identifier: str
    ) -> IdentityProviderByIdentifierResult:
        response = await info.context.loaders.read(
            "GetIdentityProviderByIdentifier", UserPoolId=user_pool_id, IdpIdentifier=idp_identifier
        )
        return provider_from(response["IdentityProvider"])


# --- mutations -------------------------------------------------------------------------------------


@strawberry.type
class IdentityProviderIdentifiers:
    user_pool_id: strawberry.ID
    provider_name: str


def _provider_written(operation: str) -> Any:
    payload = payload_type(operation)

    def respond(context: Context, request: dict[str, Any], response: dict[str, Any]) -> Any:
        return from_cognito(payload, {**response, "IdentityProvider": redact(response["IdentityProvider"])})

    return mutation(operation, payload, respond, role=Role.ADMIN, check=refuse_redacted_details)


def refuse_redacted_details(request: dict[str, Any]) -> None:
    details = request.get("ProviderDetails")
    if not isinstance(details, dict):
        return  # not a string map at all: botocore refuses it as an InvalidParameter before sending
    sent_back = sorted(key for key, value in details.items() if value == model.REDACTED)
    if sent_back:
        raise invalid_parameter(
            f"providerDetails {', '.join(sent_back)} is '{model.REDACTED}', the gateway's mask: send the real value or leave it out"
        )


@strawberry.type
class IdentityProviderMutations:
    create_identity_provider = _provider_written("CreateIdentityProvider")
    update_identity_provider = _provider_written("UpdateIdentityProvider")
    delete_identity_provider = mutation(
        "DeleteIdentityProvider",
        payload_type("DeleteIdentityProvider", IdentityProviderIdentifiers),
        role=Role.ADMIN,
        identifiers=("UserPoolId", "ProviderName"),
    )
