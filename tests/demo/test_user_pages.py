"""ListUsers and ListUsersInGroup in O(page) (gateway.demo.user_pages): the very answers moto's own handlers give.

A pool of a few hundred users, created in a shuffled order (moto pages in creation order, not by name), is paged
over HTTP; every request is also answered by moto's handler (the override's ``__wrapped__``, swapped back onto
moto's responder for that one call) and the two answers, tokens included, must be the same.  The users are seeded
straight into the in-process backend: a few hundred API calls would slow the suite for nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUser, cognitoidp_backends
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core import DEFAULT_ACCOUNT_ID

from gateway.demo.extensions import find_user_pool
from gateway.demo.server import DEMO_REGION
from gateway.demo.user_pages import CountedMembers, CountedUsers

USERS = 300
OPERATIONS = ("list_users", "list_users_in_group")


def _in_process() -> CognitoIdpBackend:
    return cognitoidp_backends[DEFAULT_ACCOUNT_ID][DEMO_REGION]


def _attributes(index: int) -> list[dict[str, str]]:
    attributes = [
        {"Name": "email", "Value": f"u{index}@{'ab'[index % 2]}.example"},
        {"Name": "name", "Value": f"User {index}"},
    ]
    if index % 7 == 0:
        attributes.append({"Name": "given_name", "Value": f"Ann{index}"})
    return attributes


@pytest.fixture
def pool(cognito: BaseClient) -> str:
    """300 users created in a shuffled order; every 5th disabled; groups "dense" (even) and "sparse" (every 50th)."""
    pool_id: str = cognito.create_user_pool(PoolName="pages")["UserPool"]["Id"]
    cognito.create_group(UserPoolId=pool_id, GroupName="dense")
    cognito.create_group(UserPoolId=pool_id, GroupName="sparse")
    backend = _in_process()
    order = list(range(USERS))
    random.Random(14).shuffle(order)
    for index in order:
        username = f"user-{index:03d}"
        backend.admin_create_user(pool_id, username, "SUPPRESS", "Temp0rary!Pass", _attributes(index))
        if index % 5 == 0:
            backend.admin_disable_user(pool_id, username)
        if index % 2 == 0:
            backend.admin_add_user_to_group(pool_id, "dense", username)
        if index % 50 == 0:
            backend.admin_add_user_to_group(pool_id, "sparse", username)
    return pool_id


def _answer(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        answer = call()
    except ClientError as error:
        return {"Error": {key: error.response["Error"].get(key) for key in ("Code", "Message")}}
    answer.pop("ResponseMetadata", None)
    return answer


def _as_moto(operation: str, request: dict[str, Any], cognito: BaseClient) -> dict[str, Any]:
    """The override's answer to ``request``, checked to be moto's own answer to it."""
    call = lambda: getattr(cognito, operation)(**request)  # noqa: E731
    ours = _answer(call)
    with pytest.MonkeyPatch.context() as patch:
        for name in OPERATIONS:
            patch.setattr(CognitoIdpResponse, name, getattr(CognitoIdpResponse, name).__wrapped__)
        motos = _answer(call)
    assert ours == motos, request
    return ours


def _walk(cognito: BaseClient, operation: str, **request: Any) -> Iterator[dict[str, Any]]:
    """Every page of ``operation``, each compared with moto's answer to the same request."""
    token_name = "PaginationToken" if operation == "list_users" else "NextToken"
    while True:
        page = _as_moto(operation, request, cognito)
        yield page
        if not page.get(token_name):
            return
        request = {**request, token_name: page[token_name]}


def _usernames(pages: list[dict[str, Any]]) -> list[str]:
    return [user["Username"] for page in pages for user in page["Users"]]


def _pool_order(pool_id: str, keep: Callable[[CognitoIdpUser], bool] = lambda user: True) -> list[str]:
    pool = find_user_pool(pool_id)
    assert pool is not None
    return [user.username for user in pool.users.values() if keep(user)]


def _attribute(user: CognitoIdpUser, name: str) -> str:
    return next((attribute["Value"] for attribute in user.attributes if attribute["Name"] == name), "")


LIST_USERS_CASES: list[tuple[dict[str, Any], Callable[[CognitoIdpUser], bool]]] = [
    ({}, lambda user: True),
    ({"Limit": 0, "AttributesToGet": ["email"]}, lambda user: True),
    ({"Limit": 17, "Filter": 'email ^= "u1"'}, lambda user: _attribute(user, "email").startswith("u1")),
    ({"Limit": 1, "Filter": 'email = "u7@b.example"'}, lambda user: _attribute(user, "email") == "u7@b.example"),
    ({"Limit": 9, "Filter": 'status = "Disabled"'}, lambda user: not user.enabled),
    ({"Limit": 4, "Filter": 'given_name^="Ann"'}, lambda user: _attribute(user, "given_name").startswith("Ann")),
    ({"Limit": 25, "Filter": 'username ^= "user-2"'}, lambda user: user.username.startswith("user-2")),
    (
        {"Limit": 60, "Filter": 'cognito:user_status = "FORCE_CHANGE_PASSWORD"', "AttributesToGet": ["sub"]},
        lambda user: True,
    ),
    ({"Limit": 3, "Filter": 'sub ^= "no such sub"'}, lambda user: False),
]


