"""Per-request dataloaders: built in the context getter, never shared between requests.

They deduplicate (the same user named three times costs one AdminGetUser) and run the calls of one
batch concurrently; the Cognito layer bounds how many are in flight. Values are botocore's dicts; the
GraphQL layer builds its objects from them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Optional, TypeVar

from strawberry.dataloader import DataLoader

from gateway.cognito import CognitoGateway
from gateway.cognito.client import check_declared, declaring
from gateway.cognito.model import page_size_limit
from gateway.graphql import memberships
from gateway.observability.metrics import Metrics

K = TypeVar("K")

UserKey = tuple[str, str]  # (user pool ID, username)
GroupKey = tuple[str, str]  # (user pool ID, group name)
ReadKey = tuple[str, Optional[str], tuple[tuple[str, Any], ...]]  # (operation, region, parameters by name)


def concurrent_loader(fetch: Callable[[K], Awaitable[Any]], name: str, metrics: Metrics) -> DataLoader[K, Any]:
    """A loader whose batch runs one call per distinct key, all at once; a failure fails only its key."""

    async def load_batch(keys: Sequence[K]) -> list[Any]:
        return await asyncio.gather(*(fetch(key) for key in keys), return_exceptions=True)

    return measured_loader(load_batch, name, metrics)


def measured_loader(
    load_batch: Callable[[Sequence[K]], Awaitable[list[Any]]], name: str, metrics: Metrics
) -> DataLoader[K, Any]:
    """A loader whose batch sizes are observed under ``name``."""

    async def measured(keys: Sequence[K]) -> list[Any]:
        metrics.loader_batch_size.labels(name).observe(len(keys))
        return await load_batch(keys)

    return DataLoader(load_fn=measured)


def start_early(*reads: Awaitable[Any]) -> None:
    """Start reads that a resolver will await later, so they overlap with what runs first. Whoever awaits one
    reports its failure; the copy started here is not left unretrieved."""
    for read in reads:
        asyncio.ensure_future(read).add_done_callback(lambda done: done.cancelled() or done.exception())


def forget(loader: DataLoader[K, Any], key: K) -> None:
    """Drop a cached value (after a mutation changed it); a key never loaded is fine."""
    try:
        loader.clear(key)
    except KeyError:
        pass


@dataclass(frozen=True)
class Loaders:
    user: DataLoader[UserKey, dict[str, Any]]
    groups_of_user: DataLoader[UserKey, list[dict[str, Any]]]
    user_pool: DataLoader[str, dict[str, Any]]
    group: DataLoader[GroupKey, dict[str, Any]]
    # Any other read (a page of ListUsers, DescribeUserPoolClient, ...) by its exact parameters: the same
    # read asked for twice in a request (a group's members under two aliases) is one call. Mutations
    # drop these all, since what they change is not tracked per read.
    reads: DataLoader[ReadKey, dict[str, Any]]
    # Checks a read against the declarations of the field asking for it (a batch of reads runs in the first
    # asker's context, and one batch may hold the reads of several fields).
    check_declared: Callable[[str], None]

    async def read(self, operation: str, region: Optional[str] = None, **params: Any) -> dict[str, Any]:
        """One read's answer; ``region`` only where no parameter names it (ListUserPools)."""
        self.check_declared(operation)
        return await self.reads.load((operation, region, tuple(sorted(params.items()))))

    def forget_written(self, request: dict[str, Any]) -> None:
        """After a mutation: drop what it may have changed, so what the payload reads is current."""
        self.reads.clear_all()
        pool_id = request.get("UserPoolId")
        if not pool_id:  # TagResource names its pool by ARN; its tags are also the pool's UserPoolTags
            self.user_pool.clear_all()
            return
        forget(self.user_pool, pool_id)
        if "Username" in request:
            forget(self.user, (pool_id, request["Username"]))
            forget(self.groups_of_user, (pool_id, request["Username"]))
        if "GroupName" in request:
            forget(self.group, (pool_id, request["GroupName"]))
            # Whose group lists hold the group is not known here.
            self.groups_of_user.clear_all()

    async def groups_of_pool(self, user_pool_id: str) -> list[dict[str, Any]]:
        """Every group of a pool (ListGroups, page by page, through this request's reads)."""
        groups: list[dict[str, Any]] = []
        params: dict[str, Any] = {"UserPoolId": user_pool_id, "Limit": page_size_limit("ListGroups")}
        while True:
            page = await self.read("ListGroups", **params)
            groups += page.get("Groups") or []
            if not page.get("NextToken"):
                return groups
            params["NextToken"] = page["NextToken"]

    def prefetch_membership_inputs(self, user_pool_id: str) -> None:
        """Start reading what the membership rule needs (the pool's size, its groups) while a page of users
        is still being listed, so choosing costs no extra round trip."""
        start_early(self.user_pool.load(user_pool_id), self.groups_of_pool(user_pool_id))

    @classmethod
    def build(cls, cognito: CognitoGateway) -> Loaders:
        loaders: Loaders  # the batch functions below read the other loaders of the same request

        async def user(key: UserKey) -> dict[str, Any]:
            pool_id, username = key
            return await cognito.call("AdminGetUser", UserPoolId=pool_id, Username=username)

        async def groups_of_one_user(pool_id: str, username: str) -> list[dict[str, Any]]:
            groups = await cognito.paginate(
                "AdminListGroupsForUser",
                "Groups",
                UserPoolId=pool_id,
                Username=username,
                Limit=page_size_limit("AdminListGroupsForUser"),
            )
            for item in groups:
                loaders.group.prime((pool_id, item["GroupName"]), item)
            return groups

        async def groups_of_pool_users(pool_id: str, usernames: list[str]) -> list[Any]:
            """One pool's users' groups, by the cheaper way (gateway.memberships has the rule)."""
            if len(usernames) >= memberships.FEWEST_USERS_FOR_A_MAP:
                pool, groups = await asyncio.gather(loaders.user_pool.load(pool_id), loaders.groups_of_pool(pool_id))
                if memberships.map_is_cheaper(len(usernames), len(groups), pool.get("EstimatedNumberOfUsers") or 0):
                    membership = await memberships.membership_map(cognito, pool_id, groups)
                    return [membership.get(username, []) for username in usernames]
            return await asyncio.gather(
                *(groups_of_one_user(pool_id, username) for username in usernames), return_exceptions=True
            )

        async def groups_of_users(keys: Sequence[UserKey]) -> list[Any]:
            by_pool: dict[str, list[str]] = {}
            for pool_id, username in keys:
                by_pool.setdefault(pool_id, []).append(username)
            answers: dict[UserKey, Any] = {}

            async def answer(pool_id: str, usernames: list[str]) -> None:
                try:
                    results = await groups_of_pool_users(pool_id, usernames)
                except Exception as error:  # the pool's failure is each of its users' failure
                    results = [error] * len(usernames)
                answers.update({(pool_id, username): result for username, result in zip(usernames, results)})

            await asyncio.gather(*(answer(pool_id, usernames) for pool_id, usernames in by_pool.items()))
            return [answers[key] for key in keys]

        async def user_pool(pool_id: str) -> dict[str, Any]:
            return (await cognito.call("DescribeUserPool", UserPoolId=pool_id))["UserPool"]

        async def get_group(key: GroupKey) -> dict[str, Any]:
            pool_id, name = key
            return (await cognito.call("GetGroup", UserPoolId=pool_id, GroupName=name))["Group"]

        async def read(key: ReadKey) -> dict[str, Any]:
            operation, region, params = key
            with declaring(frozenset({operation})):  # checked when it was asked for
                return await cognito.call(operation, region=region, **dict(params))

        metrics = cognito.metrics
        loaders = cls(
            user=concurrent_loader(user, "user", metrics),
            groups_of_user=measured_loader(groups_of_users, "groups_of_user", metrics),
            user_pool=concurrent_loader(user_pool, "user_pool", metrics),
            group=concurrent_loader(get_group, "group", metrics),
            reads=concurrent_loader(read, "reads", metrics),
            check_declared=check_declared if cognito.check_declarations else lambda operation: None,
        )
        return loaders
