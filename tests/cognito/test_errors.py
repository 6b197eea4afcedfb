"""Decoding what botocore raises into typed Cognito exceptions (the one place errors are mapped)."""

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ParamValidationError, ReadTimeoutError

from gateway.cognito import model
from gateway.cognito.errors import CognitoException, decode, exception_class


def client_error(code: str, status: int, retries: int = 0) -> ClientError:
    response = {
        "Error": {"Code": code, "Message": f"{code} happened"},
        "ResponseMetadata": {
            "RequestId": "req-1",
            "HTTPStatusCode": status,
            "HTTPHeaders": {"x-amzn-requestid": "req-1", "x-amz-cf-id": "cf-1", "x-amz-id-2": "ext-1"},
            "RetryAttempts": retries,
        },
    }
    return ClientError(response, "AdminGetUser")


def test_every_model_code_has_its_own_class():
    classes = {exception_class(code) for code in model.error_codes()}

    assert len(classes) == len(model.error_codes())
    assert all(cls is not CognitoException and issubclass(cls, CognitoException) for cls in classes)
    assert exception_class("NotInTheModelException") is CognitoException


def test_a_client_error_keeps_code_message_and_metadata():
    error = decode(client_error("UserNotFoundException", 400, retries=2))

    assert type(error) is exception_class("UserNotFoundException")
    assert (error.code, error.message, error.fault, error.retryable) == (
        "UserNotFoundException",
        "UserNotFoundException happened",
        "CLIENT",
        False,
    )
    assert error.request_id == "req-1"
    assert error.metadata.cf_id == "cf-1"
    assert error.metadata.extended_request_id == "ext-1"
    assert error.metadata.http_status_code == 400
    assert error.metadata.attempts == 3


@pytest.mark.parametrize(
    ("code", "status", "fault", "retryable"),
    [
        ("TooManyRequestsException", 400, "CLIENT", True),
        ("ThrottlingException", 400, "CLIENT", True),
        ("InternalErrorException", 500, "SERVER", True),
        ("LimitExceededException", 400, "CLIENT", True),  # botocore counts it as throttling
        ("UsernameExistsException", 400, "CLIENT", False),
        ("SomethingNewException", 503, "SERVER", True),
    ],
)
def test_fault_and_retryable_follow_botocore(code, status, fault, retryable):
    error = decode(client_error(code, status))

    assert (error.code, error.fault, error.retryable) == (code, fault, retryable)


def test_client_side_validation_is_an_invalid_parameter():
    error = decode(ParamValidationError(report="Invalid length for parameter PoolName, value: 0"))

    assert type(error) is exception_class("InvalidParameterException")
    assert error.fault == "CLIENT"
    assert "PoolName" in error.message


@pytest.mark.parametrize(
    "failure",
    [EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), ReadTimeoutError(endpoint_url="http://127.0.0.1:1")],
)
def test_unreachable_cognito_is_a_retryable_server_fault(failure):
    error = decode(failure)

    assert error.code == type(failure).__name__
    assert (error.fault, error.retryable) == ("SERVER", True)
    assert error.metadata is None


def test_an_html_error_page_is_not_passed_on_as_the_message():
    response = {
        "Error": {"Code": "502", "Message": "<html><body>Bad gateway at lb-internal-7</body></html>"},
        "ResponseMetadata": {"HTTPStatusCode": 502, "HTTPHeaders": {}},
    }

    error = decode(ClientError(response, "ListUsers"))

    assert error.message == "Cognito answered HTTP 502 without error details"
    assert (error.code, error.fault, error.retryable) == ("502", "SERVER", True)
