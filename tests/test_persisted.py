"""Persisted documents (GraphQL over HTTP, Appendix A), through HTTP and a websocket on the real app: a request names
a known document by ID; with GATEWAY_PERSISTED_DOCUMENTS=required only those run."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from bench import in_process
from gateway.persisted import document_id
from tests.conftest import running_gateway

POOLS = "query Pools {\n  userPools(first: 5) {\n    ... on UserPoolConnection { nodes { name } }\n  }\n}\n"
ACCEPT = {"accept": "application/graphql-response+json"}


@pytest.fixture
def documents(tmp_path):
    (tmp_path / "Pools.graphql").write_text(POOLS)
    return tmp_path


async def post(gateway, body: dict):
    return await gateway.http.post("/graphql", json=body, headers=ACCEPT)


async def test_a_document_named_by_its_id_runs_as_its_text_would(backend, cognito, pool_id, documents):
    async with running_gateway(backend, persisted_documents_dir=documents) as gateway:
        by_id = await post(gateway, {"documentId": document_id(POOLS), "operationName": "Pools"})
        by_text = await post(gateway, {"query": POOLS})
        unknown = await post(gateway, {"documentId": "sha256:" + "0" * 64})
        both = await post(gateway, {"documentId": document_id(POOLS), "query": POOLS})

    assert by_id.status_code == 200 and by_id.json() == by_text.json()
    assert by_id.json()["data"]["userPools"]["nodes"] == [{"name": "test-pool"}]
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["extensions"] == {"code": "PERSISTED_DOCUMENT_NOT_FOUND"}
    assert both.status_code == 400 and both.json()["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}


async def test_a_get_names_its_document_by_id_too(backend, cognito, pool_id, documents):
    async with running_gateway(backend, persisted_documents_dir=documents) as gateway:
        by_id = await gateway.http.get("/graphql", params={"documentId": document_id(POOLS)}, headers=ACCEPT)
        unknown = await gateway.http.get("/graphql", params={"documentId": "sha256:" + "1" * 64}, headers=ACCEPT)

    assert by_id.status_code == 200 and by_id.json()["data"]["userPools"]["nodes"] == [{"name": "test-pool"}]
    assert unknown.status_code == 404


async def test_required_runs_only_persisted_documents(backend, cognito, pool_id, documents):
    settings = {"persisted_documents_dir": documents, "persisted_documents": "required"}
    async with running_gateway(backend, **settings) as gateway:
        gateway.reset_calls()
        by_text = await post(gateway, {"query": POOLS})
        over_get = await gateway.http.get("/graphql", params={"query": POOLS}, headers=ACCEPT)
        refused_calls = gateway.calls
        by_id = await post(gateway, {"documentId": document_id(POOLS)})

    for refused in (by_text, over_get):
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["extensions"] == {"code": "PERSISTED_DOCUMENT_REQUIRED"}
        assert "data" not in refused.json()
    assert refused_calls == {}  # nothing ran
    assert by_id.status_code == 200 and by_id.json()["data"]["userPools"]["nodes"] == [{"name": "test-pool"}]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Starlette's test client on httpx
def test_a_subscription_names_its_document_by_id_too(backend, cognito, pool_id, tmp_path):
    progress = "subscription Progress($id: ID!) { jobProgress(id: $id) { state } }\n"
    (tmp_path / "Progress.graphql").write_text(progress)
    app = in_process.app(backend.endpoint_url, persisted_documents_dir=tmp_path, persisted_documents="required")
    with TestClient(app) as client:
        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as socket:
            socket.send_json({"type": "connection_init"})
            assert socket.receive_json()["type"] == "connection_ack"
            socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": progress, "variables": {"id": "x"}}})
            refused = socket.receive_json()
            socket.send_json(
                {
                    "id": "2",
                    "type": "subscribe",
                    "payload": {"documentId": document_id(progress), "variables": {"id": "x"}},
                }
            )
            answered = socket.receive_json()

    assert refused == {
        "id": "1",
        "type": "error",
        "payload": [
            {"message": refused["payload"][0]["message"], "extensions": {"code": "PERSISTED_DOCUMENT_REQUIRED"}}
        ],
    }
    # The document ran: an unknown job is the graph's own answer (a typed error), not a refusal of the document.
    assert answered["id"] == "2" and answered["type"] in ("next", "error"), answered
    assert "PERSISTED_DOCUMENT" not in str(answered)
