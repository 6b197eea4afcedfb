"""One aiobotocore ``cognito-idp`` client per region for the app's lifetime, and the call wrapper."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession, get_session
from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError
from botocore.loaders import Loader, create_loader
from botocore.utils import parse_timestamp

from gateway.cognito import errors, model
from gateway.cognito.cache import CACHED_OPERATIONS, ReadCache
from gateway.cognito.model import pool_of_arn, region_for
from gateway.cognito.quotas import BACKGROUND_RESERVE, QuotaLimiter
from gateway.cognito.regions import check_region, served_regions
from gateway.observability import tracing
from gateway.observability.metrics import Metrics
from gateway.settings import Settings
from gateway.shared.buckets import SharedBuckets
from gateway.shared.generations import CacheGenerations
from gateway.shared.state import SharedState

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

logger = logging.getLogger(__name__)

_MAX_BACKOFF_SECONDS = 20  # botocore's
_ACCOUNT_LOOKUP = AioConfig(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=2, read_timeout=2)

# At DEBUG these log every request body and response (passwords, tokens, client secrets): whatever the
# root logger's level, they never go below INFO.
for _name in ("botocore", "aiobotocore", "boto3", "urllib3"):
    if logging.getLogger(_name).level < logging.INFO:
        logging.getLogger(_name).setLevel(logging.INFO)

# botocore's data (the service models, endpoints and rulesets), parsed once for the process: a session's own
# loader reads and parses it again for its first client (~0.1 s and ~100k objects for the collector each time,
# for every app the process makes).
_LOADER: Loader | None = None


def aws_session() -> AioSession:
    """A new aiobotocore session on the process's shared loader."""
    global _LOADER
    if _LOADER is None:
        _LOADER = create_loader()
    session = get_session()
    session.register_component("data_loader", _LOADER)
    session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=utc_timestamp)
    return session


def utc_timestamp(value: Any) -> datetime:
    """A response's timestamp as an aware datetime in UTC.

    botocore's default gives each epoch dateutil's ``tzlocal()``, which costs about half of parsing a ListUsers page
    (two timestamps a user); the gateway works in UTC everywhere, so the same instant in UTC is all it needs.
    """
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return parse_timestamp(value)  # ISO 8601 or RFC 822 text, or an epoch out of the platform's range


# The request IDs of the calls made while someone collects them (the audit of a mutation).
_request_ids: ContextVar[list[str] | None] = ContextVar("cognito_request_ids", default=None)


@contextmanager
def collecting_request_ids() -> Iterator[list[str]]:
    """The request IDs of the calls made in this context (and the tasks it starts) until it exits."""
    request_ids: list[str] = []
    token = _request_ids.set(request_ids)
    try:
        yield request_ids
    finally:
        _request_ids.reset(token)


# The operations declared by the GraphQL field being resolved (gateway.graphql.declarations): set around each
# declared resolver, empty elsewhere in a GraphQL execution, None outside one (start-up, the readiness probe).
_declared: ContextVar[frozenset[str] | None] = ContextVar("declared_operations", default=None)


@contextmanager
def declaring(operations: frozenset[str]) -> Iterator[None]:
    """Calls made in this context (and the tasks it starts) are declared to be of ``operations``."""
    token = _declared.set(operations)
    try:
        yield
    finally:
        _declared.reset(token)


class UndeclaredCall(RuntimeError):
    """A Cognito call that the fields being resolved do not declare (only with ``GATEWAY_CHECK_DECLARATIONS``)."""


def check_declared(operation: str) -> None:
    declared = _declared.get()
    if declared is not None and operation not in declared:
        raise UndeclaredCall(
            f"{operation} was called where the GraphQL field being resolved declares {sorted(declared) or 'nothing'}:"
            " declare it on the field (gateway.graphql.declarations)"
        )


# The share of each quota bucket that calls made in this context leave to others: 0 for interactive requests; more
# for background work (the directory index's sync), which the limiter serves behind them (gateway.cognito.quotas).
_reserve: ContextVar[float] = ContextVar("quota_reserve", default=0.0)


@contextmanager
def in_background(reserve: float = BACKGROUND_RESERVE) -> Iterator[None]:
    """Calls made in this context (and the tasks it starts) wait in the limiter behind interactive requests, and
    behind background work with a smaller ``reserve``."""
    token = _reserve.set(reserve)
    try:
        yield
    finally:
        _reserve.reset(token)


