"""The console's persisted documents: each file holds one operation named as the file, valid against the schema,
and the gateway runs it by its ID within its limits (depth, aliases, cost), so the console never sends what the
gateway would refuse."""

import pytest
from graphql import OperationDefinitionNode, parse, validate

from gateway.graphql.schema import build_schema
from gateway.persisted import CONSOLE_DOCUMENTS, document_id, manifest
from tests.conftest import running_gateway

FILES = sorted(CONSOLE_DOCUMENTS.glob("*.graphql"))


def test_the_console_has_documents_and_the_manifest_names_each_by_its_hash():
    assert FILES
    assert manifest() == {path.stem: document_id(path.read_text()) for path in FILES}


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_each_document_is_one_valid_operation_named_as_its_file(path):
    document = parse(path.read_text())
    operations = [node for node in document.definitions if isinstance(node, OperationDefinitionNode)]

    assert [operation.name.value for operation in operations] == [path.stem]
    assert validate(build_schema()._schema, document) == []


async def test_the_gateway_runs_each_document_by_its_id_within_its_limits(backend, cognito):
    """Sent with no variables: a document the limits refused would fail before its variables are read; those that
    take none run."""
    async with running_gateway(backend, persisted_documents="required") as gateway:
        for name, identifier in manifest().items():
            response = await gateway.http.post("/graphql", json={"documentId": identifier, "variables": {}})
            errors = response.json().get("errors", [])
            refused = [error for error in errors if "path" not in error and "Variable" not in error["message"]]
            assert not refused, (name, refused)