@pytest.mark.parametrize(("request_", "keep"), LIST_USERS_CASES, ids=lambda value: str(value)[:40])
def test_list_users_pages_are_motos(
    cognito: BaseClient, pool: str, request_: dict[str, Any], keep: Callable[[CognitoIdpUser], bool]
) -> None:
    assert isinstance(find_user_pool(pool).users, CountedUsers)  # type: ignore[union-attr]  # the O(page) path
    pages = list(_walk(cognito, "list_users", UserPoolId=pool, **request_))
    assert _usernames(pages) == _pool_order(pool, keep)
    size = request_.get("Limit") or 60
    assert all(len(page["Users"]) == size for page in pages[:-1])


@pytest.mark.parametrize(("group", "limit"), [("dense", 60), ("dense", 11), ("sparse", 2), ("sparse", None)])
def test_list_users_in_group_pages_are_motos(cognito: BaseClient, pool: str, group: str, limit: int | None) -> None:
    pool_object = find_user_pool(pool)
    assert pool_object is not None and isinstance(pool_object.groups[group].users, CountedMembers)
    request: dict[str, Any] = {"UserPoolId": pool, "GroupName": group} | ({"Limit": limit} if limit else {})
    pages = list(_walk(cognito, "list_users_in_group", **request))
    every = 2 if group == "dense" else 50
    assert _usernames(pages) == _pool_order(pool, lambda user: int(user.username[-3:]) % every == 0)


def test_a_limit_over_60_is_served_like_moto(unvalidated: BaseClient, pool: str) -> None:
    pages = list(_walk(unvalidated, "list_users", UserPoolId=pool, Limit=100, Filter='email ^= "u"'))
    assert [len(page["Users"]) for page in pages] == [100, 100, 100]


def test_tokens_follow_changes_between_pages(cognito: BaseClient, pool: str) -> None:
    first = _as_moto("list_users", {"UserPoolId": pool, "Limit": 20}, cognito)
    in_group = _as_moto("list_users_in_group", {"UserPoolId": pool, "GroupName": "dense", "Limit": 20}, cognito)
    order = _pool_order(pool)
    backend = _in_process()
    # A user of the next page goes, one comes (at the end), one is disabled, the group gains and loses members.
    cognito.admin_delete_user(UserPoolId=pool, Username=order[25])
    cognito.admin_create_user(UserPoolId=pool, Username="late", MessageAction="SUPPRESS")
    cognito.admin_add_user_to_group(UserPoolId=pool, Username="late", GroupName="dense")
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=order[30], GroupName="dense")
    dense = [name for name in order if int(name[-3:]) % 2 == 0]
    cognito.admin_remove_user_from_group(UserPoolId=pool, Username=dense[30], GroupName="dense")
    backend.admin_disable_user(pool, order[40])

    rest = list(_walk(cognito, "list_users", UserPoolId=pool, Limit=20, PaginationToken=first["PaginationToken"]))
    assert _usernames([first, *rest]) == [name for name in order if name != order[25]] + ["late"]
    rest = list(
        _walk(
            cognito,
            "list_users_in_group",
            UserPoolId=pool,
            GroupName="dense",
            Limit=20,
            NextToken=in_group["NextToken"],
        )
    )
    members = [name for name in order if name != order[25] and (name in dense or name == order[30])] + ["late"]
    assert _usernames([in_group, *rest]) == [name for name in members if name != dense[30]]


def test_a_token_whose_user_is_gone_or_no_longer_matches_is_refused_like_moto(cognito: BaseClient, pool: str) -> None:
    request = {"UserPoolId": pool, "Limit": 10, "Filter": 'status = "Enabled"'}
    page = _as_moto("list_users", request, cognito)
    next_user = _pool_order(pool, lambda user: user.enabled)[10]
    cognito.admin_disable_user(UserPoolId=pool, Username=next_user)
    refused = _as_moto("list_users", {**request, "PaginationToken": page["PaginationToken"]}, cognito)
    assert refused["Error"]["Code"] == "InvalidToken"
    cognito.admin_delete_user(UserPoolId=pool, Username=next_user)
    refused = _as_moto(
        "list_users", {"UserPoolId": pool, "Limit": 10, "PaginationToken": page["PaginationToken"]}, cognito
    )
    assert refused["Error"]["Code"] == "InvalidToken"


@pytest.mark.parametrize(
    ("operation", "request_", "code"),
    [
        ("list_users", {"Filter": 'email ~ "u1"'}, "InvalidParameterException"),
        ("list_users", {"Filter": 'custom:tier = "gold"'}, "InvalidParameterException"),
        ("list_users", {"PaginationToken": "not-a-token"}, "InvalidToken"),
        ("list_users", {"PaginationToken": "not-a-token", "UserPoolId": "us-east-1_missing"}, "InvalidToken"),
        ("list_users", {"UserPoolId": "us-east-1_missing"}, "ResourceNotFoundException"),
        ("list_users_in_group", {"GroupName": "missing"}, "ResourceNotFoundException"),
        ("list_users_in_group", {"GroupName": "dense", "NextToken": "not-a-token"}, "InvalidToken"),
    ],
)
def test_errors_are_motos(cognito: BaseClient, pool: str, operation: str, request_: dict[str, Any], code: str) -> None:
    assert _as_moto(operation, {"UserPoolId": pool, **request_}, cognito)["Error"]["Code"] == code
