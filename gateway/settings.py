"""Settings from the environment: the standard AWS variables for AWS, ``GATEWAY_*`` for the rest."""

from __future__ import annotations

from pydantic import AliasChoices, Field, PositiveFloat, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    # The region of `userPools` without a region argument and of the readiness probe. Pools in other
    # regions are served too: a pool's region is read from its ID.
    aws_region: str = Field(default="us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    # botocore's defaults (legacy retries, 60 s timeouts, 10 connections) are wrong for a server.
    connect_timeout_seconds: float = Field(default=3.0, gt=0)
    read_timeout_seconds: float = Field(default=10.0, gt=0)
    max_attempts: int = Field(default=3, ge=1, le=10)
    max_pool_connections: int = Field(default=50, ge=1)
    # Upper bound on Cognito calls in flight from this process (all requests together).
    max_concurrent_calls: int = Field(default=20, ge=1)
    # Shared cache of pool-level reads (DescribeUserPool, ListGroups, GetGroup, DescribeUserPoolClient,
    # GetUserPoolMfaConfig, group memberships); 0 turns it off.
    cache_ttl_seconds: float = Field(default=10.0, ge=0)
    # Client-side limits per Cognito quota category (requests/s, per region): overrides of the defaults,
    # e.g. GATEWAY_QUOTA_RATES='{"UserList": 60}' after a quota increase.
    quota_limiter: bool = True
    quota_rates: dict[str, PositiveFloat] = Field(default_factory=dict)
    introspection: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    log_level: str = "info"

    @field_validator("quota_rates")
    @classmethod
    def _known_categories(cls, rates: dict[str, float]) -> dict[str, float]:
        from gateway.cognito.quotas import check_categories

        return dict(check_categories(rates))
