"""Service-account API keys (``X-API-Key``): only salted SHA-256 hashes are configured, compared in constant time.

Keys are 256 random bits, so one salted hash round is enough: a slow password hash would buy nothing
against brute force and would cost every request milliseconds.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from gateway.auth import Caller, Grant, Role
from gateway.settings import ApiKey


def hash_key(key: str, salt: str | None = None) -> str:
    """``sha256$<salt>$<digest>``, the form ``GATEWAY_API_KEYS`` takes."""
    salt = salt or secrets.token_hex(16)
    return f"sha256${salt}${_digest(salt, key)}"


def new_key() -> str:
    return "cgw_" + secrets.token_urlsafe(32)


def _digest(salt: str, key: str) -> str:
    return hashlib.sha256(f"{salt}:{key}".encode()).hexdigest()


class ApiKeyVerifier:
    def __init__(self, keys: list[ApiKey]) -> None:
        self._keys = [(entry, *entry.hash.split("$")[1:]) for entry in keys]

    def caller(self, presented: str) -> Caller | None:
        """The caller whose key this is, or None. Every configured key is compared, so the time taken
        says nothing about which key (or how much of one) matched."""
        found = None
        for entry, salt, digest in self._keys:
            if hmac.compare_digest(_digest(salt, presented), digest) and found is None:
                found = entry
        if found is None:
            return None
        pools = frozenset(found.pools) if found.pools is not None else None
        return Caller(subject=found.name, auth_mode="api-key", grants=(Grant(Role.parse(found.role), pools),))
