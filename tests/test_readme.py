"""The README's commands are the ones CI runs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci_commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if "pytest" in line]

    assert ci_commands, ".ci/run runs no pytest command"
    for command in ci_commands:
        assert command in readme, f"the README does not give the command CI runs: {command}"


def test_readme_demo_command_serves_the_demo():
    readme = (ROOT / "README.md").read_text()

    assert "cognito-gateway serve --demo" in readme


def readme_graphql_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return [block.split("```")[0] for block in text.split("```graphql\n")[1:]]


async def test_readme_example_query_and_its_call_count(gateway, cognito):
    from gateway.demo.seed import seed_demo_pool

    pool = seed_demo_pool(cognito)
    query, mutation = readme_graphql_blocks()[:2]

    data = await gateway.data(query, {"pool": pool.user_pool_id})

    assert data["userPool"]["name"] == "acme-staff"
    assert len(data["users"]["nodes"]) == 3
    assert all(user["email"].startswith("a") for user in data["users"]["nodes"])
    assert gateway.calls == {"DescribeUserPool": 1, "ListUsers": 1, "AdminListGroupsForUser": 3}

    created = await gateway.data(mutation, {"pool": pool.user_pool_id})
    again = await gateway.data(mutation, {"pool": pool.user_pool_id})

    assert created["adminCreateUser"]["user"] == {
        "username": "grace.hopper",
        "userStatus": "FORCE_CHANGE_PASSWORD",
        "enabled": True,
    }
    assert again["adminCreateUser"]["__typename"] == "UsernameExistsError"
