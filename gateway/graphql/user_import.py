"""User import jobs: users loaded into a pool in bulk from a CSV file.

Cognito's six operations (GetCSVHeader, Create/Start/Stop/Describe/ListUserImportJobs) plus ``uploadUserImportCsv``,
which sends the CSV through the gateway to the job's pre-signed URL (:mod:`gateway.cognito.import_upload`), so a
dashboard needs no S3 client of its own. The flow: ``UserPool.csvHeader`` (the columns), ``createUserImportJob``,
``uploadUserImportCsv``, ``startUserImportJob``, then ``userImportJob`` until its status is final.

A job's ``preSignedUrl`` lets whoever holds it load users into the pool: the model does not mark it sensitive, but
``model.UNMARKED_SECRET_SHAPES`` does, so the field is readable by admins only and redacted wherever a value is.
"""

import csv
import io
from typing import Any, Optional

import strawberry

from gateway.auth import Role
from gateway.cognito import model
from gateway.cognito.errors import exception_class, invalid_parameter
from gateway.cognito.import_upload import put_csv
from gateway.graphql.audit import Audit
from gateway.graphql.context import Context, Info
from gateway.graphql.declarations import CognitoCall, Declared, calls
from gateway.graphql.errors import ERROR_TYPES, CsvUploadFailedError, CsvUploadRefusedError, result_union
from gateway.graphql.operations import mutation, payload_type
from gateway.graphql.pagination import Connection, PoolList
from gateway.graphql.permissions import requires
from gateway.graphql.shapes import cognito_type, from_cognito

USERNAME_COLUMN = "cognito:username"  # the one column every import file has, whatever the pool's attributes


@cognito_type("UserImportJobType")
class UserImportJob:
    pass


def user_import_job_from(data: dict[str, Any]) -> UserImportJob:
    return from_cognito(UserImportJob, data)


@strawberry.type
class UserImportJobConnection(Connection[UserImportJob]):
    pass


async def csv_header(context: Context, user_pool_id: str) -> list[str]:
    return (await context.loaders.read("GetCSVHeader", UserPoolId=user_pool_id))["CSVHeader"]


USER_IMPORT_JOBS = PoolList(UserImportJobConnection, "ListUserImportJobs", UserImportJob)


UserImportJobsResult = result_union("UserImportJobsResult", UserImportJobConnection, "ListUserImportJobs")
UserImportJobResult = result_union("UserImportJobResult", UserImportJob, "DescribeUserImportJob")


@strawberry.type
class UserImportQueries:
    @strawberry.field(
        description="The user import jobs of a pool, oldest first (ListUserImportJobs).",
        extensions=calls("ListUserImportJobs", role=Role.VIEWER),
    )
    async def user_import_jobs(
        self,
        info: Info,
        user_pool_id: strawberry.ID,
        first: int = USER_IMPORT_JOBS.page_size,
        after: Optional[str] = None,
    ) -> UserImportJobsResult:
        return await USER_IMPORT_JOBS.page(info.context, user_pool_id, first, after)

    @strawberry.field(
        description="One user import job, with its status and counts (DescribeUserImportJob).",
        extensions=calls("DescribeUserImportJob", role=Role.VIEWER),
    )
    async def user_import_job(self, info: Info, user_pool_id: strawberry.ID, job_id: str) -> UserImportJobResult:
        response = await info.context.loaders.read("DescribeUserImportJob", UserPoolId=user_pool_id, JobId=job_id)
        return user_import_job_from(response["UserImportJob"])


# --- the CSV upload --------------------------------------------------------------------------------


@strawberry.input(description="A CSV file for a user import job in status Created.")
class UploadUserImportCsvInput:
    user_pool_id: strawberry.ID
    job_id: str
    csv: str = strawberry.field(
        description="The file: a header with the columns of UserPool.csvHeader, then one user a line. The gateway's "
        "request body limit (GATEWAY_MAX_BODY_BYTES) bounds its size."
    )


