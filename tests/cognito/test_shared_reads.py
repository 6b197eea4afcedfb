"""Through HTTP: pool-level reads and group memberships shared across requests, dropped by the gateway's own
mutations; the quota limiter makes a burst wait instead of fail."""

from gateway.cognito.quotas import burst
from tests.conftest import running_gateway
from tests.helpers import create_group, create_users

DASHBOARD = """
query($pool: ID!) {
  userPool(id: $pool) { ... on UserPool { name estimatedNumberOfUsers } }
  users(userPoolId: $pool, first: 60) {
    ... on UserConnection { nodes { username enabled userStatus email: attribute(name: "email") groups { groupName } } }
  }
}"""


def groups_by_user(data):
    return {node["username"]: [g["groupName"] for g in node["groups"]] for node in data["users"]["nodes"]}


async def test_a_warm_dashboard_costs_one_call(gateway, cognito, pool_id):
    usernames = create_users(cognito, pool_id, 60)
    create_group(cognito, pool_id, "admins", usernames[:20])

    cold = await gateway.data(DASHBOARD, {"pool": pool_id})
    cold_calls = gateway.calls
    gateway.reset_calls()
    warm = await gateway.data(DASHBOARD, {"pool": pool_id})

    assert warm == cold
    assert cold_calls == {"DescribeUserPool": 1, "ListUsers": 1, "ListGroups": 1, "ListUsersInGroup": 1}
    assert gateway.calls == {"ListUsers": 1}


async def test_the_gateways_own_mutation_drops_the_shared_reads(gateway, cognito, pool_id):
    usernames = create_users(cognito, pool_id, 10)
    create_group(cognito, pool_id, "admins", usernames[:2])
    await gateway.data(DASHBOARD, {"pool": pool_id})

    moved = await gateway.mutate(
        "adminAddUserToGroup", {"userPoolId": pool_id, "username": usernames[5], "groupName": "admins"}
    )
    after = groups_by_user(await gateway.data(DASHBOARD, {"pool": pool_id}))

    assert moved["__typename"] == "AdminAddUserToGroupPayload"
    assert after[usernames[5]] == ["admins"]
    assert sum(names == ["admins"] for names in after.values()) == 3


async def test_a_zero_ttl_reads_everything_again(backend, cognito, pool_id):
    create_users(cognito, pool_id, 4)
    async with running_gateway(backend, cache_ttl_seconds=0) as gateway:
        for _ in range(2):
            await gateway.data(DASHBOARD, {"pool": pool_id})

        assert gateway.calls["DescribeUserPool"] == 2
        assert gateway.calls["ListUsers"] == 2


async def test_a_burst_over_a_quota_waits_instead_of_failing(backend, cognito, pool_id):
    usernames = create_users(cognito, pool_id, 130)
    for index in range(4):
        create_group(cognito, pool_id, f"team-{index}", usernames[index * 30 : index * 30 + 30])
    query = """query($pool: ID!) { users(userPoolId: $pool, first: 10, filter: {attribute: USERNAME,
               operator: STARTS_WITH, value: "user-00"}) { ... on UserConnection { nodes { groups { groupName } } } } }"""

    async with running_gateway(backend, quota_rates={"UserResourceRead": 4}) as gateway:
        data = await gateway.data(query, {"pool": pool_id})

        assert [node["groups"] for node in data["users"]["nodes"]] == [[{"groupName": "team-0"}]] * 10
        assert gateway.calls["AdminListGroupsForUser"] == 10
        # The burst (a fifth of a second's rate, at least one call) leaves at once; the others wait their turn.
        assert gateway.app.state.cognito.limiter.waits["UserResourceRead"] == 10 - int(burst(4))
