"""The regions the gateway serves: those botocore's endpoint data lists for ``cognito-idp``, or ``GATEWAY_REGIONS``.

A region comes from a caller (``userPools(region:)``) or from a pool ID or ARN, and each one served keeps a client
for the app's lifetime (~1.2 MB each, bench.hostile): a region outside the served set is
refused before any client exists, or invented regions would grow the process without bound.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection

import botocore.session

from gateway.cognito import errors
from gateway.cognito.model import REGION_PATTERN, SERVICE_NAME

_REGION = re.compile(REGION_PATTERN, re.ASCII)
_SHOWN_CHARACTERS = 40  # of a refused region in the error message


def is_region_name(text: str) -> bool:
    """Whether ``text`` has the shape of a region name (served or not)."""
    return _REGION.fullmatch(text) is not None


@functools.cache
def cognito_regions() -> frozenset[str]:
    """The regions of every partition where botocore's endpoint data has Cognito user pools (read once)."""
    session = botocore.session.get_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions(SERVICE_NAME, partition_name=partition)
    )


def served_regions(configured: Collection[str] | None) -> frozenset[str]:
    """``GATEWAY_REGIONS`` when set, else every region botocore knows for Cognito user pools."""
    return frozenset(configured) if configured else cognito_regions()


def check_region(region: str, served: frozenset[str]) -> str:
    """``region`` if the gateway serves it; otherwise an ``InvalidParameterException``, before any client exists."""
    if region in served:
        return region
    shown = region if len(region) <= _SHOWN_CHARACTERS else region[:_SHOWN_CHARACTERS] + "..."
    if is_region_name(region):
        raise errors.invalid_parameter(f"'{shown}' is not a region this gateway serves user pools in")
    raise errors.invalid_parameter(f"'{shown}' is not an AWS region (e.g. eu-west-1)")
