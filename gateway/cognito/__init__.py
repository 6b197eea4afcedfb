"""The only package that talks to AWS: clients per region, the call wrapper and error decoding."""

from gateway.cognito.client import CognitoGateway
from gateway.cognito.errors import CognitoException, exception_class

__all__ = ["CognitoException", "CognitoGateway", "exception_class"]
