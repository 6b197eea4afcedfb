"""End-user feedback on an auth event, which moto 5.2.5 lacks: UpdateAuthEventFeedback.

Cognito puts a FeedbackToken in the notification email it sends about a risky sign-in; the user's click sends it
back.  The demo sends no email, so the token of an event is derived (HMAC-SHA256 of pool, user and event under a
random key kept on moto's pool object, dropped by ``POST /moto-api/reset``) and :func:`feedback_token` hands it
to whoever plays the email, in this process.  The event itself is the one AdminListUserAuthEvents lists
(:mod:`gateway.demo.extensions`); feedback shows there with the provider ``User``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Final

from moto.cognitoidp.exceptions import NotAuthorizedError, ResourceNotFoundError
from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow

from gateway.demo.extensions import events_user, find_user_pool, in_process_user, user_state
from gateway.demo.requests import Operations, pool_state, required_enum, required_param

__all__ = ["FEEDBACK_PROVIDER", "OPERATIONS", "feedback_token"]

FEEDBACK_PROVIDER: Final = "User"  # AdminUpdateAuthEventFeedback records "Admin"
_FEEDBACK_VALUES: Final = ("Valid", "Invalid")
_KEY_ATTRIBUTE: Final = "_gateway_feedback_key"


def _token(pool: CognitoIdpUserPool, user: CognitoIdpUser, event_id: str) -> str:
    key = pool_state(pool, _KEY_ATTRIBUTE, lambda: secrets.token_bytes(32))
    digest = hmac.new(key, f"{pool.id}\0{user.username}\0{event_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def feedback_token(user_pool_id: str, username: str, event_id: str, account_id: str = DEFAULT_ACCOUNT_ID) -> str:
    """The FeedbackToken Cognito would have emailed for an event of a user of an in-process moto pool."""
    user = in_process_user(user_pool_id, username, account_id)  # ResourceNotFound / UserNotFound
    if not any(event.event_id == event_id for event in user_state(user).auth_events):
        raise ResourceNotFoundError(f"Auth event {event_id} does not exist.")
    pool = find_user_pool(user_pool_id, account_id)
    assert pool is not None  # in_process_user found the user in it
    return _token(pool, user, event_id)


OPERATIONS: Final = Operations()


@OPERATIONS.add
def update_auth_event_feedback(self: CognitoIdpResponse) -> ActionResult:
    # ResourceNotFound for the pool, UserPoolAddOnNotEnabled without threat protection, UserNotFound.
    user = events_user(self)
    pool = self.backend.user_pools[user.user_pool_id]
    event_id = required_param(self, "EventId")
    sent_token = required_param(self, "FeedbackToken")
    value = required_enum(self, "FeedbackValue", _FEEDBACK_VALUES)
    event = next((event for event in user_state(user).auth_events if event.event_id == event_id), None)
    if event is None:
        raise ResourceNotFoundError(f"Auth event {event_id} does not exist.")
    if not hmac.compare_digest(str(sent_token).encode(), _token(pool, user, event_id).encode()):
        raise NotAuthorizedError("Invalid feedback token.")
    event.feedback = (value, FEEDBACK_PROVIDER, utcnow())
    return EmptyResult()
