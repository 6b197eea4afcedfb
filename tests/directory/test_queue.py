"""The consumer of the index's change events, against moto's SQS on the demo backend's server."""

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from gateway.cognito.sqs import LONG_POLL_SECONDS, EventQueue, region_of_queue
from gateway.demo.server import DEMO_CREDENTIALS, DEMO_REGION, DemoBackend
from gateway.directory.events import Change, IndexEffect
from gateway.directory.queue import EventConsumer
from gateway.settings import Settings

EVENTS = Path(__file__).parent / "events"


def body(name: str) -> str:
    return (EVENTS / f"{name}.json").read_text()


class Queue:
    """The queue as EventBridge and an operator see it: a plain boto3 client on the same moto server."""

    def __init__(self, backend: DemoBackend, name: str = "cognito-changes", visibility_timeout: int = 1) -> None:
        self.sqs = boto3.session.Session(region_name=DEMO_REGION, **DEMO_CREDENTIALS).client(
            "sqs", endpoint_url=backend.endpoint_url
        )
        self.name = name
        self.visibility_timeout = visibility_timeout
        self.url = f"{backend.endpoint_url}/123456789012/{name}"

    def create(self) -> None:
        self.url = self.sqs.create_queue(
            QueueName=self.name, Attributes={"VisibilityTimeout": str(self.visibility_timeout)}
        )["QueueUrl"]

    def send(self, *bodies: str) -> None:
        for text in bodies:
            self.sqs.send_message(QueueUrl=self.url, MessageBody=text)

    def remaining(self) -> int:
        """Messages still in the queue, visible or not."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


@pytest.fixture
def queue(backend: DemoBackend) -> Queue:
    backend.reset()
    created = Queue(backend)
    created.create()
    return created


@pytest.fixture
async def events(backend: DemoBackend, queue: Queue) -> AsyncIterator[EventQueue]:
    settings = Settings(auth_mode="none", allow_insecure=True)
    async with EventQueue.open(
        queue.url, settings, endpoint_url=backend.endpoint_url, credentials=DEMO_CREDENTIALS
    ) as q:
        yield q


class Recorder:
    """An `apply` that records the changes it is given (and can be told to fail or to wait)."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.fail_next = 0
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()

    async def __call__(self, change: Change) -> None:
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("the index is busy (grace.hopper)")
        self.changes.append(change)


