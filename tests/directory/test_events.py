"""CloudTrail events from cognito-idp, as EventBridge delivers them to SQS, parsed into changes for the index.

The fixtures in events/ follow the shapes of the developer guide's CloudTrail examples for Cognito (hosted UI sign-up,
token endpoint), AWS's samples typing `AdminAddUserToGroup` and `AdminUpdateUserAttributes` events, and recorded
`SignUp` and `InitiateAuth` events: lowerCamelCase request parameters, `HIDDEN_DUE_TO_SECURITY_REASONS` in place of
usernames and secrets, the user's `sub` in `additionalEventData`, `errorCode` on a failed call.
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.cognito import model
from gateway.directory.events import RULES, Change, IndexEffect, MalformedEvent, event_pattern, parse_change

EVENTS = Path(__file__).parent / "events"
POOL = "us-west-2_aaaaaaaaa"
SUB = "704b1e47-34fe-40e9-8c41-504997494531"


def body(name: str) -> str:
    return (EVENTS / f"{name}.json").read_text()


def event(name: str) -> dict[str, Any]:
    return json.loads(body(name))


# --- the table against the installed botocore model -------------------------------------------------------------


def changing_operations() -> set[str]:
    return {name for name in model.service_model().operation_names if not model.is_read(name)}


def test_every_operation_that_can_change_something_has_its_effect_declared_and_no_other():
    assert set(RULES) == changing_operations()


def test_every_operation_that_names_a_user_is_classified():
    """An operation taking a username or an access token and not a read is in the table (the table may say it
    changes nothing indexed, but it says so)."""
    naming_a_user = {
        name
        for name in changing_operations()
        if {"Username", "AccessToken"} & set(model.operation(name).input_shape.members)
    }

    assert naming_a_user
    assert naming_a_user <= set(RULES)


def test_each_rule_reads_the_user_and_group_from_members_the_operation_has():
    for name, rule in RULES.items():
        members = set(model.operation(name).input_shape.members)
        if rule.user_at is not None:
            top = rule.user_at[0]
            assert top[0].upper() + top[1:] in members, name
        if rule.effect.names_a_group:
            assert "GroupName" in members, name
        if rule.effect.names_a_user and rule.user_at is None:
            # Then only the sub names the user: the request must be about one (a token, or a challenge's answers).
            assert members & {"AccessToken", "ChallengeResponses"}, name


def test_deleting_or_creating_users_is_never_declared_as_changing_nothing():
    assert RULES["AdminCreateUser"].effect is IndexEffect.USER_CREATED
    assert RULES["SignUp"].effect is IndexEffect.USER_CREATED
    assert RULES["AdminDeleteUser"].effect is IndexEffect.USER_DELETED
    assert RULES["DeleteUser"].effect is IndexEffect.USER_DELETED


# --- admin calls: the pool and the username are recorded ---------------------------------------------------------


def test_admin_create_user():
    change = parse_change(body("admin_create_user"))

    assert change == Change(
        IndexEffect.USER_CREATED,
        event_name="AdminCreateUser",
        event_id="5e7b27a0-6870-4226-adb4-f86cd51ac501",
        event_time=datetime(2025, 3, 4, 9, 1, 5, tzinfo=UTC),
        region="us-west-2",
        pool_id=POOL,
        username="grace.hopper",
        sub=SUB,
    )
    assert change.relevant
    assert not change.needs_pool_lookup


@pytest.mark.parametrize(
    ("fixture", "effect", "group"),
    [
        ("admin_update_user_attributes", IndexEffect.USER_UPDATED, None),
        ("admin_add_user_to_group", IndexEffect.GROUP_MEMBER_ADDED, "eng"),
        ("admin_remove_user_from_group", IndexEffect.GROUP_MEMBER_REMOVED, "eng"),
    ],
)
def test_admin_changes_to_a_user(fixture, effect, group):
    change = parse_change(body(fixture))

    assert (change.effect, change.pool_id, change.username, change.sub, change.group_name) == (
        effect,
        POOL,
        "grace.hopper",
        SUB,
        group,
    )


def test_a_hidden_username_leaves_the_sub_to_find_the_user_by():
    change = parse_change(body("admin_delete_user_hidden_username"))

    assert change.effect is IndexEffect.USER_DELETED
    assert change.username is None
    assert change.sub == SUB
    assert change.pool_id == POOL


def test_the_username_is_kept_out_of_the_repr():
    change = parse_change(body("admin_create_user"))

    assert "grace.hopper" not in repr(change)
    assert SUB in repr(change)


def test_group_deleted_names_the_group_and_no_user():
    change = parse_change(body("delete_group"))

    assert (change.effect, change.pool_id, change.group_name, change.username, change.sub) == (
        IndexEffect.GROUP_DELETED,
        POOL,
        "eng",
        None,
        None,
    )


def test_pool_level_changes():
    added = parse_change(body("add_custom_attributes"))
    created = parse_change(body("create_user_pool"))

    assert (added.effect, added.pool_id) == (IndexEffect.POOL_CHANGED, POOL)
    assert (created.effect, created.pool_id) == (IndexEffect.POOL_CREATED, "us-west-2_bbbbbbbbb")


# --- failed calls and calls that change nothing indexed ----------------------------------------------------------


def test_a_failed_call_changes_nothing():
    change = parse_change(body("admin_disable_user_failed"))

    assert change.effect is IndexEffect.NONE
    assert change.error_code == "UserNotFoundException"
    assert not change.relevant


def test_a_failed_call_of_an_operation_that_would_change_a_user_changes_nothing():
    failed = event("admin_create_user")
    failed["detail"]["errorCode"] = "UsernameExistsException"

    assert parse_change(json.dumps(failed)).effect is IndexEffect.NONE


def test_an_empty_error_code_is_no_error():
    """The hosted UI's events write `"errorCode": ""` on success."""
    succeeded = event("admin_create_user")
    succeeded["detail"]["errorCode"] = ""

    assert parse_change(json.dumps(succeeded)).effect is IndexEffect.USER_CREATED


