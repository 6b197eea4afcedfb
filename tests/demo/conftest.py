"""Fixtures of the tests of the demo backend (the moto server and ``cognito`` client are tests/conftest.py's)."""

import pytest
from botocore.client import BaseClient

from gateway.demo.server import DemoBackend
from tests.demo.support import unvalidated_client


@pytest.fixture
def unvalidated(backend: DemoBackend, cognito: BaseClient) -> BaseClient:
    """A client without botocore's parameter validation, to send what the server must refuse itself.

    Asks for ``cognito``, so moto is reset first.
    """
    return unvalidated_client(backend)
