"""User import jobs in the demo backend (gateway.demo.import_jobs), through boto3 and plain HTTP uploads.

Every test gets a freshly reset moto (the ``cognito`` fixture of tests/conftest.py).  The CSV goes
to the job's PreSignedUrl with an httpx PUT, as the gateway will send it.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from botocore.client import BaseClient

from gateway.demo import import_jobs
from gateway.demo.server import DemoBackend
from tests.demo.support import MODEL, raises

JOB_SHAPE = MODEL.shape_for("UserImportJobType")
ROLE_ARN = "arn:aws:iam::123456789012:role/CognitoImportLogs"
TERMINAL = {"Succeeded", "Failed", "Stopped"}


@pytest.fixture
def pool_id(cognito: BaseClient) -> str:
    """A pool that auto-verifies email, with a custom attribute and alice already in it."""
    created = cognito.create_user_pool(PoolName="imports", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    cognito.add_custom_attributes(
        UserPoolId=created, CustomAttributes=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}]
    )
    cognito.admin_create_user(
        UserPoolId=created,
        Username="alice",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "alice@example.com"}],
    )
    return created


def user_row(username: str, **attributes: str) -> dict[str, str]:
    """A row Cognito imports: verified email, MFA off, plus ``attributes``."""
    return {
        "cognito:username": username,
        "cognito:mfa_enabled": "false",
        "email": f"{username}@example.com",
        "email_verified": "true",
        **attributes,
    }


def csv_text(header: list[str], rows: list[dict[str, str]]) -> str:
    """The CSV with the header's columns in reverse order ("the order of columns doesn't matter")."""
    columns = list(reversed(header))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue()


def upload(url: str, body: str, headers: dict[str, str] | None = None) -> httpx.Response:
    headers = dict(import_jobs.UPLOAD_HEADERS) if headers is None else headers
    return httpx.put(url, content=body.encode(), headers=headers, trust_env=False, timeout=10)


def create_job(cognito: BaseClient, pool_id: str, name: str = "import-test") -> dict[str, Any]:
    return cognito.create_user_import_job(UserPoolId=pool_id, JobName=name, CloudWatchLogsRoleArn=ROLE_ARN)[
        "UserImportJob"
    ]


def uploaded_job(cognito: BaseClient, pool_id: str, rows: list[dict[str, str]]) -> dict[str, Any]:
    """A Created job whose CSV (GetCSVHeader's columns, ``rows``) is uploaded."""
    header = cognito.get_csv_header(UserPoolId=pool_id)["CSVHeader"]
    job = create_job(cognito, pool_id)
    assert upload(job["PreSignedUrl"], csv_text(header, rows)).status_code == 200
    return job


def describe(cognito: BaseClient, pool_id: str, job_id: str) -> dict[str, Any]:
    return cognito.describe_user_import_job(UserPoolId=pool_id, JobId=job_id)["UserImportJob"]


def watch(cognito: BaseClient, pool_id: str, job_id: str, until: set[str] = TERMINAL) -> list[dict[str, Any]]:
    """Every DescribeUserImportJob answer until the job reaches a status in ``until`` (10 s at most)."""
    seen = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        seen.append(describe(cognito, pool_id, job_id))
        if seen[-1]["Status"] in until:
            return seen
        time.sleep(0.01)
    raise AssertionError(f"job {job_id} still {seen[-1]['Status']}")


def statuses(seen: list[dict[str, Any]]) -> list[str]:
    """The distinct statuses in the order they were seen."""
    order: list[str] = []
    for job in seen:
        if not order or order[-1] != job["Status"]:
            order.append(job["Status"])
    return order


def users(cognito: BaseClient, pool_id: str) -> dict[str, dict[str, Any]]:
    return {user["Username"]: user for user in cognito.list_users(UserPoolId=pool_id)["Users"]}


def attributes(user: dict[str, Any], key: str = "Attributes") -> dict[str, str]:
    return {attribute["Name"]: attribute["Value"] for attribute in user[key]}


def assert_job_shape(job: dict[str, Any]) -> None:
    assert set(job) <= set(JOB_SHAPE.members), set(job) - set(JOB_SHAPE.members)
    assert job["Status"] in JOB_SHAPE.members["Status"].enum


