"""User import jobs through HTTP against the real app and the demo backend: `UserPool.csvHeader`,
`UserPool.userImportJobs`, `userImportJobs`, `userImportJob`, create/start/stopUserImportJob and `uploadUserImportCsv`
(the CSV PUT to the job's pre-signed URL, served by the demo's moto S3: gateway/demo/import_jobs.py)."""

import asyncio
import csv
import io
import json
import logging
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from botocore.client import BaseClient
from moto.cognitoidp.models import cognitoidp_backends
from moto.core import DEFAULT_ACCOUNT_ID

from gateway.auth.api_keys import hash_key
from gateway.demo import import_jobs
from gateway.demo.server import DEMO_REGION, DemoBackend
from gateway.graphql import audit
from gateway.settings import ApiKey
from tests.conftest import Gateway, running_gateway
from tests.helpers import HANG_GUARD_SECONDS, assert_error

ROLE_ARN = "arn:aws:iam::123456789012:role/CognitoImportLogs"
MISSING_JOB = "import-AbCdEf0123"
JOB_FIELDS = "jobId jobName userPoolId status importedUsers skippedUsers failedUsers completionMessage"
KEYS = {role: f"{role}-key-0123456789" for role in ("viewer", "operator", "admin")}

JOB = """
query($pool: ID!, $job: String!) {
  userImportJob(userPoolId: $pool, jobId: $job) {
    __typename
    ... on CognitoError { code message requestId }
    ... on UserImportJob { %s }
  }
}"""

JOBS = """
query($pool: ID!, $first: Int!, $after: String) {
  userImportJobs(userPoolId: $pool, first: $first, after: $after) {
    __typename
    ... on CognitoError { code message }
    ... on UserImportJobConnection { nodes { jobName status } pageInfo { hasNextPage endCursor } }
  }
}"""

UPLOAD = "mutation($input: UploadUserImportCsvInput!) { uploadUserImportCsv(input: $input) { __typename } }"


@pytest.fixture
def pool_id(cognito: BaseClient) -> str:
    """A pool that auto-verifies email (Cognito imports only into such a pool), with alice in it."""
    created = cognito.create_user_pool(PoolName="imports", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    cognito.admin_create_user(
        UserPoolId=created,
        Username="alice",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "alice@example.com"}],
    )
    return created


def csv_file(header: list[str], usernames: list[str]) -> str:
    """An import file with ``header``'s columns: each user with a verified email and MFA off."""
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n", restval="")
    writer.writeheader()
    for username in usernames:
        writer.writerow(
            {
                "cognito:username": username,
                "cognito:mfa_enabled": "false",
                "email": f"{username}@example.com",
                "email_verified": "true",
            }
        )
    return out.getvalue()


async def create_job(gateway: Gateway, pool_id: str, name: str = "nightly") -> dict[str, Any]:
    created = await gateway.mutate(
        "createUserImportJob",
        {"userPoolId": pool_id, "jobName": name, "cloudWatchLogsRoleArn": ROLE_ARN},
        f"userImportJob {{ {JOB_FIELDS} preSignedUrl creationDate }}",
    )
    assert created["__typename"] == "CreateUserImportJobPayload", created
    return created["userImportJob"]


async def upload(gateway: Gateway, pool_id: str, job_id: str, text: str) -> dict[str, Any]:
    return await gateway.mutate(
        "uploadUserImportCsv",
        {"userPoolId": pool_id, "jobId": job_id, "csv": text},
        f"userPoolId jobId userImportJob {{ {JOB_FIELDS} }}",
    )


async def header_of(gateway: Gateway, pool_id: str) -> list[str]:
    data = await gateway.data(
        "query($id: ID!) { userPool(id: $id) { ... on UserPool { csvHeader } } }", {"id": pool_id}
    )
    return data["userPool"]["csvHeader"]


async def poll(gateway: Gateway, pool_id: str, job_id: str, until: set[str]) -> list[dict[str, Any]]:
    """Every answer of `userImportJob` until the job's status is in ``until``."""
    seen: list[dict[str, Any]] = []

    async def watch() -> None:
        while not seen or seen[-1]["status"] not in until:
            seen.append((await gateway.data(JOB % JOB_FIELDS, {"pool": pool_id, "job": job_id}))["userImportJob"])
            await asyncio.sleep(0.01)

    await asyncio.wait_for(watch(), HANG_GUARD_SECONDS)
    return seen


