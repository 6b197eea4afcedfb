"""Helpers of the tests of the demo backend's extension families (pool settings, branding, terms)."""

from __future__ import annotations

import boto3
from botocore.client import BaseClient
from botocore.config import Config

from gateway.demo.server import DEMO_CREDENTIALS, DEMO_REGION, DemoBackend
from tests.demo.test_extensions import MODEL, raises

__all__ = ["MODEL", "raises", "unvalidated_client"]


def unvalidated_client(backend: DemoBackend) -> BaseClient:
    """A client without botocore's parameter validation, to send what the server must refuse itself."""
    session = boto3.session.Session(region_name=DEMO_REGION, **DEMO_CREDENTIALS)
    return session.client(
        "cognito-idp",
        endpoint_url=backend.endpoint_url,
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}, proxies={}),
    )
