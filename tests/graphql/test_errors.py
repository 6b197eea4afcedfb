"""Typed errors: checked against the botocore model the installed aiobotocore pins, never against a constant."""

import strawberry

from gateway.cognito import model
from gateway.cognito.errors import CognitoException, exception_class
from gateway.graphql.declarations import declaration
from gateway.graphql.errors import ERROR_TYPES, EXCEPTION_HANDLERS, error_type_name, shape_error
from gateway.graphql.schema import build_schema

SCHEMA = build_schema()


def union_members(name: str) -> set[str]:
    union = SCHEMA._schema.get_type(name)
    return {member.name for member in union.types}


def test_every_exception_shape_of_the_model_is_a_type_implementing_cognito_error():
    codes = model.error_codes()
    interface = SCHEMA._schema.get_type("CognitoError")

    assert len(codes) == len(model.service_model().error_shapes) > 0
    for code in codes:
        graphql_type = SCHEMA._schema.get_type(error_type_name(code))
        assert graphql_type is not None, code
        assert interface in graphql_type.interfaces, code
    assert set(ERROR_TYPES) == set(codes)


def test_error_type_names_follow_the_contract():
    assert error_type_name("UserNotFoundException") == "UserNotFoundError"
    assert error_type_name("InternalErrorException") == "InternalError"


def test_root_field_unions_hold_the_operation_errors_and_service_error():
    """... and every mutation's union holds OutcomeUnknownError (a write whose answer never came); no query's does."""
    roots = {
        "UserPoolsResult": ("UserPoolConnection", "ListUserPools"),
        "UserPoolResult": ("UserPool", "DescribeUserPool"),
        "UsersResult": ("UserConnection", "ListUsers"),
        "UserResult": ("User", "AdminGetUser"),
        "GroupsResult": ("GroupConnection", "ListGroups"),
        "GroupResult": ("Group", "GetGroup"),
    }
    # uploadUserImportCsv reads its job (DescribeUserImportJob), refuses one that is not Created, then PUTs to S3.
    # startUserJob checks a group job's group (GetGroup) and a search selection's index.
    beyond_the_model = {
        "UploadUserImportCsvResult": {"PreconditionNotMetError", "CsvUploadRefusedError", "CsvUploadFailedError"},
        "StartUserJobResult": {"IndexNotReadyError"},
    }
    mutation_type = SCHEMA._schema.mutation_type
    calling_nothing = {}
    for field_name, field in mutation_type.fields.items():
        name = field_name[0].upper() + field_name[1:]
        if declaration(field) is None:
            calling_nothing[field_name] = union_members(f"{name}Result")
            continue
        roots[f"{name}Result"] = (f"{name}Payload", declaration(field).operation)

    # cancelJob changes only the gateway's own database.
    assert calling_nothing == {
        "cancelJob": {"CancelJobPayload", "InvalidParameterError", "ResourceNotFoundError", "ServiceError"}
    }
    assert len(roots) == 6 + len(mutation_type.fields) - 1
    for union, (success, operation) in roots.items():
        expected = {success, "ServiceError"} | {
            error_type_name(code) for code in model.operation_error_codes(operation)
        }
        if not model.is_read(operation):
            expected.add("OutcomeUnknownError")
        assert union_members(union) == expected | beyond_the_model.get(union, set()), union


def test_one_handler_per_error_type_and_service_error_last():
    error_types = [handler.error_type for handler in EXCEPTION_HANDLERS]

    # ... plus S3's refusal and failure of a user import file's upload
    assert len(error_types) == len(set(error_types)) == len(ERROR_TYPES) + 4
    assert [error_type.__name__ for error_type in error_types[-2:]] == ["OutcomeUnknownError", "ServiceError"]


def probe_schema(raise_error: Exception) -> strawberry.Schema:
    """A small schema wired with the gateway's exception handlers, whose resolvers raise."""
    from typing import Optional

    from gateway.graphql.errors import result_union

    # GetGroup declares ResourceNotFoundException but not UserNotFoundException.
    GroupProbeResult = result_union("GroupProbeResult", ERROR_TYPES["ResourceNotFoundException"], "GetGroup")

    @strawberry.type
    class Query:
        @strawberry.field
        def probe(self) -> GroupProbeResult:
            raise raise_error

        @strawberry.field
        def nested(self) -> Optional[int]:
            raise raise_error

        @strawberry.field
        def fine(self) -> int:
            return 1

    return strawberry.Schema(query=Query, types=list(ERROR_TYPES.values()), exception_handlers=EXCEPTION_HANDLERS)


async def test_a_known_code_outside_the_union_becomes_service_error_with_its_code():
    error = exception_class("UserNotFoundException")("no such user")

    result = await probe_schema(error).execute("{ probe { __typename ... on CognitoError { code message fault } } }")

    assert result.errors is None
    assert result.data["probe"] == {
        "__typename": "ServiceError",
        "code": "UserNotFoundException",
        "message": "no such user",
        "fault": "CLIENT",
    }


async def test_a_declared_code_becomes_its_own_type():
    result = await probe_schema(exception_class("ResourceNotFoundException")("gone")).execute(
        "{ probe { __typename ... on CognitoError { code } } }"
    )

    assert result.data["probe"] == {"__typename": "ResourceNotFoundError", "code": "ResourceNotFoundException"}


async def test_an_unknown_code_becomes_service_error():
    error = CognitoException("brand new failure", code="SomethingNewException")

    result = await probe_schema(error).execute("{ probe { __typename ... on CognitoError { code } } }")

    assert result.data["probe"] == {"__typename": "ServiceError", "code": "SomethingNewException"}


async def test_nested_cognito_failures_go_to_errors_with_extensions():
    error = exception_class("TooManyRequestsException")("slow down")

    result = await probe_schema(error).execute("{ nested fine }")

    assert result.data == {"nested": None, "fine": 1}
    [graphql_error] = [shape_error(error) for error in result.errors]
    assert graphql_error.message == "slow down"
    assert graphql_error.extensions == {"code": "TooManyRequestsException", "requestId": None, "retryable": True}


async def test_unexpected_exceptions_are_masked():
    result = await probe_schema(RuntimeError("password=hunter2 at /srv/app.py")).execute("{ nested fine }")

    assert result.data == {"nested": None, "fine": 1}
    [graphql_error] = [shape_error(error) for error in result.errors]
    assert graphql_error.message == "Unexpected error."
    assert graphql_error.extensions == {"code": "INTERNAL"}
    assert "hunter2" not in str(graphql_error.formatted)
