"""Threat protection, log delivery, the classic hosted UI's look and the SAML signing certificate of a user pool.

Reads are nested fields, one call per parent: ``UserPool.riskConfiguration``, ``.logDeliveryConfiguration``,
``.uiCustomization``, ``.signingCertificate`` and ``UserPoolClient.riskConfiguration``, ``.uiCustomization``. They are
built here and assigned on those types where they are defined
(``risk_configuration = pool_security.pool_risk_configuration``).
A pool's failure (threat protection off: ``UserPoolAddOnNotEnabledException``) goes to ``errors[]`` with its code,
as every nested field's does. Changes are the ADMIN mutations ``setRiskConfiguration``,
``setLogDeliveryConfiguration`` and ``setUICustomization`` (its ``imageFile`` is base64 text, decoded before the
call: :func:`gateway.graphql.shapes.blob_bytes`).

No member of these operations is a secret in the model (``model.is_secret``): the notify e-mails' SES ARN and
addresses, log destinations' ARNs and the public certificate are configuration any viewer may read. Were a later
model to mark one, :func:`~gateway.graphql.shapes.cognito_type` would make its field ADMIN-only and the audit would
redact it, as everywhere.
"""

from typing import Any, Optional

import strawberry

from gateway.auth import Role
from gateway.graphql.context import Context, Info
from gateway.graphql.declarations import calls
from gateway.graphql.operations import mutation, payload_type
from gateway.graphql.shapes import cognito_type, from_cognito


@cognito_type("RiskConfigurationType")
class RiskConfiguration:
    pass


@cognito_type("LogDeliveryConfigurationType")
class LogDeliveryConfiguration:
    pass


@cognito_type("UICustomizationType")
class UICustomization:
    pass


async def risk_configuration(context: Context, user_pool_id: str, client_id: Optional[str] = None) -> RiskConfiguration:
    """The risk configuration of a pool, or of an app client (the pool's, without ``clientId``, when the client has
    none of its own)."""
    client = {"ClientId": client_id} if client_id is not None else {}
    response = await context.loaders.read("DescribeRiskConfiguration", UserPoolId=user_pool_id, **client)
    return from_cognito(RiskConfiguration, response["RiskConfiguration"])


async def log_delivery_configuration(context: Context, user_pool_id: str) -> LogDeliveryConfiguration:
    response = await context.loaders.read("GetLogDeliveryConfiguration", UserPoolId=user_pool_id)
    return from_cognito(LogDeliveryConfiguration, response["LogDeliveryConfiguration"])


async def ui_customization(
    context: Context, user_pool_id: str, client_id: Optional[str] = None
) -> Optional[UICustomization]:
    """The hosted UI's look for a pool (its default for every client) or an app client (its own, else the pool's);
    null when none is set (Cognito answers an empty object)."""
    client = {"ClientId": client_id} if client_id is not None else {}
    response = await context.loaders.read("GetUICustomization", UserPoolId=user_pool_id, **client)
    customization = response.get("UICustomization") or {}
    return from_cognito(UICustomization, customization) if customization else None


async def signing_certificate(context: Context, user_pool_id: str) -> Optional[str]:
    return (await context.loaders.read("GetSigningCertificate", UserPoolId=user_pool_id)).get("Certificate")


# --- nested fields, assigned on UserPool and UserPoolClient where those are defined ----------------------


@strawberry.field(
    description="The pool's threat protection settings (DescribeRiskConfiguration); an error entry with "
    "UserPoolAddOnNotEnabledException when threat protection is off.",
    extensions=calls("DescribeRiskConfiguration", role=Role.VIEWER),
)
async def pool_risk_configuration(root: Any, info: Info) -> Optional[RiskConfiguration]:
    return await risk_configuration(info.context, root.id)


@strawberry.field(
    description="Where the pool's logs go (GetLogDeliveryConfiguration).",
    extensions=calls("GetLogDeliveryConfiguration", role=Role.VIEWER),
)
async def pool_log_delivery_configuration(root: Any, info: Info) -> Optional[LogDeliveryConfiguration]:
    return await log_delivery_configuration(info.context, root.id)


@strawberry.field(
    description="The classic hosted UI's CSS and logo for every app client (GetUICustomization); null when none "
    "is set.",
    extensions=calls("GetUICustomization", role=Role.VIEWER),
)
async def pool_ui_customization(root: Any, info: Info) -> Optional[UICustomization]:
    return await ui_customization(info.context, root.id)


@strawberry.field(
    description="The pool's SAML signing certificate, PEM-encoded (GetSigningCertificate).",
    extensions=calls("GetSigningCertificate", role=Role.VIEWER),
)
async def pool_signing_certificate(root: Any, info: Info) -> Optional[str]:
    return await signing_certificate(info.context, root.id)


@strawberry.field(
    description="The app client's threat protection settings (DescribeRiskConfiguration): the pool's, without "
    "clientId, when the client has none of its own.",
    extensions=calls("DescribeRiskConfiguration", role=Role.VIEWER),
)
async def client_risk_configuration(root: Any, info: Info) -> Optional[RiskConfiguration]:
    return await risk_configuration(info.context, root.user_pool_id, root.client_id)


@strawberry.field(
    description="The classic hosted UI's CSS and logo for this app client (GetUICustomization): its own, else the "
    "pool's default; null when neither is set.",
    extensions=calls("GetUICustomization", role=Role.VIEWER),
)
async def client_ui_customization(root: Any, info: Info) -> Optional[UICustomization]:
    return await ui_customization(info.context, root.user_pool_id, root.client_id)


# The UserPool fields above that need no more than a pool's ID (ListUserPools' summary gives it).
POOL_FIELDS = ("risk_configuration", "log_delivery_configuration", "ui_customization", "signing_certificate")
CLIENT_FIELDS = ("risk_configuration", "ui_customization")


# --- mutations -------------------------------------------------------------------------------------------


@strawberry.type
class PoolSecurityMutations:
    set_risk_configuration = mutation("SetRiskConfiguration", payload_type("SetRiskConfiguration"), role=Role.ADMIN)
    set_log_delivery_configuration = mutation(
        "SetLogDeliveryConfiguration", payload_type("SetLogDeliveryConfiguration"), role=Role.ADMIN
    )
    set_ui_customization = mutation("SetUICustomization", payload_type("SetUICustomization"), role=Role.ADMIN)
