"""Which groups the users of a page belong to, at the fewest Cognito calls.

Two ways to answer ``User.groups`` for the N users of a page:

* per user: one AdminListGroupsForUser per user (N calls, UserResourceRead quota);
* by group: ListGroups, then every group's members with ListUsersInGroup, one call per 60 members
  (UserList quota), giving the whole pool's membership map at once.

The rule (per request and pool): list by group when, even if every user of the pool were in every group,
it would cost fewer calls than asking per user, that is when ``G * ceil(E / 60) < N`` for G groups and E
users in the pool (DescribeUserPool's EstimatedNumberOfUsers). A pool of 100k users never pages through its
groups; a pool of 600 users in 5 groups lists 10 pages instead of 60 users. The map is kept in the shared
read cache (GATEWAY_CACHE_TTL_SECONDS), so the next page within the TTL costs no membership call at all.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from gateway.cognito import CognitoGateway
from gateway.cognito.model import page_size_limit, region_of

MEMBERS_PAGE = page_size_limit("ListUsersInGroup")
# What the rule reads to choose (started early by a list of users that selects their groups), and what listing by
# group reads: the fields that may take that way declare them (gateway.graphql.declarations).
MEMBERSHIP_INPUTS = ("DescribeUserPool", "ListGroups")
MEMBERSHIP_READS = (*MEMBERSHIP_INPUTS, "ListUsersInGroup")

# Below this many users a page asks per user: the map needs DescribeUserPool and ListGroups to decide.
FEWEST_USERS_FOR_A_MAP = 4

Membership = dict[str, list[dict[str, Any]]]  # username -> the groups it is in


def calls_by_group(groups: int, estimated_users: int) -> int:
    """ListUsersInGroup calls for every group's members, in the worst case (everyone in every group)."""
    return groups * max(1, math.ceil(estimated_users / MEMBERS_PAGE))


def map_is_cheaper(users: int, groups: int, estimated_users: int) -> bool:
    """Whether listing members by group costs fewer calls than one AdminListGroupsForUser per user."""
    return users >= FEWEST_USERS_FOR_A_MAP and calls_by_group(groups, estimated_users) < users


async def membership_map(cognito: CognitoGateway, user_pool_id: str, groups: list[dict[str, Any]]) -> Membership:
    """Every user's groups, from the members of every group (groups listed concurrently, each page by page).

    Shared through the read cache: requests within the TTL reuse one map, and a mutation of the pool drops it.
    """

    async def members(group: dict[str, Any]) -> list[dict[str, Any]]:
        return await cognito.paginate(
            "ListUsersInGroup", "Users", UserPoolId=user_pool_id, GroupName=group["GroupName"], Limit=MEMBERS_PAGE
        )

    async def build() -> Membership:
        membership: Membership = {}
        for group, users in zip(groups, await asyncio.gather(*(members(group) for group in groups))):
            for user in users:
                membership.setdefault(user["Username"], []).append(group)
        return membership

    key = ("GroupMembership", region_of(user_pool_id), user_pool_id, tuple(g["GroupName"] for g in groups))
    return await cognito.cache.get_or_load(key, user_pool_id, build)
