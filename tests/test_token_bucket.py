"""The bounded table of token buckets behind the per-caller and per-address limits, on an explicit clock."""

from gateway.token_bucket import BucketTable


def test_a_bucket_refilled_to_full_is_dropped():
    table = BucketTable(rate=0.5, capacity=2, max_entries=100)  # one token taken: full again 2 s later
    table.try_take("a", now=0)
    table.try_take("b", now=1)
    assert len(table) == 2

    table.try_take("c", now=2)  # "a" is full again
    assert len(table) == 2
    table.try_take("c", now=2.5)  # "b" is not
    assert len(table) == 2
    table.try_take("c", now=10)
    assert len(table) == 1  # "b" is full too; "c" has just spent a token


def test_a_key_met_again_after_its_bucket_was_dropped_starts_full():
    table = BucketTable(rate=1, capacity=2, max_entries=1)
    assert [table.try_take("a", now=0) for _ in range(3)] == [0, 0, 1]
    table.try_take("b", now=0)  # past max_entries: "a" is forgotten

    assert len(table) == 1
    assert table.try_take("a", now=0) == 0


def test_wait_takes_nothing_and_keeps_no_new_key():
    table = BucketTable(rate=1, capacity=1, max_entries=100)

    assert table.wait("a", now=0) == 0
    assert len(table) == 0
    table.try_take("a", now=0)
    assert table.wait("a", now=0.25) == 0.75
    assert table.wait("a", now=0.25) == 0.75
