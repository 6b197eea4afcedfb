"""Group and membership mutations through HTTP against the real app and the moto server."""

from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from tests.helpers import assert_error

STAFF_ROLE = "arn:aws:iam::123456789012:role/staff"
ADMIN_ROLE = "arn:aws:iam::123456789012:role/admins"
GROUP_FIELDS = "group { groupName userPoolId description roleArn precedence }"
MEMBERSHIP_FIELDS = "userPoolId username groupName user { username groups { groupName } } group { groupName }"
USER_GROUPS = "user { groups { groupName } }"


def group_key(pool_id: str, group: str = "staff") -> dict[str, str]:
    return {"userPoolId": pool_id, "groupName": group}


def membership(pool_id: str, group: str = "staff", username: str = "alice") -> dict[str, str]:
    return {"userPoolId": pool_id, "groupName": group, "username": username}


def create_group(cognito: BaseClient, pool_id: str, name: str = "staff", **members: Any) -> None:
    cognito.create_group(UserPoolId=pool_id, GroupName=name, **members)


def create_user(cognito: BaseClient, pool_id: str, groups: tuple[str, ...] = ()) -> None:
    cognito.admin_create_user(UserPoolId=pool_id, Username="alice", MessageAction="SUPPRESS")
    for group in groups:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username="alice", GroupName=group)


def groups_of(cognito: BaseClient, pool_id: str) -> list[str]:
    """The names of alice's groups, as Cognito has them."""
    groups = cognito.admin_list_groups_for_user(UserPoolId=pool_id, Username="alice")["Groups"]
    return sorted(group["GroupName"] for group in groups)


def group_names(user: dict[str, Any]) -> list[str]:
    """The names of a payload user's groups, taken out of it (moto keeps them in a set: no order)."""
    return sorted(group["groupName"] for group in user.pop("groups"))


def stored_group(cognito: BaseClient, pool_id: str) -> dict[str, Any]:
    group = cognito.get_group(UserPoolId=pool_id, GroupName="staff")["Group"]
    return {"description": group["Description"], "roleArn": group.get("RoleArn"), "precedence": group.get("Precedence")}


# --- createGroup / updateGroup / deleteGroup -------------------------------------------------------


