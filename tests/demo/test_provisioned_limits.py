"""Provisioned request-rate limits in the demo backend (gateway.demo.provisioned_limits), through boto3 on moto."""

from __future__ import annotations

from botocore.client import BaseClient

from gateway.cognito.quotas import DEFAULT_RATES
from gateway.demo.provisioned_limits import ACCOUNT_MAXIMUM_FACTOR
from gateway.demo.server import DemoBackend
from tests.demo.support import MODEL, check_against_model, raises


def definition(category: str) -> dict:
    return {"LimitClass": "API_CATEGORY", "Attributes": {"Category": category}}


def test_every_category_starts_at_its_free_rate(cognito: BaseClient) -> None:
    for category, rate in DEFAULT_RATES.items():
        answer = cognito.get_provisioned_limit(LimitDefinition=definition(category))
        assert answer["Limit"] == {
            "LimitDefinition": definition(category),
            "ProvisionedLimitValue": rate,
            "FreeLimitValue": rate,
        }
    check_against_model(answer["Limit"], MODEL.shape_for("LimitType"), "Limit")


def test_update_a_limit(backend: DemoBackend, cognito: BaseClient) -> None:
    updated = cognito.update_provisioned_limit(LimitDefinition=definition("UserCreation"), RequestedLimitValue=80)
    assert updated["Limit"]["ProvisionedLimitValue"] == 80
    assert updated["Limit"]["FreeLimitValue"] == DEFAULT_RATES["UserCreation"]
    assert (
        cognito.get_provisioned_limit(LimitDefinition=definition("UserCreation"))["Limit"]["ProvisionedLimitValue"]
        == 80
    )
    # Per region: another region keeps the default.
    other = backend.client("eu-west-1").get_provisioned_limit(LimitDefinition=definition("UserCreation"))
    assert other["Limit"]["ProvisionedLimitValue"] == DEFAULT_RATES["UserCreation"]


def test_limit_errors(cognito: BaseClient) -> None:
    free = int(DEFAULT_RATES["UserList"])
    update = cognito.update_provisioned_limit
    raises("InvalidParameterException", update, LimitDefinition=definition("UserList"), RequestedLimitValue=free - 1)
    raises(
        "ServiceQuotaExceededException",
        update,
        LimitDefinition=definition("UserList"),
        RequestedLimitValue=free * ACCOUNT_MAXIMUM_FACTOR + 1,
    )
    raises("ResourceNotFoundException", cognito.get_provisioned_limit, LimitDefinition=definition("NoSuchCategory"))
    raises(
        "InvalidParameterException",
        cognito.get_provisioned_limit,
        LimitDefinition={"LimitClass": "API_CATEGORY", "Attributes": {"Kind": "UserList"}},
    )
    raises(
        "InvalidParameterException",
        cognito.get_provisioned_limit,
        LimitDefinition={"LimitClass": "SOMETHING_ELSE", "Attributes": {"Category": "UserList"}},
    )
    # Nothing changed.
    assert (
        cognito.get_provisioned_limit(LimitDefinition=definition("UserList"))["Limit"]["ProvisionedLimitValue"] == free
    )


def test_reset_restores_the_defaults(backend: DemoBackend, cognito: BaseClient) -> None:
    top = int(DEFAULT_RATES["UserRead"]) * ACCOUNT_MAXIMUM_FACTOR
    cognito.update_provisioned_limit(LimitDefinition=definition("UserRead"), RequestedLimitValue=top)
    backend.reset()
    limit = cognito.get_provisioned_limit(LimitDefinition=definition("UserRead"))["Limit"]
    assert limit["ProvisionedLimitValue"] == DEFAULT_RATES["UserRead"]
