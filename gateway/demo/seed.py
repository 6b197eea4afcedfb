"""Fill a (moto) Cognito backend with one realistic, deterministic staff pool.

``seed_demo_pool`` creates the pool, its users, groups, app clients, identity
providers and resource server through the boto3 client it is given, so that
part works against any endpoint.  Devices and sign-in history can't be created
with backdated timestamps through the Cognito API, so the seed adds them
directly to moto's in-process backend with :mod:`gateway.demo.extensions`
(``seed_device``/``seed_auth_event``).  That works because the moto server of
:class:`gateway.demo.server.DemoBackend` runs in this very process; against any
other endpoint the pool simply has no devices or auth events (logged).

Where moto 5.2.5 deviates from AWS the request is still written the way real
Cognito wants it, with a comment on what moto does with it.
"""

from __future__ import annotations

import logging
import random
import re
import time
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any, Final, Literal

from botocore.client import BaseClient

from gateway.demo import extensions

__all__ = [
    "DEPARTMENTS",
    "GROUPS",
    "PASSWORD_POLICY",
    "POOL_NAME",
    "GroupSpec",
    "SeededPool",
    "password_violations",
    "seed_demo_pool",
]

log = logging.getLogger(__name__)

POOL_NAME: Final = "acme-staff"
APP_CLIENT_NAME: Final = "acme-staff-web"
CONFIDENTIAL_CLIENT_NAME: Final = "acme-directory-sync"
RESOURCE_SERVER_ID: Final = "https://api.acme.example"
IMPORT_JOB_NAME: Final = "acme-contractors"
EMAIL_DOMAIN: Final = "acme.example"  # reserved TLD: never a real mailbox

PASSWORD_POLICY: Final[Mapping[str, Any]] = {
    "MinimumLength": 10,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "TemporaryPasswordValidityDays": 7,
}

# The special characters Cognito counts as symbols in a password policy.
PASSWORD_SYMBOLS: Final = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-"


@dataclass(frozen=True)
class GroupSpec:
    name: str
    description: str
    precedence: int  # lower wins when a user's groups map to different IAM roles


GROUPS: Final[tuple[GroupSpec, ...]] = (
    GroupSpec("admins", "Full access to the staff directory and pool settings", 1),
    GroupSpec("engineering", "Product and platform engineering", 10),
    GroupSpec("support", "Customer support agents", 20),
    GroupSpec("billing", "Finance: invoices, refunds and payment methods", 30),
    GroupSpec("beta-testers", "Opted in to early-access features", 50),
)

# custom:department value -> (relative headcount, group its members belong to).
DEPARTMENTS: Final[Mapping[str, tuple[int, str | None]]] = {
    "Engineering": (35, "engineering"),
    "Support": (25, "support"),
    "Billing": (10, "billing"),
    "Sales": (15, None),
    "Marketing": (10, None),
    "People": (5, None),
}

_FIRST_NAMES: Final = (
    "Zoë", "José", "Łukasz", "Amélie", "Søren", "Aoife", "Chidi", "Mei",
    "Priya", "Björn", "Fatima", "Liam", "Olivia", "Noah", "Hana", "Mateo",
    "Ingrid", "Kwame", "Renée", "Dmitri", "Sofia", "Ethan", "Yusuf", "Camille",
)  # fmt: skip
_LAST_NAMES: Final = (
    "García", "O'Brien", "Nowak", "Müller", "Nguyen", "Smith", "Okafor",
    "Tanaka", "Kowalski", "Haddad", "Rossi", "Fernández", "Lindqvist",
    "Dubois", "Patel", "Johnson", "Novák", "Schmidt", "Kim", "D'Angelo",
    "Brown", "Yılmaz", "Ivanova", "Murphy",
)  # fmt: skip
_PASSWORD_WORDS: Final = (
    "Harbor", "Maple", "Comet", "Falcon", "Willow", "Quartz", "Summit",
    "Ember", "Cedar", "Nimbus", "Orchid", "Glacier",
)  # fmt: skip

# Letters NFKD does not decompose into "base letter + accent".
_TRANSLITERATE: Final = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "ß": "ss", "ı": "i"})


# Identity providers of the pool: one enterprise SAML IdP, one social IdP.
SAML_PROVIDER: Final = "AcmeOkta"
GOOGLE_PROVIDER: Final = "Google"  # the name Cognito requires for the Google type
SAML_IDP_IDENTIFIERS: Final = ("acme.example", "okta")