# -- header -----------------------------------------------------------


def test_csv_header_has_the_pool_attributes_and_the_cognito_columns(cognito: BaseClient, pool_id: str) -> None:
    answer = cognito.get_csv_header(UserPoolId=pool_id)
    header = answer["CSVHeader"]
    assert answer["UserPoolId"] == pool_id
    assert header[-2:] == ["cognito:mfa_enabled", "cognito:username"]
    schema = {
        attribute["Name"]
        for attribute in cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"]
    }
    assert set(header[:-2]) == schema - {"sub"}
    assert "custom:tier" in header and "email_verified" in header and "sub" not in header
    assert len(header) == len(set(header))
    raises("ResourceNotFoundException", cognito.get_csv_header, UserPoolId="us-east-1_missing")


# -- create and upload ---------------------------------------------------------------------


def test_create_answers_a_created_job_with_a_pre_signed_url_on_the_demo_server(
    backend: DemoBackend, cognito: BaseClient, pool_id: str
) -> None:
    job = cognito.create_user_import_job(
        UserPoolId=pool_id, JobName="Spring import", CloudWatchLogsRoleArn=ROLE_ARN, PasswordHashingAlgorithm="BCRYPT"
    )["UserImportJob"]
    assert_job_shape(job)
    assert job["JobId"].startswith("import-") and len(job["JobId"]) <= 55
    assert (job["JobName"], job["UserPoolId"], job["Status"]) == ("Spring import", pool_id, "Created")
    assert (job["ImportedUsers"], job["SkippedUsers"], job["FailedUsers"]) == (0, 0, 0)
    assert job["CloudWatchLogsRoleArn"] == ROLE_ARN
    assert job["PasswordHashingAlgorithm"] == "BCRYPT"
    assert abs(datetime.now(UTC) - job["CreationDate"]) < timedelta(minutes=1)
    assert "StartDate" not in job and "CompletionDate" not in job
    url = urlsplit(job["PreSignedUrl"])
    query = {name: values[0] for name, values in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}" == backend.endpoint_url
    assert url.path.endswith(f"/{pool_id}/{job['JobId']}")
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Expires"] == "900"
    assert query["X-Amz-SignedHeaders"] == "host;x-amz-server-side-encryption"
    assert describe(cognito, pool_id, job["JobId"]) == job


def test_the_upload_needs_the_kms_header_and_an_unexpired_url(cognito: BaseClient, pool_id: str) -> None:
    header = cognito.get_csv_header(UserPoolId=pool_id)["CSVHeader"]
    job = create_job(cognito, pool_id)
    body = csv_text(header, [user_row("bob")])

    refused = upload(job["PreSignedUrl"], body, {"Content-Type": "text/csv"})
    assert refused.status_code == 403
    assert "<Code>AccessDenied</Code>" in refused.text and "x-amz-server-side-encryption" in refused.text

    url = urlsplit(job["PreSignedUrl"])
    query = {name: values[0] for name, values in parse_qs(url.query).items()}
    query["X-Amz-Date"] = (datetime.now(UTC) - timedelta(minutes=16)).strftime("%Y%m%dT%H%M%SZ")
    expired = upload(urlunsplit(url._replace(query=urlencode(query))), body)
    assert expired.status_code == 403 and "Request has expired" in expired.text

    # Nothing was stored: the job cannot start.
    raises("PreconditionNotMetException", cognito.start_user_import_job, UserPoolId=pool_id, JobId=job["JobId"])
    assert upload(job["PreSignedUrl"], body).status_code == 200
    assert cognito.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])["UserImportJob"]["Status"] == "Pending"


# -- start and the import -------------------------------------------------------------------


