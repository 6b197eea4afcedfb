"""``GATEWAY_ROLE_MAP``: the caller's groups (or other claim values) to grants. Which role each field needs is
declared on the field (gateway.graphql.declarations)."""

from __future__ import annotations

from gateway.auth import Grant, Role


def parse_role_map(text: str) -> dict[str, tuple[Grant, ...]]:
    """``GATEWAY_ROLE_MAP``: comma-separated ``<claim value>=<role>[:<pool ID>|<pool ID>...]``, e.g.
    ``gateway-admins=admin,support=operator:eu-west-1_AbC|eu-west-1_Def``. A value may appear more than
    once (one grant each)."""
    grants: dict[str, list[Grant]] = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        value, separator, grant = entry.partition("=")
        if not separator or not value.strip() or not grant.strip():
            raise ValueError(f"role map entry {entry!r} is not <claim value>=<role>[:<pool>|<pool>...]")
        role_name, _, pool_list = grant.partition(":")
        pools = frozenset(filter(None, (pool.strip() for pool in pool_list.split("|")))) or None
        grants.setdefault(value.strip(), []).append(Grant(Role.parse(role_name), pools))
    return {value: tuple(entries) for value, entries in grants.items()}


def grants_for(claim_values: list[str], role_map: dict[str, tuple[Grant, ...]]) -> tuple[Grant, ...]:
    """The grants of a caller whose role claim holds ``claim_values``; values the map does not name grant nothing."""
    return tuple(grant for value in claim_values for grant in role_map.get(value, ()))
