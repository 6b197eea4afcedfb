"""Bulk user jobs over GraphQL (DESIGN.md section 9): start, follow, list, cancel, against moto."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from gateway.auth.api_keys import hash_key
from gateway.settings import ApiKey
from tests.conftest import Gateway, running_gateway
from tests.helpers import HANG_GUARD_SECONDS, create_group, create_users

JOB_FIELDS = "id userPoolId action state total done failed unknown skipped progress dryRun createdBy error"
START = f"""mutation($input: StartUserJobInput!) {{ startUserJob(input: $input) {{
  __typename ... on CognitoError {{ code message }} ... on StartUserJobPayload {{ job {{ {JOB_FIELDS} }} }} }} }}"""
JOB = f"""query($id: ID!, $outcome: JobItemOutcome, $first: Int = 50, $after: String) {{ job(id: $id) {{
  __typename ... on CognitoError {{ code message }}
  ... on Job {{ {JOB_FIELDS} items(outcome: $outcome, first: $first, after: $after) {{
    nodes {{ username outcome errorCode message }} pageInfo {{ hasNextPage endCursor }} }} }} }} }}"""
JOBS = f"""query($pool: ID, $first: Int = 20, $after: String) {{ jobs(userPoolId: $pool, first: $first, after: $after) {{
  __typename ... on CognitoError {{ code message }}
  ... on JobConnection {{ nodes {{ {JOB_FIELDS} }} pageInfo {{ hasNextPage endCursor }} }} }} }}"""
CANCEL = """mutation($id: ID!) { cancelJob(input: {id: $id}) {
  __typename ... on CognitoError { code message } ... on CancelJobPayload { job { state } } } }"""
INDEX = """mutation($pool: ID!) { indexUserPool(input: {userPoolId: $pool}) { __typename } }"""


async def start(gateway: Gateway, **input: Any) -> dict[str, Any]:
    return (await gateway.data(START, {"input": input}))["startUserJob"]


async def finished(gateway: Gateway, job_id: str) -> dict[str, Any]:
    """The job once it is in a final state."""

    async def poll() -> dict[str, Any]:
        while True:
            job = (await gateway.data(JOB, {"id": job_id}))["job"]
            if job["state"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
                return job
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), HANG_GUARD_SECONDS)


async def test_a_disable_job_disables_each_user_once(gateway, cognito, pool_id):
    usernames = create_users(cognito, pool_id, 12)
    gateway.reset_calls()

    started = await start(
        gateway, userPoolId=pool_id, action="DISABLE", selection={"usernames": [*usernames, usernames[0]]}
    )
    assert started["__typename"] == "StartUserJobPayload"
    assert started["job"]["state"] in ("QUEUED", "RUNNING")
    job = await finished(gateway, started["job"]["id"])

    assert job["state"] == "SUCCEEDED"
    assert (job["total"], job["done"], job["failed"], job["unknown"], job["skipped"]) == (12, 12, 0, 0, 0)
    assert job["progress"] == 1.0
    assert job["createdBy"] == "anonymous"
    assert [node["username"] for node in job["items"]["nodes"]] == usernames  # the selection's order, deduplicated
    assert {node["outcome"] for node in job["items"]["nodes"]} == {"DONE"}
    assert gateway.calls == {"AdminDisableUser": 12}  # one call per item, nothing else
    assert all(not cognito.admin_get_user(UserPoolId=pool_id, Username=name)["Enabled"] for name in usernames)


async def test_an_item_that_fails_is_listed_with_its_code_and_the_rest_go_on(gateway, cognito, pool_id):
    create_users(cognito, pool_id, 2)

    started = await start(
        gateway, userPoolId=pool_id, action="ENABLE", selection={"usernames": ["user-000", "ghost", "user-001"]}
    )
    job = await finished(gateway, started["job"]["id"])

    assert job["state"] == "SUCCEEDED"
    assert (job["done"], job["failed"]) == (2, 1)
    failed = (await gateway.data(JOB, {"id": job["id"], "outcome": "FAILED"}))["job"]["items"]["nodes"]
    assert failed == [
        {
            "username": "ghost",
            "outcome": "FAILED",
            "errorCode": "UserNotFoundException",
            "message": failed[0]["message"],
        }
    ]
    assert failed[0]["message"]


async def test_a_dry_run_lists_the_selection_and_writes_nothing(gateway, cognito, pool_id):
    usernames = create_users(cognito, pool_id, 3)
    gateway.reset_calls()

    started = await start(gateway, userPoolId=pool_id, action="DELETE", selection={"usernames": usernames}, dryRun=True)
    job = await finished(gateway, started["job"]["id"])

    assert job["state"] == "SUCCEEDED" and job["dryRun"] is True
    assert (job["total"], job["done"], job["skipped"]) == (3, 0, 3)
    assert {node["outcome"] for node in job["items"]["nodes"]} == {"SKIPPED"}
    assert gateway.calls == {}
    assert len(cognito.list_users(UserPoolId=pool_id)["Users"]) == 3


async def test_a_search_selection_adds_the_matches_to_a_group_and_the_index_sees_it(gateway, cognito, pool_id):
    create_users(cognito, pool_id, 10)  # given_name Even / Odd
    create_group(cognito, pool_id, "beta")
    assert (await gateway.data(INDEX, {"pool": pool_id}))["indexUserPool"]["__typename"] == "IndexUserPoolPayload"
    await asyncio.wait_for(gateway.app.state.index.last_sync(pool_id), HANG_GUARD_SECONDS)
    gateway.reset_calls()

    started = await start(
        gateway,
        userPoolId=pool_id,
        action="ADD_TO_GROUP",
        groupName="beta",
        selection={"where": [{"field": "given_name", "operator": "EQUALS", "value": "Even"}]},
    )
    job = await finished(gateway, started["job"]["id"])

    assert (job["state"], job["total"], job["done"]) == ("SUCCEEDED", 5, 5)
    assert gateway.calls == {"GetGroup": 1, "AdminAddUserToGroup": 5}
    members = cognito.list_users_in_group(UserPoolId=pool_id, GroupName="beta")["Users"]
    assert sorted(user["Username"] for user in members) == [f"user-{i:03d}" for i in range(0, 10, 2)]
    found = await gateway.data(
        """query($pool: ID!) { searchUsers(userPoolId: $pool, where: [{field: "group", operator: EQUALS,
        value: "beta"}]) { ... on UserSearchConnection { totalCount } } }""",
        {"pool": pool_id},
    )
    assert found["searchUsers"]["totalCount"] == 5  # read-your-writes: the index took each item


async def test_a_search_selection_needs_a_ready_index(gateway, pool_id):
    result = await start(gateway, userPoolId=pool_id, action="DISABLE", selection={})

    assert result["__typename"] == "IndexNotReadyError"
    assert (await gateway.data(JOBS, {"pool": pool_id}))["jobs"]["nodes"] == []


@pytest.mark.parametrize(
    ("input", "message"),
    [
        ({"action": "ADD_TO_GROUP", "selection": {"usernames": ["a"]}}, "ADD_TO_GROUP needs groupName"),
        ({"action": "DISABLE", "selection": {"usernames": ["a"]}, "groupName": "g"}, "groupName is for"),
        ({"action": "UPDATE_ATTRIBUTES", "selection": {"usernames": ["a"]}}, "UPDATE_ATTRIBUTES needs userAttributes"),
        ({"action": "DISABLE", "selection": {"usernames": []}}, "selection.usernames is empty"),
        ({"action": "DISABLE", "selection": {"usernames": ["a"], "text": "x"}}, "not both"),
    ],
)
async def test_bad_input_is_refused_and_starts_nothing(gateway, pool_id, input, message):
    result = await start(gateway, userPoolId=pool_id, **input)

    assert result["__typename"] == "InvalidParameterError", result
    assert message in result["message"]
    assert (await gateway.data(JOBS, {"pool": pool_id}))["jobs"]["nodes"] == []
    assert gateway.calls == {}


async def test_a_selection_of_more_than_10000_usernames_is_refused_before_it_is_read(gateway, pool_id):
    usernames = [f"u{i}" for i in range(10_001)]
    input = {"userPoolId": pool_id, "action": "DISABLE", "selection": {"usernames": usernames}}

    response = await gateway.http.post("/graphql", json={"query": START, "variables": {"input": input}})

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "A list in `variables` has more than 10000 items."
    accepted = await start(gateway, **{**input, "selection": {"usernames": usernames[:10_000]}, "dryRun": True})
    assert accepted["__typename"] == "StartUserJobPayload"
    assert (await finished(gateway, accepted["job"]["id"]))["skipped"] == 10_000


async def test_a_missing_group_is_refused_before_any_item(gateway, cognito, pool_id):
    create_users(cognito, pool_id, 2)

    result = await start(
        gateway, userPoolId=pool_id, action="ADD_TO_GROUP", groupName="nope", selection={"usernames": ["user-000"]}
    )

    assert result["__typename"] == "ResourceNotFoundError"
    assert gateway.calls == {"GetGroup": 1}


async def test_jobs_are_listed_newest_first_and_page(gateway, cognito, pool_id):
    create_users(cognito, pool_id, 1)
    ids = []
    for _ in range(3):
        started = await start(
            gateway, userPoolId=pool_id, action="GLOBAL_SIGN_OUT", selection={"usernames": ["user-000"]}
        )
        ids.append((await finished(gateway, started["job"]["id"]))["id"])

    first = (await gateway.data(JOBS, {"pool": pool_id, "first": 2}))["jobs"]
    rest = (await gateway.data(JOBS, {"pool": pool_id, "first": 2, "after": first["pageInfo"]["endCursor"]}))["jobs"]

    assert [job["id"] for job in first["nodes"] + rest["nodes"]] == ids[::-1]
    assert (first["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasNextPage"]) == (True, False)
    assert (await gateway.data(JOBS, {"first": 101}))["jobs"]["__typename"] == "InvalidParameterError"


async def test_unknown_and_finished_jobs_are_typed_errors(gateway, cognito, pool_id):
    create_users(cognito, pool_id, 1)
    started = await start(gateway, userPoolId=pool_id, action="ENABLE", selection={"usernames": ["user-000"]})
    job = await finished(gateway, started["job"]["id"])

    assert (await gateway.data(JOB, {"id": "no-such-job"}))["job"]["__typename"] == "ResourceNotFoundError"
    assert (await gateway.data(CANCEL, {"id": "no-such-job"}))["cancelJob"]["__typename"] == "ResourceNotFoundError"
    refused = (await gateway.data(CANCEL, {"id": job["id"]}))["cancelJob"]
    assert refused["__typename"] == "InvalidParameterError"
    assert "already SUCCEEDED" in refused["message"]


async def test_jobs_follow_the_callers_grants(backend, cognito, pool_id):
    """A viewer starts nothing; an operator on one pool neither sees nor cancels another pool's jobs."""
    other_pool = cognito.create_user_pool(PoolName="other")["UserPool"]["Id"]
    create_users(cognito, other_pool, 1)
    keys = {"viewer": "viewer-key", "operator": "operator-key", "pool-operator": "pool-key"}
    api_keys = [
        ApiKey(name="viewer", role="viewer", hash=hash_key(keys["viewer"])),
        ApiKey(name="operator", role="operator", hash=hash_key(keys["operator"])),
        ApiKey(name="pool-operator", role="operator", pools=[pool_id], hash=hash_key(keys["pool-operator"])),
    ]
    async with running_gateway(backend, auth_mode="api-key", api_keys=api_keys) as gateway:
        disable = {"userPoolId": other_pool, "action": "DISABLE", "selection": {"usernames": ["user-000"]}}

        gateway.http.headers["X-API-Key"] = keys["viewer"]
        refused = await gateway.query(START, {"input": disable})
        assert refused["data"]["startUserJob"] is None
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

        gateway.http.headers["X-API-Key"] = keys["pool-operator"]
        elsewhere = await gateway.query(START, {"input": disable})
        assert elsewhere["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "on user pool " + other_pool in elsewhere["errors"][0]["message"]

        gateway.http.headers["X-API-Key"] = keys["operator"]
        started = await start(gateway, **disable)
        job_id = started["job"]["id"]
        assert started["job"]["createdBy"] == "operator"

        gateway.http.headers["X-API-Key"] = keys["pool-operator"]
        assert (await gateway.data(JOB, {"id": job_id}))["job"]["__typename"] == "ResourceNotFoundError"
        assert (await gateway.data(CANCEL, {"id": job_id}))["cancelJob"]["__typename"] == "ResourceNotFoundError"
        assert job_id not in [job["id"] for job in (await gateway.data(JOBS, {"first": 100}))["jobs"]["nodes"]]

        gateway.http.headers["X-API-Key"] = keys["operator"]
        assert (await finished(gateway, job_id))["done"] == 1
        assert [job["id"] for job in (await gateway.data(JOBS, {"pool": other_pool}))["jobs"]["nodes"]] == [job_id]


async def test_a_replica_that_only_follows_a_job_gives_its_eta_too(backend, cognito, pool_id, tmp_path):
    """Behind a load balancer, `job` is read through any replica: one that does not run the job estimates from the
    job's average rate since it started (40 items at 20/s: about 2 s in all)."""
    usernames = create_users(cognito, pool_id, 40)
    shared = {"database_url": f"sqlite:///{tmp_path / 'shared.db'}", "quota_rates": {"UserUpdate": 20}}
    async with running_gateway(backend, **shared) as runner, running_gateway(backend, **shared) as follower:
        started = await start(runner, userPoolId=pool_id, action="DISABLE", selection={"usernames": usernames})
        job_id = started["job"]["id"]
        etas = []
        while (job := (await follower.data(ETA, {"id": job_id}))["job"])["state"] != "SUCCEEDED":
            if job["state"] == "RUNNING" and job["done"]:
                etas.append(job["etaSeconds"])
            await asyncio.sleep(0.1)
        assert "AdminDisableUser" not in follower.calls  # it only followed

    assert etas and all(eta is not None and 0 <= eta < 10 for eta in etas), etas
    assert job["etaSeconds"] is None


ETA = """query($id: ID!) { job(id: $id) { ... on Job { state done etaSeconds } } }"""
