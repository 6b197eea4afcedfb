"""JSON log lines carrying the request ID, and the ``X-Request-ID`` header on every response."""

import json
import logging
import logging.config
import re

import pytest

from gateway.auth.api_keys import hash_key
from gateway.observability import configure_logging, uvicorn_log_config
from gateway.settings import ApiKey, Settings
from tests.conftest import running_gateway

GENERATED = re.compile(r"[0-9a-f]{32}")


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


async def test_an_incoming_request_id_is_honoured(gateway):
    response = await gateway.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"X-Request-ID": "abc.1_2-3"}
    )

    assert response.headers["x-request-id"] == "abc.1_2-3"


@pytest.mark.parametrize("incoming", [None, "x" * 129, "has space", "back\\slash", "ünïcode".encode(), ""])
async def test_a_missing_or_odd_request_id_is_replaced(gateway, incoming):
    headers = {"X-Request-ID": incoming} if incoming is not None else {}

    response = await gateway.http.get("/healthz", headers=headers)

    assert GENERATED.fullmatch(response.headers["x-request-id"])


async def test_each_request_gets_its_own_id(gateway):
    first, second = [(await gateway.http.get("/healthz")).headers["x-request-id"] for _ in range(2)]

    assert first != second


async def test_refusals_and_unknown_paths_carry_the_id_and_the_log_line_has_it(backend, cognito, capsys):
    api_keys = [ApiKey(name="ci", role="viewer", hash=hash_key("cgw_the-right-key"))]
    async with running_gateway(backend, auth_mode="api-key", api_keys=api_keys) as gateway:
        capsys.readouterr()
        refused = await gateway.http.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"X-API-Key": "cgw_wrong", "X-Request-ID": "req-401"}
        )
        missing = await gateway.http.get("/nowhere")

    assert refused.status_code == 401 and refused.headers["x-request-id"] == "req-401"
    assert missing.status_code == 404 and GENERATED.fullmatch(missing.headers["x-request-id"])
    [line] = [line for line in json_lines(capsys.readouterr().err) if line["logger"] == "gateway.guard"]
    assert line["request_id"] == "req-401"
    assert line["level"] == "WARNING" and line["message"].startswith("authentication refused")
    assert line["time"]
    assert "cgw_wrong" not in json.dumps(line)


async def test_records_outside_a_request_have_no_request_id(capsys):
    configure_logging(Settings(auth_mode="none"))

    logging.getLogger("gateway.test").warning("outside")

    [line] = json_lines(capsys.readouterr().err)
    assert line["message"] == "outside" and "request_id" not in line


async def test_text_format_and_configuring_twice_keeps_one_handler(capsys):
    try:
        configure_logging(Settings(auth_mode="none", log_format="text"))
        configure_logging(Settings(auth_mode="none", log_format="text"))

        logging.getLogger("gateway.test").warning("as text")

        [line] = capsys.readouterr().err.splitlines()
        assert re.fullmatch(r"\S+ \S+ WARNING gateway.test \[-\] as text", line)
    finally:
        configure_logging(Settings(auth_mode="none"))


@pytest.fixture
def uvicorn_loggers():
    """uvicorn's loggers as they were: the test reconfigures them the way uvicorn would."""
    saved = {
        name: (list(logger.handlers), logger.level, logger.propagate)
        for name in ("uvicorn", "uvicorn.access")
        for logger in [logging.getLogger(name)]
    }
    yield
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


def test_uvicorn_access_lines_are_json_without_the_query_string(uvicorn_loggers, capsys):
    logging.config.dictConfig(uvicorn_log_config(Settings(auth_mode="none")))

    logging.getLogger("uvicorn.error").info("Started server process [%d]", 42, extra={"color_message": "colour"})
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/graphql?query=secret", "1.1", 200
    )

    started, access = json_lines(capsys.readouterr().err)
    assert started["logger"] == "uvicorn.error" and started["message"] == "Started server process [42]"
    assert "color_message" not in started
    assert access["path"] == "/graphql" and access["method"] == "GET" and access["status"] == 200
    assert access["client"] == "127.0.0.1:5000"
    assert "secret" not in json.dumps(access)