def demo_job(pool_id: str, job_id: str) -> import_jobs.ImportJob:
    """The demo backend's own record of a job, to arrange what only time or S3 could do to it."""
    pool = cognitoidp_backends[DEFAULT_ACCOUNT_ID][DEMO_REGION].user_pools[pool_id]
    return import_jobs._jobs(pool)[job_id]


def expire_url(pool_id: str, job_id: str) -> None:
    """The job's pre-signed URL as if signed 16 minutes ago (it is valid for 15)."""
    job = demo_job(pool_id, job_id)
    url = urlsplit(job.pre_signed_url)
    query = {name: values[0] for name, values in parse_qs(url.query).items()}
    query["X-Amz-Date"] = (datetime.now(UTC) - timedelta(minutes=16)).strftime("%Y%m%dT%H%M%SZ")
    job.pre_signed_url = urlunsplit(url._replace(query=urlencode(query)))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the whole flow -------------------------------------------------------------------------------------------


async def test_create_upload_start_poll_and_the_users_exist(gateway: Gateway, pool_id: str) -> None:
    header = await header_of(gateway, pool_id)
    assert {"cognito:username", "cognito:mfa_enabled", "email", "email_verified"} <= set(header)

    gateway.reset_calls()
    job = await create_job(gateway, pool_id)
    assert gateway.calls == {"CreateUserImportJob": 1}
    assert job["status"] == "CREATED" and job["jobName"] == "nightly" and job["userPoolId"] == pool_id
    assert job["preSignedUrl"].startswith("http") and "X-Amz-Signature=" in job["preSignedUrl"]

    gateway.reset_calls()
    uploaded = await upload(gateway, pool_id, job["jobId"], csv_file(header, ["bob", "carol", "alice"]))
    assert uploaded["__typename"] == "UploadUserImportCsvPayload", uploaded
    assert (uploaded["userPoolId"], uploaded["jobId"]) == (pool_id, job["jobId"])
    assert uploaded["userImportJob"]["status"] == "CREATED"
    assert gateway.calls == {"DescribeUserImportJob": 1}  # the job's status and URL; the PUT goes to S3

    gateway.reset_calls()
    started = await gateway.mutate(
        "startUserImportJob", {"userPoolId": pool_id, "jobId": job["jobId"]}, "userImportJob { status startDate }"
    )
    assert started["userImportJob"]["status"] == "PENDING" and started["userImportJob"]["startDate"]
    assert gateway.calls == {"StartUserImportJob": 1}

    seen = await poll(gateway, pool_id, job["jobId"], {"SUCCEEDED", "FAILED", "STOPPED"})
    done = seen[-1]
    assert done["status"] == "SUCCEEDED", done
    assert (done["importedUsers"], done["skippedUsers"], done["failedUsers"]) == (2, 1, 0)  # alice existed
    assert done["completionMessage"] == import_jobs.SUCCEEDED_MESSAGE

    data = await gateway.data(
        "query($pool: ID!) { users(userPoolId: $pool) { ... on UserConnection { nodes { username userStatus } } } }",
        {"pool": pool_id},
    )
    statuses = {user["username"]: user["userStatus"] for user in data["users"]["nodes"]}
    assert statuses == {"alice": "FORCE_CHANGE_PASSWORD", "bob": "RESET_REQUIRED", "carol": "RESET_REQUIRED"}


async def test_csv_header_is_the_pools_columns_and_costs_one_call(
    gateway: Gateway, cognito: BaseClient, pool_id: str
) -> None:
    gateway.reset_calls()
    assert await header_of(gateway, pool_id) == cognito.get_csv_header(UserPoolId=pool_id)["CSVHeader"]
    assert gateway.calls == {"DescribeUserPool": 1, "GetCSVHeader": 1}

    # Listed pools need no description for it: the header needs only the pool's ID.
    gateway.reset_calls()
    data = await gateway.data("{ userPools { ... on UserPoolConnection { nodes { id csvHeader } } } }")
    assert [pool["id"] for pool in data["userPools"]["nodes"]] == [pool_id]
    assert gateway.calls == {"ListUserPools": 1, "GetCSVHeader": 1}


# --- reads --------------------------------------------------------------------------------------------------


