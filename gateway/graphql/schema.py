"""Schema assembly: the domains' queries and mutations, every error type, caches and the error mapping."""

import logging
from collections.abc import Iterator
from functools import cache
from typing import Any, Optional

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.printer import print_schema
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from gateway.auth import AccessDenied
from gateway.cognito.errors import CognitoException
from gateway.graphql.auth import AuthMutations
from gateway.graphql.branding import BrandingMutations, BrandingQueries
from gateway.graphql.client_secrets import ClientSecretMutations
from gateway.graphql.clients import ClientMutations, ClientQueries
from gateway.graphql.declarations import DeclaredCalls
from gateway.graphql.devices import DeviceMutations, DeviceQueries
from gateway.graphql.errors import ERROR_TYPES, EXCEPTION_HANDLERS, ServiceError, shape_error
from gateway.graphql.groups import GroupMutations, GroupQueries
from gateway.graphql.identity_providers import IdentityProviderMutations, IdentityProviderQueries
from gateway.graphql.index import IndexMutations, IndexQueries
from gateway.graphql.jobs import JobMutations, JobQueries, JobSubscriptions
from gateway.graphql.limits import ValidationCacheAfterChecks, add_limit_code, limits_extension
from gateway.graphql.me import MeQueries
from gateway.graphql.pool_security import PoolSecurityMutations
from gateway.graphql.provisioned_limits import ProvisionedLimitMutations, ProvisionedLimitQueries
from gateway.graphql.replicas import ReplicaMutations
from gateway.graphql.resource_servers import ResourceServerMutations, ResourceServerQueries
from gateway.graphql.scalars import SCALAR_MAP
from gateway.graphql.search import SearchQueries
from gateway.graphql.terms import TermsMutations, TermsQueries
from gateway.graphql.user_import import UserImportMutations, UserImportQueries
from gateway.graphql.user_pools import UserPoolMutations, UserPoolQueries
from gateway.graphql.users import UserMutations, UserQueries
from gateway.observability import tracing
from gateway.observability.metrics import Metrics, error_code
from gateway.settings import Settings

logger = logging.getLogger(__name__)

Query = merge_types(
    "Query",
    (
        UserPoolQueries,
        UserQueries,
        GroupQueries,
        ClientQueries,
        IdentityProviderQueries,
        DeviceQueries,
        ResourceServerQueries,
        BrandingQueries,
        TermsQueries,
        UserImportQueries,
        ProvisionedLimitQueries,
        IndexQueries,
        MeQueries,
        SearchQueries,
        JobQueries,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        UserPoolMutations,
        UserMutations,
        GroupMutations,
        ClientMutations,
        IdentityProviderMutations,
        DeviceMutations,
        ResourceServerMutations,
        BrandingMutations,
        TermsMutations,
        UserImportMutations,
        PoolSecurityMutations,
        ClientSecretMutations,
        ReplicaMutations,
        ProvisionedLimitMutations,
        AuthMutations,
        IndexMutations,
        JobMutations,
    ),
)

Subscription = merge_types("Subscription", (JobSubscriptions,))


class GatewaySchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Optional[ExecutionContext] = None) -> None:
        """Log what reaches ``errors[]`` before it is masked, never with the document: a denial once as a warning
        (who, where, which role), a Cognito failure briefly, an unexpected one with its trace. Strawberry's own
        logger is not used: it logs the error's source excerpt, the document around the field, and a password or
        a token may sit in it inline. Syntax and validation errors are the client's and are not logged (graphql-core
        quotes the rejected input in them).

        Also where the limit errors gain their code and, without introspection, every "Did you mean ...?"
        goes: Strawberry's option strips only those of unknown fields, not of arguments, enum values or types."""
        for error in errors:
            add_limit_code(error)
            if self.config.disable_field_suggestions and " Did you mean " in error.message:
                error.message = error.message.split(" Did you mean ")[0]
            original = error.original_error
            if isinstance(original, AccessDenied):
                caller = getattr(getattr(execution_context, "context", None), "caller", None)
                subject = caller.subject if caller is not None else "-"
                logger.warning("Access denied to %s at %s: %s", subject, _path(error), original)
            elif isinstance(original, CognitoException):
                logger.info("Cognito error at %s: %s", _path(error), original.code)
            elif original is not None and not isinstance(original, GraphQLError):
                logger.error("Unexpected error at %s: %s", _path(error), type(original).__name__, exc_info=original)


def _path(error: GraphQLError) -> str:
    """The field's path in the response (``user.groups.0``), which names no argument."""
    return ".".join(map(str, error.path or ())) or "-"


class OperationObserver(SchemaExtension):
    """Counts each operation and its errors by code, and wraps it in a span when tracing is on: one hook per
    operation, none per field. The metrics and tracer are the app's, carried by its Cognito gateway."""

    def on_operation(self) -> Iterator[None]:
        cognito = getattr(self.execution_context.context, "cognito", None)
        if cognito is None:  # a schema executed outside the app
            yield
        elif cognito.tracer is None:
            yield
            self.observe(cognito.metrics)
        else:
            with tracing.operation_span(cognito.tracer, self.execution_context.context.trace_parent) as span:
                yield
                tracing.name_operation(span, *self.observe(cognito.metrics))

    def observe(self, metrics: Metrics) -> tuple[str, Optional[str]]:
        context = self.execution_context
        try:
            operation_type, name = context.operation_type.value, context.operation_name
        except RuntimeError:  # the document did not parse
            operation_type, name = "unknown", None
        codes = []
        for error in context.pre_execution_errors or ():
            add_limit_code(error)
            codes.append(error_code(shape_error(error)))
        metrics.observe_operation(operation_type, name, codes)
        return operation_type, name


_DEFAULTS = Settings.model_fields


@cache  # building takes ~0.5 s; a schema holds no per-app state
def build_schema(
    *,
    introspection: bool = True,
    max_depth: int = _DEFAULTS["max_depth"].default,
    max_aliases: int = _DEFAULTS["max_aliases"].default,
    max_tokens: int = _DEFAULTS["max_tokens"].default,
    max_query_cost: int = _DEFAULTS["max_query_cost"].default,
    max_field_selections: int = _DEFAULTS["max_field_selections"].default,
) -> strawberry.Schema:
    """The schema, with the request limits (keyword arguments named and defaulting as the settings)."""
    limits = limits_extension(
        max_depth=max_depth,
        max_aliases=max_aliases,
        max_tokens=max_tokens,
        max_query_cost=max_query_cost,
        max_field_selections=max_field_selections,
        introspection=introspection,
    )
    # The limits check the parsed document (and may refuse it unvalidated), then the validation cache's errors.
    extensions: list[Any] = [ParserCache, ValidationCacheAfterChecks, limits, OperationObserver, DeclaredCalls]
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        # Every Cognito error is in the schema, also those no exposed operation raises.
        types=[*ERROR_TYPES.values(), ServiceError],
        config=StrawberryConfig(scalar_map=SCALAR_MAP, disable_field_suggestions=not introspection),
        extensions=extensions,
        exception_handlers=EXCEPTION_HANDLERS,
    )


def schema_sdl() -> str:
    return print_schema(build_schema()) + "\n"
