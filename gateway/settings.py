"""Settings from the environment: the standard AWS variables for AWS, ``GATEWAY_*`` for the rest."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    IPvAnyNetwork,
    PositiveFloat,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"})


class ApiKey(BaseModel):
    """One entry of ``GATEWAY_API_KEYS``: a service account's name, role, optional pools and salted key hash
    (``cognito-gateway api-key`` makes one)."""

    name: str = Field(min_length=1)
    role: Literal["viewer", "operator", "admin"]
    pools: list[str] | None = None
    hash: str = Field(pattern=r"^sha256\$[0-9a-f]{32}\$[0-9a-f]{64}$")


# A directory of files named after settings (GATEWAY_API_KEYS, GATEWAY_CURSOR_KEY...), each holding its value: a
# Kubernetes Secret mounted as a volume, so that secrets need not be environment variables. The environment wins.
SECRETS_DIR_VARIABLE = "GATEWAY_SECRETS_DIR"

REDIS_SCHEMES = ("redis", "rediss", "unix")


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/cognito-gateway``, else ``~/.local/share/cognito-gateway``."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "cognito-gateway"


class Settings(BaseSettings):
    # Errors do not echo the values given: some are secrets (GATEWAY_CURSOR_KEY).
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", hide_input_in_errors=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        secrets_dir = os.environ.get(SECRETS_DIR_VARIABLE)
        if not secrets_dir:
            return init_settings, env_settings, dotenv_settings
        if not Path(secrets_dir).is_dir():
            raise ValueError(f"{SECRETS_DIR_VARIABLE}={secrets_dir} is not a directory")
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            SecretsSettingsSource(settings_cls, secrets_dir=secrets_dir),
        )

    # The region of `userPools` without a region argument and of the readiness probe. Pools in other
    # regions are served too: a pool's region is read from its ID.
    aws_region: str = Field(default="us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    # The regions served (a comma-separated or JSON list); unset, every region botocore knows for Cognito user
    # pools. A region outside them is refused before a client is opened for it.
    regions: Annotated[list[str] | None, NoDecode] = None
    # botocore's defaults (legacy retries, 60 s timeouts, 10 connections) are wrong for a server.
    connect_timeout_seconds: float = Field(default=3.0, gt=0)
    read_timeout_seconds: float = Field(default=10.0, gt=0)
    max_attempts: int = Field(default=3, ge=1, le=10)
    max_pool_connections: int = Field(default=50, ge=1)
    # Upper bound on Cognito calls in flight from this process (all requests together).
    max_concurrent_calls: int = Field(default=20, ge=1)
    # Shared cache of pool-level reads (those marked `cached` in gateway/cognito/operations.py, and group
    # memberships); 0 turns it off.
    cache_ttl_seconds: float = Field(default=10.0, ge=0)
    # Client-side limits per Cognito quota category (requests/s, per region): overrides of the defaults,
    # e.g. GATEWAY_QUOTA_RATES='{"UserList": 60}' after a quota increase.
    quota_limiter: bool = True
    quota_rates: dict[str, PositiveFloat] = Field(default_factory=dict)
    # Refuse a Cognito call that no GraphQL field being resolved declares (gateway.graphql.declarations): the test
    # suite turns it on, so a field calling an undeclared operation fails its tests.
    check_declarations: bool = False
    # Introspection and field suggestions ("Did you mean ...?"): off unless set (on in --demo).
    introspection: bool = False
    # The key that seals connection cursors (README: "Pagination"): any secret of 32 characters or more, the same
    # on every replica behind one load balancer. Unset: a random key per process, so cursors die with it.
    cursor_key: SecretStr | None = Field(default=None, min_length=32)

    # Authentication (README: "Authentication and roles"). `none` needs --demo or allow_insecure.
    auth_mode: Literal["jwt", "api-key", "none"] = "jwt"
    allow_insecure: bool = False
    jwt_issuer: str | None = None
    jwt_jwks_url: str | None = None  # default: <issuer>/.well-known/jwks.json
    jwt_audience: str | None = None  # matched against `aud`, or Cognito's `client_id` in access tokens
    jwt_algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])
    # Accepted `token_use` values: an API authorizes with access tokens; "id" is an opt-in. A token without
    # the claim (Cognito always sets it, other OIDC issuers may not) is not refused for it.
    jwt_token_use: list[str] = Field(default_factory=lambda: ["access"], min_length=1)
    jwt_leeway_seconds: float = Field(default=30.0, ge=0, le=300)
    jwt_role_claim: str = "cognito:groups"
    jwks_cache_seconds: float = Field(default=3600.0, gt=0)
    # A token with an unknown `kid` refetches the JWKS at most this often (a key rotation, not a flood).
    jwks_min_refresh_seconds: float = Field(default=30.0, ge=0)
    role_map: str = ""  # e.g. gateway-admins=admin,support=operator:eu-west-1_AbC|eu-west-1_Def
    api_keys: list[ApiKey] = Field(default_factory=list)

    # Request limits (README: "Limits").
    max_depth: int = Field(default=12, ge=1)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=2000, ge=1)
    # Upstream calls one request may make, estimated before execution; costs are counted up to 1000 times this.
    max_query_cost: int = Field(default=500, ge=1, le=1_000_000)
    max_field_selections: int = Field(default=20, ge=1)  # times one field is selected in one selection set
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    cors_origins: list[str] = Field(default_factory=list)
    rate_limit_per_second: float = Field(default=20.0, ge=0)  # per caller; 0 turns it off
    rate_limit_burst: int = Field(default=40, ge=1)
    # Failed authentication per client address; once over it, the address is refused before its credential
    # is looked at. 0 turns it off.
    auth_failure_rate_per_minute: float = Field(default=10.0, ge=0)
    auth_failure_burst: int = Field(default=20, ge=1)
    # Callers (and client addresses) each limit tracks at most; past it the least recently seen is forgotten.
    rate_limit_max_entries: int = Field(default=10_000, ge=1)
    # The proxies whose X-Forwarded-For (and X-Forwarded-Proto) is believed: IPs or CIDRs. Empty: none is.
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)

    # Persisted documents (README: "Persisted documents"): `allowed` runs a request's own text or a known document's
    # ID; `required` runs known documents only: an allow-list of operations.
    persisted_documents: Literal["allowed", "required"] = "allowed"
    # A directory of a team's own persisted documents (`<OperationName>.graphql`, one operation each), besides the
    # console's.
    persisted_documents_dir: Path | None = None
    # The admin console at GET /console (README: "Admin console"); its sign-in in `jwt` mode: the user pool's
    # managed login (authorization code with PKCE), at its domain (https://<prefix>.auth.<region>.amazoncognito.com
    # or a custom one), with a public app client (no secret) whose callback URL is the console's.
    console: bool = True
    console_login_domain: str | None = None
    console_client_id: str | None = None
    console_scopes: str = "openid email"

    # GraphiQL's assets (`cognito-gateway fetch-ide-assets`): default ~/.cache/cognito-gateway/ide/<pins' hash>.
    ide_assets_dir: Path | None = None

    # The gateway's own database (README: "The gateway's own database"): the directory index and, later, jobs.
    # Unset, an embedded SQLite file in data_dir; `postgresql://...` shares one database between replicas.
    # A SecretStr: the URL may hold a password.
    database_url: SecretStr | None = None
    # Where the gateway keeps its files (the SQLite database): default $XDG_DATA_HOME/cognito-gateway, else
    # ~/.local/share/cognito-gateway. `serve --demo` uses a fresh temporary directory.
    data_dir: Path = Field(default_factory=lambda: default_data_dir())
    # PostgreSQL's connection pool, per process: connections kept open, and how many more a burst may open.
    database_pool_size: int = Field(default=5, ge=1, le=100)
    database_max_overflow: int = Field(default=5, ge=0, le=100)
    # The SQS queue EventBridge fills with CloudTrail's cognito-idp API calls, which keeps the directory index up to
    # date with changes made outside the gateway (README: "Changes made outside the gateway"). Unset: none is read.
    index_events_queue_url: str | None = None
    # The pools the directory index keeps (README: "Directory index"): comma-separated IDs, or `*` for every pool of
    # AWS_REGION. Each is fully synced at start unless READY, and re-synced every index_reconcile_seconds.
    index_pools: Annotated[list[str], NoDecode] = Field(default_factory=list)
    index_reconcile_seconds: float = Field(default=3600.0, gt=0)
    # Searches run on a copy of each searched pool in memory (about 1 KB per user, per process); off, they run in SQL
    # (the same answers, slower: README "How a search is answered").
    index_in_memory: bool = True
    # A bulk job's lease (README "Bulk user jobs"): renewed while its runner lives; when it runs out (the runner's
    # process died), another runner takes the job over within this and its 5 s look for jobs: at most 30 s.
    job_lease_seconds: float = Field(default=20.0, ge=2, le=25)

    # Many replicas, one account (README: "Running several replicas"). The Redis every replica shares: Cognito's quota
    # budgets, the per-caller rate limits and the read cache's invalidation. Unset, each replica keeps its own.
    # A SecretStr: the URL may hold a password (redis://:password@host:6379/0, rediss://..., unix:///path).
    redis_url: SecretStr | None = None
    # What starts every key the gateway writes in Redis, so that several deployments can share one Redis.
    redis_key_prefix: str = Field(default="cognito-gateway", min_length=1, max_length=100, pattern=r"^[^\s]+$")
    # How many replicas share the account's quotas: without a reachable Redis each one spends 1/this of each rate.
    expected_replicas: int = Field(default=1, ge=1, le=1000)

    # Audit records of mutations: stdout unless a file is named.
    audit_log_path: str | None = None

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    log_level: str = "info"
    # Observability (README: "Observability"): JSON or text logs, /metrics, OpenTelemetry (the `tracing` extra).
    log_format: Literal["json", "text"] = "json"
    metrics: bool = True
    # /metrics on a port of its own, so that a NetworkPolicy can let scrapers in apart from callers; 0 serves it on
    # the API's port.
    metrics_port: int = Field(default=9090, ge=0, le=65535)
    # Distinct GraphQL operation names kept as metric labels; later ones are counted as `other`.
    metrics_max_operation_names: int = Field(default=100, ge=0)
    tracing: bool = False
    # On SIGTERM: how long in-flight requests may take to finish before the process exits.
    shutdown_timeout_seconds: float = Field(default=20.0, ge=0)
    # /readyz answers from a check of Cognito made at most this often, which times out after as long.
    ready_check_seconds: float = Field(default=10.0, gt=0)

    @field_validator("regions", mode="before")
    @classmethod
    def _region_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else [name.strip() for name in text.split(",")]
        if isinstance(value, list):
            value = [name for name in value if name != ""]
        return value or None

    @field_validator("index_pools", mode="before")
    @classmethod
    def _pool_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        return [name.strip() for name in value if name.strip()] if isinstance(value, list) else value

    @field_validator("regions")
    @classmethod
    def _region_names(cls, regions: list[str] | None) -> list[str] | None:
        from gateway.cognito.regions import is_region_name

        malformed = [name for name in regions or [] if not is_region_name(name)]
        if malformed:
            raise ValueError(f"not AWS region names: {', '.join(map(repr, malformed))} (e.g. eu-west-1)")
        return regions

    @field_validator("database_url")
    @classmethod
    def _database_url_supported(cls, url: SecretStr | None) -> SecretStr | None:
        from gateway.store.urls import engine_url

        if url is not None:
            engine_url(url.get_secret_value(), data_dir=Path("."))  # raises ValueError, naming the scheme only
        return url

    @field_validator("redis_url")
    @classmethod
    def _redis_url_scheme(cls, url: SecretStr | None) -> SecretStr | None:
        if url is not None:
            scheme = url.get_secret_value().partition("://")[0]
            if scheme not in REDIS_SCHEMES:  # the message names the scheme only: the URL may hold a password
                raise ValueError(f"GATEWAY_REDIS_URL must start with {', '.join(s + '://' for s in REDIS_SCHEMES)}")
        return url

    @field_validator("persisted_documents_dir")
    @classmethod
    def _documents_dir_exists(cls, directory: Path | None) -> Path | None:
        if directory is not None and not directory.expanduser().is_dir():
            raise ValueError(f"GATEWAY_PERSISTED_DOCUMENTS_DIR={directory} is not a directory")
        return directory.expanduser() if directory is not None else None

    @field_validator("console_login_domain")
    @classmethod
    def _login_domain_is_https(cls, domain: str | None) -> str | None:
        if domain is None:
            return None
        parts = urlsplit(domain)
        local = parts.hostname in ("localhost", "127.0.0.1", "::1")
        if not parts.hostname or parts.scheme not in ("https", *(("http",) if local else ())) or parts.path.strip("/"):
            raise ValueError(
                "GATEWAY_CONSOLE_LOGIN_DOMAIN must be the managed login's origin, https://<domain> (e.g. "
                "https://<prefix>.auth.<region>.amazoncognito.com); http only for localhost"
            )
        return domain

    @field_validator("data_dir")
    @classmethod
    def _expand_home(cls, path: Path) -> Path:
        return path.expanduser()

    @field_validator("quota_rates")
    @classmethod
    def _known_categories(cls, rates: dict[str, float]) -> dict[str, float]:
        from gateway.cognito.quotas import check_categories

        return dict(check_categories(rates))

    @field_validator("jwt_algorithms")
    @classmethod
    def _asymmetric_only(cls, algorithms: list[str]) -> list[str]:
        # A symmetric algorithm would let anyone holding the public key (it is public) sign tokens.
        refused = [name for name in algorithms if name not in ASYMMETRIC_ALGORITHMS]
        if refused or not algorithms:
            raise ValueError(f"only asymmetric algorithms are accepted ({', '.join(sorted(ASYMMETRIC_ALGORITHMS))})")
        return algorithms

    @field_validator("role_map")
    @classmethod
    def _role_map_parses(cls, text: str) -> str:
        from gateway.auth.roles import parse_role_map

        parse_role_map(text)
        return text

    @model_validator(mode="after")
    def _ports_differ(self) -> "Settings":
        if self.metrics_port and self.metrics_port == self.port:
            raise ValueError(
                f"GATEWAY_METRICS_PORT and GATEWAY_PORT are both {self.port}: 0 serves /metrics on the API's port"
            )
        return self

    @model_validator(mode="after")
    def _auth_configured(self) -> "Settings":
        if self.auth_mode == "jwt" and not (self.jwt_issuer and self.jwt_audience):
            raise ValueError("GATEWAY_AUTH_MODE=jwt needs GATEWAY_JWT_ISSUER and GATEWAY_JWT_AUDIENCE")
        if self.auth_mode == "api-key" and not self.api_keys:
            raise ValueError("GATEWAY_AUTH_MODE=api-key needs GATEWAY_API_KEYS")
        return self

    @model_validator(mode="after")
    def _default_region_served(self) -> "Settings":
        from gateway.cognito.regions import served_regions

        if self.aws_region not in served_regions(self.regions):
            if self.regions:
                raise ValueError(f"AWS_REGION {self.aws_region!r} is not one of GATEWAY_REGIONS")
            raise ValueError(
                f"AWS_REGION {self.aws_region!r} is not a region botocore knows for Cognito user pools "
                "(if it is a new one, list the regions to serve in GATEWAY_REGIONS)"
            )
        return self

    @property
    def jwks_url(self) -> str | None:
        if self.jwt_jwks_url:
            return self.jwt_jwks_url
        return f"{self.jwt_issuer.rstrip('/')}/.well-known/jwks.json" if self.jwt_issuer else None