async def test_jobs_page_by_page(gateway: Gateway, cognito: BaseClient, pool_id: str) -> None:
    for name in ("first", "second", "third"):
        cognito.create_user_import_job(UserPoolId=pool_id, JobName=name, CloudWatchLogsRoleArn=ROLE_ARN)

    gateway.reset_calls()
    page = (await gateway.data(JOBS, {"pool": pool_id, "first": 2}))["userImportJobs"]
    assert [job["jobName"] for job in page["nodes"]] == ["first", "second"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = (await gateway.data(JOBS, {"pool": pool_id, "first": 2, "after": page["pageInfo"]["endCursor"]}))[
        "userImportJobs"
    ]
    assert [(job["jobName"], job["status"]) for job in rest["nodes"]] == [("third", "CREATED")]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert gateway.calls == {"ListUserImportJobs": 2}

    nested = await gateway.data(
        "query($id: ID!) { userPool(id: $id) { ... on UserPool { userImportJobs { nodes { jobName } } } } }",
        {"id": pool_id},
    )
    assert [job["jobName"] for job in nested["userPool"]["userImportJobs"]["nodes"]] == ["first", "second", "third"]


@pytest.mark.parametrize("first", [0, 61])
async def test_first_out_of_range_is_refused_before_any_call(gateway: Gateway, pool_id: str, first: int) -> None:
    gateway.reset_calls()
    result = (await gateway.data(JOBS, {"pool": pool_id, "first": first}))["userImportJobs"]
    assert result["__typename"] == "InvalidParameterError" and "between 1 and 60" in result["message"]

    body = await gateway.query(
        "query($id: ID!, $first: Int!) { userPool(id: $id) { ... on UserPool {"
        " userImportJobs(first: $first) { nodes { jobId } } } } }",
        {"id": pool_id, "first": first},
    )
    assert body["errors"][0]["extensions"]["code"] == "InvalidParameterException"
    assert body["errors"][0]["path"] == ["userPool", "userImportJobs"]
    assert gateway.calls == {"DescribeUserPool": 1}


async def test_unknown_job_and_unknown_pool_are_not_found(gateway: Gateway, pool_id: str) -> None:
    result = (await gateway.data(JOB % "jobId", {"pool": pool_id, "job": MISSING_JOB}))["userImportJob"]
    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")
    missing_pool = (await gateway.data(JOBS, {"pool": "us-east-1_nothere", "first": 5}))["userImportJobs"]
    assert missing_pool["__typename"] == "ResourceNotFoundError"
    for operation in ("startUserImportJob", "stopUserImportJob"):
        result = await gateway.mutate(operation, {"userPoolId": pool_id, "jobId": MISSING_JOB})
        assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")

    gateway.reset_calls()
    result = await upload(gateway, pool_id, MISSING_JOB, "cognito:username\nbob\n")
    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")
    assert gateway.calls == {"DescribeUserImportJob": 1}


async def test_create_with_a_malformed_role_arn_is_refused(gateway: Gateway, cognito: BaseClient, pool_id: str) -> None:
    result = await gateway.mutate(
        "createUserImportJob", {"userPoolId": pool_id, "jobName": "x", "cloudWatchLogsRoleArn": "not-an-arn"}
    )
    assert result["__typename"] == "InvalidParameterError", result
    assert cognito.list_user_import_jobs(UserPoolId=pool_id, MaxResults=60)["UserImportJobs"] == []


# --- start and stop -----------------------------------------------------------------------------------------


async def test_start_without_a_file_and_stop_a_created_job_are_preconditions(gateway: Gateway, pool_id: str) -> None:
    job = await create_job(gateway, pool_id)
    for operation in ("startUserImportJob", "stopUserImportJob"):
        result = await gateway.mutate(operation, {"userPoolId": pool_id, "jobId": job["jobId"]})
        assert_error(result, "PreconditionNotMetError", "PreconditionNotMetException")


async def test_stop_a_running_job(gateway: Gateway, pool_id: str) -> None:
    header = await header_of(gateway, pool_id)
    job = await create_job(gateway, pool_id)
    usernames = [f"user{index:03}" for index in range(200)]
    assert (await upload(gateway, pool_id, job["jobId"], csv_file(header, usernames)))["__typename"].endswith("Payload")
    await gateway.mutate("startUserImportJob", {"userPoolId": pool_id, "jobId": job["jobId"]})

    stopped = await gateway.mutate(
        "stopUserImportJob", {"userPoolId": pool_id, "jobId": job["jobId"]}, "userImportJob { status }"
    )
    assert stopped["userImportJob"]["status"] == "STOPPING", stopped
    done = (await poll(gateway, pool_id, job["jobId"], {"STOPPED", "SUCCEEDED"}))[-1]
    assert done["status"] == "STOPPED" and done["importedUsers"] < len(usernames)
    assert done["completionMessage"] == import_jobs.STOPPED_MESSAGE


# --- the upload's refusals ----------------------------------------------------------------------------------


async def test_upload_to_a_started_job_is_refused(gateway: Gateway, pool_id: str) -> None:
    header = await header_of(gateway, pool_id)
    job = await create_job(gateway, pool_id)
    await upload(gateway, pool_id, job["jobId"], csv_file(header, ["bob"]))
    await gateway.mutate("startUserImportJob", {"userPoolId": pool_id, "jobId": job["jobId"]})
    stored = import_jobs._uploaded_csv(demo_job(pool_id, job["jobId"]), DEMO_REGION)

    gateway.reset_calls()
    result = await upload(gateway, pool_id, job["jobId"], csv_file(header, ["mallory"]))
    # The gateway's refusal, on what DescribeUserImportJob answered: no request of its own.
    assert (result["__typename"], result["code"]) == ("PreconditionNotMetError", "PreconditionNotMetException")
    assert "has status Pending: only a Created job takes a CSV file" in result["message"]
    assert gateway.calls == {"DescribeUserImportJob": 1}
    assert import_jobs._uploaded_csv(demo_job(pool_id, job["jobId"]), DEMO_REGION) == stored


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        (" \n\t\n", "empty"),
        ("email,email_verified\nbob@example.com,true\n", "header line"),
        ("bob,false\n", "header line"),
    ],
)
async def test_a_file_that_cannot_be_an_import_file_is_refused_before_any_call(
    gateway: Gateway, pool_id: str, text: str, why: str
) -> None:
    job = await create_job(gateway, pool_id)
    gateway.reset_calls()

    result = await upload(gateway, pool_id, job["jobId"], text)

    assert result["__typename"] == "InvalidParameterError", result
    assert why in result["message"] and result["requestId"] is None
    assert gateway.calls == {}
    assert import_jobs._uploaded_csv(demo_job(pool_id, job["jobId"]), DEMO_REGION) is None


