"""The client side of Cognito's auth crypto: ``SECRET_HASH`` and the ``USER_SRP_AUTH`` password proof.

* :func:`secret_hash` is what an app client with a secret must send with a username: the base64
  HMAC-SHA256 of ``username + client_id`` keyed by the client secret.
* :class:`SrpLogin` drives the client half of Cognito's SRP-6a exchange for one sign-in: ``SRP_A`` for
  InitiateAuth, then the answer to the ``PASSWORD_VERIFIER`` challenge (``PASSWORD_CLAIM_SIGNATURE``,
  ``PASSWORD_CLAIM_SECRET_BLOCK``, ``TIMESTAMP``). The password never leaves this object: only values
  derived from it are sent. The math is pycognito's :class:`~pycognito.aws_srp.AWSSRP` (the port of
  AWS's own ``AuthenticationHelper``), used for its math only: it makes no call of its own here.

Nothing here logs, and nothing keeps a secret beyond the object that needs it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from pycognito.aws_srp import AWSSRP

__all__ = ["PASSWORD_VERIFIER", "SrpLogin", "secret_hash"]

PASSWORD_VERIFIER = "PASSWORD_VERIFIER"


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    """``SECRET_HASH``: base64(HMAC-SHA256(key=client secret, message=username + client ID))."""
    digest = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class _NoClient:
    """Stands in for the boto3 client AWSSRP would otherwise create: the gateway uses only its math,
    and every Cognito call goes through the gateway's own async client."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("SrpLogin computes SRP values only; it never calls Cognito itself")


class SrpLogin:
    """One USER_SRP_AUTH sign-in: a fresh random ``a`` per instance, so an instance serves one attempt.

    The user pool ID is needed because Cognito binds the proof to the pool: its name (the part after
    ``_``) is hashed with the user ID and the password, and signed with the secret block.
    """

    def __init__(self, user_pool_id: str, client_id: str, username: str, password: str) -> None:
        if "_" not in user_pool_id:
            raise ValueError(f"'{user_pool_id}' is not a user pool ID")
        self.username = username
        self._srp = AWSSRP(
            username=username, password=password, pool_id=user_pool_id, client_id=client_id, client=_NoClient()
        )

    def __repr__(self) -> str:  # never the password
        return f"SrpLogin(username={self.username!r})"

    @property
    def srp_a(self) -> str:
        """The public value ``A = g^a mod N`` in hex."""
        return self._srp.get_auth_params()["SRP_A"]

    def auth_parameters(self) -> dict[str, str]:
        """InitiateAuth's ``AuthParameters`` for USER_SRP_AUTH: ``USERNAME`` and ``SRP_A`` (no password)."""
        return {"USERNAME": self.username, "SRP_A": self.srp_a}

    def password_verifier(self, challenge_parameters: dict[str, Any]) -> dict[str, str]:
        """The ``ChallengeResponses`` that answer ``PASSWORD_VERIFIER``.

        ``challenge_parameters`` is Cognito's: ``SALT``, ``SRP_B``, ``SECRET_BLOCK``, ``USER_ID_FOR_SRP``
        and ``USERNAME``. The answer has ``USERNAME`` (Cognito's internal name), ``TIMESTAMP``,
        ``PASSWORD_CLAIM_SECRET_BLOCK`` and ``PASSWORD_CLAIM_SIGNATURE``; a ``SECRET_HASH`` is the caller's to add.
        """
        missing = [
            key for key in ("SALT", "SRP_B", "SECRET_BLOCK", "USER_ID_FOR_SRP") if not challenge_parameters.get(key)
        ]
        if missing:
            raise ValueError(f"the PASSWORD_VERIFIER challenge lacks {', '.join(missing)}")
        answer = self._srp.process_challenge(dict(challenge_parameters), {"USERNAME": self.username})
        return {
            key: answer[key]
            for key in ("USERNAME", "TIMESTAMP", "PASSWORD_CLAIM_SECRET_BLOCK", "PASSWORD_CLAIM_SIGNATURE")
        }
