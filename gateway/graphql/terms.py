"""Terms documents (terms of use, privacy policy) of managed login: the ``Terms`` type, its query, mutations,
``UserPool.terms`` (ListTerms) and ``UserPoolClient.terms(termsName)`` (DescribeTermsByClient).

``Terms`` is one document, and its plural too: ``Query.terms`` and ``UserPoolClient.terms`` give one document,
``UserPool.terms`` a connection of the pool's documents.
"""

import asyncio
from typing import Any, Optional

import strawberry

from gateway.auth import Role
from gateway.cognito.errors import CognitoException
from gateway.graphql.context import Context, Info
from gateway.graphql.declarations import calls
from gateway.graphql.errors import result_union
from gateway.graphql.operations import mutation, payload_type
from gateway.graphql.pagination import Connection, PoolList, selects_beyond, summary_fields
from gateway.graphql.shapes import cognito_type, from_cognito


@cognito_type("TermsType")
class Terms:
    pass


@strawberry.type
class TermsConnection(Connection[Terms]):
    pass


TERMS = PoolList(TermsConnection, "ListTerms", Terms)


async def describe_terms(context: Context, user_pool_id: str, terms_id: str) -> dict[str, Any]:
    return (await context.loaders.read("DescribeTerms", UserPoolId=user_pool_id, TermsId=terms_id))["Terms"]


# What ListTerms gives of a document (and its pool, known from the request): selecting more describes each one.
_SUMMARY_FIELDS = summary_fields("TermsDescriptionType", "user_pool_id")


async def list_terms(info: Info, user_pool_id: str, first: int, after: Optional[str]) -> TermsConnection:
    context = info.context

    async def describe(summaries: list[Any]) -> list[Any]:
        return await asyncio.gather(*(describe_terms(context, user_pool_id, item["TermsId"]) for item in summaries))

    expand = describe if selects_beyond(info, _SUMMARY_FIELDS) else None
    return await TERMS.page(context, user_pool_id, first, after, expand=expand)


async def terms_of_client(context: Context, user_pool_id: str, client_id: str, terms_name: str) -> Optional[Terms]:
    """One app client's document of that name (DescribeTermsByClient), or None when it has none."""
    try:
        response = await context.loaders.read(
            "DescribeTermsByClient", UserPoolId=user_pool_id, ClientId=client_id, TermsName=terms_name
        )
    except CognitoException as error:
        if error.code == "ResourceNotFoundException":  # the client exists (it is the parent): no such document
            return None
        raise
    return from_cognito(Terms, response["Terms"])


TermsResult = result_union("TermsResult", Terms, "DescribeTerms")


@strawberry.type
class TermsQueries:
    @strawberry.field(
        description="One terms document by ID (DescribeTerms); a pool's documents are UserPool.terms.",
        extensions=calls("DescribeTerms", role=Role.VIEWER),
    )
    async def terms(self, info: Info, user_pool_id: strawberry.ID, terms_id: str) -> TermsResult:
        return from_cognito(Terms, await describe_terms(info.context, user_pool_id, terms_id))


@strawberry.type
class TermsIdentifiers:
    user_pool_id: strawberry.ID
    terms_id: str


@strawberry.type
class TermsMutations:
    create_terms = mutation("CreateTerms", payload_type("CreateTerms"), role=Role.ADMIN)
    update_terms = mutation("UpdateTerms", payload_type("UpdateTerms"), role=Role.ADMIN)
    delete_terms = mutation(
        "DeleteTerms",
        payload_type("DeleteTerms", TermsIdentifiers),
        role=Role.ADMIN,
        identifiers=("UserPoolId", "TermsId"),
    )
