"""The account's provisioned request-rate limits: ``Query.provisionedLimit`` and ``updateProvisionedLimit``.

A limit belongs to the account in one region and names no user pool, so the region is an argument (the gateway's
configured region when unset, checked against the regions it serves as everywhere). Changing it changes the quota
every pool of the account shares: it needs an admin grant on every pool. It does not change the gateway's own
limiter (``GATEWAY_QUOTA_RATES``).
"""

from typing import Annotated, Any, Optional

import strawberry

from gateway.auth import Role
from gateway.cognito import model
from gateway.graphql.context import Info
from gateway.graphql.declarations import calls
from gateway.graphql.errors import result_union
from gateway.graphql.operations import mutation_field, payload_type
from gateway.graphql.shapes import from_cognito, input_type, output_type, summary, to_cognito

Limit = output_type("LimitType")
LimitDefinitionInput = input_type("LimitDefinitionType")
ProvisionedLimitResult = result_union("ProvisionedLimitResult", Limit, "GetProvisionedLimit")

_REGION = (
    "The region of the limit; the gateway's configured region when unset. Not a member of the Cognito request: "
    "a limit is the account's in one region, and the call goes to that region."
)


def _region(region: Optional[str]) -> Optional[str]:
    return region or None  # unset or empty: the call's default region


@strawberry.type
class ProvisionedLimitQueries:
    @strawberry.field(
        description="A provisioned request-rate limit of the account in one region (GetProvisionedLimit).",
        extensions=calls("GetProvisionedLimit", role=Role.VIEWER),
    )
    async def provisioned_limit(
        self,
        info: Info,
        limit_definition: LimitDefinitionInput,
        region: Annotated[Optional[str], strawberry.argument(description=_REGION)] = None,
    ) -> ProvisionedLimitResult:
        # Not through the request's loaders: their keys are hashable parameters, and LimitDefinition is a structure.
        response = await info.context.cognito.call(
            "GetProvisionedLimit", region=_region(region), LimitDefinition=to_cognito(limit_definition)
        )
        return from_cognito(Limit, response["Limit"])


def _input_with_region(operation: str) -> type:
    """``<Operation>Input`` from the request shape, plus ``region`` (which ``to_cognito`` never sends)."""
    shape = model.operation(operation).input_shape
    base = input_type(shape.name, name=f"{operation}Input")
    namespace = {
        "__module__": __name__,
        "__annotations__": {"region": Optional[str]},
        "region": strawberry.field(default=strawberry.UNSET, description=_REGION),
    }
    cls = type(f"{operation}Input", (base,), namespace)
    return strawberry.input(cls, name=f"{operation}Input", description=summary(shape.documentation))


UpdateProvisionedLimitPayload = payload_type("UpdateProvisionedLimit")


async def _update_provisioned_limit(info: Info, input: Any) -> Any:
    request = to_cognito(input)
    response = await info.context.cognito.call("UpdateProvisionedLimit", region=_region(input.region), **request)
    # Nothing the gateway caches depends on the account's limits: no cached read to forget.
    return from_cognito(UpdateProvisionedLimitPayload, response)


@strawberry.type
class ProvisionedLimitMutations:
    # Names no pool: the permission needs an admin grant on every pool (a change naming none).
    update_provisioned_limit = mutation_field(
        "UpdateProvisionedLimit",
        _input_with_region("UpdateProvisionedLimit"),
        UpdateProvisionedLimitPayload,
        _update_provisioned_limit,
        role=Role.ADMIN,
    )
