"""Changes made outside the gateway reach the index: CloudTrail events on an SQS queue (moto), consumed by the app
when GATEWAY_INDEX_EVENTS_QUEUE_URL is set, on both engines."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import boto3
import pytest

from gateway.demo.server import DEMO_CREDENTIALS, DEMO_REGION
from gateway.directory.events import HIDDEN
from tests.conftest import Gateway, running_gateway
from tests.directory.test_sync import assert_index_equals_cognito, index_of, sync
from tests.helpers import HANG_GUARD_SECONDS, create_group, create_users


def event(name: str, request: dict[str, Any], sub: str | None = None) -> str:
    """An EventBridge-delivered CloudTrail record of a successful call, as the queue receives it."""
    return json.dumps(
        {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.cognito-idp",
            "region": DEMO_REGION,
            "detail": {
                "eventSource": "cognito-idp.amazonaws.com",
                "eventName": name,
                "awsRegion": DEMO_REGION,
                "eventID": str(uuid.uuid4()),
                "requestParameters": request,
                "additionalEventData": {"sub": sub} if sub else {},
            },
        }
    )


@pytest.fixture
def queue(backend, cognito) -> Any:
    """The queue EventBridge fills: a boto3 SQS client on the moto server, with the queue's `url`."""
    sqs = boto3.session.Session(region_name=DEMO_REGION, **DEMO_CREDENTIALS).client(
        "sqs", endpoint_url=backend.endpoint_url
    )
    url = sqs.create_queue(QueueName="cognito-changes", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    sqs.url = url
    return sqs


@pytest.fixture
async def gateway(backend, cognito, database, database_url, queue) -> AsyncIterator[Gateway]:
    async with running_gateway(backend, database_url=database_url, index_events_queue_url=queue.url) as running:
        yield running


async def until_applied(gateway: Gateway, count: int) -> None:
    deadline = time.monotonic() + HANG_GUARD_SECONDS
    stats = gateway.app.state.index_events.stats
    while stats.applied + stats.skipped < count:
        assert time.monotonic() < deadline and not stats.failed, stats
        await asyncio.sleep(0.02)


async def test_admin_changes_are_read_again_and_a_hidden_deletion_found_by_sub(gateway, cognito, pool_id, queue):
    usernames = create_users(cognito, pool_id, 4)
    create_group(cognito, pool_id, "eng", usernames[:1])
    await sync(gateway, pool_id)
    gone = cognito.admin_get_user(UserPoolId=pool_id, Username=usernames[2])
    gone_sub = next(pair["Value"] for pair in gone["UserAttributes"] if pair["Name"] == "sub")

    cognito.admin_create_user(UserPoolId=pool_id, Username="newbie", MessageAction="SUPPRESS")
    cognito.admin_update_user_attributes(
        UserPoolId=pool_id, Username=usernames[0], UserAttributes=[{"Name": "given_name", "Value": "Renamed"}]
    )
    cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=usernames[1], GroupName="eng")
    cognito.admin_delete_user(UserPoolId=pool_id, Username=usernames[2])
    gateway.reset_calls()
    for body in (
        event("AdminCreateUser", {"userPoolId": pool_id, "username": "newbie"}),
        event("AdminUpdateUserAttributes", {"userPoolId": pool_id, "username": usernames[0]}),
        event("AdminAddUserToGroup", {"userPoolId": pool_id, "username": usernames[1], "groupName": "eng"}),
        event("AdminDeleteUser", {"userPoolId": pool_id, "username": HIDDEN}, sub=gone_sub),
    ):
        queue.send_message(QueueUrl=queue.url, MessageBody=body)

    await until_applied(gateway, 4)

    await assert_index_equals_cognito(gateway, cognito, pool_id)
    # One read of each user changed (and its groups); the deleted one found by sub in the index, not in Cognito.
    assert gateway.calls == {"AdminGetUser": 3, "AdminListGroupsForUser": 3}
    assert (await index_of(gateway).state(pool_id)).last_change_at is not None


async def test_a_self_service_sign_up_finds_its_pool_by_client_and_its_user_by_sub(gateway, cognito, pool_id, queue):
    await sync(gateway, pool_id)
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="app")["UserPoolClient"]["ClientId"]
    signed_up = cognito.sign_up(ClientId=client_id, Username="selfie", Password="Passw0rd!long")
    gateway.reset_calls()

    queue.send_message(
        QueueUrl=queue.url,
        MessageBody=event("SignUp", {"clientId": client_id, "username": HIDDEN}, sub=signed_up["UserSub"]),
    )
    await until_applied(gateway, 1)

    assert (await index_of(gateway).get_user(pool_id, "selfie")).sub == signed_up["UserSub"]
    assert gateway.calls == {"ListUserPoolClients": 1, "ListUsers": 1, "AdminGetUser": 1, "AdminListGroupsForUser": 1}


async def test_a_change_to_a_pool_not_indexed_changes_nothing(gateway, cognito, pool_id, queue):
    create_users(cognito, pool_id, 1)
    gateway.reset_calls()

    queue.send_message(
        QueueUrl=queue.url, MessageBody=event("AdminCreateUser", {"userPoolId": pool_id, "username": "user-000"})
    )
    await until_applied(gateway, 1)

    assert gateway.calls == {}
    assert await index_of(gateway).get_user(pool_id, "user-000") is None