async def until(condition: Any, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def test_changes_are_applied_then_deleted_in_one_receive_and_one_delete(events, queue):
    queue.send(body("admin_create_user"), body("admin_add_user_to_group"))
    apply = Recorder()
    consumer = EventConsumer(events, apply, wait_seconds=1)

    handled = await consumer.poll_once()

    assert handled == 2
    assert sorted(change.effect for change in apply.changes) == [
        IndexEffect.GROUP_MEMBER_ADDED,
        IndexEffect.USER_CREATED,
    ]
    assert queue.remaining() == 0
    assert events.calls == {"ReceiveMessage": 1, "DeleteMessageBatch": 1}
    assert (consumer.stats.received, consumer.stats.applied) == (2, 2)


async def test_a_change_needing_nothing_is_deleted_without_applying_it(events, queue):
    queue.send(body("describe_user_pool"), body("admin_disable_user_failed"), body("hosted_ui_signup_post"))
    apply = Recorder()
    consumer = EventConsumer(events, apply, wait_seconds=1)

    await consumer.poll_once()

    assert apply.changes == []
    assert consumer.stats.skipped == 3
    assert queue.remaining() == 0


async def test_a_malformed_message_is_logged_without_its_body_and_deleted(events, queue, caplog):
    queue.send("grace.hopper@example.com is not an event", json.dumps({"detail": "grace.hopper@example.com"}))
    apply = Recorder()
    consumer = EventConsumer(events, apply, wait_seconds=1)

    with caplog.at_level(logging.WARNING, logger="gateway.directory.queue"):
        await consumer.poll_once()

    assert apply.changes == []
    assert consumer.stats.malformed == 2
    assert queue.remaining() == 0
    assert len(caplog.records) == 2
    assert all("not a CloudTrail event" in record.getMessage() for record in caplog.records)
    assert "grace.hopper" not in caplog.text


async def test_a_failed_apply_leaves_the_message_which_comes_back_and_is_applied(events, queue, caplog):
    queue.send(body("admin_create_user"))
    apply = Recorder()
    apply.fail_next = 1
    consumer = EventConsumer(events, apply, wait_seconds=1)

    with caplog.at_level(logging.WARNING, logger="gateway.directory.queue"):
        await consumer.poll_once()
        assert (consumer.stats.failed, queue.remaining()) == (1, 1)
        assert events.calls == {"ReceiveMessage": 1}  # nothing to delete

        task = asyncio.create_task(consumer.run())
        try:
            await until(lambda: apply.changes)  # after the visibility timeout (1 s)
            await until(lambda: queue.remaining() == 0)  # then deleted
        finally:
            task.cancel()

    assert [change.event_name for change in apply.changes] == ["AdminCreateUser"]
    assert consumer.stats.failed == 1
    assert "left for redelivery" in caplog.text
    assert "RuntimeError" in caplog.text
    assert "grace.hopper" not in caplog.text


async def test_a_failure_in_a_batch_leaves_only_its_own_message(events, queue):
    queue.send(body("admin_create_user"))
    queue.send(body("delete_group"))
    apply = Recorder()
    apply.fail_next = 1  # the first change handed to it, whichever SQS gives first
    consumer = EventConsumer(events, apply, wait_seconds=1)

    await consumer.poll_once()

    assert (consumer.stats.applied, consumer.stats.failed) == (1, 1)
    assert queue.remaining() == 1


async def test_cancelling_stops_a_long_poll_at_once(events, queue):
    consumer = EventConsumer(events, Recorder())  # the real wait: 20 s
    task = asyncio.create_task(consumer.run())
    await until(lambda: events.calls["ReceiveMessage"] == 1)
    await asyncio.sleep(0.2)

    task.cancel()
    async with asyncio.timeout(2):
        with pytest.raises(asyncio.CancelledError):
            await task

    assert consumer.wait_seconds == LONG_POLL_SECONDS
    queue.send(body("admin_create_user"))
    assert queue.remaining() == 1  # nobody took it


async def test_cancelling_during_an_apply_keeps_the_message(events, queue):
    queue.send(body("admin_create_user"))
    apply = Recorder()
    apply.gate = asyncio.Event()  # never opened: the apply hangs
    consumer = EventConsumer(events, apply, wait_seconds=1)
    task = asyncio.create_task(consumer.run())
    await until(apply.entered.is_set)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert "DeleteMessageBatch" not in events.calls
    assert queue.remaining() == 1


async def test_sqs_failures_back_off_then_the_consumer_carries_on(backend, caplog):
    """The queue does not exist yet (or the gateway may not read it): the consumer waits longer after each failure,
    and consumes once the queue is there."""
    backend.reset()
    missing = Queue(backend, name="not-yet")
    settings = Settings(auth_mode="none", allow_insecure=True)
    apply = Recorder()
    async with EventQueue.open(
        missing.url, settings, endpoint_url=backend.endpoint_url, credentials=DEMO_CREDENTIALS
    ) as q:
        consumer = EventConsumer(q, apply, wait_seconds=1, backoff_seconds=0.1, max_backoff_seconds=0.4)
        with caplog.at_level(logging.WARNING, logger="gateway.directory.queue"):
            task = asyncio.create_task(consumer.run())
            try:
                await asyncio.sleep(1.5)
                failed_receives = q.calls["ReceiveMessage"]
                missing.create()
                missing.send(body("admin_create_user"))
                await until(lambda: apply.changes)
            finally:
                task.cancel()

    # Without a backoff this would be hundreds; with 0.1, 0.2, 0.4, 0.4... s (halved at worst by jitter), at most 10.
    assert 3 <= failed_receives <= 10
    assert consumer.stats.queue_errors >= 3
    assert "ReceiveMessage failed" in caplog.text
    assert "trying again in" in caplog.text


def test_the_region_comes_from_an_aws_queue_url():
    assert region_of_queue("https://sqs.eu-west-1.amazonaws.com/123456789012/q", "us-east-1") == "eu-west-1"
    assert region_of_queue("https://ap-southeast-2.queue.amazonaws.com/123456789012/q", "us-east-1") == "ap-southeast-2"
    assert region_of_queue("http://127.0.0.1:4566/000000000000/q", "us-east-1") == "us-east-1"


async def test_the_read_timeout_outlasts_the_long_poll(events):
    config = events._client.meta.config

    assert config.read_timeout > LONG_POLL_SECONDS
    assert config.retries["mode"] == "standard"


def test_a_batch_larger_than_sqs_allows_is_refused():
    with pytest.raises(ValueError, match="batch_size"):
        EventConsumer(object(), Recorder(), batch_size=11)  # type: ignore[arg-type]


async def test_the_backlog_counts_waiting_and_in_flight_messages(events, queue):
    queue.send(body("admin_create_user"), body("delete_group"), body("add_custom_attributes"))
    await events.receive(max_messages=1, wait_seconds=1)  # one in flight, not deleted

    assert await events.backlog() == 3
    assert events.calls["GetQueueAttributes"] == 1
