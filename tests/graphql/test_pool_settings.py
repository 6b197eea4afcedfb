"""Pool settings: `UserPool.mfaConfig` and `setUserPoolMfaConfig`, `addCustomAttributes`, the hosted domain
(`UserPool.domainDescription`, create/update/deleteUserPoolDomain) and tags (`UserPool.tags`, tagResource,
untagResource), through HTTP against the real app and the moto server."""

from typing import Any

import pytest
from botocore.client import BaseClient

from tests.helpers import assert_error

SNS_ROLE = "arn:aws:iam::123456789012:role/cognito-sns"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
MISSING_POOL = "us-east-1_nothere"
MISSING_POOL_ARN = f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{MISSING_POOL}"

MFA_FIELDS = """
    mfaConfiguration
    softwareTokenMfaConfiguration { enabled }
    smsMfaConfiguration { smsAuthenticationMessage smsConfiguration { snsCallerArn externalId snsRegion } }
"""

POOL = """
query($id: ID!) {
  userPool(id: $id) {
    __typename
    ... on CognitoError { code message requestId }
    ... on UserPool { %s }
  }
}"""

DOMAIN_FIELDS = "domain userPoolId status cloudFrontDistribution"


def pool_arn(cognito: BaseClient, pool_id: str) -> str:
    return cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Arn"]


def stored_mfa(cognito: BaseClient, pool_id: str) -> dict[str, Any]:
    config = cognito.get_user_pool_mfa_config(UserPoolId=pool_id)
    config.pop("ResponseMetadata")
    return config