@strawberry.type
class UploadUserImportCsvPayload:
    user_pool_id: strawberry.ID
    job_id: str
    user_import_job: UserImportJob = strawberry.field(description="The job the file was sent for, as read before.")


def checked_csv(text: str) -> bytes:
    """The file as UTF-8, refused before any call when it cannot be an import file: empty, or without its header
    line. Whether the columns are the pool's is left to the job (it fails, saying so): checking here would cost a
    GetCSVHeader call on every upload. Its size is bounded by the request body limit (GATEWAY_MAX_BODY_BYTES)."""
    if not text.strip():
        raise invalid_parameter("csv is empty: it needs a header line and at least one user")
    # Always UTF-8: the HTTP layer (orjson) refuses a request whose JSON escapes an unpaired surrogate.
    body = text.encode("utf-8")
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))), [])
    if USERNAME_COLUMN not in (column.strip() for column in header):
        raise invalid_parameter(f"csv must start with its header line, which names the {USERNAME_COLUMN} column")
    return body


UploadUserImportCsvResult = result_union(
    "UploadUserImportCsvResult",
    [
        UploadUserImportCsvPayload,
        ERROR_TYPES["PreconditionNotMetException"],  # a job that is not Created
        CsvUploadRefusedError,
        CsvUploadFailedError,
    ],
    "DescribeUserImportJob",
)


async def upload_user_import_csv(info: Info, input: UploadUserImportCsvInput) -> UploadUserImportCsvResult:
    body = checked_csv(input.csv)
    response = await info.context.cognito.call(
        "DescribeUserImportJob", UserPoolId=input.user_pool_id, JobId=input.job_id
    )
    job = response["UserImportJob"]
    if job.get("Status") != "Created" or not job.get("PreSignedUrl"):
        raise exception_class("PreconditionNotMetException")(
            f"Import job {input.job_id} has status {job.get('Status')}: only a Created job takes a CSV file."
        )
    settings = info.context.cognito.settings
    await put_csv(
        job["PreSignedUrl"],
        body,
        connect_timeout=settings.connect_timeout_seconds,
        read_timeout=settings.read_timeout_seconds,
    )
    return UploadUserImportCsvPayload(
        user_pool_id=input.user_pool_id, job_id=input.job_id, user_import_job=user_import_job_from(job)
    )


class UploadAudit(Audit):
    """The upload's record: the S3 operation it performs and the job it names; the file is REDACTED (users'
    personal data, and their password hashes when the job imports them)."""

    def __init__(self, call: CognitoCall, field_name: str) -> None:
        super().__init__(call, field_name)
        self.operation = "PutObject"

    def request(self, arguments: dict[str, Any]) -> dict[str, Any]:
        upload = arguments["input"]
        return {"UserPoolId": upload.user_pool_id, "JobId": upload.job_id, "CSV": model.REDACTED}


def upload_field() -> Any:
    """``uploadUserImportCsv``: reads the job (its declared operation, for its status and URL), then PUTs the file."""
    call = CognitoCall("DescribeUserImportJob", Role.ADMIN, changes=True)
    name = "uploadUserImportCsv"
    return strawberry.mutation(
        resolver=upload_user_import_csv,
        name=name,
        description="Sends a user import job's CSV file to its pre-signed URL (the job must be Created).",
        extensions=[requires(Role.ADMIN, changes=True), Declared(call), UploadAudit(call, name)],
    )


@strawberry.type
class UserImportMutations:
    create_user_import_job = mutation("CreateUserImportJob", payload_type("CreateUserImportJob"), role=Role.ADMIN)
    upload_user_import_csv = upload_field()
    start_user_import_job = mutation("StartUserImportJob", payload_type("StartUserImportJob"), role=Role.ADMIN)
    stop_user_import_job = mutation("StopUserImportJob", payload_type("StopUserImportJob"), role=Role.ADMIN)
