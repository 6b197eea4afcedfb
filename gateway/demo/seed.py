"""Fill a (moto) Cognito backend with one realistic, deterministic staff pool.

``seed_demo_pool`` only talks to the Cognito API through the boto3 client it is
given, so it works against any endpoint; it is meant for the local moto server
of :class:`gateway.demo.server.DemoBackend`.

Where moto 5.2.5 deviates from AWS the request is still written the way real
Cognito wants it, with a comment on what moto does with it.
"""

from __future__ import annotations

import logging
import random
import re
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

from botocore.client import BaseClient

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
_TRANSLITERATE: Final = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "ß": "ss", "ı": "i"}
)


@dataclass(frozen=True)
class SeededPool:
    user_pool_id: str
    user_pool_name: str
    group_names: tuple[str, ...]
    usernames: tuple[str, ...]  # in creation order
    app_client_id: str  # public client (no secret) used for the SignUp users


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


def password_violations(
    password: str, policy: Mapping[str, Any] = PASSWORD_POLICY
) -> list[str]:
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


def seed_demo_pool(
    client: BaseClient, *, users: int = 160, seed: int = 7
) -> SeededPool:
    """Create the ``acme-staff`` pool with ``users`` users, groups and an app client.

    The same ``seed`` always yields the same users, statuses and memberships
    (moto still generates the pool id, client id and ``sub`` values).  About
    8% of the users are UNCONFIRMED self sign-ups, 6% FORCE_CHANGE_PASSWORD
    (admin-invited), the rest CONFIRMED; 8% are disabled.  Each of those
    shares is at least 10 (5 for FORCE_CHANGE_PASSWORD) when ``users`` is
    large enough.  The first user is always a confirmed admin engineer.
    """
    if users < 1:
        raise ValueError(f"users must be at least 1, got {users}")
    started = time.perf_counter()
    specs = _plan_users(random.Random(seed), users)

    created = client.create_user_pool(**_user_pool_request(POOL_NAME))
    pool_id: str = created["UserPool"]["Id"]
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

    # Sequential on purpose: the moto server shares this process (and its GIL)
    # with the client, so a thread pool measured no faster, and serial calls
    # keep ListUsers' (insertion) order deterministic.
    for spec in specs:
        _create_user(client, pool_id, app_client_id, spec)

    log.info(
        "seeded %s with %d users in %.2fs",
        pool_id,
        len(specs),
        time.perf_counter() - started,
    )
    return SeededPool(
        user_pool_id=pool_id,
        user_pool_name=POOL_NAME,
        group_names=tuple(group.name for group in GROUPS),
        usernames=tuple(spec.username for spec in specs),
        app_client_id=app_client_id,
    )


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
                "EmailMessage": "Welcome to Acme! Your username is {username} "
                "and your temporary password is {####}.",
                "SMSMessage": "Acme: user {username}, temporary password {####}",
            },
        },
        "VerificationMessageTemplate": {
            "DefaultEmailOption": "CONFIRM_WITH_CODE",
            "EmailSubject": "Verify your Acme email address",
            "EmailMessage": "Your Acme verification code is {####}.",
        },
        "EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"},
        "AccountRecoverySetting": {
            "RecoveryMechanisms": [
                {"Priority": 1, "Name": "verified_email"},
                {"Priority": 2, "Name": "verified_phone_number"},
            ]
        },
        # moto keeps these in the pool description only: ListTagsForResource
        # for a user pool ARN is not implemented for cognito-idp.
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


def _create_user(
    client: BaseClient, pool_id: str, app_client_id: str, spec: _UserSpec
) -> None:
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
        client.admin_add_user_to_group(
            UserPoolId=pool_id, Username=spec.username, GroupName=group
        )


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