def custom_attributes(attributes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {attribute["name"]: attribute for attribute in attributes if attribute["name"].startswith("custom:")}


# --- UserPool.mfaConfig -----------------------------------------------------------------------------


async def test_mfa_config_of_a_new_pool(gateway: Any, pool_id: str) -> None:
    data = await gateway.data(POOL % f"mfaConfiguration mfaConfig {{ {MFA_FIELDS} }}", {"id": pool_id})

    assert data["userPool"] == {
        "__typename": "UserPool",
        "mfaConfiguration": "OFF",
        "mfaConfig": {"mfaConfiguration": "OFF", "softwareTokenMfaConfiguration": None, "smsMfaConfiguration": None},
    }
    assert gateway.calls == {"DescribeUserPool": 1, "GetUserPoolMfaConfig": 1}


async def test_mfa_config_is_read_only_when_selected(gateway: Any, pool_id: str) -> None:
    data = await gateway.data(POOL % "name mfaConfiguration", {"id": pool_id})

    assert data["userPool"] == {"__typename": "UserPool", "name": "test-pool", "mfaConfiguration": "OFF"}
    assert gateway.calls == {"DescribeUserPool": 1}


async def test_mfa_config_of_listed_pools_needs_no_description(gateway: Any, cognito: BaseClient) -> None:
    totp = cognito.create_user_pool(PoolName="totp")["UserPool"]["Id"]
    plain = cognito.create_user_pool(PoolName="plain")["UserPool"]["Id"]
    cognito.set_user_pool_mfa_config(
        UserPoolId=totp, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="OPTIONAL"
    )

    data = await gateway.data(
        """{ userPools { ... on UserPoolConnection { nodes { id name
             mfaConfig { mfaConfiguration softwareTokenMfaConfiguration { enabled } } } } } }"""
    )

    configs = {node["id"]: node["mfaConfig"] for node in data["userPools"]["nodes"]}
    assert configs == {
        totp: {"mfaConfiguration": "OPTIONAL", "softwareTokenMfaConfiguration": {"enabled": True}},
        plain: {"mfaConfiguration": "OFF", "softwareTokenMfaConfiguration": None},
    }
    assert gateway.calls == {"ListUserPools": 1, "GetUserPoolMfaConfig": 2}


# --- setUserPoolMfaConfig ---------------------------------------------------------------------------


async def test_set_user_pool_mfa_config_with_software_token_and_sms(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    sms = {
        "smsAuthenticationMessage": "Your code is {####}",
        "smsConfiguration": {"snsCallerArn": SNS_ROLE, "externalId": "gateway-tests", "snsRegion": "us-east-1"},
    }

    result = await gateway.mutate(
        "setUserPoolMfaConfig",
        {
            "userPoolId": pool_id,
            "mfaConfiguration": "OPTIONAL",
            "softwareTokenMfaConfiguration": {"enabled": True},
            "smsMfaConfiguration": sms,
        },
        f"userPoolId {MFA_FIELDS} userPool {{ mfaConfiguration mfaConfig {{ {MFA_FIELDS} }} }}",
    )

    expected = {
        "mfaConfiguration": "OPTIONAL",
        "softwareTokenMfaConfiguration": {"enabled": True},
        "smsMfaConfiguration": sms,
    }
    assert result == {
        "__typename": "SetUserPoolMfaConfigPayload",
        "userPoolId": pool_id,
        **expected,
        "userPool": {"mfaConfiguration": "OPTIONAL", "mfaConfig": expected},
    }
    assert stored_mfa(cognito, pool_id) == {
        "MfaConfiguration": "OPTIONAL",
        "SoftwareTokenMfaConfiguration": {"Enabled": True},
        "SmsMfaConfiguration": {
            "SmsAuthenticationMessage": "Your code is {####}",
            "SmsConfiguration": {"SnsCallerArn": SNS_ROLE, "ExternalId": "gateway-tests", "SnsRegion": "us-east-1"},
        },
    }
    # The payload's pool is read after the change: described and its MFA configuration read once each.
    assert gateway.calls == {"SetUserPoolMfaConfig": 1, "DescribeUserPool": 1, "GetUserPoolMfaConfig": 1}


@pytest.mark.parametrize("mode", ["OFF", "ON", "OPTIONAL"])
async def test_set_user_pool_mfa_configuration(gateway: Any, cognito: BaseClient, pool_id: str, mode: str) -> None:
    result = await gateway.mutate(
        "setUserPoolMfaConfig",
        {"userPoolId": pool_id, "mfaConfiguration": mode, "softwareTokenMfaConfiguration": {"enabled": True}},
        "mfaConfiguration userPool { mfaConfiguration }",
    )

    assert result == {
        "__typename": "SetUserPoolMfaConfigPayload",
        "mfaConfiguration": mode,
        "userPool": {"mfaConfiguration": mode},
    }
    assert stored_mfa(cognito, pool_id)["MfaConfiguration"] == mode


async def test_mfa_read_after_a_change_in_an_earlier_request(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    before = await gateway.data(POOL % "mfaConfig { mfaConfiguration }", {"id": pool_id})
    await gateway.mutate(
        "setUserPoolMfaConfig",
        {"userPoolId": pool_id, "mfaConfiguration": "ON", "softwareTokenMfaConfiguration": {"enabled": True}},
    )
    after = await gateway.data(POOL % "mfaConfig { mfaConfiguration }", {"id": pool_id})

    assert before["userPool"]["mfaConfig"] == {"mfaConfiguration": "OFF"}
    assert after["userPool"]["mfaConfig"] == {"mfaConfiguration": "ON"}


async def test_set_mfa_on_without_a_factor_is_invalid_parameter(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    result = await gateway.mutate("setUserPoolMfaConfig", {"userPoolId": pool_id, "mfaConfiguration": "ON"})

    assert_error(result, "InvalidParameterError", "InvalidParameterException")
    assert stored_mfa(cognito, pool_id) == {"MfaConfiguration": "OFF"}


async def test_set_mfa_config_of_a_missing_pool(gateway: Any) -> None:
    result = await gateway.mutate("setUserPoolMfaConfig", {"userPoolId": MISSING_POOL, "mfaConfiguration": "OFF"})

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


async def test_set_mfa_config_of_a_malformed_pool_id_is_refused_before_any_call(gateway: Any) -> None:
    result = await gateway.mutate("setUserPoolMfaConfig", {"userPoolId": "not-a-pool", "mfaConfiguration": "OFF"})

    assert result["__typename"] == "InvalidParameterError"
    assert result["requestId"] is None
    assert gateway.calls == {}


# --- addCustomAttributes ----------------------------------------------------------------------------


async def test_add_custom_attributes(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    result = await gateway.mutate(
        "addCustomAttributes",
        {
            "userPoolId": pool_id,
            "customAttributes": [
                {
                    "name": "department",
                    "attributeDataType": "STRING",
                    "mutable": True,
                    "stringAttributeConstraints": {"minLength": "1", "maxLength": "64"},
                },
                {
                    "name": "level",
                    "attributeDataType": "NUMBER",
                    "mutable": False,
                    "numberAttributeConstraints": {"minValue": "0", "maxValue": "10"},
                },
            ],
        },
        """userPoolId userPool { schemaAttributes { name attributeDataType mutable
             stringAttributeConstraints { minLength maxLength } numberAttributeConstraints { minValue maxValue } } }""",
    )

    assert result["__typename"] == "AddCustomAttributesPayload"
    assert result["userPoolId"] == pool_id
    assert custom_attributes(result["userPool"]["schemaAttributes"]) == {
        "custom:department": {
            "name": "custom:department",
            "attributeDataType": "STRING",
            "mutable": True,
            "stringAttributeConstraints": {"minLength": "1", "maxLength": "64"},
            "numberAttributeConstraints": None,
        },
        "custom:level": {
            "name": "custom:level",
            "attributeDataType": "NUMBER",
            "mutable": False,
            "stringAttributeConstraints": None,
            "numberAttributeConstraints": {"minValue": "0", "maxValue": "10"},
        },
    }
    stored = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"]
    assert {a["Name"] for a in stored if a["Name"].startswith("custom:")} == {"custom:department", "custom:level"}
    assert gateway.calls == {"AddCustomAttributes": 1, "DescribeUserPool": 1}


async def test_each_payload_reads_the_pool_after_its_own_change(gateway: Any, pool_id: str) -> None:
    selection = "... on AddCustomAttributesPayload { userPool { schemaAttributes { name } } }"
    document = f"""
        mutation Run($first: AddCustomAttributesInput!, $second: AddCustomAttributesInput!) {{
          first: addCustomAttributes(input: $first) {{ {selection} }}
          second: addCustomAttributes(input: $second) {{ {selection} }}
        }}
    """

    def attribute(name: str) -> dict[str, Any]:
        return {"userPoolId": pool_id, "customAttributes": [{"name": name, "attributeDataType": "STRING"}]}

    data = await gateway.data(document, {"first": attribute("one"), "second": attribute("two")})

    assert list(custom_attributes(data["first"]["userPool"]["schemaAttributes"])) == ["custom:one"]
    assert list(custom_attributes(data["second"]["userPool"]["schemaAttributes"])) == ["custom:one", "custom:two"]
    assert gateway.calls == {"AddCustomAttributes": 2, "DescribeUserPool": 2}


async def test_add_an_existing_custom_attribute_is_invalid_parameter(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    cognito.add_custom_attributes(
        UserPoolId=pool_id, CustomAttributes=[{"Name": "department", "AttributeDataType": "String"}]
    )

    result = await gateway.mutate(
        "addCustomAttributes",
        {"userPoolId": pool_id, "customAttributes": [{"name": "department", "attributeDataType": "NUMBER"}]},
    )

    assert_error(result, "InvalidParameterError", "InvalidParameterException")
    stored = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"]
    assert [a["AttributeDataType"] for a in stored if a["Name"] == "custom:department"] == ["String"]


async def test_add_custom_attributes_to_a_missing_pool(gateway: Any) -> None:
    result = await gateway.mutate(
        "addCustomAttributes",
        {"userPoolId": MISSING_POOL, "customAttributes": [{"name": "x", "attributeDataType": "STRING"}]},
    )

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


# --- user pool domains ------------------------------------------------------------------------------


async def test_domain_description_is_null_without_a_domain(gateway: Any, pool_id: str) -> None:
    data = await gateway.data(POOL % f"domain domainDescription {{ {DOMAIN_FIELDS} }}", {"id": pool_id})

    assert data["userPool"] == {"__typename": "UserPool", "domain": None, "domainDescription": None}
    assert gateway.calls == {"DescribeUserPool": 1}


async def test_create_user_pool_domain(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    result = await gateway.mutate(
        "createUserPoolDomain",
        {"userPoolId": pool_id, "domain": "acme-login"},
        f"userPoolId domain cloudFrontDomain userPool {{ domain domainDescription {{ {DOMAIN_FIELDS} }} }}",
    )

    stored = cognito.describe_user_pool_domain(Domain="acme-login")["DomainDescription"]
    assert result == {
        "__typename": "CreateUserPoolDomainPayload",
        "userPoolId": pool_id,
        "domain": "acme-login",
        "cloudFrontDomain": stored["CloudFrontDistribution"],
        "userPool": {
            "domain": "acme-login",
            "domainDescription": {
                "domain": "acme-login",
                "userPoolId": pool_id,
                "status": "ACTIVE",
                "cloudFrontDistribution": stored["CloudFrontDistribution"],
            },
        },
    }
    assert cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Domain"] == "acme-login"
    assert gateway.calls == {"CreateUserPoolDomain": 1, "DescribeUserPool": 1, "DescribeUserPoolDomain": 1}


async def test_user_pool_domain_description(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    cognito.create_user_pool_domain(UserPoolId=pool_id, Domain="acme-login")
    stored = cognito.describe_user_pool_domain(Domain="acme-login")["DomainDescription"]

    data = await gateway.data(POOL % f"domainDescription {{ {DOMAIN_FIELDS} awsAccountId }}", {"id": pool_id})

    description = data["userPool"]["domainDescription"]
    assert description.pop("awsAccountId")  # moto makes a new one up at every call
    assert description == {
        "domain": "acme-login",
        "userPoolId": pool_id,
        "status": "ACTIVE",
        "cloudFrontDistribution": stored["CloudFrontDistribution"],
    }
    assert gateway.calls == {"DescribeUserPool": 1, "DescribeUserPoolDomain": 1}


async def test_update_user_pool_domain(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    cognito.create_user_pool_domain(UserPoolId=pool_id, Domain="acme-login")

    result = await gateway.mutate(
        "updateUserPoolDomain",
        {"userPoolId": pool_id, "domain": "acme-login", "customDomainConfig": {"certificateArn": CERTIFICATE}},
        "userPoolId domain cloudFrontDomain userPool { domainDescription { domain status cloudFrontDistribution } }",
    )

    stored = cognito.describe_user_pool_domain(Domain="acme-login")["DomainDescription"]
    assert result == {
        "__typename": "UpdateUserPoolDomainPayload",
        "userPoolId": pool_id,
        "domain": "acme-login",
        "cloudFrontDomain": stored["CloudFrontDistribution"],
        "userPool": {
            "domainDescription": {
                "domain": "acme-login",
                "status": "ACTIVE",
                "cloudFrontDistribution": stored["CloudFrontDistribution"],
            }
        },
    }
    assert gateway.calls == {"UpdateUserPoolDomain": 1, "DescribeUserPool": 1, "DescribeUserPoolDomain": 1}


async def test_delete_user_pool_domain(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    cognito.create_user_pool_domain(UserPoolId=pool_id, Domain="acme-login")

    result = await gateway.mutate(
        "deleteUserPoolDomain",
        {"userPoolId": pool_id, "domain": "acme-login"},
        "userPoolId domain userPool { domain domainDescription { domain } }",
    )

    assert result == {
        "__typename": "DeleteUserPoolDomainPayload",
        "userPoolId": pool_id,
        "domain": "acme-login",
        "userPool": {"domain": None, "domainDescription": None},
    }
    assert "Domain" not in cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert cognito.describe_user_pool_domain(Domain="acme-login")["DomainDescription"] == {}
    assert gateway.calls == {"DeleteUserPoolDomain": 1, "DescribeUserPool": 1}


async def test_create_user_pool_domain_in_a_missing_pool(gateway: Any) -> None:
    result = await gateway.mutate("createUserPoolDomain", {"userPoolId": MISSING_POOL, "domain": "acme-login"})

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


@pytest.mark.parametrize("name", ["updateUserPoolDomain", "deleteUserPoolDomain"])
async def test_missing_user_pool_domain_is_resource_not_found(gateway: Any, pool_id: str, name: str) -> None:
    extra = {"managedLoginVersion": 2} if name == "updateUserPoolDomain" else {}

    result = await gateway.mutate(name, {"userPoolId": pool_id, "domain": "nowhere", **extra})

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


# --- tags -------------------------------------------------------------------------------------------


async def test_user_pool_tags(gateway: Any, cognito: BaseClient) -> None:
    pool_id = cognito.create_user_pool(PoolName="tagged", UserPoolTags={"team": "identity", "env": "test"})["UserPool"][
        "Id"
    ]

    data = await gateway.data(POOL % "tags", {"id": pool_id})

    assert data["userPool"] == {"__typename": "UserPool", "tags": {"team": "identity", "env": "test"}}
    assert gateway.calls == {"DescribeUserPool": 1, "ListTagsForResource": 1}


async def test_user_pool_without_tags(gateway: Any, pool_id: str) -> None:
    data = await gateway.data(POOL % "tags", {"id": pool_id})

    assert data["userPool"] == {"__typename": "UserPool", "tags": {}}


async def test_tag_resource(gateway: Any, cognito: BaseClient) -> None:
    pool_id = cognito.create_user_pool(PoolName="tagged", UserPoolTags={"team": "identity"})["UserPool"]["Id"]
    arn = pool_arn(cognito, pool_id)

    result = await gateway.mutate(
        "tagResource", {"resourceArn": arn, "tags": {"env": "prod", "team": "platform"}}, "resourceArn tags"
    )

    assert result == {
        "__typename": "TagResourcePayload",
        "resourceArn": arn,
        "tags": {"team": "platform", "env": "prod"},
    }
    assert cognito.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "platform", "env": "prod"}
    assert gateway.calls == {"TagResource": 1, "ListTagsForResource": 1}

    data = await gateway.data(POOL % "tags", {"id": pool_id})
    assert data["userPool"]["tags"] == {"team": "platform", "env": "prod"}


async def test_untag_resource(gateway: Any, cognito: BaseClient) -> None:
    pool_id = cognito.create_user_pool(PoolName="tagged", UserPoolTags={"team": "identity", "env": "test"})["UserPool"][
        "Id"
    ]
    arn = pool_arn(cognito, pool_id)

    result = await gateway.mutate(
        "untagResource", {"resourceArn": arn, "tagKeys": ["env", "not-there"]}, "resourceArn tags"
    )

    assert result == {"__typename": "UntagResourcePayload", "resourceArn": arn, "tags": {"team": "identity"}}
    assert cognito.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "identity"}
    assert gateway.calls == {"UntagResource": 1, "ListTagsForResource": 1}


@pytest.mark.parametrize(
    ("name", "input"),
    [("tagResource", {"tags": {"env": "prod"}}), ("untagResource", {"tagKeys": ["env"]})],
    ids=["tagResource", "untagResource"],
)
async def test_tags_of_a_missing_pool(gateway: Any, name: str, input: dict[str, Any]) -> None:
    result = await gateway.mutate(name, {"resourceArn": MISSING_POOL_ARN, **input})

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


@pytest.mark.parametrize(
    "arn",
    ["not-an-arn", "arn:aws:iam::123456789012:role/admins", "arn:aws:cognito-idp:../etc:123456789012:userpool/x"],
    ids=["garbage", "another-service", "bad-region"],
)
async def test_malformed_arn_is_refused_before_any_call(
    gateway: Any, cognito: BaseClient, pool_id: str, arn: str
) -> None:
    tagged = await gateway.mutate("tagResource", {"resourceArn": arn, "tags": {"env": "prod"}})
    untagged = await gateway.mutate("untagResource", {"resourceArn": arn, "tagKeys": ["env"]})

    for result in (tagged, untagged):
        assert result["__typename"] == "InvalidParameterError"
        assert result["code"] == "InvalidParameterException"
        assert arn in result["message"]
        assert result["requestId"] is None
    assert gateway.calls == {}


async def test_pool_settings_of_a_missing_pool(gateway: Any) -> None:
    data = await gateway.data(
        POOL % "mfaConfig { mfaConfiguration } domainDescription { domain } tags", {"id": MISSING_POOL}
    )

    assert_error(data["userPool"], "ResourceNotFoundError", "ResourceNotFoundException")
    assert gateway.calls == {"DescribeUserPool": 1}
