"""The membership rule: list groups' members only when that costs fewer calls than asking per user."""

import pytest

from gateway.graphql.memberships import calls_by_group, map_is_cheaper


@pytest.mark.parametrize(
    ("users", "groups", "estimated_users", "by_group"),
    [
        (60, 5, 600, True),  # the bench pool: 5 x 10 pages < 60 users
        (60, 5, 100_000, False),  # a big pool never pages through its groups
        (60, 2, 60, True),
        (3, 1, 10, False),  # too few users to pay for deciding
        (10, 4, 130, False),  # 4 x 3 = 12 pages > 10 users
        (60, 0, 600, True),  # no groups: nobody is in one
    ],
)
def test_the_cheaper_way(users, groups, estimated_users, by_group):
    assert map_is_cheaper(users, groups, estimated_users) is by_group


def test_calls_by_group_assume_everyone_in_every_group():
    assert calls_by_group(5, 600) == 50
    assert calls_by_group(5, 0) == 5
