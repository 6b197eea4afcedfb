"""Provisioned request-rate limits, which moto 5.2.5 lacks: GetProvisionedLimit, UpdateProvisionedLimit.

A limit is an API category's rate in one account and region (``LimitClass: API_CATEGORY``, ``Attributes:
{"Category": "UserAuthentication"}``).  Its free value is the category's default rate, as
:data:`gateway.cognito.quotas.DEFAULT_RATES` declares it; the provisioned value starts there.  An update must lie
between the free value and the account's Service Quotas maximum, which for the demo account is
:data:`ACCOUNT_MAXIMUM_FACTOR` times the free value.  Limits are kept on moto's backend of the region, so
``POST /moto-api/reset`` drops them.
"""

from __future__ import annotations

from typing import Any, Final

from moto.cognitoidp.exceptions import InvalidParameterException, ResourceNotFoundError
from moto.cognitoidp.models import CognitoIdpBackend
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult

from gateway.cognito.operations import DEFAULT_RATES
from gateway.demo.exceptions import ServiceQuotaExceededException
from gateway.demo.requests import Operations, required_param

__all__ = ["ACCOUNT_MAXIMUM_FACTOR", "OPERATIONS"]

LIMIT_CLASS: Final = "API_CATEGORY"  # LimitClass's one value
CATEGORY_ATTRIBUTE: Final = "Category"
ACCOUNT_MAXIMUM_FACTOR: Final = 10
_STATE_ATTRIBUTE: Final = "_gateway_provisioned_limits"


def _provisioned(backend: CognitoIdpBackend) -> dict[str, int]:
    """Provisioned rates by category, for the categories ever updated."""
    return backend.__dict__.setdefault(_STATE_ATTRIBUTE, {})


def _category(response: CognitoIdpResponse) -> tuple[dict[str, Any], str]:
    """The request's LimitDefinition and the category it names."""
    definition = required_param(response, "LimitDefinition")
    if not isinstance(definition, dict):
        raise InvalidParameterException("LimitDefinition must be a structure.")
    limit_class = definition.get("LimitClass")
    if limit_class != LIMIT_CLASS:
        raise InvalidParameterException(
            f"1 validation error detected: Value '{limit_class}' at 'limitDefinition.limitClass' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{LIMIT_CLASS}]"
        )
    attributes = definition.get("Attributes")
    if not isinstance(attributes, dict) or not attributes.get(CATEGORY_ATTRIBUTE):
        raise InvalidParameterException(
            f"LimitDefinition.Attributes must name the API category with the {CATEGORY_ATTRIBUTE} key."
        )
    category = attributes[CATEGORY_ATTRIBUTE]
    if category not in DEFAULT_RATES:
        raise ResourceNotFoundError(f"No provisioned limit for API category {category}.")
    return {"LimitClass": LIMIT_CLASS, "Attributes": dict(attributes)}, category


def _limit(backend: CognitoIdpBackend, definition: dict[str, Any], category: str) -> dict[str, Any]:
    free = int(DEFAULT_RATES[category])
    return {
        "Limit": {
            "LimitDefinition": definition,
            "ProvisionedLimitValue": _provisioned(backend).get(category, free),
            "FreeLimitValue": free,
        }
    }


OPERATIONS: Final = Operations()


@OPERATIONS.add
def get_provisioned_limit(self: CognitoIdpResponse) -> ActionResult:
    definition, category = _category(self)
    return ActionResult(_limit(self.backend, definition, category))


@OPERATIONS.add
def update_provisioned_limit(self: CognitoIdpResponse) -> ActionResult:
    definition, category = _category(self)
    requested = self._get_param("RequestedLimitValue")
    if isinstance(requested, bool) or not isinstance(requested, int):
        raise InvalidParameterException("RequestedLimitValue must be a whole number of requests per second.")
    free = int(DEFAULT_RATES[category])
    if requested < free:
        raise InvalidParameterException(
            f"RequestedLimitValue {requested} is below the default limit of {category} ({free} requests per second)."
        )
    maximum = free * ACCOUNT_MAXIMUM_FACTOR
    if requested > maximum:
        raise ServiceQuotaExceededException(
            f"RequestedLimitValue {requested} exceeds the account's maximum for {category} ({maximum} requests per "
            "second). Submit a Service Quotas increase request."
        )
    _provisioned(self.backend)[category] = requested
    return ActionResult(_limit(self.backend, definition, category))