USERS_WITH_DEVICES: Final = 30
USERS_WITH_AUTH_EVENTS: Final = 40
ACTIVITY_DAYS: Final = 90  # devices and sign-ins are spread over this many days

_DEVICE_NAMES: Final = (
    "iPhone 15", "iPhone 13 mini", "Pixel 8", "Galaxy S23", "MacBook Pro",
    "MacBook Air", "ThinkPad X1 Carbon", "Surface Laptop 5", "iPad Air", "Dell XPS 13",
)  # fmt: skip
# What Cognito shows as an auth event's DeviceName: "<browser>, <OS>".
_BROWSERS: Final = (
    "Chrome 131, macOS 14", "Safari 17, iOS 17", "Firefox 133, Windows 10",
    "Edge 131, Windows 11", "Chrome 131, Android 14", "Safari 17, macOS 14",
)  # fmt: skip
# (city, country, address): addresses from the documentation ranges of RFC 5737.
_HOME_LOCATIONS: Final = (
    ("Seattle", "United States", "198.51.100.23"),
    ("Austin", "United States", "198.51.100.87"),
    ("Dublin", "Ireland", "203.0.113.41"),
    ("Berlin", "Germany", "203.0.113.120"),
    ("Toronto", "Canada", "192.0.2.77"),
)
_FEEDBACK: Final[tuple[Literal["Valid", "Invalid"], ...]] = ("Valid", "Invalid")
_UNUSUAL_LOCATIONS: Final = (
    ("Lagos", "Nigeria", "192.0.2.199"),
    ("Novosibirsk", "Russia", "203.0.113.250"),
    ("Hanoi", "Vietnam", "198.51.100.201"),
)


@dataclass(frozen=True)
class SeededPool:
    user_pool_id: str
    user_pool_name: str
    group_names: tuple[str, ...]
    usernames: tuple[str, ...]  # in creation order
    app_client_id: str  # public client (no secret) used for the SignUp users
    confidential_client_id: str | None = None  # server-side client with a secret
    identity_provider_names: tuple[str, ...] = ()
    resource_server_identifiers: tuple[str, ...] = ()
    # Empty when the backend is not an in-process moto (see the module docstring).
    users_with_devices: tuple[str, ...] = ()
    users_with_auth_events: tuple[str, ...] = ()
    import_job_id: str | None = None  # a user import job waiting for its CSV file


class _Status(Enum):
    CONFIRMED = "CONFIRMED"
    FORCE_CHANGE_PASSWORD = "FORCE_CHANGE_PASSWORD"
    UNCONFIRMED = "UNCONFIRMED"


@dataclass(frozen=True)
class _UserSpec:
    username: str
    given_name: str
    family_name: str
    email_verified: bool | None  # None: not set (self sign-up, not confirmed)
    phone_number: str | None
    department: str | None
    status: _Status
    enabled: bool
    password: str  # permanent, temporary or sign-up password depending on status
    groups: tuple[str, ...]

    def attributes(self) -> list[dict[str, str]]:
        attrs = {
            "email": f"{self.username}@{EMAIL_DOMAIN}",
            "given_name": self.given_name,
            "family_name": self.family_name,
            "name": f"{self.given_name} {self.family_name}",
        }
        if self.email_verified is not None:
            attrs["email_verified"] = "true" if self.email_verified else "false"
        if self.phone_number is not None:
            attrs["phone_number"] = self.phone_number
        if self.department is not None:
            attrs["custom:department"] = self.department
        return [{"Name": name, "Value": value} for name, value in attrs.items()]


def password_violations(password: str, policy: Mapping[str, Any] = PASSWORD_POLICY) -> list[str]:
    """What ``password`` lacks under a Cognito password policy (empty if valid)."""
    problems = []
    if len(password) < policy.get("MinimumLength", 8):
        problems.append("too short")
    if policy.get("RequireUppercase") and not re.search("[A-Z]", password):
        problems.append("no uppercase letter")
    if policy.get("RequireLowercase") and not re.search("[a-z]", password):
        problems.append("no lowercase letter")
    if policy.get("RequireNumbers") and not re.search("[0-9]", password):
        problems.append("no number")
    has_symbol = any(char in PASSWORD_SYMBOLS for char in password)
    if policy.get("RequireSymbols") and not has_symbol:
        problems.append("no symbol")
    if password != password.strip():
        problems.append("leading or trailing whitespace")
    return problems


