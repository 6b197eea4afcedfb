"""The Cognito errors the demo backend answers that moto 5.2.5 has no class for, defined the way moto defines its own.

moto's server answers a ``JsonRESTError`` as Cognito does: HTTP 400 with the error code as ``__type``.
"""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError

__all__ = [
    "DeviceKeyExistsException",
    "DuplicateProviderException",
    "FeatureUnavailableInTierException",
    "LimitExceededException",
    "ManagedLoginBrandingExistsException",
    "OperationNotEnabledException",
    "PreconditionNotMetException",
    "RefreshTokenReuseException",
    "ServiceQuotaExceededException",
    "TermsExistsException",
    "UnauthorizedException",
    "UnsupportedOperationException",
    "UnsupportedTokenTypeException",
    "UserPoolAddOnNotEnabledException",
]


class _CognitoError(JsonRESTError):
    """An error whose code is its class name."""

    def __init__(self, message: str) -> None:
        super().__init__(type(self).__name__, message)


class LimitExceededException(_CognitoError):
    pass


class UnauthorizedException(_CognitoError):
    pass


class UnsupportedOperationException(_CognitoError):
    pass


class OperationNotEnabledException(_CognitoError):
    pass


class FeatureUnavailableInTierException(_CognitoError):
    pass


class PreconditionNotMetException(_CognitoError):
    pass


class ServiceQuotaExceededException(_CognitoError):
    pass


class UserPoolAddOnNotEnabledException(_CognitoError):
    def __init__(self) -> None:
        super().__init__(
            "Advanced security features (UserPoolAddOns.AdvancedSecurityMode) are not enabled for this user pool."
        )


class DeviceKeyExistsException(_CognitoError):
    def __init__(self, device_key: str) -> None:
        super().__init__(f"Device {device_key} already exists.")


class UnsupportedTokenTypeException(_CognitoError):
    def __init__(self) -> None:
        super().__init__("Only refresh tokens can be revoked.")


class DuplicateProviderException(_CognitoError):
    def __init__(self, provider_name: str) -> None:
        super().__init__(f"A provider with the name {provider_name} already exists in this user pool.")


class RefreshTokenReuseException(_CognitoError):
    def __init__(self) -> None:
        super().__init__("The refresh token has been invalidated by refresh token rotation.")


class ManagedLoginBrandingExistsException(_CognitoError):
    def __init__(self, client_id: str) -> None:
        super().__init__(f"A managed login branding style already exists for app client {client_id}.")


class TermsExistsException(_CognitoError):
    def __init__(self, client_id: str, name: str) -> None:
        super().__init__(f"Terms document {name} already exists for app client {client_id}.")
