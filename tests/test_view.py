"""gateway/view.py: the response is always written whole, whatever the result holds."""

import json

import pytest

from gateway.graphql.schema import build_schema
from gateway.view import GraphQLApp

VIEW = GraphQLApp(build_schema(), guard=None)  # type: ignore[arg-type]  # encoding needs no guard


@pytest.mark.parametrize(
    ("data", "written"),
    [
        ({"cost": 2**70}, {"cost": 2**70}),  # past 64 bits
        ({"counts": {1: "a"}}, {"counts": {"1": "a"}}),  # a key that is not a string
        ({"value": frozenset()}, {"value": "frozenset()"}),  # a type orjson does not know
    ],
)
def test_what_orjson_refuses_is_written_by_the_stdlib(data, written):
    assert json.loads(VIEW.encode_json(data)) == written


def test_what_no_encoder_can_write_is_an_internal_error(caplog):
    circular: dict = {}
    circular["self"] = circular

    body = json.loads(VIEW.encode_json({"data": circular}))

    assert body["errors"] == [{"message": "The response could not be encoded.", "extensions": {"code": "INTERNAL"}}]
    assert "could not be encoded as JSON (ValueError)" in caplog.text
