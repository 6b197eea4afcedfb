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
from gateway.cognito.model import page_size_limit

K = TypeVar("K")

UserKey = tuple[str, str]  # (user pool ID, username)
GroupKey = tuple[str, str]  # (user pool ID, group name)
ReadKey = tuple[str, Optional[str], tuple[tuple[str, Any], ...]]  # (operation, region, parameters by name)


def concurrent_loader(fetch: Callable[[K], Awaitable[Any]]) -> DataLoader[K, Any]:
    """A loader whose batch runs one call per distinct key, all at once; a failure fails only its key."""

    async def load_batch(keys: Sequence[K]) -> list[Any]:
        return await asyncio.gather(*(fetch(key) for key in keys), return_exceptions=True)

    return DataLoader(load_fn=load_batch)


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

    async def read(self, operation: str, region: Optional[str] = None, **params: Any) -> dict[str, Any]:
        """One read's answer; ``region`` only where no parameter names it (ListUserPools)."""
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

    @classmethod
    def build(cls, cognito: CognitoGateway) -> Loaders:
        group: DataLoader[GroupKey, dict[str, Any]]

        async def user(key: UserKey) -> dict[str, Any]:
            pool_id, username = key
            return await cognito.call("AdminGetUser", UserPoolId=pool_id, Username=username)

        async def groups_of_user(key: UserKey) -> list[dict[str, Any]]:
            pool_id, username = key
            groups = await cognito.paginate(
                "AdminListGroupsForUser",
                "Groups",
                UserPoolId=pool_id,
                Username=username,
                Limit=page_size_limit("AdminListGroupsForUser"),
            )
            for item in groups:
                group.prime((pool_id, item["GroupName"]), item)
            return groups

        async def user_pool(pool_id: str) -> dict[str, Any]:
            return (await cognito.call("DescribeUserPool", UserPoolId=pool_id))["UserPool"]

        async def get_group(key: GroupKey) -> dict[str, Any]:
            pool_id, name = key
            return (await cognito.call("GetGroup", UserPoolId=pool_id, GroupName=name))["Group"]

        async def read(key: ReadKey) -> dict[str, Any]:
            operation, region, params = key
            return await cognito.call(operation, region=region, **dict(params))

        group = concurrent_loader(get_group)
        return cls(
            user=concurrent_loader(user),
            groups_of_user=concurrent_loader(groups_of_user),
            user_pool=concurrent_loader(user_pool),
            group=group,
            reads=concurrent_loader(read),
        )