async def test_a_file_that_is_not_utf8_is_refused_with_the_request(gateway: Gateway, pool_id: str) -> None:
    """JSON can escape an unpaired surrogate, which no UTF-8 file holds: the HTTP layer refuses the request."""
    job = await create_job(gateway, pool_id)
    gateway.reset_calls()
    variables = {"input": {"userPoolId": pool_id, "jobId": job["jobId"], "csv": "cognito:username\n\ud800\n"}}

    response = await gateway.http.post(
        "/graphql",
        content=json.dumps({"query": UPLOAD, "variables": variables}),  # httpx's own encoder would refuse it
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400 and "data" not in response.json()
    assert gateway.calls == {}
    assert import_jobs._uploaded_csv(demo_job(pool_id, job["jobId"]), DEMO_REGION) is None


async def test_a_file_over_the_body_limit_is_refused_by_the_http_layer(gateway: Gateway, pool_id: str) -> None:
    job = await create_job(gateway, pool_id)
    big = "cognito:username\n" + "x" * gateway.app.state.settings.max_body_bytes
    gateway.reset_calls()

    response = await gateway.http.post(
        "/graphql",
        json={
            "query": "mutation($input: UploadUserImportCsvInput!) { uploadUserImportCsv(input: $input) { __typename } }",
            "variables": {"input": {"userPoolId": pool_id, "jobId": job["jobId"], "csv": big}},
        },
    )

    assert response.status_code == 413
    assert gateway.calls == {}
    assert import_jobs._uploaded_csv(demo_job(pool_id, job["jobId"]), DEMO_REGION) is None


async def test_an_expired_url_is_a_typed_refusal(gateway: Gateway, pool_id: str) -> None:
    header = await header_of(gateway, pool_id)
    job = await create_job(gateway, pool_id)
    expire_url(pool_id, job["jobId"])

    result = await gateway.mutate(
        "uploadUserImportCsv",
        {"userPoolId": pool_id, "jobId": job["jobId"], "csv": csv_file(header, ["bob"])},
        "__typename",
    )
    detail = await gateway.data(
        """mutation($input: UploadUserImportCsvInput!) { uploadUserImportCsv(input: $input) {
             ... on CsvUploadRefusedError { code message fault retryable metadata { httpStatusCode } } } }""",
        {"input": {"userPoolId": pool_id, "jobId": job["jobId"], "csv": csv_file(header, ["bob"])}},
    )

    assert result["__typename"] == "CsvUploadRefusedError"
    refused = detail["uploadUserImportCsv"]
    assert refused["code"] == "AccessDenied" and "Request has expired" in refused["message"]
    assert (refused["fault"], refused["retryable"], refused["metadata"]["httpStatusCode"]) == ("CLIENT", False, 403)
    assert "X-Amz" not in refused["message"]
    # Nothing was stored: the job cannot start.
    started = await gateway.mutate("startUserImportJob", {"userPoolId": pool_id, "jobId": job["jobId"]})
    assert started["__typename"] == "PreconditionNotMetError"


async def test_an_unreachable_upload_target_is_a_retryable_failure(gateway: Gateway, pool_id: str) -> None:
    header = await header_of(gateway, pool_id)
    job = await create_job(gateway, pool_id)
    record = demo_job(pool_id, job["jobId"])
    url = urlsplit(record.pre_signed_url)
    record.pre_signed_url = urlunsplit(url._replace(netloc=f"127.0.0.1:{closed_port()}"))

    detail = await gateway.data(
        """mutation($input: UploadUserImportCsvInput!) { uploadUserImportCsv(input: $input) {
             __typename ... on CsvUploadFailedError { code message fault retryable } } }""",
        {"input": {"userPoolId": pool_id, "jobId": job["jobId"], "csv": csv_file(header, ["bob"])}},
    )

    failed = detail["uploadUserImportCsv"]
    assert failed["__typename"] == "CsvUploadFailedError"
    assert (failed["code"], failed["fault"], failed["retryable"]) == ("ConnectError", "SERVER", True)
    assert "127.0.0.1" not in failed["message"] and "X-Amz" not in failed["message"]


async def test_an_upload_that_times_out_is_a_retryable_failure(
    backend: DemoBackend, cognito: BaseClient, pool_id: str
) -> None:
    """A target that takes the request and never answers: the upload gives up after the client's read timeout."""
    held: list[asyncio.StreamWriter] = []

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with running_gateway(backend, read_timeout_seconds=0.3) as gateway:
            job = await create_job(gateway, pool_id)
            record = demo_job(pool_id, job["jobId"])
            record.pre_signed_url = urlunsplit(urlsplit(record.pre_signed_url)._replace(netloc=f"127.0.0.1:{port}"))
            detail = await gateway.data(
                """mutation($input: UploadUserImportCsvInput!) { uploadUserImportCsv(input: $input) {
                     __typename ... on CsvUploadFailedError { code fault retryable } } }""",
                {"input": {"userPoolId": pool_id, "jobId": job["jobId"], "csv": "cognito:username\nbob\n"}},
            )
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()

    assert detail["uploadUserImportCsv"] == {
        "__typename": "CsvUploadFailedError",
        "code": "ReadTimeout",
        "fault": "SERVER",
        "retryable": True,
    }


# --- roles, secrets, audit ----------------------------------------------------------------------------------


@pytest.fixture
async def keyed(backend: DemoBackend, cognito: BaseClient, tmp_path: Path) -> AsyncIterator[Gateway]:
    """The app with API keys for a viewer, an operator and an admin, auditing to ``tmp_path/audit.log``."""
    keys = [ApiKey(name=role, role=role, hash=hash_key(key)) for role, key in KEYS.items()]
    settings = {"auth_mode": "api-key", "api_keys": keys, "audit_log_path": str(tmp_path / "audit.log")}
    async with running_gateway(backend, **settings) as gateway:
        yield gateway


async def as_role(gateway: Gateway, role: str, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = await gateway.http.post(
        "/graphql", headers={"X-API-Key": KEYS[role]}, json={"query": document, "variables": variables}
    )
    return response.json()


CREATE = "mutation($input: CreateUserImportJobInput!) { createUserImportJob(input: $input) { __typename } }"
START = "mutation($input: StartUserImportJobInput!) { startUserImportJob(input: $input) { __typename } }"


async def test_a_viewer_reads_jobs_but_not_their_url(keyed: Gateway, cognito: BaseClient, pool_id: str) -> None:
    job = cognito.create_user_import_job(UserPoolId=pool_id, JobName="nightly", CloudWatchLogsRoleArn=ROLE_ARN)

    body = await as_role(
        keyed, "viewer", JOB % "jobId status preSignedUrl", {"pool": pool_id, "job": job["UserImportJob"]["JobId"]}
    )
    assert body["data"]["userImportJob"] == {
        "__typename": "UserImportJob",
        "jobId": job["UserImportJob"]["JobId"],
        "status": "CREATED",
        "preSignedUrl": None,
    }
    [error] = body["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN" and error["path"] == ["userImportJob", "preSignedUrl"]

    listed = await as_role(
        keyed,
        "viewer",
        "query($pool: ID!) { userImportJobs(userPoolId: $pool) { ... on UserImportJobConnection {"
        " nodes { jobName preSignedUrl } } } }",
        {"pool": pool_id},
    )
    assert listed["data"]["userImportJobs"]["nodes"] == [{"jobName": "nightly", "preSignedUrl": None}]
    assert [error["extensions"]["code"] for error in listed["errors"]] == ["FORBIDDEN"]

    admin = await as_role(keyed, "admin", JOB % "preSignedUrl", {"pool": pool_id, "job": job["UserImportJob"]["JobId"]})
    assert admin["data"]["userImportJob"]["preSignedUrl"] == job["UserImportJob"]["PreSignedUrl"]


@pytest.mark.parametrize("role", ["viewer", "operator"])
async def test_only_an_admin_creates_uploads_starts(
    keyed: Gateway, cognito: BaseClient, pool_id: str, role: str
) -> None:
    job_id = cognito.create_user_import_job(UserPoolId=pool_id, JobName="nightly", CloudWatchLogsRoleArn=ROLE_ARN)[
        "UserImportJob"
    ]["JobId"]
    keyed.reset_calls()
    attempts = [
        (CREATE, {"userPoolId": pool_id, "jobName": "mine", "cloudWatchLogsRoleArn": ROLE_ARN}),
        (UPLOAD, {"userPoolId": pool_id, "jobId": job_id, "csv": "cognito:username\nmallory\n"}),
        (START, {"userPoolId": pool_id, "jobId": job_id}),
    ]
    for document, input in attempts:
        body = await as_role(keyed, role, document, {"input": input})
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
        assert set(body["data"].values()) == {None}

    assert keyed.calls == {}
    assert len(cognito.list_user_import_jobs(UserPoolId=pool_id, MaxResults=60)["UserImportJobs"]) == 1
    assert import_jobs._uploaded_csv(demo_job(pool_id, job_id), DEMO_REGION) is None


async def test_the_upload_is_audited_without_the_file_and_the_url_is_never_logged(
    keyed: Gateway, pool_id: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    audit.logger.addHandler(caplog.handler)  # the audit logger does not propagate to the root
    try:
        created = await as_role(
            keyed,
            "admin",
            "mutation($input: CreateUserImportJobInput!) { createUserImportJob(input: $input) {"
            " ... on CreateUserImportJobPayload { userImportJob { jobId preSignedUrl } } } }",
            {"input": {"userPoolId": pool_id, "jobName": "nightly", "cloudWatchLogsRoleArn": ROLE_ARN}},
        )
        job = created["data"]["createUserImportJob"]["userImportJob"]
        text = "cognito:username,email\nbob,bob-secret-address@example.com\n"
        uploaded = await as_role(
            keyed, "admin", UPLOAD, {"input": {"userPoolId": pool_id, "jobId": job["jobId"], "csv": text}}
        )
    finally:
        audit.logger.removeHandler(caplog.handler)

    assert uploaded["data"]["uploadUserImportCsv"]["__typename"] == "UploadUserImportCsvPayload"
    lines = (tmp_path / "audit.log").read_text()
    create_record, upload_record = [json.loads(line) for line in lines.splitlines()]
    assert create_record["operation"] == "CreateUserImportJob"
    assert (upload_record["operation"], upload_record["field"], upload_record["caller"]) == (
        "PutObject",
        "uploadUserImportCsv",
        "admin",
    )
    assert upload_record["pool"] == pool_id and upload_record["object"] == {"JobId": job["jobId"]}
    assert upload_record["input"] == {"UserPoolId": pool_id, "JobId": job["jobId"], "CSV": "REDACTED"}
    assert upload_record["outcome"] == "UploadUserImportCsvPayload" and len(upload_record["request_ids"]) == 1

    signature = parse_qs(urlsplit(job["preSignedUrl"]).query)["X-Amz-Signature"][0]
    logged = [lines, caplog.text, *(f"{record.getMessage()} {record.args!r}" for record in caplog.records)]
    for secret in (signature, "bob-secret-address"):
        assert not [text for text in logged if secret in text], secret