async def test_create_group_with_every_input_member(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    members = {"description": "All staff", "roleArn": STAFF_ROLE, "precedence": 5}

    result = await gateway.mutate("createGroup", {**group_key(pool_id), **members}, GROUP_FIELDS)

    assert result == {
        "__typename": "CreateGroupPayload",
        "group": {"groupName": "staff", "userPoolId": pool_id, **members},
    }
    assert stored_group(cognito, pool_id) == members


async def test_create_group_twice_is_group_exists(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_group(cognito, pool_id, Description="first")

    result = await gateway.mutate("createGroup", {**group_key(pool_id), "description": "second"})

    assert_error(result, "GroupExistsError", "GroupExistsException")
    assert stored_group(cognito, pool_id)["description"] == "first"


async def test_update_group(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_group(cognito, pool_id, Description="before", RoleArn=STAFF_ROLE, Precedence=1)
    members = {"description": "after", "roleArn": ADMIN_ROLE, "precedence": 7}

    result = await gateway.mutate("updateGroup", {**group_key(pool_id), **members}, GROUP_FIELDS)

    assert result == {
        "__typename": "UpdateGroupPayload",
        "group": {"groupName": "staff", "userPoolId": pool_id, **members},
    }
    assert stored_group(cognito, pool_id) == members


async def test_delete_group(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_group(cognito, pool_id)
    create_group(cognito, pool_id, "admins")

    result = await gateway.mutate("deleteGroup", group_key(pool_id), "userPoolId groupName")

    assert result == {"__typename": "DeleteGroupPayload", "userPoolId": pool_id, "groupName": "staff"}
    assert [group["GroupName"] for group in cognito.list_groups(UserPoolId=pool_id)["Groups"]] == ["admins"]
    with pytest.raises(ClientError) as error:
        stored_group(cognito, pool_id)
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"


@pytest.mark.parametrize("name", ["updateGroup", "deleteGroup"])
async def test_missing_group_is_resource_not_found(gateway: Any, pool_id: str, name: str) -> None:
    result = await gateway.mutate(name, group_key(pool_id, "nobody"))

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


# --- membership ------------------------------------------------------------------------------------


async def test_admin_add_user_to_group(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_group(cognito, pool_id)
    create_group(cognito, pool_id, "admins")
    create_user(cognito, pool_id, groups=("admins",))

    result = await gateway.mutate("adminAddUserToGroup", membership(pool_id), MEMBERSHIP_FIELDS)

    assert group_names(result["user"]) == ["admins", "staff"]
    assert result == {
        "__typename": "AdminAddUserToGroupPayload",
        **membership(pool_id),
        "user": {"username": "alice"},
        "group": {"groupName": "staff"},
    }
    assert groups_of(cognito, pool_id) == ["admins", "staff"]


async def test_admin_remove_user_from_group(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_group(cognito, pool_id)
    create_group(cognito, pool_id, "admins")
    create_user(cognito, pool_id, groups=("staff", "admins"))

    result = await gateway.mutate("adminRemoveUserFromGroup", membership(pool_id), MEMBERSHIP_FIELDS)

    assert group_names(result["user"]) == ["admins"]
    assert result == {
        "__typename": "AdminRemoveUserFromGroupPayload",
        **membership(pool_id),
        "user": {"username": "alice"},
        "group": {"groupName": "staff"},
    }
    assert groups_of(cognito, pool_id) == ["admins"]


async def test_group_members_read_after_the_change(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_group(cognito, pool_id)
    create_user(cognito, pool_id)

    result = await gateway.mutate("adminAddUserToGroup", membership(pool_id), "group { users { nodes { username } } }")

    assert result["group"] == {"users": {"nodes": [{"username": "alice"}]}}


async def test_second_membership_change_in_one_request_reads_the_groups_again(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    create_group(cognito, pool_id)
    create_group(cognito, pool_id, "admins")
    create_user(cognito, pool_id)
    document = f"""
        mutation Run($staff: AdminAddUserToGroupInput!, $admins: AdminAddUserToGroupInput!) {{
          first: adminAddUserToGroup(input: $staff) {{ ... on AdminAddUserToGroupPayload {{ {USER_GROUPS} }} }}
          second: adminAddUserToGroup(input: $admins) {{ ... on AdminAddUserToGroupPayload {{ {USER_GROUPS} }} }}
        }}
    """

    data = await gateway.data(document, {"staff": membership(pool_id), "admins": membership(pool_id, "admins")})

    assert group_names(data["first"]["user"]) == ["staff"]
    assert group_names(data["second"]["user"]) == ["admins", "staff"]


async def test_user_groups_read_after_a_group_deletion_in_the_same_request(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    create_group(cognito, pool_id)
    create_user(cognito, pool_id)
    document = f"""
        mutation Run($add: AdminAddUserToGroupInput!, $delete: DeleteGroupInput!, $user: AdminEnableUserInput!) {{
          added: adminAddUserToGroup(input: $add) {{ ... on AdminAddUserToGroupPayload {{ {USER_GROUPS} }} }}
          deleted: deleteGroup(input: $delete) {{ __typename }}
          after: adminEnableUser(input: $user) {{ ... on AdminEnableUserPayload {{ {USER_GROUPS} }} }}
        }}
    """
    user = {"userPoolId": pool_id, "username": "alice"}

    data = await gateway.data(document, {"add": membership(pool_id), "delete": group_key(pool_id), "user": user})

    assert data["added"]["user"]["groups"] == [{"groupName": "staff"}]
    assert groups_of(cognito, pool_id) == []
    assert data["after"]["user"]["groups"] == []


@pytest.mark.parametrize("name", ["adminAddUserToGroup", "adminRemoveUserFromGroup"])
async def test_missing_user_is_user_not_found(gateway: Any, cognito: BaseClient, pool_id: str, name: str) -> None:
    create_group(cognito, pool_id)

    result = await gateway.mutate(name, membership(pool_id, username="nobody"))

    assert_error(result, "UserNotFoundError", "UserNotFoundException")


async def test_add_user_to_missing_group_is_resource_not_found(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_user(cognito, pool_id)

    result = await gateway.mutate("adminAddUserToGroup", membership(pool_id, "nobody"))

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")
    assert groups_of(cognito, pool_id) == []


async def test_malformed_pool_id_is_refused_before_any_call(gateway: Any) -> None:
    gateway.reset_calls()
    inputs = {
        "createGroup": group_key("not-a-pool"),
        "updateGroup": group_key("not-a-pool"),
        "deleteGroup": group_key("not-a-pool"),
        "adminAddUserToGroup": membership("not-a-pool"),
        "adminRemoveUserFromGroup": membership("not-a-pool"),
    }

    results = {name: await gateway.mutate(name, input) for name, input in inputs.items()}

    assert {name: (result["__typename"], result["code"], result["requestId"]) for name, result in results.items()} == (
        dict.fromkeys(inputs, ("InvalidParameterError", "InvalidParameterException", None))
    )
    assert gateway.calls == {}
