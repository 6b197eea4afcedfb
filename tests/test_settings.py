"""Settings from the environment: GATEWAY_* through pydantic-settings, refused when they make no sense."""

import pytest
from pydantic import ValidationError

from gateway.settings import Settings


def test_quota_rates_and_cache_ttl_from_the_environment(monkeypatch):
    monkeypatch.setenv("GATEWAY_QUOTA_RATES", '{"UserList": 60, "UserRead": 240}')
    monkeypatch.setenv("GATEWAY_CACHE_TTL_SECONDS", "0")
    monkeypatch.setenv("GATEWAY_AUTH_MODE", "none")

    settings = Settings()

    assert settings.quota_rates == {"UserList": 60, "UserRead": 240}
    assert settings.cache_ttl_seconds == 0


@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("GATEWAY_QUOTA_RATES", '{"UserLisst": 60}', "unknown quota categories"),
        ("GATEWAY_QUOTA_RATES", '{"UserList": 0}', "greater than 0"),
        ("GATEWAY_CACHE_TTL_SECONDS", "-1", "greater than or equal to 0"),
        ("GATEWAY_MAX_ATTEMPTS", "0", "greater than or equal to 1"),
        ("AWS_REGION", "zz-made-up-1", "'zz-made-up-1' is not a region botocore knows for Cognito user pools"),
        ("GATEWAY_REGIONS", "eu-west-1", "AWS_REGION 'us-east-1' is not one of GATEWAY_REGIONS"),
        ("GATEWAY_REGIONS", "us-east-1,us-east-\uff12", "not AWS region names: 'us-east-\uff12'"),
        ("GATEWAY_READY_CHECK_SECONDS", "0", "greater than 0"),
        ("GATEWAY_METRICS_PORT", "8000", "GATEWAY_METRICS_PORT and GATEWAY_PORT are both 8000"),
        ("GATEWAY_REDIS_URL", "http://:s3cret@cache:6379", "GATEWAY_REDIS_URL must start with redis://"),
        ("GATEWAY_EXPECTED_REPLICAS", "0", "greater than or equal to 1"),
        ("GATEWAY_REDIS_KEY_PREFIX", "two words", "should match pattern"),
        ("GATEWAY_CONSOLE_LOGIN_DOMAIN", "http://acme.auth.eu-west-1.amazoncognito.com", "must be the managed login"),
        ("GATEWAY_PERSISTED_DOCUMENTS_DIR", "/no/such/documents", "is not a directory"),
        ("GATEWAY_CONSOLE_LOGIN_DOMAIN", "https://acme.example/oauth2", "must be the managed login"),
    ],
)
def test_nonsense_is_refused_at_start(monkeypatch, variable, value, complaint):
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("GATEWAY_AUTH_MODE", "none")
    monkeypatch.setenv(variable, value)

    with pytest.raises(ValidationError, match=complaint) as refused:
        Settings()
    assert "s3cret" not in str(refused.value)  # a URL's password is never echoed


@pytest.mark.parametrize("value", ["us-east-1, eu-west-1", '["us-east-1", "eu-west-1"]'])
def test_gateway_regions_as_a_comma_separated_or_json_list(monkeypatch, value):
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("GATEWAY_REGIONS", value)
    monkeypatch.setenv("GATEWAY_AUTH_MODE", "none")

    assert Settings().regions == ["us-east-1", "eu-west-1"]


def test_gateway_regions_may_name_a_region_botocore_does_not_know_yet(monkeypatch):
    monkeypatch.setenv("AWS_REGION", "xx-newest-1")
    monkeypatch.setenv("GATEWAY_REGIONS", "xx-newest-1")
    monkeypatch.setenv("GATEWAY_AUTH_MODE", "none")

    assert Settings().aws_region == "xx-newest-1"


def test_secrets_from_files_and_the_environment_first(monkeypatch, tmp_path):
    (tmp_path / "GATEWAY_CURSOR_KEY").write_text("k" * 40 + "\n")
    (tmp_path / "GATEWAY_JWT_AUDIENCE").write_text("from-the-file")
    monkeypatch.setenv("GATEWAY_SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("GATEWAY_AUTH_MODE", "jwt")
    monkeypatch.setenv("GATEWAY_JWT_ISSUER", "https://issuer.example")
    monkeypatch.setenv("GATEWAY_JWT_AUDIENCE", "from-the-environment")

    settings = Settings()

    assert settings.cursor_key.get_secret_value() == "k" * 40
    assert settings.jwt_audience == "from-the-environment"


def test_a_secrets_dir_that_is_not_one_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("GATEWAY_SECRETS_DIR", str(tmp_path / "missing"))
    monkeypatch.setenv("GATEWAY_AUTH_MODE", "none")

    with pytest.raises(ValueError, match="GATEWAY_SECRETS_DIR=.*missing is not a directory"):
        Settings()


def test_the_redis_url_is_a_secret_from_a_file_too(monkeypatch, tmp_path):
    (tmp_path / "GATEWAY_REDIS_URL").write_text("rediss://:s3cret@cache.internal:6380/0\n")
    monkeypatch.setenv("GATEWAY_SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("GATEWAY_AUTH_MODE", "none")
    monkeypatch.setenv("GATEWAY_EXPECTED_REPLICAS", "3")

    settings = Settings()

    assert settings.redis_url.get_secret_value() == "rediss://:s3cret@cache.internal:6380/0"
    assert "s3cret" not in repr(settings) and settings.expected_replicas == 3
