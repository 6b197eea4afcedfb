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


PAGE_TABLE_HEADER = "| connection | Cognito operation | `first` default | `first` bound |"


def readme_page_bounds() -> dict[str, tuple[str, int, int]]:
    """The README's table of connections: ``Type.field`` -> (operation, default, bound)."""
    lines = [line.strip() for line in (ROOT / "README.md").read_text().splitlines()]
    start = lines.index(PAGE_TABLE_HEADER) + 2  # past the header's separator row
    rows = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        fields, operation, default, bound = (cell.strip() for cell in line.strip("|").split("|"))
        for field in fields.split(","):
            rows[field.strip().strip("`")] = (operation, int(default), int(bound))
    return rows


def test_the_readme_gives_each_connections_page_bounds_from_the_model_and_the_schema():
    """Every field with a `first` argument over a Cognito list is in the table, with its schema default and its operation's page
    size in the botocore model (the bound the gateway checks)."""
    from gateway.cognito import model
    from gateway.coverage import Coverage
    from gateway.graphql.schema import build_schema

    schema = build_schema()._schema
    declared = Coverage(schema).declared
    operation_of = {field: operation for operation, fields in declared.items() for field in fields}
    in_schema = {
        f"{type_name}.{field_name}": (operation_of[f"{type_name}.{field_name}"], field.args["first"].default_value)
        for type_name, named in schema.type_map.items()
        if not type_name.startswith("__")
        for field_name, field in (getattr(named, "fields", None) or {}).items()
        if "first" in getattr(field, "args", {})
        # Query.searchUsers pages the gateway's own index (1..500, DESIGN.md section 8), not a Cognito list.
        and f"{type_name}.{field_name}" in operation_of
    }

    expected = {
        field: (operation, default, model.page_size_limit(operation))
        for field, (operation, default) in in_schema.items()
    }
    assert readme_page_bounds() == expected
    assert all(default == bound for _, default, bound in expected.values())  # the default is one full page
