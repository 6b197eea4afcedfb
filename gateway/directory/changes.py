"""Applying a change made outside the gateway (a :class:`~gateway.directory.events.Change` from the SQS consumer) to
the directory index: the user read again from Cognito (AdminGetUser and AdminListGroupsForUser) when it was created,
updated or changed groups; removed when deleted; a group's memberships dropped with it; a pool whose users changed in
ways the event does not name re-synced; a deleted pool forgotten.

Only pools the index keeps are touched. Where CloudTrail hid the username, the user is found by ``sub`` (in the index,
else with one ListUsers filtered on it). A self-service call names an app client: its pool is found among the indexed
pools' clients (ListUserPoolClients, remembered). Applying a change twice is harmless (the consumer may redeliver).
"""

from __future__ import annotations

import logging

from gateway.cognito.client import CognitoGateway, in_background
from gateway.cognito.errors import CognitoException
from gateway.directory.events import Change, IndexEffect
from gateway.directory.records import IndexedUser, IndexState
from gateway.directory.repository import IndexRepository
from gateway.directory.sync import IndexRunner

logger = logging.getLogger(__name__)

_READ_AGAIN = frozenset(
    {
        IndexEffect.USER_CREATED,
        IndexEffect.USER_UPDATED,
        IndexEffect.GROUP_MEMBER_ADDED,
        IndexEffect.GROUP_MEMBER_REMOVED,
    }
)


class ChangeApplier:
    def __init__(self, repository: IndexRepository, cognito: CognitoGateway, runner: IndexRunner) -> None:
        self.repository = repository
        self.cognito = cognito
        self.runner = runner
        self._pool_of_client: dict[str, str] = {}

    async def __call__(self, change: Change) -> None:
        with in_background():
            await self.apply(change)

    async def apply(self, change: Change) -> None:
        if change.effect is IndexEffect.POOL_CREATED:
            if change.pool_id and "*" in self.runner.pools_setting:
                self.runner.sync(change.pool_id, resume=True)
            return
        indexed = await self._indexed_pools()
        pool = await self._pool(change, indexed)
        if pool is None:
            return  # not a pool the index keeps
        effect = change.effect
        if effect is IndexEffect.POOL_DELETED:
            await self.repository.drop_pool(pool)
        elif effect is IndexEffect.POOL_USERS_CHANGED:
            self.runner.sync(pool, resume=True)
        elif effect is IndexEffect.GROUP_DELETED:
            if change.group_name:
                await self.repository.delete_group(pool, change.group_name)
        elif effect is IndexEffect.USER_DELETED:
            username = await self._username(change, pool, ask_cognito=False)
            if username is not None:
                await self.repository.delete_user(pool, username)
        elif effect in _READ_AGAIN:
            username = await self._username(change, pool, ask_cognito=True)
            if username is not None:
                await self.read_user(pool, username)

    async def read_user(self, pool: str, username: str) -> None:
        """The user as Cognito has it now, with its groups, into the index (removed if Cognito no longer has it)."""
        try:
            user = await self.cognito.call("AdminGetUser", UserPoolId=pool, Username=username)
            groups = await self.cognito.paginate(
                "AdminListGroupsForUser", "Groups", UserPoolId=pool, Username=username, Limit=60
            )
        except CognitoException as failure:
            if failure.code != "UserNotFoundException":
                raise
            await self.repository.delete_user(pool, username)
            return
        indexed = IndexedUser.from_cognito(user, [group["GroupName"] for group in groups])
        await self.repository.upsert_user(pool, indexed)

    async def _indexed_pools(self) -> list[str]:
        return [state.user_pool_id for state in await self.repository.states() if state.state != IndexState.NOT_INDEXED]

    async def _pool(self, change: Change, indexed: list[str]) -> str | None:
        if change.pool_id is not None:
            return change.pool_id if change.pool_id in indexed else None
        if change.client_id is not None:
            if change.client_id not in self._pool_of_client:
                for pool in indexed:
                    clients = await self.cognito.paginate(
                        "ListUserPoolClients", "UserPoolClients", UserPoolId=pool, MaxResults=60
                    )
                    self._pool_of_client.update((client["ClientId"], pool) for client in clients)
            pool = self._pool_of_client.get(change.client_id)
            return pool if pool in indexed else None
        if change.sub is not None:  # a call made with an access token: the user's pool is where its sub is
            for pool in indexed:
                if change.region and not pool.startswith(f"{change.region}_"):
                    continue
                if await self.repository.username_for_sub(pool, change.sub) is not None:
                    return pool
        return None

    async def _username(self, change: Change, pool: str, *, ask_cognito: bool) -> str | None:
        if change.username is not None:
            return change.username
        if change.sub is None:
            return None
        known = await self.repository.username_for_sub(pool, change.sub)
        if known is not None or not ask_cognito:
            return known
        # A user new to the index (a sign-up) whose username CloudTrail hid: one ListUsers on its sub.
        sub = change.sub.replace("\\", "\\\\").replace('"', '\\"')
        found = await self.cognito.call("ListUsers", UserPoolId=pool, Filter=f'sub = "{sub}"', Limit=1)
        users = found.get("Users") or []
        return users[0]["Username"] if users else None
