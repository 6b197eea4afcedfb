"""The audit records of jobs (section 9): one per job start and cancel, one per item written. They go to the audit
trail the mutations write to (the ``audit`` logger: gateway/graphql/audit.py), in the same shape."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from gateway.cognito import model
from gateway.jobs.records import JobSpec

logger = logging.getLogger("audit")


def write_record(
    caller: str,
    field: str,
    spec: JobSpec,
    outcome: str,
    *,
    job_id: str | None = None,
    operation: str | None = None,
    request: dict[str, Any] | None = None,
    request_ids: Sequence[str] = (),
) -> None:
    """A job's start or cancel (``operation`` None: the job's own input), or one item's call."""
    if operation is None:
        document: dict[str, Any] = {"action": str(spec.action), **spec.to_json(), "dryRun": spec.dry_run}
        document["userAttributes"] = [pair["Name"] for pair in document["userAttributes"]]  # names, not values
        target: dict[str, Any] = {"job": job_id} if job_id else {}
    else:
        document = model.redact(request or {}, model.operation(operation).input_shape)
        target = model.object_of(request or {})
    record = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "caller": caller,
        "operation": operation or field,
        "field": field,
        "job": job_id,
        "pool": spec.user_pool_id,
        "object": target,
        "input": document,
        "outcome": outcome,
        "request_ids": list(request_ids),
    }
    logger.info("%s %s: %s", caller, field, outcome, extra={"audit": record})
