"""The two clients the gateway is measured against, both calling Cognito directly with boto3:

- the **ideal client** makes the fewest calls in the fewest parallel rounds;
- the **naive client** is a dashboard written the obvious way: list, then one call per row, in turn.

Each answers the bench's three reads (dashboard, user detail, the same user under aliases) with the same
data the gateway's GraphQL answer holds, normalized by :func:`dashboard_rows` for the comparison.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.client import BaseClient
from botocore.config import Config

from gateway.demo.server import DEMO_CREDENTIALS, DEMO_REGION

PAGE = 60  # the largest page of ListUsers, ListGroups, ListUsersInGroup and AdminListGroupsForUser


def boto_client(endpoint_url: str, connections: int) -> BaseClient:
    """A ``cognito-idp`` client on ``endpoint_url``: one attempt, no proxies, ``connections`` kept alive."""
    session = boto3.session.Session(region_name=DEMO_REGION, **DEMO_CREDENTIALS)
    config = Config(retries={"total_max_attempts": 1}, proxies={}, max_pool_connections=connections)
    return session.client("cognito-idp", endpoint_url=endpoint_url, config=config)


def all_pages(
    client: BaseClient, method: str, key: str, token: str = "NextToken", **params: Any
) -> list[dict[str, Any]]:
    """Every item of a list operation, one call per page, following the page token."""
    items: list[dict[str, Any]] = []
    while True:
        page = getattr(client, method)(**params)
        items.extend(page.get(key, []))
        if not page.get(token):
            return items
        params[token] = page[token]


def email_of(user: dict[str, Any]) -> str | None:
    attributes = user.get("Attributes", user.get("UserAttributes", []))
    return next((a["Value"] for a in attributes if a["Name"] == "email"), None)


def dashboard_rows(pool: dict[str, Any], users: list[dict[str, Any]], groups: dict[str, list[str]]) -> dict[str, Any]:
    """The dashboard as plain data: the pool header and (username, enabled, status, email, groups) rows."""
    return {
        "pool": (pool["Name"], pool.get("EstimatedNumberOfUsers")),
        "users": [
            (u["Username"], u["Enabled"], u["UserStatus"], email_of(u), sorted(groups[u["Username"]])) for u in users
        ],
    }


class IdealClient:
    """Round 1: DescribeUserPool ‖ ListUsers ‖ ListGroups. Round 2 (as soon as the groups are known): every
    group's members, all groups in parallel, each group's pages in turn. Membership is then a lookup."""

    name = "ideal"

    def __init__(self, endpoint_url: str, parallel: int) -> None:
        self.client = boto_client(endpoint_url, parallel)
        self._executor = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="ideal")

    def close(self) -> None:
        self._executor.shutdown()

    def dashboard(self, pool_id: str, first: int) -> dict[str, Any]:
        run, c = self._executor.submit, self.client
        pool = run(c.describe_user_pool, UserPoolId=pool_id)
        users = run(c.list_users, UserPoolId=pool_id, Limit=first)
        groups = all_pages(c, "list_groups", "Groups", UserPoolId=pool_id, Limit=PAGE)  # on this thread
        members = {
            group["GroupName"]: run(
                all_pages,
                c,
                "list_users_in_group",
                "Users",
                UserPoolId=pool_id,
                GroupName=group["GroupName"],
                Limit=PAGE,
            )
            for group in groups
        }
        user_list = users.result()["Users"]
        groups_of = {user["Username"]: [] for user in user_list}
        for name, future in members.items():
            for member in future.result():
                if member["Username"] in groups_of:
                    groups_of[member["Username"]].append(name)
        return dashboard_rows(pool.result()["UserPool"], user_list, groups_of)

    def user_detail(self, pool_id: str, username: str) -> dict[str, Any]:
        run, c = self._executor.submit, self.client
        groups = run(
            all_pages, c, "admin_list_groups_for_user", "Groups", UserPoolId=pool_id, Username=username, Limit=PAGE
        )
        devices = run(
            all_pages,
            c,
            "admin_list_devices",
            "Devices",
            "PaginationToken",
            UserPoolId=pool_id,
            Username=username,
            Limit=PAGE,
        )
        user = c.admin_get_user(UserPoolId=pool_id, Username=username)
        return {"user": user, "groups": groups.result(), "devices": devices.result()}

    def aliases(self, pool_id: str, username: str, count: int) -> list[dict[str, Any]]:
        user = self.client.admin_get_user(UserPoolId=pool_id, Username=username)
        return [user] * count


class NaiveClient:
    """The same reads, one call after another, one call per row or widget."""

    name = "naive"

    def __init__(self, endpoint_url: str, parallel: int) -> None:
        self.client = boto_client(endpoint_url, parallel)

    def close(self) -> None:
        pass

    def dashboard(self, pool_id: str, first: int) -> dict[str, Any]:
        c = self.client
        pool = c.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        users = c.list_users(UserPoolId=pool_id, Limit=first)["Users"]
        groups = {
            user["Username"]: [
                group["GroupName"]
                for group in all_pages(
                    c, "admin_list_groups_for_user", "Groups", UserPoolId=pool_id, Username=user["Username"], Limit=PAGE
                )
            ]
            for user in users
        }
        return dashboard_rows(pool, users, groups)

    def user_detail(self, pool_id: str, username: str) -> dict[str, Any]:
        c = self.client
        user = c.admin_get_user(UserPoolId=pool_id, Username=username)
        groups = all_pages(c, "admin_list_groups_for_user", "Groups", UserPoolId=pool_id, Username=username, Limit=PAGE)
        devices = all_pages(
            c, "admin_list_devices", "Devices", "PaginationToken", UserPoolId=pool_id, Username=username, Limit=PAGE
        )
        return {"user": user, "groups": groups, "devices": devices}

    def aliases(self, pool_id: str, username: str, count: int) -> list[dict[str, Any]]:
        return [self.client.admin_get_user(UserPoolId=pool_id, Username=username) for _ in range(count)]