def test_a_read_changes_nothing():
    assert parse_change(body("describe_user_pool")).effect is IndexEffect.NONE


def test_an_operation_newer_than_the_model_changes_nothing():
    newer = event("admin_create_user")
    newer["detail"]["eventName"] = "AdminDoSomethingNew"

    assert parse_change(json.dumps(newer)).effect is IndexEffect.NONE


def test_only_a_new_password_challenge_changes_the_user():
    new_password = parse_change(body("respond_to_auth_challenge_new_password"))
    mfa = parse_change(body("respond_to_auth_challenge_sms_mfa"))

    assert (new_password.effect, new_password.sub, new_password.client_id) == (
        IndexEffect.USER_UPDATED,
        SUB,
        "4u37654rhubjei088dj85clscq",
    )
    assert mfa.effect is IndexEffect.NONE


def test_a_service_event_of_the_hosted_ui_is_not_an_api_call():
    change = parse_change(body("hosted_ui_signup_post"))

    assert (change.effect, change.event_name) == (IndexEffect.NONE, "Signup_POST")


def test_an_event_of_another_service_changes_nothing():
    other = event("admin_create_user")
    other["source"] = "aws.iam"

    assert parse_change(json.dumps(other)).effect is IndexEffect.NONE


# --- self-service calls: an app client, or only the sub ----------------------------------------------------------


def test_sign_up_names_only_the_app_client():
    change = parse_change(body("sign_up_client_only"))

    assert (change.effect, change.pool_id, change.client_id, change.username, change.sub) == (
        IndexEffect.USER_CREATED,
        None,
        "1example23456789",
        None,
        "87a42a58-6051-7076-79e2-fe9208b6ae3c",
    )
    assert change.needs_pool_lookup