def test_start_imports_the_users_and_counts_them(cognito: BaseClient, pool_id: str) -> None:
    header = cognito.get_csv_header(UserPoolId=pool_id)["CSVHeader"]
    rows = [
        user_row("bob", given_name="Bob", family_name="Builder", **{"custom:tier": "gold"}),
        user_row("carol", phone_number="+12065550100", **{"cognito:mfa_enabled": "TRUE"}),
        user_row("dave", locale="en-GB"),
        user_row("alice", given_name="Not Alice"),  # exists: skipped, unchanged
        user_row("erin", **{"cognito:mfa_enabled": "maybe"}),  # failed: not a boolean
        user_row("frank", email_verified="false"),  # failed: email is auto-verified, so it must be verified
        user_row("gina", **{"cognito:mfa_enabled": "true"}),  # failed: MFA without a phone number
        user_row("", given_name="Nobody"),  # failed: no username
    ]
    job = create_job(cognito, pool_id)
    text = csv_text(header, rows) + "harry,too,few,columns\n"  # failed: wrong width
    assert upload(job["PreSignedUrl"], text).status_code == 200

    started = cognito.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])["UserImportJob"]
    assert_job_shape(started)
    assert started["Status"] == "Pending"
    assert started["CreationDate"] <= started["StartDate"]
    done = watch(cognito, pool_id, job["JobId"])[-1]
    assert_job_shape(done)
    assert done["Status"] == "Succeeded"
    assert (done["ImportedUsers"], done["SkippedUsers"], done["FailedUsers"]) == (3, 1, 5)
    assert done["StartDate"] <= done["CompletionDate"]
    assert done["CompletionMessage"] == import_jobs.SUCCEEDED_MESSAGE

    found = users(cognito, pool_id)
    assert set(found) == {"alice", "bob", "carol", "dave"}
    assert {name: found[name]["UserStatus"] for name in ("bob", "carol", "dave")} == dict.fromkeys(
        ("bob", "carol", "dave"), "RESET_REQUIRED"
    )
    bob = attributes(found["bob"])
    assert {name: bob[name] for name in ("given_name", "family_name", "custom:tier", "email", "email_verified")} == {
        "given_name": "Bob",
        "family_name": "Builder",
        "custom:tier": "gold",
        "email": "bob@example.com",
        "email_verified": "true",
    }
    assert "locale" not in bob  # empty cells set nothing
    assert attributes(found["dave"])["locale"] == "en-GB"
    assert "given_name" not in attributes(found["alice"])
    carol = cognito.admin_get_user(UserPoolId=pool_id, Username="carol")
    assert attributes(carol, "UserAttributes")["phone_number"] == "+12065550100"
    assert carol["UserMFASettingList"] == ["SMS_MFA"]
    assert carol["MFAOptions"] == [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]
    # Imported users have no password: they must reset it.
    cognito.admin_set_user_password(UserPoolId=pool_id, Username="bob", Password="Passw0rd!Passw0rd", Permanent=True)
    assert cognito.admin_get_user(UserPoolId=pool_id, Username="bob")["UserStatus"] == "CONFIRMED"


def test_describe_shows_pending_then_progress_then_success(cognito: BaseClient, pool_id: str) -> None:
    count = 100
    job = uploaded_job(cognito, pool_id, [user_row(f"user{index:03}") for index in range(count)])
    assert describe(cognito, pool_id, job["JobId"])["Status"] == "Created"
    cognito.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    seen = watch(cognito, pool_id, job["JobId"])
    assert statuses(seen) == ["Pending", "InProgress", "Succeeded"]
    in_progress = [answer["ImportedUsers"] for answer in seen if answer["Status"] == "InProgress"]
    assert in_progress == sorted(in_progress) and any(0 < imported < count for imported in in_progress)
    assert all("CompletionDate" not in answer for answer in seen[:-1])
    assert seen[-1]["ImportedUsers"] == count
    listed = cognito.get_paginator("list_users").paginate(UserPoolId=pool_id).build_full_result()["Users"]
    assert len(listed) == count + 1  # and alice


def test_the_job_fails_when_every_row_fails(cognito: BaseClient, pool_id: str) -> None:
    job = uploaded_job(cognito, pool_id, [user_row("bob", email_verified="false"), user_row("")])
    cognito.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    done = watch(cognito, pool_id, job["JobId"])[-1]
    assert done["Status"] == "Failed"
    assert (done["ImportedUsers"], done["SkippedUsers"], done["FailedUsers"]) == (0, 0, 2)
    assert done["CompletionMessage"] == import_jobs.ALL_FAILED_MESSAGE and "CompletionDate" in done
    assert set(users(cognito, pool_id)) == {"alice"}


