"""Who the caller is and what they may do: the caller, their grants and the roles those grants name.

* :mod:`gateway.auth.authenticator` turns a request's credentials into a :class:`Caller` (modes ``jwt``,
  ``api-key``, ``none``), or refuses it with :class:`AuthenticationError` (HTTP 401).
* :mod:`gateway.auth.roles` says which role each operation needs and reads ``GATEWAY_ROLE_MAP``.
* :mod:`gateway.graphql.permissions` enforces it per field; a denial is :class:`AccessDenied` (``FORBIDDEN``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.IntEnum):
    """Each role can do everything the roles below it can."""

    VIEWER = 1  # every query, no secrets
    OPERATOR = 2  # viewer + user lifecycle, attributes, passwords, sign-out, MFA preference, devices, membership
    ADMIN = 3  # everything: pools, clients, identity providers, groups, domains, client secrets, auth flows

    @classmethod
    def parse(cls, name: str) -> Role:
        try:
            return cls[name.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown role {name!r}: expected one of {', '.join(r.name.lower() for r in cls)}")

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Grant:
    """A role, on every user pool (``pools`` None) or on the pools listed."""

    role: Role
    pools: frozenset[str] | None = None

    def covers(self, role: Role, pool_id: str | None) -> bool:
        """Whether this grant allows ``role``'s work on ``pool_id`` (None: no pool named, e.g. listing pools)."""
        if self.role < role:
            return False
        return self.pools is None or pool_id is None or pool_id in self.pools


@dataclass(frozen=True)
class Caller:
    subject: str  # the token's `sub`, the API key's name, or "anonymous"
    auth_mode: str
    grants: tuple[Grant, ...]

    def may(self, role: Role, pool_id: str | None = None) -> bool:
        return any(grant.covers(role, pool_id) for grant in self.grants)

    def may_everywhere(self, role: Role) -> bool:
        """Whether a grant of ``role`` holds on every pool: what a change naming no pool (creating a pool, a
        client-side auth flow without ``userPoolId``) needs, as a grant limited to pools cannot vouch for it."""
        return any(grant.role >= role and grant.pools is None for grant in self.grants)

    @property
    def roles(self) -> list[Role]:
        return sorted({grant.role for grant in self.grants})

    @property
    def pools(self) -> list[str] | None:
        """The pools the caller may read, or None for every pool."""
        if any(grant.pools is None for grant in self.grants):
            return None
        return sorted(set().union(*(grant.pools for grant in self.grants if grant.pools is not None)))


ANONYMOUS = Caller(subject="anonymous", auth_mode="none", grants=(Grant(Role.ADMIN),))


class AuthenticationError(Exception):
    """Missing or bad credentials: the request is answered with HTTP 401 and nothing executes."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AccessDenied(Exception):
    """The caller's grants do not allow a field: ``extensions.code = "FORBIDDEN"``, no upstream call."""

    code = "FORBIDDEN"