def test_confirm_sign_up_names_only_the_app_client():
    change = parse_change(body("confirm_sign_up_client_only"))

    assert (change.effect, change.client_id, change.needs_pool_lookup) == (
        IndexEffect.USER_UPDATED,
        "1example23456789",
        True,
    )


def test_a_call_with_an_access_token_names_only_the_sub_and_the_region():
    change = parse_change(body("update_user_attributes_access_token"))

    assert (change.effect, change.pool_id, change.client_id, change.username, change.sub, change.region) == (
        IndexEffect.USER_UPDATED,
        None,
        None,
        None,
        SUB,
        "us-west-2",
    )
    assert not change.needs_pool_lookup


def test_a_failed_sign_in_changes_nothing():
    change = parse_change(body("initiate_auth_failed"))

    assert (change.effect, change.error_code) == (IndexEffect.NONE, "NotAuthorizedException")


# --- envelopes ---------------------------------------------------------------------------------------------------


def test_bytes_a_mapping_and_an_sns_notification_carry_the_same_change():
    expected = parse_change(body("admin_create_user"))
    notification = {
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": "arn:aws:sns:us-west-2:123456789012:cognito-changes",
        "Message": body("admin_create_user"),
        "Timestamp": "2025-03-04T09:01:06.000Z",
    }

    assert parse_change(body("admin_create_user").encode()) == expected
    assert parse_change(event("admin_create_user")) == expected
    assert parse_change(json.dumps(notification)) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("not json {", "not JSON"),
        (b"\xff\xfe\x00", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"source": "aws.cognito-idp"}', "no `detail`"),
        ('{"detail": {"eventSource": "cognito-idp.amazonaws.com"}}', "no `eventName`"),
    ],
)
def test_malformed_bodies_are_refused_without_quoting_them(raw, reason):
    with pytest.raises(MalformedEvent) as refused:
        parse_change(raw)

    assert reason in str(refused.value)
    assert "aws.cognito-idp" not in str(refused.value)


def test_a_pool_id_that_is_not_one_is_malformed():
    odd = event("admin_create_user")
    odd["detail"]["requestParameters"]["userPoolId"] = "../../etc"

    with pytest.raises(MalformedEvent, match="userPoolId"):
        parse_change(json.dumps(odd))


def test_request_parameters_that_are_not_an_object_are_malformed():
    odd = event("admin_create_user")
    odd["detail"]["requestParameters"] = "grace.hopper"

    with pytest.raises(MalformedEvent, match="requestParameters"):
        parse_change(json.dumps(odd))


# --- the EventBridge rule ----------------------------------------------------------------------------------------


def test_the_rule_pattern_sends_the_successful_calls_of_every_operation_that_changes_the_index():
    pattern = event_pattern()

    assert pattern["source"] == ["aws.cognito-idp"]
    assert pattern["detail-type"] == ["AWS API Call via CloudTrail"]
    assert pattern["detail"]["errorCode"] == [{"exists": False}]
    assert set(pattern["detail"]["eventName"]) == {
        name for name, rule in RULES.items() if rule.effect is not IndexEffect.NONE
    }
    assert "AdminCreateUser" in pattern["detail"]["eventName"]
    assert "InitiateAuth" not in pattern["detail"]["eventName"]


def test_the_readme_gives_the_rule_pattern():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme[readme.index("## Changes made outside the gateway") :]
    block = section[section.index("```json\n") + len("```json\n") :]

    assert json.loads(block[: block.index("```")]) == event_pattern()


def test_a_user_change_naming_no_user_at_all_becomes_a_change_to_the_pools_users():
    anonymous = event("admin_delete_user_hidden_username")
    del anonymous["detail"]["additionalEventData"]

    change = parse_change(json.dumps(anonymous))

    assert (change.effect, change.pool_id, change.username, change.sub) == (
        IndexEffect.POOL_USERS_CHANGED,
        POOL,
        None,
        None,
    )
