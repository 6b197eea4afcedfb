"""End-user feedback on auth events in the demo backend (gateway.demo.auth_event_feedback), through boto3 on moto."""

from __future__ import annotations

import pytest
from botocore.client import BaseClient
from moto.cognitoidp.exceptions import ResourceNotFoundError

from gateway.demo.auth_event_feedback import feedback_token
from gateway.demo.server import DemoBackend
from tests.demo.support import Pool, make_pool, raises


@pytest.fixture
def pool(cognito: BaseClient) -> Pool:
    """Advanced security in AUDIT mode (sign-ins are recorded), alice and bob."""
    created = make_pool(cognito)
    created.create_user(cognito, "alice")
    created.create_user(cognito, "bob")
    return created


def only_event(cognito: BaseClient, pool: Pool) -> dict:
    [event] = cognito.admin_list_user_auth_events(UserPoolId=pool.id, Username="alice")["AuthEvents"]
    return event


def test_update_auth_event_feedback(cognito: BaseClient, pool: Pool) -> None:
    pool.sign_in(cognito, "alice")
    event = only_event(cognito, pool)
    assert "EventFeedback" not in event
    token = feedback_token(pool.id, "alice", event["EventId"])
    cognito.update_auth_event_feedback(
        UserPoolId=pool.id, Username="alice", EventId=event["EventId"], FeedbackToken=token, FeedbackValue="Invalid"
    )
    feedback = only_event(cognito, pool)["EventFeedback"]
    assert (feedback["FeedbackValue"], feedback["Provider"]) == ("Invalid", "User")


def test_update_auth_event_feedback_errors(cognito: BaseClient, pool: Pool) -> None:
    pool.sign_in(cognito, "alice")
    event_id = only_event(cognito, pool)["EventId"]
    token = feedback_token(pool.id, "alice", event_id)
    update = cognito.update_auth_event_feedback

    def request(**changes: str) -> dict[str, str]:
        return {
            "UserPoolId": pool.id,
            "Username": "alice",
            "EventId": event_id,
            "FeedbackToken": token,
            "FeedbackValue": "Valid",
            **changes,
        }

    raises("NotAuthorizedException", update, **request(FeedbackToken="forged.token"))
    raises("ResourceNotFoundException", update, **request(EventId="no-such-event"))
    raises("ResourceNotFoundException", update, **request(UserPoolId="us-east-1_nopool"))
    raises("UserNotFoundException", update, **request(Username="nobody"))
    raises("InvalidParameterException", update, **request(FeedbackValue="Maybe"))
    # bob's token for his own event does not do for alice's.
    pool.sign_in(cognito, "bob")
    [bobs] = cognito.admin_list_user_auth_events(UserPoolId=pool.id, Username="bob")["AuthEvents"]
    raises("NotAuthorizedException", update, **request(FeedbackToken=feedback_token(pool.id, "bob", bobs["EventId"])))
    assert "EventFeedback" not in only_event(cognito, pool)
    plain = make_pool(cognito, advanced_security=None)
    plain.create_user(cognito, "alice")
    raises("UserPoolAddOnNotEnabledException", update, **request(UserPoolId=plain.id))


def test_a_token_is_bound_to_its_pool_user_and_event(cognito: BaseClient, pool: Pool) -> None:
    pool.sign_in(cognito, "alice")
    raises("NotAuthorizedException", pool.sign_in, cognito, "alice", password="wrong-password-1")
    events = cognito.admin_list_user_auth_events(UserPoolId=pool.id, Username="alice")["AuthEvents"]
    first, second = (event["EventId"] for event in events)
    raises(
        "NotAuthorizedException",
        cognito.update_auth_event_feedback,
        UserPoolId=pool.id,
        Username="alice",
        EventId=first,
        FeedbackToken=feedback_token(pool.id, "alice", second),
        FeedbackValue="Valid",
    )
    with pytest.raises(ResourceNotFoundError):
        feedback_token(pool.id, "alice", "no-such-event")


def test_reset_changes_the_tokens(backend: DemoBackend, cognito: BaseClient, pool: Pool) -> None:
    pool.sign_in(cognito, "alice")
    event_id = only_event(cognito, pool)["EventId"]
    feedback_token(pool.id, "alice", event_id)
    backend.reset()
    with pytest.raises(ResourceNotFoundError):
        feedback_token(pool.id, "alice", event_id)