def seed_demo_pool(client: BaseClient, *, users: int = 160, seed: int = 7) -> SeededPool:
    """Create the ``acme-staff`` pool: ``users`` users, groups, app clients, IdPs.

    The same ``seed`` always yields the same users, statuses and memberships
    (moto still generates the pool id, client id and ``sub`` values).  About
    8% of the users are UNCONFIRMED self sign-ups, 6% FORCE_CHANGE_PASSWORD
    (admin-invited), the rest CONFIRMED; 8% are disabled.  Each of those
    shares is at least 10 (5 for FORCE_CHANGE_PASSWORD) when ``users`` is
    large enough.  The first user is always a confirmed admin engineer.

    The pool has advanced security in AUDIT mode; up to 30 confirmed users get
    1-3 devices and up to 40 a few sign-in events (Pass and Fail, some flagged
    as risky, some with admin feedback) over the last 90 days.  It also has a
    SAML and a Google identity provider, a resource server, besides the
    public web client a confidential client (with a secret), and a user
    import job waiting for its CSV file.
    """
    if users < 1:
        raise ValueError(f"users must be at least 1, got {users}")
    started = time.perf_counter()
    specs = _plan_users(random.Random(seed), users)

    created = client.create_user_pool(**_user_pool_request(POOL_NAME))
    pool_id: str = created["UserPool"]["Id"]
    account_id = created["UserPool"]["Arn"].split(":")[4]
    # Real Cognito rejects MfaConfiguration="OPTIONAL" in CreateUserPool unless
    # SMS MFA is configured (SNS role); TOTP-only optional MFA is switched on
    # afterwards.  moto would accept either way.
    client.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="OPTIONAL",
    )
    app_client_id: str = client.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=APP_CLIENT_NAME,
        GenerateSecret=False,  # a SPA-style public client; SignUp needs no SecretHash
        ExplicitAuthFlows=[
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
        PreventUserExistenceErrors="ENABLED",
    )["UserPoolClient"]["ClientId"]
    for group in GROUPS:
        client.create_group(
            UserPoolId=pool_id,
            GroupName=group.name,
            Description=group.description,
            Precedence=group.precedence,
        )
    provider_names = _create_identity_providers(client, pool_id)
    # The confidential client's OAuth scopes are the resource server's, so
    # the server comes first (Cognito rejects scopes it doesn't know).
    scopes = _create_resource_server(client, pool_id)
    confidential_client_id: str = client.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=CONFIDENTIAL_CLIENT_NAME,
        GenerateSecret=True,  # a back-end service: machine-to-machine with a secret
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=scopes,
        AllowedOAuthFlowsUserPoolClient=True,
        ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"],
        EnableTokenRevocation=True,
    )["UserPoolClient"]["ClientId"]

    import_job_id: str = client.create_user_import_job(
        UserPoolId=pool_id,
        JobName=IMPORT_JOB_NAME,
        CloudWatchLogsRoleArn=f"arn:aws:iam::{account_id}:role/CognitoImportLogs",
    )["UserImportJob"]["JobId"]

    # Sequential on purpose: the moto server shares this process (and its GIL)
    # with the client, so a thread pool measured no faster, and serial calls
    # keep ListUsers' (insertion) order deterministic.
    for spec in specs:
        _create_user(client, pool_id, app_client_id, spec)

    with_devices, with_events = _seed_activity(pool_id, account_id, specs, random.Random(f"{seed}-activity"))
    log.info(
        "seeded %s with %d users (%d with devices, %d with sign-in history) in %.2fs",
        pool_id,
        len(specs),
        len(with_devices),
        len(with_events),
        time.perf_counter() - started,
    )
    return SeededPool(
        user_pool_id=pool_id,
        user_pool_name=POOL_NAME,
        group_names=tuple(group.name for group in GROUPS),
        usernames=tuple(spec.username for spec in specs),
        app_client_id=app_client_id,
        confidential_client_id=confidential_client_id,
        identity_provider_names=provider_names,
        resource_server_identifiers=(RESOURCE_SERVER_ID,),
        users_with_devices=with_devices,
        users_with_auth_events=with_events,
        import_job_id=import_job_id,
    )