@pytest.mark.parametrize(
    "change",
    [
        lambda header: [*header, "shoe_size"],  # a column the pool does not have
        lambda header: header[1:],  # a column missing
        lambda header: [*header, header[0]],  # a column twice
    ],
    ids=["extra", "missing", "duplicate"],
)
def test_a_header_that_is_not_the_pools_fails_the_job(
    cognito: BaseClient, pool_id: str, change: Callable[[list[str]], list[str]]
) -> None:
    header = change(cognito.get_csv_header(UserPoolId=pool_id)["CSVHeader"])
    job = create_job(cognito, pool_id)
    assert upload(job["PreSignedUrl"], csv_text(header, [user_row("bob")])).status_code == 200
    cognito.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    done = watch(cognito, pool_id, job["JobId"])[-1]
    assert done["Status"] == "Failed" and "GetCSVHeader" in done["CompletionMessage"]
    assert (done["ImportedUsers"], done["SkippedUsers"], done["FailedUsers"]) == (0, 0, 0)
    assert set(users(cognito, pool_id)) == {"alice"}


def test_start_preconditions(cognito: BaseClient, pool_id: str) -> None:
    job = create_job(cognito, pool_id)
    message = raises(
        "PreconditionNotMetException", cognito.start_user_import_job, UserPoolId=pool_id, JobId=job["JobId"]
    )
    assert "CSV" in message
    assert describe(cognito, pool_id, job["JobId"])["Status"] == "Created"

    # "If the user pool has no auto-verified attributes, the import job will not start."
    plain = cognito.create_user_pool(PoolName="no-auto-verify")["UserPool"]["Id"]
    unverified = uploaded_job(cognito, plain, [user_row("bob")])
    message = raises(
        "PreconditionNotMetException", cognito.start_user_import_job, UserPoolId=plain, JobId=unverified["JobId"]
    )
    assert "auto-verified" in message
    assert describe(cognito, plain, unverified["JobId"])["Status"] == "Created"

    done = uploaded_job(cognito, pool_id, [user_row("bob")])
    cognito.start_user_import_job(UserPoolId=pool_id, JobId=done["JobId"])
    raises("PreconditionNotMetException", cognito.start_user_import_job, UserPoolId=pool_id, JobId=done["JobId"])
    assert watch(cognito, pool_id, done["JobId"])[-1]["Status"] == "Succeeded"
    raises("PreconditionNotMetException", cognito.start_user_import_job, UserPoolId=pool_id, JobId=done["JobId"])


# -- stop ------------------------------------------------------------------------------------


def test_stop_a_pending_job(cognito: BaseClient, pool_id: str) -> None:
    job = uploaded_job(cognito, pool_id, [user_row(f"user{index:03}") for index in range(20)])
    cognito.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    stopping = cognito.stop_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])["UserImportJob"]
    assert stopping["Status"] == "Stopping"
    seen = watch(cognito, pool_id, job["JobId"])
    assert statuses(seen)[-1] == "Stopped" and "InProgress" not in statuses(seen)
    assert seen[-1]["CompletionMessage"] == import_jobs.STOPPED_MESSAGE and "CompletionDate" in seen[-1]
    assert seen[-1]["ImportedUsers"] == 0
    assert set(users(cognito, pool_id)) == {"alice"}


def test_stop_a_job_in_progress_keeps_what_it_imported(cognito: BaseClient, pool_id: str) -> None:
    count = 300
    job = uploaded_job(cognito, pool_id, [user_row(f"user{index:03}") for index in range(count)])
    cognito.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    watch(cognito, pool_id, job["JobId"], until={"InProgress", *TERMINAL})
    assert cognito.stop_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])["UserImportJob"]["Status"] == "Stopping"
    done = watch(cognito, pool_id, job["JobId"])[-1]
    assert done["Status"] == "Stopped"
    assert 0 < done["ImportedUsers"] < count
    listed = cognito.get_paginator("list_users").paginate(UserPoolId=pool_id).build_full_result()["Users"]
    assert len(listed) == done["ImportedUsers"] + 1  # and alice

    for status_job in (create_job(cognito, pool_id), job):  # Created, Stopped
        raises(
            "PreconditionNotMetException", cognito.stop_user_import_job, UserPoolId=pool_id, JobId=status_job["JobId"]
        )


