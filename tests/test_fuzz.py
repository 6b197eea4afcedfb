"""Schemathesis fuzzes every query and mutation through the real app on moto: no 5xx, no answer off the
GraphQL response shape, no unexpected (INTERNAL or uncoded) field error. A bounded run; ``python -m
bench.fuzz --examples N`` is the long one."""

import pytest

from bench.fuzz import fuzz, fuzzed_app, unexpected_errors

EXAMPLES = 4  # per operation (every query and mutation: about 130): some 500 documents, 20 s


@pytest.mark.slow
def test_fuzzed_documents_get_well_formed_answers(backend, cognito):
    with fuzzed_app(backend.endpoint_url) as app:
        sent, failures = fuzz(app, EXAMPLES, seed_value=0)
    assert sent >= 60 * EXAMPLES // 2  # every operation was fuzzed (some have few distinct documents)
    assert not failures, "\n\n".join(map(str, failures[:5]))


def test_unexpected_errors_are_field_errors_without_a_known_code():
    body = {
        "data": None,
        "errors": [
            {"message": "Syntax Error"},  # a request error: no path, no code by design
            {"message": "Unexpected error.", "path": ["user"], "extensions": {"code": "INTERNAL"}},
            {"message": "boom", "path": ["user", "groups"]},
            {"message": "Nope", "path": ["user"], "extensions": {"code": "UserNotFoundException"}},
        ],
    }
    assert [error["message"] for error in unexpected_errors(body)] == ["Unexpected error.", "boom"]