_SAML_CLAIMS: Final = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims"


def _create_identity_providers(client: BaseClient, pool_id: str) -> tuple[str, ...]:
    """An enterprise SAML IdP (with IdP identifiers) and Google sign-in."""
    client.create_identity_provider(
        UserPoolId=pool_id,
        ProviderName=SAML_PROVIDER,
        ProviderType="SAML",
        ProviderDetails={
            "MetadataURL": "https://acme.okta.example/app/exk1demo/sso/saml/metadata",
            "IDPSignout": "true",
        },
        AttributeMapping={
            "email": f"{_SAML_CLAIMS}/emailaddress",
            "given_name": f"{_SAML_CLAIMS}/givenname",
            "family_name": f"{_SAML_CLAIMS}/surname",
        },
        # Identifiers route sign-ins to this IdP: by email domain, or by the
        # idp_identifier parameter.  The console offers them for SAML and OIDC
        # providers only, so Google has none.
        IdpIdentifiers=list(SAML_IDP_IDENTIFIERS),
    )
    client.create_identity_provider(
        UserPoolId=pool_id,
        ProviderName=GOOGLE_PROVIDER,
        ProviderType="Google",
        ProviderDetails={
            "client_id": "123456789012-demo.apps.googleusercontent.com",
            "client_secret": "demo-google-client-secret",  # not a real secret
            "authorize_scopes": "openid email profile",
        },
        AttributeMapping={
            "email": "email",
            "given_name": "given_name",
            "family_name": "family_name",
            "username": "sub",
        },
    )
    return (SAML_PROVIDER, GOOGLE_PROVIDER)


def _create_resource_server(client: BaseClient, pool_id: str) -> list[str]:
    """The staff directory API; returns its scopes as OAuth scope names."""
    scopes = [
        {"ScopeName": "directory.read", "ScopeDescription": "Read staff profiles"},
        {"ScopeName": "directory.write", "ScopeDescription": "Update staff profiles"},
    ]
    client.create_resource_server(
        UserPoolId=pool_id,
        Identifier=RESOURCE_SERVER_ID,
        Name="Acme staff directory API",
        Scopes=scopes,
    )
    return [f"{RESOURCE_SERVER_ID}/{scope['ScopeName']}" for scope in scopes]


