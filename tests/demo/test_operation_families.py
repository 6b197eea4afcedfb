"""The operation families kept in modules of their own next to gateway.demo.extensions are Cognito operations, and
extensions.install() puts them on moto's responder."""

from __future__ import annotations

from types import ModuleType

import botocore
import pytest
from moto.cognitoidp.responses import CognitoIdpResponse

from gateway.demo import auth_event_feedback, auth_factors, client_secrets, provisioned_limits, replicas, tokens
from gateway.demo.server import DemoBackend
from tests.demo.test_extensions import MODEL

FAMILIES: dict[ModuleType, set[str]] = {
    client_secrets: {"AddUserPoolClientSecret", "ListUserPoolClientSecrets", "DeleteUserPoolClientSecret"},
    auth_factors: {"AdminGetUserAuthFactors", "AdminDeleteSoftwareToken"},
    replicas: {"CreateUserPoolReplica", "DeleteUserPoolReplica", "ListUserPoolReplicas", "UpdateUserPoolReplica"},
    provisioned_limits: {"GetProvisionedLimit", "UpdateProvisionedLimit"},
    tokens: {"GetClientToken", "GetTokensFromRefreshToken"},
    auth_event_feedback: {"UpdateAuthEventFeedback"},
}


@pytest.mark.parametrize("family", FAMILIES, ids=lambda module: module.__name__.rsplit(".", 1)[-1])
def test_each_family_adds_its_cognito_operations(backend: DemoBackend, family: ModuleType) -> None:
    names = {botocore.xform_name(name): name for name in MODEL.operation_names}
    assert {names[name] for name in family.OPERATIONS} == FAMILIES[family]
    for name, handler in family.OPERATIONS.items():
        assert CognitoIdpResponse.__dict__[name] is handler  # installed by DemoBackend.start()