def _record(request_id: str | None) -> None:
    collected = _request_ids.get()
    if collected is not None and request_id:
        collected.append(request_id)


class CognitoGateway:
    """Owns the clients (opened lazily per region, closed together) and counts calls per operation.

    Calls, cache lookups and limiter waits are reported to ``metrics`` (a registry of its own unless given),
    and each call is a span of ``tracer`` when tracing is on."""

    def __init__(
        self,
        settings: Settings,
        *,
        endpoint_url: str | None = None,
        credentials: dict[str, str] | None = None,
        metrics: Metrics | None = None,
        tracer: Tracer | None = None,
        shared: SharedState | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.tracer = tracer
        self.default_region = settings.aws_region
        self.check_declarations = settings.check_declarations
        # Only these regions get a client: the settings checked at start that the default one is among them.
        self.regions = served_regions(settings.regions)
        self.calls: Counter[str] = Counter()
        # Calls awaiting an answer now, and the most there have been at once (bounded by max_concurrent_calls).
        self.in_flight = 0
        self.peak_in_flight = 0
        # `endpoint_url` is for the embedded demo backend; otherwise botocore reads AWS_ENDPOINT_URL(_*)
        # and the credential chain from the environment itself.
        self._endpoint_url = endpoint_url
        self._session = aws_session()
        self._credentials = credentials or {}
        self._config = AioConfig(
            retries={"mode": "standard", "total_max_attempts": settings.max_attempts},
            connect_timeout=settings.connect_timeout_seconds,
            read_timeout=settings.read_timeout_seconds,
            max_pool_connections=settings.max_pool_connections,
        )
        # Writes go through a client of their own that botocore sends once: after a timeout or a 5xx the change
        # may have happened, so only a failure proving it did not (throttling, a refused connection) is
        # retried, by `_send`.
        self._write_config = self._config.merge(AioConfig(retries={"mode": "standard", "total_max_attempts": 1}))
        self._clients: dict[tuple[str, bool], Any] = {}
        self._opening = asyncio.Lock()
        self._slots = asyncio.Semaphore(settings.max_concurrent_calls)
        self._stack = AsyncExitStack()
        # With a shared state (GATEWAY_REDIS_URL), every replica spends one quota budget and sees the others' writes.
        self.shared = shared
        generations = CacheGenerations(shared) if shared is not None else None
        self.cache = ReadCache(settings.cache_ttl_seconds, generations=generations, metrics=self.metrics)
        self.limiter = (
            QuotaLimiter(
                settings.quota_rates,
                buckets=SharedBuckets("quota", shared, metrics=self.metrics),
                metrics=self.metrics,
            )
            if settings.quota_limiter
            else None
        )

    async def __aenter__(self) -> CognitoGateway:
        await self.client(self.default_region)
        if self.limiter is not None and self.shared is not None and self.shared.configured:
            self.limiter.account = await self.account_id()
        return self

    async def account_id(self) -> str:
        """The AWS account of the credentials (STS GetCallerIdentity, which needs no permission), whose quota
        budgets the replicas share; ``default`` when STS does not answer (all replicas then agree on that)."""
        try:
            async with self._session.create_client(
                "sts",
                region_name=self.default_region,
                endpoint_url=self._endpoint_url,
                config=_ACCOUNT_LOOKUP,  # once, briefly: the start does not wait on an STS out of reach
                **self._credentials,
            ) as sts:
                return (await sts.get_caller_identity())["Account"]
        except (ClientError, BotoCoreError) as error:
            logger.warning("the AWS account is unknown (%s): the shared quota budgets are keyed 'default'", error)
            return "default"

    async def __aexit__(self, *exc_info: object) -> None:
        await self._stack.aclose()
        self._clients.clear()

    @property
    def open_regions(self) -> set[str]:
        """The regions that have a client open."""
        return {region for region, _ in self._clients}

    async def client(self, region: str, *, write: bool = False) -> Any:
        """The client of a served region (for reads, or for writes), opened on first use and kept until the app
        stops; any other region is an ``InvalidParameterException``."""
        client = self._clients.get((region, write))
        if client is not None:
            return client
        check_region(region, self.regions)
        async with self._opening:
            if (region, write) not in self._clients:
                self._clients[(region, write)] = await self._stack.enter_async_context(
                    self._session.create_client(
                        model.SERVICE_NAME,
                        region_name=region,
                        endpoint_url=self._endpoint_url,
                        config=self._write_config if write else self._config,
                        **self._credentials,
                    )
                )
            return self._clients[(region, write)]

    async def call(self, operation: str, region: str | None = None, **params: Any) -> dict[str, Any]:
        """Call one Cognito operation; its region comes from ``UserPoolId`` or ``ResourceArn`` unless given.

        Pool-level reads are served from the shared cache within its TTL. Raises
        :class:`~gateway.cognito.errors.CognitoException` (typed per code) on any failure.
        """
        if self.check_declarations:
            check_declared(operation)
        region = check_region(region or region_for(params, self.default_region), self.regions)
        too_big = model.over_limit(model.operation(operation).input_shape, params)
        if too_big:
            raise errors.invalid_parameter(too_big)
        if operation in CACHED_OPERATIONS:
            key = (operation, region, tuple(sorted(params.items())))
            return await self.cache.get_or_load(
                key, params.get("UserPoolId"), lambda: self._send(operation, region, params)
            )
        return await self._send(operation, region, params)

    async def _send(self, operation: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        if model.is_read(operation):
            return await self._attempt(operation, region, params, write=False)
        attempt = 1
        while True:
            try:
                return await self._attempt(operation, region, params, write=True)
            except errors.CognitoException as failure:
                if errors.not_executed(failure) and attempt < self.settings.max_attempts:
                    # Backoff with full jitter, as botocore's standard mode does.
                    await asyncio.sleep(random.random() * min(_MAX_BACKOFF_SECONDS, 2 ** (attempt - 1)))
                    self.metrics.upstream_retries.labels(operation).inc()
                    attempt += 1
                    continue
                if errors.clean_failure(failure):
                    raise
                raise errors.OutcomeUnknown(operation, failure, errors.what_to_check(operation, params)) from failure

    async def _attempt(self, operation: str, region: str, params: dict[str, Any], *, write: bool) -> dict[str, Any]:
        client = await self.client(region, write=write)
        method = getattr(client, xform_name(operation))
        if self.limiter is not None:
            await self.limiter.acquire(region, operation, reserve=_reserve.get())
        async with self._slots:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            span = None if self.tracer is None else tracing.start_call_span(self.tracer, operation, region)
            started = time.perf_counter()
            try:
                response = await method(**params)
            except ParamValidationError as error:
                failure = errors.decode(error)  # refused by botocore: nothing was sent
                if span is not None:
                    tracing.end_call_span(span, None, failure.code)
                raise failure from error
            except (ClientError, BotoCoreError) as error:
                self.calls[operation] += 1
                failure = errors.decode(error)
                _record(failure.request_id)
                self._observe(operation, failure.code, started, failure.metadata, span)
                raise failure from error
            finally:
                self.in_flight -= 1
        self.calls[operation] += 1
        meta = errors.ResponseMeta.from_response(response)
        _record(meta.request_id)
        self._observe(operation, "ok", started, meta, span)
        return response

    def _observe(
        self, operation: str, outcome: str, started: float, meta: errors.ResponseMeta | None, span: Any
    ) -> None:
        self.metrics.observe_call(operation, outcome, time.perf_counter() - started, meta and meta.attempts)
        if span is not None:
            tracing.end_call_span(span, meta, None if outcome == "ok" else outcome)

    async def forget(self, params: dict[str, Any]) -> None:
        """After a mutation: drop the cached reads of the pool it names (all of them if it names none), on every
        replica."""
        pool_id = params.get("UserPoolId")
        if not pool_id and isinstance(params.get("ResourceArn"), str):
            pool_id = pool_of_arn(params["ResourceArn"])
        await self.cache.forget_pool(pool_id or None)

    async def paginate(self, operation: str, result_key: str, token_key: str = "NextToken", **params: Any) -> list[Any]:
        """Every item of a paginated list operation (one call per page)."""
        items: list[Any] = []
        while True:
            page = await self.call(operation, **params)
            items.extend(page.get(result_key) or [])
            token = page.get(token_key)
            if not token:
                return items
            params[token_key] = token

    async def reachable(self) -> bool:
        """Whether Cognito answers in the default region (the readiness probe)."""
        try:
            await self.call("ListUserPools", MaxResults=1)
        except errors.CognitoException as error:
            # An answer, even a refusal of our credentials, is not what readiness is about: only an
            # unreachable or failing service is.
            return error.fault == "CLIENT" and error.metadata is not None
        return True
