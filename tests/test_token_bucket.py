"""The bounded table of token buckets behind the local limits (and the fallback of the shared ones), on an explicit
clock."""

from gateway.token_bucket import BucketTable


def test_a_bucket_refilled_to_full_is_dropped():
    table = BucketTable(max_entries=100)  # at 0.5/s, one token taken: full again 2 s later
    table.take("a", 0.5, 2, now=0)
    table.take("b", 0.5, 2, now=1)
    assert len(table) == 2

    table.take("c", 0.5, 2, now=2)  # "a" is full again
    assert len(table) == 2
    table.take("c", 0.5, 2, now=2.5)  # "b" is not
    assert len(table) == 2
    table.take("c", 0.5, 2, now=10)
    assert len(table) == 1  # "b" is full too; "c" has just spent a token


def test_a_key_met_again_after_its_bucket_was_dropped_starts_full():
    table = BucketTable(max_entries=1)
    assert [table.take("a", 1, 2, now=0) for _ in range(3)] == [0, 0, 1]
    table.take("b", 1, 2, now=0)  # past max_entries: "a" is forgotten

    assert len(table) == 1
    assert table.take("a", 1, 2, now=0) == 0


def test_wait_takes_nothing_and_keeps_no_new_key():
    table = BucketTable(max_entries=100)

    assert table.wait("a", now=0) == 0
    assert len(table) == 0
    table.take("a", 1, 1, now=0)
    assert table.wait("a", now=0.25) == 0.75
    assert table.wait("a", now=0.25) == 0.75


def test_reserve_goes_into_debt_and_take_keeps_a_reserve():
    table = BucketTable(max_entries=100)

    assert [table.reserve("a", 2, 2, now=0) for _ in range(4)] == [0, 0, 0.5, 1.0]
    assert table.take("b", 2, 4, now=0, keep=2) == 0  # 4 -> 3
    assert table.take("b", 2, 4, now=0, keep=2) == 0.0  # 3 -> 2: still one beyond the reserve of 2 before it
    assert table.take("b", 2, 4, now=0, keep=2) == 0.5  # 2 left: one more would eat into the reserve
