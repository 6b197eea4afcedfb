"""EXPORT jobs (DESIGN.md section 9): the selection's users from the directory index into a file in Cognito's
user-import columns (CSV) or JSON Lines, downloaded from the job's ``downloadUrl``."""

from __future__ import annotations

import asyncio
import csv
import io
import json

from tests.graphql.test_jobs import INDEX, finished, start
from tests.helpers import HANG_GUARD_SECONDS, create_group, create_users

DOWNLOAD = """query($id: ID!) { job(id: $id) { ... on Job { downloadUrl } } }"""


async def indexed(gateway, cognito, pool_id, users: int) -> list[str]:
    usernames = create_users(cognito, pool_id, users)
    create_group(cognito, pool_id, "beta", usernames[:2])
    assert (await gateway.data(INDEX, {"pool": pool_id}))["indexUserPool"]["__typename"] == "IndexUserPoolPayload"
    await asyncio.wait_for(gateway.app.state.index.last_sync(pool_id), HANG_GUARD_SECONDS)
    gateway.reset_calls()
    return usernames


async def download(gateway, job_id: str):
    url = (await gateway.data(DOWNLOAD, {"id": job_id}))["job"]["downloadUrl"]
    assert url == f"/jobs/{job_id}/download"
    return await gateway.http.get(url)


async def test_a_csv_export_has_cognitos_import_columns_and_one_row_per_match(gateway, cognito, pool_id):
    await indexed(gateway, cognito, pool_id, 6)

    started = await start(
        gateway,
        userPoolId=pool_id,
        action="EXPORT",
        selection={"where": [{"field": "given_name", "operator": "EQUALS", "value": "Odd"}]},
    )
    job = await finished(gateway, started["job"]["id"])
    response = await download(gateway, job["id"])

    assert (job["state"], job["total"], job["done"]) == ("SUCCEEDED", 3, 3)
    assert gateway.calls == {"GetCSVHeader": 1}  # the users come from the index: nothing per user
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="export-{job["id"]}.csv"'
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == cognito.get_csv_header(UserPoolId=pool_id)["CSVHeader"]
    by_column = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [row["cognito:username"] for row in by_column] == ["user-001", "user-003", "user-005"]
    assert by_column[0]["email"] == "user-001@example.com" and by_column[0]["given_name"] == "Odd"
    assert {row["cognito:mfa_enabled"] for row in by_column} == {"false"}


async def test_a_jsonl_export_holds_every_indexed_field_and_lists_users_it_lacks(gateway, cognito, pool_id):
    await indexed(gateway, cognito, pool_id, 3)

    started = await start(
        gateway,
        userPoolId=pool_id,
        action="EXPORT",
        format="JSONL",
        selection={"usernames": ["user-000", "ghost", "user-002"]},
    )
    job = await finished(gateway, started["job"]["id"])
    response = await download(gateway, job["id"])

    assert (job["done"], job["failed"]) == (2, 1)
    assert gateway.calls == {}
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [line["username"] for line in lines] == ["user-000", "user-002"]
    assert lines[0]["groups"] == ["beta"] and lines[1]["groups"] == []
    assert lines[0]["attributes"]["email"] == "user-000@example.com"
    assert lines[0]["enabled"] is True and lines[0]["userStatus"] == "FORCE_CHANGE_PASSWORD"


async def test_an_export_needs_a_ready_index_and_only_an_export_has_a_file(gateway, cognito, pool_id):
    create_users(cognito, pool_id, 1)
    refused = await start(gateway, userPoolId=pool_id, action="EXPORT", selection={"usernames": ["user-000"]})
    assert refused["__typename"] == "IndexNotReadyError"

    started = await start(gateway, userPoolId=pool_id, action="ENABLE", selection={"usernames": ["user-000"]})
    job = await finished(gateway, started["job"]["id"])

    assert (await gateway.data(DOWNLOAD, {"id": job["id"]}))["job"]["downloadUrl"] is None
    no_file = await gateway.http.get(f"/jobs/{job['id']}/download")
    assert no_file.status_code == 409 and no_file.json()["errors"][0]["extensions"]["code"] == "NO_FILE"
    unknown = await gateway.http.get("/jobs/no-such-job/download")
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
