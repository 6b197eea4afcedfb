"""Fast checks of the container image recipe and the Helm chart, without docker or helm (.ci/chart-check runs
hadolint, helm lint/template and the Kubernetes schemas): they keep the chart in step with the gateway."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

import gateway
from gateway.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "helm" / "cognito-gateway"
VALUES_FILES = [CHART / "values.yaml", *sorted((CHART / "ci").glob("*-values.yaml"))]

yaml = pytest.importorskip("yaml")


def _values(path: Path) -> dict:
    return yaml.safe_load(path.read_text()) or {}


def _setting_names() -> set[str]:
    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names |= set(getattr(alias, "choices", [])) if alias else {f"GATEWAY_{name.upper()}"}
    return names


def test_chart_app_version_is_the_gateway_version():
    chart = _values(CHART / "Chart.yaml")
    assert chart["apiVersion"] == "v2"
    assert chart["appVersion"] == gateway.__version__


DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _stage(name: str) -> str:
    """The instructions of one stage of the Dockerfile."""
    return re.search(rf"^FROM \S+ AS {name}$(.*?)(?=^FROM |\Z)", DOCKERFILE, re.M | re.S).group(1)


def test_dockerfile_runs_the_console_script_as_a_numeric_non_root_user_on_all_interfaces():
    assert re.search(r"^USER 10001(:10001)?$", DOCKERFILE, re.M)
    assert re.search(r"^\s+GATEWAY_HOST=0\.0\.0\.0", DOCKERFILE, re.M)
    assert re.search(r"^EXPOSE 8000 9090$", DOCKERFILE, re.M)  # the API, and /metrics (GATEWAY_METRICS_PORT)
    assert re.search(r'^CMD \["cognito-gateway", "serve"\]$', DOCKERFILE, re.M)


def test_every_stage_starts_from_one_base_image_pinned_by_digest():
    [default] = re.findall(r"^ARG PYTHON_IMAGE=(\S+)$", DOCKERFILE, re.M)
    assert re.fullmatch(r"python:3\.1[1-9]-slim-\w+@sha256:[0-9a-f]{64}", default)
    # The ARG comes before the first FROM, so every stage can use it; and every stage does.
    assert DOCKERFILE.index("ARG PYTHON_IMAGE=") < DOCKERFILE.index("\nFROM ")
    stages = re.findall(r"^FROM (\S+) AS (\S+)$", DOCKERFILE, re.M)
    assert {name for _, name in stages} == {"deps", "project", "ide-assets", "runtime"}
    assert {image for image, _ in stages} == {"${PYTHON_IMAGE}"}


def test_the_image_installs_from_the_lock_with_hashes_and_ships_the_project_in_a_layer_of_its_own():
    deps, project, runtime = _stage("deps"), _stage("project"), _stage("runtime")
    # The dependency layer is keyed on the lock alone: no source, no pyproject.toml, no resolution.
    assert re.findall(r"^COPY (\S+)", deps, re.M) == ["requirements.lock"]
    assert "--require-hashes" in deps and "--no-deps" in deps
    # The build backend is the locked one (hash-checked), used without build isolation (which would fetch it).
    assert "--require-hashes" in project and "requirements-build.lock" in project and "--no-build-isolation" in project
    # Pip and the build cache never reach a layer: cache mounts.
    assert "--mount=type=cache,target=/root/.cache/pip" in deps and "PIP_NO_CACHE_DIR" not in DOCKERFILE
    # Runtime: the dependencies, the assets, then the project, each copied on its own.
    assert re.findall(r"^COPY --from=(\S+) (\S+)", runtime, re.M) == [
        ("deps", "/opt/venv"),
        ("ide-assets", "/opt/ide"),
        ("project", "/opt/cognito-gateway/app"),
    ]
    assert "pip uninstall --yes" in runtime


def test_the_build_backend_is_pinned_and_locked():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    [backend] = pyproject["build-system"]["requires"]
    assert re.fullmatch(r"setuptools==[0-9.]+", backend)
    assert pyproject["dependency-groups"]["build"] == [backend]
    assert backend in (ROOT / "requirements-build.lock").read_text().replace(" ", "")


def test_dockerignore_lets_in_what_the_dockerfile_copies():
    allowed = {line[1:].rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines() if line[:1] == "!"}
    copied = set()
    for sources in re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE, re.M):
        copied |= set(sources.split())
    assert copied <= allowed


@pytest.mark.parametrize("path", VALUES_FILES, ids=lambda path: path.name)
def test_chart_config_names_only_gateway_settings(path):
    config = _values(path).get("config", {})
    unknown = set(config) - _setting_names()
    assert not unknown, f"{path.name}: config keys the gateway does not read: {sorted(unknown)}"


@pytest.mark.parametrize("path", VALUES_FILES, ids=lambda path: path.name)
def test_chart_values_meet_their_schema(path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((CHART / "values.schema.json").read_text())
    defaults = _values(CHART / "values.yaml")
    merged = _merge(defaults, _values(path))
    jsonschema.Draft7Validator(schema).validate(merged)


@pytest.mark.parametrize("path", VALUES_FILES, ids=lambda path: path.name)
def test_chart_values_run_several_pods_only_on_postgresql(path):
    """The chart's `fail` (templates/_helpers.tpl, checkDatabase) holds for every values file it is rendered with:
    one pod on the embedded SQLite database, or a PostgreSQL URL from a Secret."""
    values = _merge(_values(CHART / "values.yaml"), _values(path))
    several = values["autoscaling"]["enabled"] or values["replicaCount"] > 1
    assert not several or values["database"]["existingSecret"], path.name


@pytest.mark.parametrize(
    ("override", "refused"),
    [
        ({"config": {"GATEWAY_DATABASE_URL": "postgresql://u:p@db/gateway"}}, True),  # a password in a ConfigMap
        ({"config": {"GATEWAY_DATA_DIR": "/data"}}, True),  # the chart's mount point
        ({"persistence": {"size": "lots"}}, True),
        ({"persistence": {"accessModes": []}}, True),
        ({"database": {"existingSecret": "gateway-db", "secretKey": ""}}, True),
        ({"database": {"existingSecret": "gateway-db", "secretKey": "uri"}, "replicaCount": 3}, False),
        ({"persistence": {"enabled": True, "size": "20Gi", "storageClass": "gp3"}}, False),
    ],
)
def test_chart_schema_on_the_database_and_persistence(override, refused):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((CHART / "values.schema.json").read_text())
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(_merge(_values(CHART / "values.yaml"), override)))
    assert bool(errors) == refused, errors


SHARED_DATABASE = {"database": {"existingSecret": "gateway-db"}}


@pytest.mark.parametrize(
    ("override", "refused"),
    [
        ({"config": {"GATEWAY_REDIS_URL": "redis://:p@cache:6379/0"}}, True),  # a password in a ConfigMap
        ({"autoscaling": {"enabled": True}, **SHARED_DATABASE}, True),  # N pods, N budgets
        ({"autoscaling": {"enabled": True}, "redis": {"existingSecret": "gateway-redis"}, **SHARED_DATABASE}, False),
        ({"redis": {"existingSecret": "gateway-redis", "secretKey": ""}}, True),
        ({"config": {"GATEWAY_EXPECTED_REPLICAS": 0}}, True),
        ({"replicaCount": 3, **SHARED_DATABASE}, False),  # renders, with NOTES.txt's warning
    ],
)
def test_chart_schema_on_redis_for_several_replicas(override, refused):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((CHART / "values.schema.json").read_text())
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(_merge(_values(CHART / "values.yaml"), override)))
    assert bool(errors) == refused, errors


def test_all_features_config_is_a_valid_gateway_configuration(monkeypatch):
    config = _values(CHART / "ci" / "all-features-values.yaml")["config"]
    for name in list(Settings.model_fields):
        monkeypatch.delenv(f"GATEWAY_{name.upper()}", raising=False)
    known = _setting_names()
    for name, value in config.items():
        if name in known:
            monkeypatch.setenv(name, str(value).lower() if isinstance(value, bool) else str(value))

    settings = Settings()

    assert settings.auth_mode == "jwt" and settings.jwt_issuer and settings.jwt_audience
    assert settings.aws_region == config["AWS_REGION"]


def _merge(base: dict, override: dict) -> dict:
    """Helm's merge of a values file over the defaults: maps merge, null deletes, anything else replaces."""
    merged = dict(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def test_chart_readme_documents_every_value():
    # Maps whose keys are the user's (settings, annotations, resources, ...) are documented as one value.
    whole = {"config", "secret.values", "resources", "podSecurityContext", "securityContext", "autoscaling.behavior"}

    def paths(values: dict, prefix: str = ""):
        for key, value in values.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict) and value and path not in whole:
                yield from paths(value, f"{path}.")
            else:
                yield path

    readme = (CHART / "README.md").read_text()
    missing = [
        path
        for path in paths(_values(CHART / "values.yaml"))
        if f"`{path}`" not in readme and f"`{path.rsplit('.', 1)[0]}.*`" not in readme
    ]
    assert not missing, f"values not documented in {CHART.name}/README.md: {missing}"


def test_the_package_data_ships_every_file_the_console_serves():
    """The image installs a wheel: the console's script, style and persisted documents must be package data."""
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    console = ROOT / "gateway" / "console"
    shipped = {path for pattern in package_data["gateway.console"] for path in console.glob(pattern)}
    needed = {path for path in console.rglob("*") if path.is_file() and path.suffix in {".js", ".css", ".graphql"}}
    assert needed and needed <= shipped
