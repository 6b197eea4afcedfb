"""The SQS queue that carries CloudTrail's Cognito events to the directory index (``GATEWAY_INDEX_EVENTS_QUEUE_URL``).

The client is made like the Cognito ones (:mod:`gateway.cognito.client`): aiobotocore, standard retries, the short
connect timeout, the endpoint and credentials from the AWS environment (``AWS_ENDPOINT_URL_SQS`` points it at moto or
LocalStack) unless given. Its read timeout is the long poll's wait plus the usual read timeout: a receive that waits
20 s for a message is not a stalled connection. The calls the consumer makes (receive, delete, the backlog) answer
plain values and fail with :class:`QueueError`, so nothing past this module sees botocore.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiobotocore.config import AioConfig
from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError

from gateway.cognito.client import aws_session
from gateway.cognito.model import REGION_PATTERN
from gateway.settings import Settings

__all__ = ["LONG_POLL_SECONDS", "MAX_BATCH", "EventQueue", "QueueError", "QueueMessage", "region_of_queue"]

LONG_POLL_SECONDS = 20  # the longest wait SQS allows a receive
MAX_BATCH = 10  # the most messages one receive (or one batch delete) takes

# https://sqs.eu-west-1.amazonaws.com/123456789012/name, and the legacy https://eu-west-1.queue.amazonaws.com/...
_QUEUE_REGION = re.compile(rf"https://(?:sqs\.(?P<region>{REGION_PATTERN})|(?P<legacy>{REGION_PATTERN})\.queue)\.")


def region_of_queue(url: str, default: str) -> str:
    """The region in an AWS queue URL; ``default`` for any other endpoint (moto, LocalStack)."""
    found = _QUEUE_REGION.match(url)
    return (found.group("region") or found.group("legacy")) if found else default


@dataclass(frozen=True)
class QueueMessage:
    message_id: str
    receive_count: int  # how many times SQS has handed it out, this time included
    # The body may hold personal data (a username, an attribute's value): kept out of the repr, and so out of logs.
    body: str = field(repr=False)
    receipt_handle: str = field(repr=False)


class QueueError(Exception):
    """SQS refused or did not answer a call (its code, or the connection failure's type); the message names no
    message body."""

    def __init__(self, operation: str, code: str) -> None:
        super().__init__(f"{operation} failed: {code}")
        self.operation = operation
        self.code = code


class EventQueue:
    """One queue: receive with a long poll, delete in batches; calls counted per operation."""

    def __init__(self, client: Any, url: str) -> None:
        self._client = client
        self.url = url
        self.calls: Counter[str] = Counter()

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        url: str,
        settings: Settings,
        *,
        endpoint_url: str | None = None,
        credentials: dict[str, str] | None = None,
    ) -> AsyncIterator[EventQueue]:
        """The queue at ``url`` with a client of its own, closed on exit."""
        config = AioConfig(
            retries={"mode": "standard", "total_max_attempts": settings.max_attempts},
            connect_timeout=settings.connect_timeout_seconds,
            read_timeout=LONG_POLL_SECONDS + settings.read_timeout_seconds,
            max_pool_connections=2,  # one long poll, one delete
        )
        async with aws_session().create_client(
            "sqs",
            region_name=region_of_queue(url, settings.aws_region),
            endpoint_url=endpoint_url,
            config=config,
            **(credentials or {}),
        ) as client:
            yield cls(client, url)

    async def receive(
        self, *, max_messages: int = MAX_BATCH, wait_seconds: int = LONG_POLL_SECONDS
    ) -> list[QueueMessage]:
        """Up to ``max_messages`` messages, waiting up to ``wait_seconds`` for the first one (none after that)."""
        response = await self._call(
            "ReceiveMessage",
            QueueUrl=self.url,
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        return [
            QueueMessage(
                message_id=message["MessageId"],
                receive_count=int(message.get("Attributes", {}).get("ApproximateReceiveCount", 1)),
                body=message.get("Body", ""),
                receipt_handle=message["ReceiptHandle"],
            )
            for message in response.get("Messages") or []
        ]

    async def delete(self, messages: Sequence[QueueMessage]) -> list[QueueMessage]:
        """Delete ``messages`` (in batches of ten); answers those SQS did not delete."""
        kept: list[QueueMessage] = []
        for start in range(0, len(messages), MAX_BATCH):
            batch = messages[start : start + MAX_BATCH]
            response = await self._call(
                "DeleteMessageBatch",
                QueueUrl=self.url,
                Entries=[{"Id": str(index), "ReceiptHandle": m.receipt_handle} for index, m in enumerate(batch)],
            )
            kept.extend(batch[int(failed["Id"])] for failed in response.get("Failed") or [])
        return kept

    async def backlog(self) -> int:
        """The messages waiting in the queue or being handled (SQS's approximate counts)."""
        response = await self._call(
            "GetQueueAttributes",
            QueueUrl=self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )
        attributes = response.get("Attributes") or {}
        return sum(
            int(attributes.get(name, 0))
            for name in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        )

    async def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        method = getattr(self._client, xform_name(operation))
        self.calls[operation] += 1
        try:
            return await method(**params)
        except ClientError as error:
            raise QueueError(operation, error.response.get("Error", {}).get("Code") or "Unknown") from None
        except BotoCoreError as error:
            raise QueueError(operation, type(error).__name__) from None
