"""Every operation family of the demo backend (gateway.demo.extensions and the modules next to it) adds Cognito
operations moto lacks, and extensions.install() puts them all on moto's responder."""

from __future__ import annotations

from types import ModuleType

import botocore
import pytest
from moto.cognitoidp.responses import CognitoIdpResponse

from gateway.demo import (
    auth_event_feedback,
    auth_factors,
    branding,
    client_secrets,
    extensions,
    import_jobs,
    pool_settings,
    provisioned_limits,
    replicas,
    terms,
    tokens,
)
from gateway.demo.server import DemoBackend
from tests.demo.support import MODEL

FAMILIES: dict[ModuleType, set[str]] = {
    extensions: {
        "AdminListDevices", "AdminGetDevice", "AdminForgetDevice", "AdminUpdateDeviceStatus", "ConfirmDevice",
        "AdminListUserAuthEvents", "AdminUpdateAuthEventFeedback",
        "TagResource", "UntagResource", "ListTagsForResource",
        "UpdateResourceServer", "DeleteResourceServer", "GetIdentityProviderByIdentifier",
        "AdminSetUserSettings", "AdminLinkProviderForUser", "AdminDisableProviderForUser",
        "ResendConfirmationCode", "RevokeToken",
    },
    pool_settings: {
        "DescribeRiskConfiguration", "SetRiskConfiguration", "GetLogDeliveryConfiguration",
        "SetLogDeliveryConfiguration", "GetUICustomization", "SetUICustomization", "GetSigningCertificate",
    },
    branding: {
        "CreateManagedLoginBranding", "DescribeManagedLoginBranding", "DescribeManagedLoginBrandingByClient",
        "UpdateManagedLoginBranding", "DeleteManagedLoginBranding",
    },
    terms: {"CreateTerms", "DescribeTerms", "DescribeTermsByClient", "ListTerms", "UpdateTerms", "DeleteTerms"},
    import_jobs: {
        "GetCSVHeader", "CreateUserImportJob", "StartUserImportJob", "StopUserImportJob",
        "DescribeUserImportJob", "ListUserImportJobs",
    },
    client_secrets: {"AddUserPoolClientSecret", "ListUserPoolClientSecrets", "DeleteUserPoolClientSecret"},
    auth_factors: {"AdminGetUserAuthFactors", "AdminDeleteSoftwareToken"},
    replicas: {"CreateUserPoolReplica", "DeleteUserPoolReplica", "ListUserPoolReplicas", "UpdateUserPoolReplica"},
    provisioned_limits: {"GetProvisionedLimit", "UpdateProvisionedLimit"},
    tokens: {"GetClientToken", "GetTokensFromRefreshToken"},
    auth_event_feedback: {"UpdateAuthEventFeedback"},
}  # fmt: skip


@pytest.mark.parametrize("family", FAMILIES, ids=lambda module: module.__name__.rsplit(".", 1)[-1])
def test_each_family_adds_its_cognito_operations(backend: DemoBackend, family: ModuleType) -> None:
    names = {botocore.xform_name(name): name for name in MODEL.operation_names}
    assert set(family.OPERATIONS) <= set(names)
    assert {names[name] for name in family.OPERATIONS} == FAMILIES[family]
    for name, handler in family.OPERATIONS.items():
        assert CognitoIdpResponse.__dict__[name] is handler  # installed by DemoBackend.start()


def test_install_registers_every_family_once_and_no_family_overrides_another() -> None:
    assert set(extensions.families()) == set(FAMILIES)
    assert len(extensions.families()) == len(FAMILIES)
    added = [name for family in extensions.families() for name in family.OPERATIONS]
    assert len(added) == len(set(added))
