"""Upstream call counts: the dataloaders deduplicate and run a page's calls concurrently, bounded."""

from tests.helpers import create_group, create_users


async def test_the_same_user_three_times_costs_one_admin_get_user(gateway, cognito, pool_id):
    create_users(cognito, pool_id, 1)
    create_group(cognito, pool_id, "admins", ["user-000"])

    data = await gateway.data(
        """query($pool: ID!) {
          a: user(userPoolId: $pool, username: "user-000") { ... on User { username groups { groupName } } }
          b: user(userPoolId: $pool, username: "user-000") { ... on User { enabled groups { groupName } } }
          c: user(userPoolId: $pool, username: "user-000") { ... on User { userStatus preferredMfaSetting } }
        }""",
        {"pool": pool_id},
    )

    assert data["a"]["username"] == "user-000"
    assert data["b"]["groups"] == [{"groupName": "admins"}]
    assert data["c"]["userStatus"] == "FORCE_CHANGE_PASSWORD"
    assert gateway.calls == {"AdminGetUser": 1, "AdminListGroupsForUser": 1}


async def test_a_page_of_60_users_with_their_groups(gateway, cognito, pool_id):
    usernames = create_users(cognito, pool_id, 60)
    create_group(cognito, pool_id, "admins", usernames[:10])
    create_group(cognito, pool_id, "support", usernames[5:25])

    data = await gateway.data(
        """query($pool: ID!) { users(userPoolId: $pool, first: 60) { ... on UserConnection {
             nodes { username enabled userStatus email: attribute(name: "email") groups { groupName } } } } }""",
        {"pool": pool_id},
    )

    groups = {n["username"]: sorted(g["groupName"] for g in n["groups"]) for n in data["users"]["nodes"]}
    assert len(groups) == 60
    assert groups["user-007"] == ["admins", "support"]
    assert groups["user-020"] == ["support"]
    assert groups["user-059"] == []
    # 60 users in 2 groups: the groups' members (one page each) cost fewer calls than 60 AdminListGroupsForUser.
    assert gateway.calls == {"ListUsers": 1, "DescribeUserPool": 1, "ListGroups": 1, "ListUsersInGroup": 2}


async def test_a_few_users_of_a_bigger_pool_ask_per_user_concurrently(gateway, cognito, pool_id):
    usernames = create_users(cognito, pool_id, 130)
    for index in range(4):
        create_group(cognito, pool_id, f"team-{index}", usernames[index * 30 : index * 30 + 30])

    data = await gateway.data(
        """query($pool: ID!) { users(userPoolId: $pool, first: 6, filter: {attribute: USERNAME, operator: STARTS_WITH,
             value: "user-00"}) { ... on UserConnection { nodes { username groups { groupName } } } } }""",
        {"pool": pool_id},
    )

    groups = {n["username"]: [g["groupName"] for g in n["groups"]] for n in data["users"]["nodes"]}
    assert len(groups) == 6 and all(names == ["team-0"] for names in groups.values())
    # 4 groups x ceil(130 / 60) = 12 pages of members could cost more than 6 users: ask per user, at once.
    assert gateway.calls == {"ListUsers": 1, "DescribeUserPool": 1, "ListGroups": 1, "AdminListGroupsForUser": 6}
    cognito_layer = gateway.app.state.cognito
    assert 1 < cognito_layer.peak_in_flight <= cognito_layer.settings.max_concurrent_calls


async def test_the_same_page_asked_for_twice_is_one_call(gateway, cognito, pool_id):
    members = create_users(cognito, pool_id, 3)
    create_group(cognito, pool_id, "support", members)

    data = await gateway.data(
        """query($pool: ID!) {
          a: group(userPoolId: $pool, groupName: "support") { ... on Group { users { nodes { username } } } }
          b: group(userPoolId: $pool, groupName: "support") { ... on Group { users { nodes { enabled } } } }
          c: users(userPoolId: $pool, first: 2) { ... on UserConnection { nodes { username } } }
          d: users(userPoolId: $pool, first: 2) { ... on UserConnection { nodes { userStatus } } }
        }""",
        {"pool": pool_id},
    )

    assert sorted(u["username"] for u in data["a"]["users"]["nodes"]) == members
    assert len(data["b"]["users"]["nodes"]) == 3
    assert len(data["c"]["nodes"]) == len(data["d"]["nodes"]) == 2
    assert gateway.calls == {"GetGroup": 1, "ListUsersInGroup": 1, "ListUsers": 1}
