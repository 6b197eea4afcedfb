"""Schema assembly: the domains' queries and mutations, every error type, caches and the error mapping."""

import strawberry
from strawberry.extensions import DisableIntrospection, ParserCache, ValidationCache
from strawberry.printer import print_schema
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from gateway.graphql.errors import ERROR_TYPES, EXCEPTION_HANDLERS, ErrorShaping, ServiceError
from gateway.graphql.groups import GroupMutations, GroupQueries
from gateway.graphql.scalars import SCALAR_MAP
from gateway.graphql.user_pools import UserPoolMutations, UserPoolQueries
from gateway.graphql.users import UserMutations, UserQueries

Query = merge_types("Query", (UserPoolQueries, UserQueries, GroupQueries))
Mutation = merge_types("Mutation", (UserPoolMutations, UserMutations, GroupMutations))


def build_schema(*, introspection: bool = True) -> strawberry.Schema:
    extensions: list[type] = [ParserCache, ValidationCache, ErrorShaping]
    if not introspection:
        extensions.append(DisableIntrospection)
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        # Every Cognito error is in the schema, also those no exposed operation raises.
        types=[*ERROR_TYPES.values(), ServiceError],
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=extensions,
        exception_handlers=EXCEPTION_HANDLERS,
    )


def schema_sdl() -> str:
    return print_schema(build_schema()) + "\n"
