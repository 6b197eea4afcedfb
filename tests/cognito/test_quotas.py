"""The client-side quota limiter: a burst of a fifth of a category's rate passes, beyond it waits its turn.

These run on this process's buckets; tests/shared/test_buckets.py runs the same arithmetic in Redis, shared."""

import pytest

from gateway.cognito import model
from gateway.cognito.quotas import (
    BACKGROUND_RESERVE,
    BURST_SECONDS,
    CATEGORY_OF,
    DEFAULT_RATES,
    DEFERRED_RESERVE,
    QuotaLimiter,
)
from gateway.coverage import Coverage
from gateway.graphql.schema import build_schema


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))


async def test_a_burst_within_the_rate_passes_and_the_rest_waits_in_order():
    time = FakeTime()
    limiter = QuotaLimiter({"UserList": 25}, clock=time.clock, sleep=time.sleep)  # a burst of 5

    waited = [await limiter.acquire("us-east-1", "ListUsers") for _ in range(8)]

    assert waited[:5] == [0.0] * 5
    assert [round(w, 6) for w in waited[5:]] == [0.04, 0.08, 0.12]
    assert limiter.waits == {"UserList": 3}


async def test_no_second_sends_more_than_the_rate_and_its_burst():
    """Under steady demand after a quiet spell: the burst, then the rate; no one-second window over 1.2x."""
    time = FakeTime()

    async def sleep(seconds: float) -> None:
        time.now += seconds

    limiter = QuotaLimiter({"UserList": 10}, clock=time.clock, sleep=sleep)
    sent = []
    for _ in range(60):
        await limiter.acquire("us-east-1", "ListUsers")
        sent.append(time.now)

    busiest = max(sum(1 for at in sent if start <= at < start + 1) for start in sent)
    assert 10 < busiest <= 10 * (1 + BURST_SECONDS)
    assert sent[-1] == pytest.approx((60 - 2) / 10)  # after the burst of 2, exactly the rate


async def test_tokens_come_back_with_time():
    time = FakeTime()
    limiter = QuotaLimiter({"UserPoolRead": 10}, clock=time.clock, sleep=time.sleep)  # a burst of 2
    for _ in range(2):
        await limiter.acquire("us-east-1", "DescribeUserPool")

    time.now += 0.1  # one token back at 10/s
    assert await limiter.acquire("us-east-1", "DescribeUserPool") == 0.0
    assert await limiter.acquire("us-east-1", "DescribeUserPool") == pytest.approx(0.1)


async def test_regions_and_categories_have_their_own_buckets():
    time = FakeTime()
    limiter = QuotaLimiter({"UserList": 1, "UserRead": 1}, clock=time.clock, sleep=time.sleep)

    first = [await limiter.acquire(region, "ListUsers") for region in ("us-east-1", "eu-west-1")]
    other_category = await limiter.acquire("us-east-1", "AdminGetUser")

    assert first == [0.0, 0.0] and other_category == 0.0
    assert time.slept == []


def test_unknown_categories_are_refused():
    with pytest.raises(ValueError, match="UserLisst"):
        QuotaLimiter({"UserLisst": 10})


def test_every_operation_of_the_model_has_a_quota_category():
    operations = set(model.service_model().operation_names)
    exposed = set(Coverage(build_schema()._schema).exposed)

    assert set(CATEGORY_OF) == operations
    assert exposed <= operations
    assert set(CATEGORY_OF.values()) == set(DEFAULT_RATES)


async def test_background_calls_leave_a_reserve_to_interactive_ones():
    time = FakeTime()

    async def sleep(seconds: float) -> None:  # time passes while the background call waits
        time.slept.append(round(seconds, 6))
        time.now += seconds

    limiter = QuotaLimiter({"UserList": 40}, clock=time.clock, sleep=sleep)  # a burst of 8

    # A sync takes the bucket down to its reserve (a quarter of 8) without waiting, then waits for refills.
    background = [await limiter.acquire("us-east-1", "ListUsers", reserve=BACKGROUND_RESERVE) for _ in range(7)]
    assert background[:6] == [0.0] * 6 and background[6] == pytest.approx(1 / 40)
    # Full again a second later: background calls take it down to the reserve, which interactive calls find intact.
    time.now = 1.0
    for _ in range(6):
        await limiter.acquire("us-east-1", "ListUsers", reserve=BACKGROUND_RESERVE)
    assert await limiter.acquire("us-east-1", "ListUsers") == 0.0
    assert await limiter.acquire("us-east-1", "ListUsers") == 0.0


async def test_deferred_background_calls_leave_tokens_to_the_other_background_calls():
    """A sync's group walks (DEFERRED_RESERVE) stop at half the bucket, where its ListUsers chain
    (BACKGROUND_RESERVE) still finds tokens, and interactive calls find the last quarter."""
    time = FakeTime()

    async def sleep(seconds: float) -> None:
        time.slept.append(round(seconds, 6))
        time.now += seconds

    limiter = QuotaLimiter({"UserList": 40}, clock=time.clock, sleep=sleep)  # a burst of 8

    deferred = [await limiter.acquire("us-east-1", "ListUsers", reserve=DEFERRED_RESERVE) for _ in range(4)]
    assert deferred == [0.0] * 4  # 8 -> 4: half the bucket
    assert time.slept == []
    chain = [await limiter.acquire("us-east-1", "ListUsers", reserve=BACKGROUND_RESERVE) for _ in range(2)]
    assert chain == [0.0, 0.0]  # 4 -> 2, without waiting for the deferred calls' refill
    assert await limiter.acquire("us-east-1", "ListUsers") == 0.0  # 2 -> 1: interactive, at once
    assert await limiter.acquire("us-east-1", "ListUsers", reserve=DEFERRED_RESERVE) == pytest.approx(4 / 40)
    assert time.slept == [0.1]  # until 5 tokens: its own and half the bucket besides


async def test_a_background_call_on_a_one_token_bucket_is_not_starved():
    time = FakeTime()
    limiter = QuotaLimiter({"LimitManagement": 1}, clock=time.clock, sleep=time.sleep)

    assert await limiter.acquire("us-east-1", "GetProvisionedLimit", reserve=BACKGROUND_RESERVE) == 0.0