# -- list ------------------------------------------------------------------------------------


def test_list_pages_through_the_jobs(cognito: BaseClient, unvalidated: BaseClient, pool_id: str) -> None:
    created = [create_job(cognito, pool_id, f"job {index}")["JobId"] for index in range(5)]
    create_job(cognito, cognito.create_user_pool(PoolName="other")["UserPool"]["Id"])  # not listed
    pages, token = [], None
    while True:
        answer = cognito.list_user_import_jobs(
            UserPoolId=pool_id, MaxResults=2, **({"PaginationToken": token} if token else {})
        )
        pages.append([job["JobId"] for job in answer["UserImportJobs"]])
        for job in answer["UserImportJobs"]:
            assert_job_shape(job)
        token = answer.get("PaginationToken")
        if token is None:
            break
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [job_id for page in pages for job_id in page] == created
    everything = cognito.list_user_import_jobs(UserPoolId=pool_id, MaxResults=60)
    assert [job["JobId"] for job in everything["UserImportJobs"]] == created and "PaginationToken" not in everything

    for limit, bound in ((0, "greater than or equal to 1"), (61, "less than or equal to 60")):
        message = raises(
            "InvalidParameterException", unvalidated.list_user_import_jobs, UserPoolId=pool_id, MaxResults=limit
        )
        assert bound in message
    raises("InvalidParameterException", unvalidated.list_user_import_jobs, UserPoolId=pool_id)
    raises(
        "InvalidParameterException",
        cognito.list_user_import_jobs,
        UserPoolId=pool_id,
        MaxResults=2,
        PaginationToken="nope",
    )
    raises("ResourceNotFoundException", cognito.list_user_import_jobs, UserPoolId="us-east-1_missing", MaxResults=2)


# -- errors ----------------------------------------------------------------------------------


def test_unknown_pools_and_jobs_are_not_found(cognito: BaseClient, pool_id: str) -> None:
    missing_pool = "us-east-1_missing"
    job_id = create_job(cognito, pool_id)["JobId"]
    assert "us-east-1_missing" in raises(
        "ResourceNotFoundException",
        cognito.create_user_import_job,
        UserPoolId=missing_pool,
        JobName="x",
        CloudWatchLogsRoleArn=ROLE_ARN,
    )
    for operation in (cognito.describe_user_import_job, cognito.start_user_import_job, cognito.stop_user_import_job):
        raises("ResourceNotFoundException", operation, UserPoolId=missing_pool, JobId=job_id)
        message = raises("ResourceNotFoundException", operation, UserPoolId=pool_id, JobId="import-Unknown123")
        assert "import-Unknown123" in message


def test_bad_input_is_refused_and_creates_nothing(cognito: BaseClient, unvalidated: BaseClient, pool_id: str) -> None:
    def create(client: BaseClient, **overrides: Any) -> str:
        request = {"UserPoolId": pool_id, "JobName": "ok", "CloudWatchLogsRoleArn": ROLE_ARN, **overrides}
        return raises("InvalidParameterException", client.create_user_import_job, **request)

    assert "jobName" in create(cognito, JobName="semi;colon")
    assert "jobName" in create(unvalidated, JobName="x" * 129)
    assert "cloudWatchLogsRoleArn" in create(cognito, CloudWatchLogsRoleArn="not-an-arn-but-long-enough")
    assert "cloudWatchLogsRoleArn" in create(unvalidated, CloudWatchLogsRoleArn="arn:aws:iam::1:r")
    assert "passwordHashingAlgorithm" in create(unvalidated, PasswordHashingAlgorithm="MD5")
    assert cognito.list_user_import_jobs(UserPoolId=pool_id, MaxResults=60)["UserImportJobs"] == []

    assert "jobId" in raises(
        "InvalidParameterException", unvalidated.describe_user_import_job, UserPoolId=pool_id, JobId="job-1"
    )
