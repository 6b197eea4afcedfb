"""What AWS says about each Cognito operation beyond the botocore model, one row per operation: its request-rate quota
category, whether its answer may be cached across requests, and whether it changes something though its name reads
like a read. Page bounds and everything else the model states are read from the model (:mod:`gateway.cognito.model`).

Quota categories follow the developer guide's "Amazon Cognito user pools API operation categories and request rate
quotas" (the "Quotas in Amazon Cognito" page). The rows marked ``# by description`` are operations newer than the
table this project could consult (its operation lists were not readable here): they are placed by the category's
description on that page ("operations that update resource information for a user" ...), and should be checked
against the page when it is at hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Facts:
    category: str  # the request-rate quota category the operation counts against
    cached: bool = False  # a pool-level read the shared read cache keeps (gateway.cognito.cache)
    # A Get* that issues a token or sends a message: not a read, so never retried blindly (model.is_read).
    side_effects: bool = False


# Default requests per second of each category, as the quotas page gives them (raise them in GATEWAY_QUOTA_RATES
# when the account has a quota increase).
DEFAULT_RATES: Mapping[str, float] = {
    "UserAuthentication": 120,
    "UserCreation": 50,
    "UserFederation": 25,
    "UserAccountRecovery": 30,
    "UserRead": 120,
    "UserUpdate": 25,
    "UserResourceRead": 50,
    "UserResourceUpdate": 25,
    "UserList": 30,
    "UserToken": 120,
    "UserPoolRead": 15,
    "UserPoolUpdate": 15,
    "UserPoolResourceRead": 20,
    "UserPoolResourceUpdate": 15,
    "UserPoolClientRead": 15,
    "UserPoolClientUpdate": 15,
    "ClientAuthentication": 150,
    "LimitManagement": 1,
}

OPERATIONS: Mapping[str, Facts] = {
    # --- users: sign-in, creation, federation, recovery ---
    "AdminInitiateAuth": Facts("UserAuthentication"),
    "AdminRespondToAuthChallenge": Facts("UserAuthentication"),
    "InitiateAuth": Facts("UserAuthentication"),
    "RespondToAuthChallenge": Facts("UserAuthentication"),
    "ConfirmDevice": Facts("UserAuthentication"),
    "GetTokensFromRefreshToken": Facts("UserAuthentication", side_effects=True),  # issues tokens
    "AdminCreateUser": Facts("UserCreation"),
    "SignUp": Facts("UserCreation"),
    "ConfirmSignUp": Facts("UserCreation"),
    "AdminConfirmSignUp": Facts("UserCreation"),
    "AdminLinkProviderForUser": Facts("UserFederation"),
    "AdminDisableProviderForUser": Facts("UserFederation"),
    "ForgotPassword": Facts("UserAccountRecovery"),
    "ConfirmForgotPassword": Facts("UserAccountRecovery"),
    "ResendConfirmationCode": Facts("UserAccountRecovery"),
    "ChangePassword": Facts("UserAccountRecovery"),  # by description
    # Sends a verification code to the attribute's address.
    "GetUserAttributeVerificationCode": Facts("UserAccountRecovery", side_effects=True),  # by description
    # --- users: reads and updates ---
    "AdminGetUser": Facts("UserRead"),
    "GetUser": Facts("UserRead"),  # by description
    "GetUserAuthFactors": Facts("UserRead"),  # by description
    "AdminGetUserAuthFactors": Facts("UserRead"),  # by description
    "AdminDeleteUser": Facts("UserUpdate"),
    "AdminEnableUser": Facts("UserUpdate"),
    "AdminDisableUser": Facts("UserUpdate"),
    "AdminUpdateUserAttributes": Facts("UserUpdate"),
    "AdminDeleteUserAttributes": Facts("UserUpdate"),
    "AdminResetUserPassword": Facts("UserUpdate"),
    "AdminSetUserPassword": Facts("UserUpdate"),
    "AdminUserGlobalSignOut": Facts("UserUpdate"),
    "AdminSetUserMFAPreference": Facts("UserUpdate"),
    "AdminSetUserSettings": Facts("UserUpdate"),
    "AdminUpdateAuthEventFeedback": Facts("UserUpdate"),
    "AdminUpdateDeviceStatus": Facts("UserUpdate"),
    "AdminForgetDevice": Facts("UserUpdate"),
    "AdminDeleteSoftwareToken": Facts("UserUpdate"),  # by description
    "DeleteUser": Facts("UserUpdate"),  # by description
    "DeleteUserAttributes": Facts("UserUpdate"),  # by description
    "UpdateUserAttributes": Facts("UserUpdate"),  # by description
    "VerifyUserAttribute": Facts("UserUpdate"),  # by description
    "GlobalSignOut": Facts("UserUpdate"),  # by description
    "SetUserMFAPreference": Facts("UserUpdate"),  # by description
    "SetUserSettings": Facts("UserUpdate"),  # by description
    "UpdateAuthEventFeedback": Facts("UserUpdate"),  # by description
    "AssociateSoftwareToken": Facts("UserUpdate"),  # by description
    "VerifySoftwareToken": Facts("UserUpdate"),  # by description
    # --- a user's devices, groups, passkeys and events ---
    "AdminListGroupsForUser": Facts("UserResourceRead"),
    "AdminListDevices": Facts("UserResourceRead"),
    "AdminGetDevice": Facts("UserResourceRead"),
    "AdminListUserAuthEvents": Facts("UserResourceRead"),
    "GetDevice": Facts("UserResourceRead"),  # by description
    "ListDevices": Facts("UserResourceRead"),  # by description
    "ListWebAuthnCredentials": Facts("UserResourceRead"),  # by description
    "AdminAddUserToGroup": Facts("UserResourceUpdate"),
    "AdminRemoveUserFromGroup": Facts("UserResourceUpdate"),
    "ForgetDevice": Facts("UserResourceUpdate"),  # by description
    "UpdateDeviceStatus": Facts("UserResourceUpdate"),  # by description
    "StartWebAuthnRegistration": Facts("UserResourceUpdate"),  # by description
    "CompleteWebAuthnRegistration": Facts("UserResourceUpdate"),  # by description
    "DeleteWebAuthnCredential": Facts("UserResourceUpdate"),  # by description
    "ListUsers": Facts("UserList"),
    "ListUsersInGroup": Facts("UserList"),
    "RevokeToken": Facts("UserToken"),
    # --- user pools ---
    "DescribeUserPool": Facts("UserPoolRead", cached=True),
    "ListUserPools": Facts("UserPoolRead"),
    "GetUserPoolMfaConfig": Facts("UserPoolRead", cached=True),
    "DescribeRiskConfiguration": Facts("UserPoolRead"),  # by description
    "GetLogDeliveryConfiguration": Facts("UserPoolRead"),  # by description
    "ListUserImportJobs": Facts("UserPoolRead"),  # by description
    "DescribeUserImportJob": Facts("UserPoolRead"),  # by description
    "GetCSVHeader": Facts("UserPoolRead"),  # by description
    "ListUserPoolReplicas": Facts("UserPoolRead"),  # by description
    "CreateUserPool": Facts("UserPoolUpdate"),
    "UpdateUserPool": Facts("UserPoolUpdate"),
    "DeleteUserPool": Facts("UserPoolUpdate"),
    "SetUserPoolMfaConfig": Facts("UserPoolUpdate"),
    "AddCustomAttributes": Facts("UserPoolUpdate"),
    "SetRiskConfiguration": Facts("UserPoolUpdate"),  # by description
    "SetLogDeliveryConfiguration": Facts("UserPoolUpdate"),  # by description
    "CreateUserImportJob": Facts("UserPoolUpdate"),  # by description
    "StartUserImportJob": Facts("UserPoolUpdate"),  # by description
    "StopUserImportJob": Facts("UserPoolUpdate"),  # by description
    "CreateUserPoolReplica": Facts("UserPoolUpdate"),  # by description
    "UpdateUserPoolReplica": Facts("UserPoolUpdate"),  # by description
    "DeleteUserPoolReplica": Facts("UserPoolUpdate"),  # by description
    # --- a pool's groups, identity providers, resource servers, domain, tags, branding, terms ---
    "GetGroup": Facts("UserPoolResourceRead", cached=True),
    "ListGroups": Facts("UserPoolResourceRead", cached=True),
    "DescribeIdentityProvider": Facts("UserPoolResourceRead"),
    "ListIdentityProviders": Facts("UserPoolResourceRead"),
    "GetIdentityProviderByIdentifier": Facts("UserPoolResourceRead"),
    "DescribeResourceServer": Facts("UserPoolResourceRead"),
    "ListResourceServers": Facts("UserPoolResourceRead"),
    "DescribeUserPoolDomain": Facts("UserPoolResourceRead"),
    "ListTagsForResource": Facts("UserPoolResourceRead"),
    "GetSigningCertificate": Facts("UserPoolResourceRead"),  # by description
    "GetUICustomization": Facts("UserPoolResourceRead"),  # by description
    "DescribeManagedLoginBranding": Facts("UserPoolResourceRead"),  # by description
    "DescribeTerms": Facts("UserPoolResourceRead"),  # by description
    "ListTerms": Facts("UserPoolResourceRead"),  # by description
    "CreateGroup": Facts("UserPoolResourceUpdate"),
    "UpdateGroup": Facts("UserPoolResourceUpdate"),
    "DeleteGroup": Facts("UserPoolResourceUpdate"),
    "CreateIdentityProvider": Facts("UserPoolResourceUpdate"),
    "UpdateIdentityProvider": Facts("UserPoolResourceUpdate"),
    "DeleteIdentityProvider": Facts("UserPoolResourceUpdate"),
    "CreateResourceServer": Facts("UserPoolResourceUpdate"),
    "UpdateResourceServer": Facts("UserPoolResourceUpdate"),
    "DeleteResourceServer": Facts("UserPoolResourceUpdate"),
    "CreateUserPoolDomain": Facts("UserPoolResourceUpdate"),
    "UpdateUserPoolDomain": Facts("UserPoolResourceUpdate"),
    "DeleteUserPoolDomain": Facts("UserPoolResourceUpdate"),
    "TagResource": Facts("UserPoolResourceUpdate"),
    "UntagResource": Facts("UserPoolResourceUpdate"),
    "SetUICustomization": Facts("UserPoolResourceUpdate"),  # by description
    "CreateManagedLoginBranding": Facts("UserPoolResourceUpdate"),  # by description
    "UpdateManagedLoginBranding": Facts("UserPoolResourceUpdate"),  # by description
    "DeleteManagedLoginBranding": Facts("UserPoolResourceUpdate"),  # by description
    "CreateTerms": Facts("UserPoolResourceUpdate"),  # by description
    "UpdateTerms": Facts("UserPoolResourceUpdate"),  # by description
    "DeleteTerms": Facts("UserPoolResourceUpdate"),  # by description
    # --- app clients ---
    "DescribeUserPoolClient": Facts("UserPoolClientRead", cached=True),
    "ListUserPoolClients": Facts("UserPoolClientRead"),
    "ListUserPoolClientSecrets": Facts("UserPoolClientRead"),  # by description
    "DescribeManagedLoginBrandingByClient": Facts("UserPoolClientRead"),  # by description
    "DescribeTermsByClient": Facts("UserPoolClientRead"),  # by description
    "CreateUserPoolClient": Facts("UserPoolClientUpdate"),
    "UpdateUserPoolClient": Facts("UserPoolClientUpdate"),
    "DeleteUserPoolClient": Facts("UserPoolClientUpdate"),
    "AddUserPoolClientSecret": Facts("UserPoolClientUpdate"),  # by description
    "DeleteUserPoolClientSecret": Facts("UserPoolClientUpdate"),  # by description
    # --- machine-to-machine tokens and the account's provisioned limits ---
    "GetClientToken": Facts("ClientAuthentication", side_effects=True),  # issues a token; by description
    "GetProvisionedLimit": Facts("LimitManagement"),  # by description
    "UpdateProvisionedLimit": Facts("LimitManagement"),  # by description
}
