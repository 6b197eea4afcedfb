"""The graph against the botocore model: every operation accounted for, every member a field, and the
coverage report in docs/coverage.md current."""

from pathlib import Path

from gateway.cognito import model
from gateway.coverage import NOT_EXPOSED, Coverage, coverage_report
from gateway.graphql.schema import build_schema

SCHEMA = build_schema()._schema
COVERAGE = Coverage(SCHEMA)
REPORT = Path(__file__).resolve().parent.parent / "docs" / "coverage.md"


def test_every_operation_is_exposed_or_says_why_not():
    operations = set(model.service_model().operation_names)
    exposed = set(COVERAGE.exposed)

    assert exposed | set(NOT_EXPOSED) == operations
    assert exposed & set(NOT_EXPOSED) == set()
    assert all(NOT_EXPOSED[operation] for operation in NOT_EXPOSED)


def test_the_exposed_operations_are_those_the_fields_declare():
    """Read from the schema: every mutation named after an operation declares it, and the report lists each
    declared operation with its fields."""
    mutations = {name[0].upper() + name[1:] for name in SCHEMA.mutation_type.fields}
    operations = set(model.service_model().operation_names)

    assert mutations & operations <= set(COVERAGE.declared)
    for operation, fields in COVERAGE.declared.items():
        assert f"Mutation.{operation[0].lower() + operation[1:]}" in fields or operation not in mutations
    assert set(COVERAGE.declared) <= set(COVERAGE.exposed)
    assert COVERAGE.exposed["ListUsers"] == ("Query.users", "UserPool.users")
    assert COVERAGE.exposed["DescribeIdentityProvider"] == (
        "Query.identityProvider",
        "identityProviders nodes beyond the summary",
    )


def test_every_member_of_every_exposed_object_shape_is_a_field_or_excluded_with_a_reason():
    assert len(COVERAGE.object_shapes) > 50
    missing = {item.graphql_type: item.missing for item in COVERAGE.object_shapes if item.missing}

    assert missing == {}


def test_every_member_of_every_request_shape_is_an_input_field():
    assert len(COVERAGE.input_shapes) > 50
    missing = {item.graphql_type: item.missing for item in COVERAGE.input_shapes if item.missing}

    assert missing == {}


def test_every_enum_has_every_value():
    incomplete = [name for name, complete in COVERAGE.enums.values() if not complete]

    assert len(COVERAGE.enums) > 30
    assert incomplete == []


def test_every_exception_is_typed():
    assert all(COVERAGE.error_types.values())
    assert len(COVERAGE.error_types) == len(model.service_model().error_shapes)


def test_the_client_secret_is_no_field_of_an_app_client():
    assert "clientSecret" not in SCHEMA.type_map["UserPoolClient"].fields
    assert "clientSecret" in SCHEMA.type_map["CreateUserPoolClientPayload"].fields
    assert "clientSecret" in SCHEMA.type_map["UserPoolClientSecret"].fields


def test_docs_coverage_is_current():
    assert REPORT.read_text() == coverage_report(), (
        "docs/coverage.md is stale: regenerate it with `cognito-gateway coverage > docs/coverage.md`"
    )