def _seed_activity(
    pool_id: str, account_id: str, specs: Sequence[_UserSpec], rng: random.Random
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Devices and sign-in history of active users, added in-process.

    Returns the usernames that got devices and those that got auth events;
    both are empty when the pool is not in this process's moto.
    """
    if extensions.find_user_pool(pool_id, account_id) is None:
        log.info("%s is not in this process: no devices or auth events seeded", pool_id)
        return (), ()
    region = pool_id.split("_", 1)[0]
    now = datetime.now(UTC)
    # Only people who can sign in today (confirmed, not offboarded) have
    # recent devices and sign-ins.
    active = [spec.username for spec in specs if spec.status is _Status.CONFIRMED and spec.enabled]
    with_devices = rng.sample(active, min(USERS_WITH_DEVICES, len(active)))
    with_events = rng.sample(active, min(USERS_WITH_AUTH_EVENTS, len(active)))

    def ago(max_days: float) -> datetime:
        return now - timedelta(days=rng.uniform(0, max_days))

    for username in with_devices:
        for name in rng.sample(_DEVICE_NAMES, rng.randint(1, 3)):
            last_authenticated = ago(ACTIVITY_DAYS)
            extensions.seed_device(
                pool_id,
                username,
                name=name,
                remembered=rng.random() < 0.7,
                last_authenticated=last_authenticated,
                created=last_authenticated - timedelta(days=rng.uniform(0, 365)),
                ip_address=rng.choice(_HOME_LOCATIONS)[2],
                device_key=f"{region}_{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                account_id=account_id,
            )

    for username in with_events:
        home = rng.choice(_HOME_LOCATIONS)
        browser = rng.choice(_BROWSERS)
        for _ in range(rng.randint(2, 5)):
            created = ago(ACTIVITY_DAYS)
            failed = rng.random() < 0.25
            response: Literal["Pass", "Fail"] = "Fail" if failed else "Pass"
            feedback: Literal["Valid", "Invalid"] | None = None
            # AUDIT mode scores risk but never blocks: an unusual location is
            # logged as a (low/medium) account-takeover risk, and an admin
            # often reviews those.
            if rng.random() < 0.1:
                city, country, address = rng.choice(_UNUSUAL_LOCATIONS)
                risk, level = "AccountTakeover", rng.choice(("Low", "Medium"))
                if rng.random() < 0.7:
                    feedback = rng.choice(_FEEDBACK)
            else:
                city, country, address = home
                risk, level = "NoRisk", None
                if rng.random() < 0.05:
                    feedback = "Valid"
            extensions.seed_auth_event(
                pool_id,
                username,
                response=response,
                created=created,
                feedback=feedback,
                feedback_date=min(now, created + timedelta(hours=rng.uniform(1, 48))),
                risk_decision=risk,
                risk_level=level,
                ip_address=address,
                device_name=browser,
                city=city,
                country=country,
                event_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                account_id=account_id,
            )
    return tuple(with_devices), tuple(with_events)


def _user_pool_request(name: str) -> dict[str, Any]:
    """CreateUserPool parameters for a typical production-like staff pool."""
    return {
        "PoolName": name,
        "Policies": {"PasswordPolicy": dict(PASSWORD_POLICY)},
        "AutoVerifiedAttributes": ["email"],
        # moto stores this but always matches usernames case-sensitively; the
        # seeded usernames are all lower case, so it makes no difference here.
        "UsernameConfiguration": {"CaseSensitive": False},
        # AWS merges this list into the standard attributes; moto reports only
        # the attributes listed here in DescribeUserPool.SchemaAttributes, so
        # the ones the seed uses are listed explicitly.
        "Schema": [
            {"Name": "email", "AttributeDataType": "String", "Required": True},
            {"Name": "name", "AttributeDataType": "String"},
            {"Name": "given_name", "AttributeDataType": "String"},
            {"Name": "family_name", "AttributeDataType": "String"},
            {"Name": "phone_number", "AttributeDataType": "String"},
            {
                "Name": "department",  # becomes custom:department
                "AttributeDataType": "String",
                "Mutable": True,
                "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"},
            },
        ],
        "AdminCreateUserConfig": {
            "AllowAdminCreateUserOnly": False,  # self sign-up stays possible
            "InviteMessageTemplate": {
                "EmailSubject": "Your Acme staff account",
                "EmailMessage": "Welcome to Acme! Your username is {username} and your temporary password is {####}.",
                "SMSMessage": "Acme: user {username}, temporary password {####}",
            },
        },
        "VerificationMessageTemplate": {
            "DefaultEmailOption": "CONFIRM_WITH_CODE",
            "EmailSubject": "Verify your Acme email address",
            "EmailMessage": "Your Acme verification code is {####}.",
        },
        "EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"},
        # Threat protection ("advanced security") needs the Plus tier; AUDIT
        # records each sign-in's risk without blocking, which is what fills
        # AdminListUserAuthEvents.  moto stores both as given.
        "UserPoolTier": "PLUS",
        "UserPoolAddOns": {"AdvancedSecurityMode": "AUDIT"},
        "AccountRecoverySetting": {
            "RecoveryMechanisms": [
                {"Priority": 1, "Name": "verified_email"},
                {"Priority": 2, "Name": "verified_phone_number"},
            ]
        },
        # Reported by DescribeUserPool and, through the demo extensions, by
        # ListTagsForResource on the pool ARN.
        "UserPoolTags": {
            "project": "cognito-gateway",
            "environment": "demo",
            "owner": "platform-team",
        },
    }


def _plan_users(rng: random.Random, count: int) -> list[_UserSpec]:
    """Decide every user up front, drawing from ``rng`` in a fixed order."""
    n_unconfirmed = _share(count, 0.08, minimum=10)
    n_force_change = _share(count, 0.06, minimum=5)
    n_disabled = _share(count, 0.08, minimum=10)

    # Index 0 is kept as the always-usable "owner" account.
    others = list(range(1, count))
    rng.shuffle(others)
    unconfirmed = set(others[:n_unconfirmed])
    force_change = set(others[n_unconfirmed : n_unconfirmed + n_force_change])
    # Only accounts an admin created get disabled (offboarded staff).
    disabled = set(rng.sample(others[n_unconfirmed:], n_disabled))

    dept_names = list(DEPARTMENTS)
    dept_weights = [weight for weight, _ in DEPARTMENTS.values()]
    taken: set[str] = set()
    specs: list[_UserSpec] = []
    for index in range(count):
        given, family = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        username = _unique(f"{_ascii_slug(given)}.{_ascii_slug(family)}", taken)
        # Drawn for every user, whatever its status, so that one user's
        # status doesn't shift the random sequence for all later users.
        has_phone = rng.random() < 0.7
        phone = f"+1555{rng.randrange(10**7):07d}" if has_phone else None
        password = _make_password(rng)
        in_beta = rng.random() < 0.2
        is_admin = index == 0 or rng.random() < 0.04

        if index in unconfirmed:
            # Self sign-ups: no department yet, email not verified, only the
            # beta program to join.
            status, department, email_verified = _Status.UNCONFIRMED, None, None
            groups = ["beta-testers"] if in_beta else []
        else:
            # Invited users have often not verified their address yet.
            if index in force_change:
                status = _Status.FORCE_CHANGE_PASSWORD
                email_verified = rng.random() < 0.5
            else:
                status = _Status.CONFIRMED
                email_verified = rng.random() < 0.92
            if index == 0:
                department = "Engineering"
            else:
                department = rng.choices(dept_names, dept_weights)[0]
            groups = ["admins"] if is_admin else []
            if (dept_group := DEPARTMENTS[department][1]) is not None:
                groups.append(dept_group)
            if in_beta:
                groups.append("beta-testers")

        specs.append(
            _UserSpec(
                username=username,
                given_name=given,
                family_name=family,
                email_verified=email_verified,
                phone_number=phone,
                department=department,
                status=status,
                enabled=index not in disabled,
                password=password,
                groups=tuple(groups),
            )
        )
    return specs


def _create_user(client: BaseClient, pool_id: str, app_client_id: str, spec: _UserSpec) -> None:
    attributes = spec.attributes()
    if spec.status is _Status.UNCONFIRMED:
        client.sign_up(
            ClientId=app_client_id,
            Username=spec.username,
            Password=spec.password,
            UserAttributes=attributes,
        )
    else:
        create: dict[str, Any] = {
            "UserPoolId": pool_id,
            "Username": spec.username,
            "UserAttributes": attributes,
            "MessageAction": "SUPPRESS",  # no invitation email/SMS
        }
        if spec.status is _Status.FORCE_CHANGE_PASSWORD:
            create["TemporaryPassword"] = spec.password
        client.admin_create_user(**create)
        if spec.status is _Status.CONFIRMED:
            client.admin_set_user_password(
                UserPoolId=pool_id,
                Username=spec.username,
                Password=spec.password,
                Permanent=True,
            )
    if not spec.enabled:
        client.admin_disable_user(UserPoolId=pool_id, Username=spec.username)
    for group in spec.groups:
        client.admin_add_user_to_group(UserPoolId=pool_id, Username=spec.username, GroupName=group)


def _share(total: int, fraction: float, *, minimum: int) -> int:
    """``fraction`` of ``total``, at least ``minimum``, at most a quarter."""
    return min(max(minimum, round(total * fraction)), total // 4)


def _ascii_slug(name: str) -> str:
    """``"Łukasz"`` -> ``"lukasz"``, ``"O'Brien"`` -> ``"obrien"``."""
    folded = unicodedata.normalize("NFKD", name.translate(_TRANSLITERATE))
    return re.sub(r"[^a-z0-9]", "", folded.encode("ascii", "ignore").decode().lower())


def _unique(base: str, taken: set[str]) -> str:
    candidate, suffix = base, 1
    while candidate in taken:
        suffix += 1
        candidate = f"{base}{suffix}"
    taken.add(candidate)
    return candidate


def _make_password(rng: random.Random) -> str:
    """A memorable password like ``Falcon-quartz42!``, checked against the policy."""
    first, second = rng.sample(_PASSWORD_WORDS, 2)
    password = f"{first}-{second.lower()}{rng.randint(10, 99)}{rng.choice('!#%&*?@')}"
    if problems := password_violations(password):
        raise AssertionError(f"generated {password!r} violates the policy: {problems}")
    return password
