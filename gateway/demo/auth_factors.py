"""A user's authentication factors, which moto 5.2.5 lacks: AdminGetUserAuthFactors, AdminDeleteSoftwareToken.

They read and change what moto's user object knows: its password, its verified email and phone, its registered
TOTP authenticator (``token_verified``, set by VerifySoftwareToken), its MFA settings (``sms_mfa_enabled``,
``software_token_mfa_enabled``, ``preferred_mfa_setting``).  Nothing in the demo backend registers passkeys yet,
so WEB_AUTHN is never among a user's factors.
"""

from __future__ import annotations

from typing import Any, Final

from moto.cognitoidp.exceptions import ResourceNotFoundError
from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow

from gateway.demo.requests import Operations, admin_user

__all__ = ["OPERATIONS", "configured_factors"]

SOFTWARE_TOKEN_MFA: Final = "SOFTWARE_TOKEN_MFA"
# SignInPolicy.AllowedFirstAuthFactors when the pool sets none.
_DEFAULT_FIRST_FACTORS: Final = ("PASSWORD",)


def _first_factors(pool: CognitoIdpUserPool) -> list[str]:
    policy = (pool.extended_config.get("Policies") or {}).get("SignInPolicy") or {}
    return list(policy.get("AllowedFirstAuthFactors") or _DEFAULT_FIRST_FACTORS)


def configured_factors(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> list[str]:
    """ConfiguredUserAuthFactors: what the user can answer with USER_AUTH sign-in.

    PASSWORD, EMAIL_OTP and SMS_OTP are first factors the pool allows and the user can use (a password, a verified
    email, a verified phone); SOFTWARE_TOKEN is MFA only and counts once the user has registered an authenticator.
    """
    attributes = user.attribute_lookup
    usable = {
        "PASSWORD": bool(user.password),
        "EMAIL_OTP": bool(attributes.get("email")) and attributes.get("email_verified") == "true",
        "SMS_OTP": bool(attributes.get("phone_number")) and attributes.get("phone_number_verified") == "true",
    }
    allowed = _first_factors(pool)
    factors = [factor for factor in ("PASSWORD", "EMAIL_OTP", "SMS_OTP") if factor in allowed and usable[factor]]
    if user.token_verified:
        factors.append("SOFTWARE_TOKEN")
    return factors


OPERATIONS: Final = Operations()


@OPERATIONS.add
def admin_get_user_auth_factors(self: CognitoIdpResponse) -> ActionResult:
    user = admin_user(self)
    pool = self.backend.describe_user_pool(user.user_pool_id)
    # The same MFA view AdminGetUser gives (the extensions keep legacy SMS options in agreement with it).
    mfa = user.to_json(extended=True)
    answer: dict[str, Any] = {
        "Username": user.username,
        "UserMFASettingList": mfa["UserMFASettingList"],
        "ConfiguredUserAuthFactors": configured_factors(pool, user),
    }
    if mfa["PreferredMfaSetting"]:
        answer["PreferredMfaSetting"] = mfa["PreferredMfaSetting"]
    return ActionResult(answer)


@OPERATIONS.add
def admin_delete_software_token(self: CognitoIdpResponse) -> ActionResult:
    user = admin_user(self)
    if not user.token_verified and not user.software_token_mfa_enabled:
        raise ResourceNotFoundError(f"User {user.username} has no software token (TOTP) registered.")
    # "Removes the user's software token registration and any preference for TOTP MFA. It doesn't deactivate the
    # other MFA factors that the user has registered."
    user.token_verified = False
    user.software_token_mfa_enabled = False
    if user.preferred_mfa_setting == SOFTWARE_TOKEN_MFA:
        user.preferred_mfa_setting = ""
    user.last_modified_date = utcnow()
    return EmptyResult()
