"""The consumer of ``GATEWAY_INDEX_EVENTS_QUEUE_URL``: long-polls the queue, parses each message into a
:class:`~gateway.directory.events.Change` and hands it to ``apply``; a message is deleted only once its change is
applied (or known to need nothing), so a crash or a failed apply leaves it for SQS to deliver again.

- A message that is not a CloudTrail event is logged by its message ID (never its body: it may hold personal data)
  and deleted: it would fail the same way every time.
- A change the index has nothing to do for (a read, a failed call, a sign-in) is deleted without calling ``apply``.
- ``apply`` raising leaves the message: it comes back after the queue's visibility timeout. A queue with a redrive
  policy moves it to its dead-letter queue after ``maxReceiveCount`` tries. Since a message can come back after it
  was applied (its delete failed, or the process stopped in between), ``apply`` must be idempotent.
- Changes are applied one at a time, in the order SQS hands them out (a standard queue does not keep order).
- SQS failing or unreachable: the loop waits, doubling the wait up to ``max_backoff_seconds``, and carries on.
- Cancelling :meth:`EventConsumer.run` stops it at once, wherever it waits; what was not deleted comes back later.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from gateway.cognito.sqs import LONG_POLL_SECONDS, MAX_BATCH, EventQueue, QueueError, QueueMessage
from gateway.directory.events import Change, MalformedEvent, parse_change

__all__ = ["Apply", "ConsumerStats", "EventConsumer"]

logger = logging.getLogger(__name__)

Apply = Callable[[Change], Awaitable[None]]


@dataclass
class ConsumerStats:
    """What the consumer did since it started, per message."""

    received: int = 0
    applied: int = 0  # `apply` returned: deleted
    skipped: int = 0  # nothing for the index to do: deleted without `apply`
    malformed: int = 0  # not a CloudTrail event: deleted
    failed: int = 0  # `apply` raised: left for redelivery
    not_deleted: int = 0  # handled, but SQS refused the delete: it comes back (so `apply` is idempotent)
    queue_errors: int = 0  # receives or deletes SQS refused or did not answer


class EventConsumer:
    def __init__(
        self,
        queue: EventQueue,
        apply: Apply,
        *,
        wait_seconds: int = LONG_POLL_SECONDS,
        batch_size: int = MAX_BATCH,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 60.0,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size is 1..{MAX_BATCH}")
        self.queue = queue
        self.apply = apply
        self.wait_seconds = wait_seconds
        self.batch_size = batch_size
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.stats = ConsumerStats()

    async def run(self) -> None:
        """Consume until cancelled."""
        failures = 0
        while True:
            try:
                await self.poll_once()
            except QueueError as error:
                failures += 1
                self.stats.queue_errors += 1
                delay = self._backoff(failures)
                logger.warning("index events: %s; trying again in %.1f s", error, delay)
                await asyncio.sleep(delay)
            else:
                failures = 0

    async def poll_once(self) -> int:
        """One long poll and the handling of what it brought; answers how many messages that was.

        Raises :class:`~gateway.cognito.sqs.QueueError` when SQS fails the receive or the delete."""
        messages = await self.queue.receive(max_messages=self.batch_size, wait_seconds=self.wait_seconds)
        self.stats.received += len(messages)
        done = [message for message in messages if await self._handle(message)]
        if done:
            kept = await self.queue.delete(done)
            for message in kept:
                logger.warning("index events: SQS did not delete message %s; it will come back", message.message_id)
            self.stats.not_deleted += len(kept)
        return len(messages)

    async def _handle(self, message: QueueMessage) -> bool:
        """Whether the message is done with (to delete)."""
        try:
            change = parse_change(message.body)
        except MalformedEvent as error:
            self.stats.malformed += 1
            logger.warning(
                "index events: message %s is not a CloudTrail event (%s); deleted", message.message_id, error
            )
            return True
        if not change.relevant:
            self.stats.skipped += 1
            return True
        try:
            await self.apply(change)
        except Exception as error:  # noqa: BLE001 - any failure leaves the message for redelivery
            self.stats.failed += 1
            # The error's type only: its text may quote the user.
            logger.warning(
                "index events: applying %s (event %s, message %s, delivery %d) failed: %s; left for redelivery",
                change.event_name,
                change.event_id,
                message.message_id,
                message.receive_count,
                type(error).__name__,
            )
            return False
        self.stats.applied += 1
        return True

    def _backoff(self, failures: int) -> float:
        """Exponential, capped, with jitter so that replicas do not retry in step."""
        ceiling = min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (failures - 1))
        return ceiling / 2 + random.random() * ceiling / 2
