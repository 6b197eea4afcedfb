"""User import jobs for the demo backend: the six Cognito operations moto 5.2.5 lacks.

GetCSVHeader, CreateUserImportJob, StartUserImportJob, StopUserImportJob,
DescribeUserImportJob and ListUserImportJobs, as the Cognito API reference and the
botocore model describe them.  :data:`OPERATIONS` holds the responder methods;
:func:`gateway.demo.extensions.install` adds them to moto's
``CognitoIdpResponse`` and runs :func:`guard_uploads`.

The CSV upload, and what differs from AWS
-----------------------------------------
Cognito answers CreateUserImportJob with a 15-minute SigV4 pre-signed S3 URL for
an object in a bucket Cognito owns; the caller PUTs the CSV there with
``Content-Type: text/csv`` and ``x-amz-server-side-encryption: aws:kms`` (a signed
header, so S3 refuses the upload without it).  Here the URL has the same shape but
points at the moto server that answered (moto serves S3 on the same port, path
style)::

    http://127.0.0.1:PORT/aws-cognito-idp-user-import-<region>/<account>/<pool id>/<job id>
        ?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=900
        &X-Amz-SignedHeaders=host%3Bx-amz-server-side-encryption&...

A plain PUT to it stores the CSV as an object in moto's S3, where StartUserImportJob
reads it.  Differences from AWS:

* the bucket lives in moto's S3 in the account an unsigned request maps to
  (``MOTO_ACCOUNT_ID``, else moto's default), so S3's ListBuckets shows it;
* the signature is made with dummy credentials and nobody checks it; what S3
  would check is enforced by :func:`guard_uploads` instead: a PUT into the import
  bucket without ``x-amz-server-side-encryption: aws:kms`` or after the URL's
  15 minutes is refused with 403 AccessDenied;
* CloudWatchLogsRoleArn is checked for its form only, and nothing is logged;
* PasswordHashingAlgorithm is accepted and reported, but no password hashes are
  imported: every imported user is RESET_REQUIRED;
* a Created job never becomes Expired (Cognito expires it after 24-48 hours).

The job runs in a background thread: Start answers ``Pending``, the job turns
``InProgress`` after :data:`PENDING_SECONDS` and imports one row every
:data:`SECONDS_PER_USER`, so DescribeUserImportJob shows the counts grow.  Jobs are
kept on moto's pool object, so ``POST /moto-api/reset`` drops them (and the bucket).
"""

from __future__ import annotations

import csv
import io
import os
import re
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.cognitoidp.exceptions import (
    AliasExistsException,
    InvalidParameterException,
    ResourceNotFoundError,
    UsernameExistsException,
)
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUserPool,
    CognitoIdpUserPoolAttribute,
    UserStatus,
)
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.s3.exceptions import S3ClientError
from moto.s3.models import s3_backends
from moto.s3.responses import S3Response
from moto.utilities.utils import get_partition

from gateway.demo.exceptions import PreconditionNotMetException
from gateway.demo.extensions import user_state
from gateway.demo.requests import Operations, paginate, pool_state, required_param, with_token

__all__ = [
    "OPERATIONS",
    "PENDING_SECONDS",
    "SECONDS_PER_USER",
    "UPLOAD_HEADERS",
    "URL_LIFETIME",
    "csv_header",
    "guard_uploads",
]

# How long a job stays Pending after StartUserImportJob, and the pace of the import.
PENDING_SECONDS: Final = 0.2
SECONDS_PER_USER: Final = 0.005
URL_LIFETIME: Final = timedelta(minutes=15)  # "The PRE_SIGNED_URL ... is valid for 15 minutes."
# The headers the upload must carry (the second one is signed into the URL).
UPLOAD_HEADERS: Final = {"Content-Type": "text/csv", "x-amz-server-side-encryption": "aws:kms"}
_SSE: Final = "x-amz-server-side-encryption"

USERNAME_COLUMN: Final = "cognito:username"
MFA_COLUMN: Final = "cognito:mfa_enabled"
_VERIFIED: Final = {"email": "email_verified", "phone_number": "phone_number_verified"}

Status = Literal["Created", "Pending", "InProgress", "Stopping", "Expired", "Stopped", "Failed", "Succeeded"]
Outcome = Literal["imported", "skipped", "failed"]

_JOB_NAME: Final = re.compile(r"[\w\s+=,.@-]+")
_JOB_ID: Final = re.compile(r"import-[0-9a-zA-Z-]+")
_ARN: Final = re.compile(
    r"arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?"
)
_HASHING_ALGORITHMS: Final = ("BCRYPT", "SCRYPT", "ARGON2ID", "PBKDF2_SHA256")
_MAX_RESULTS: Final = 60  # PoolQueryLimitType: 1..60
_BUCKET_PREFIX: Final = "aws-cognito-idp-user-import-"
# moto checks no signature; these only give the URL its real shape.
_SIGNING_CREDENTIALS: Final = Credentials("cognito-idp-user-import", "not-a-secret")

SUCCEEDED_MESSAGE: Final = "Import Job Completed Successfully."
ALL_FAILED_MESSAGE: Final = "Too many users have failed or been skipped during the import."
STOPPED_MESSAGE: Final = "Import Job Stopped by User."


class _UploadRefused(S3ClientError):
    """What S3 answers for a pre-signed PUT it does not accept."""

    def __init__(self, message: str) -> None:
        super().__init__("AccessDenied", message)
        self.http_status_code = 403


# -- jobs, kept on moto's pool ---------------------------------------------------------


@dataclass
class ImportJob:
    job_id: str
    name: str
    pool_id: str
    role_arn: str
    pre_signed_url: str
    bucket: str
    key: str
    upload_account: str
    created: datetime
    hashing_algorithm: str | None = None
    status: Status = "Created"
    started: datetime | None = None
    completed: datetime | None = None
    message: str | None = None
    imported: int = 0
    skipped: int = 0
    failed: int = 0
    # Held for every status change and for each row, so Stop and the runner agree.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def finish(self, status: Status, message: str) -> None:
        self.status, self.message, self.completed = status, message, utcnow()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "JobName": self.name,
            "JobId": self.job_id,
            "UserPoolId": self.pool_id,
            "PreSignedUrl": self.pre_signed_url,
            "CreationDate": self.created,
            "Status": self.status,
            "CloudWatchLogsRoleArn": self.role_arn,
            "ImportedUsers": self.imported,
            "SkippedUsers": self.skipped,
            "FailedUsers": self.failed,
        }
        optional = {
            "StartDate": self.started,
            "CompletionDate": self.completed,
            "CompletionMessage": self.message,
            "PasswordHashingAlgorithm": self.hashing_algorithm,
        }
        data.update({name: value for name, value in optional.items() if value is not None})
        return data


_JOBS_ATTRIBUTE: Final = "_gateway_import_jobs"


def _jobs(pool: CognitoIdpUserPool) -> dict[str, ImportJob]:
    """The pool's jobs by id, in creation order."""
    return pool_state(pool, _JOBS_ATTRIBUTE, dict)


def csv_header(pool: CognitoIdpUserPool) -> list[str]:
    """GetCSVHeader's columns: the standard attributes, the pool's others, then the two cognito: columns.

    Cognito always has every standard attribute; moto's pool lacks those its Schema
    left out, so they are taken from moto's standard schema.  ``sub`` is Cognito's.
    """
    names = list(CognitoIdpUserPoolAttribute.STANDARD_SCHEMA)
    names += [name for name in pool.schema_attributes if name not in names]
    return [name for name in names if name != "sub"] + [MFA_COLUMN, USERNAME_COLUMN]


# -- request checks --------------------------------------------------------------------


def _invalid(member: str, value: Any, constraint: str) -> InvalidParameterException:
    return InvalidParameterException(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
    )


def _string(
    response: CognitoIdpResponse, name: str, pattern: re.Pattern[str], *, min_length: int, max_length: int
) -> str:
    value = required_param(response, name)
    member = name[0].lower() + name[1:]
    if not isinstance(value, str):
        raise _invalid(member, value, "Member must be a string")
    if len(value) < min_length:
        raise _invalid(member, value, f"Member must have length greater than or equal to {min_length}")
    if len(value) > max_length:
        raise _invalid(member, value, f"Member must have length less than or equal to {max_length}")
    if not pattern.fullmatch(value):
        raise _invalid(member, value, f"Member must satisfy regular expression pattern: {pattern.pattern}")
    return value


def _pool(response: CognitoIdpResponse) -> CognitoIdpUserPool:
    return response.backend.describe_user_pool(required_param(response, "UserPoolId"))


def _job(response: CognitoIdpResponse) -> tuple[CognitoIdpUserPool, ImportJob]:
    pool = _pool(response)
    job_id = _string(response, "JobId", _JOB_ID, min_length=1, max_length=55)
    job = _jobs(pool).get(job_id)
    if job is None:
        raise ResourceNotFoundError(f"Import job {job_id} does not exist in user pool {pool.id}.")
    return pool, job


def _result(job: ImportJob) -> ActionResult:
    return ActionResult({"UserImportJob": job.to_json()})


# -- the upload target ----------------------------------------------------------------------


def _upload_account() -> str:
    """The account moto's S3 files an unsigned request under (see BaseResponse.get_current_account)."""
    return os.environ.get("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT_ID)


def _upload_bucket(account: str, region: str) -> str:
    """The import bucket of ``region`` in moto's S3, created on first use."""
    name = f"{_BUCKET_PREFIX}{region}"
    backend = s3_backends[account][get_partition(region)]
    if name not in backend.buckets:
        backend.create_bucket(name, region)
    return name


def _pre_signed_url(base_url: str, bucket: str, key: str, region: str) -> str:
    request = AWSRequest(method="PUT", url=f"{base_url.rstrip('/')}/{bucket}/{key}", headers={_SSE: "aws:kms"})
    S3SigV4QueryAuth(_SIGNING_CREDENTIALS, "s3", region, expires=int(URL_LIFETIME.total_seconds())).add_auth(request)
    return str(request.url)


def _uploaded_csv(job: ImportJob, region: str) -> bytes | None:
    backend = s3_backends[job.upload_account][get_partition(region)]
    if job.bucket not in backend.buckets:
        return None
    stored = backend.buckets[job.bucket].keys.get(job.key)
    return None if stored is None else bytes(stored.value)


def _checked_upload(put_object: Any) -> Any:
    """Wrap moto's S3 PutObject: refuse what S3 would refuse for Cognito's pre-signed URL."""

    def checked(self: S3Response) -> Any:
        if self.bucket_name.startswith(_BUCKET_PREFIX):
            if self.headers.get(_SSE) != "aws:kms":
                raise _UploadRefused(f"The upload must carry the header {_SSE}: aws:kms (it is signed into the URL).")
            signed = (self.querystring.get("X-Amz-Date") or [""])[0]
            lifetime = (self.querystring.get("X-Amz-Expires") or ["0"])[0]
            try:
                expires = datetime.strptime(signed, "%Y%m%dT%H%M%SZ") + timedelta(seconds=int(lifetime))
            except ValueError:
                raise _UploadRefused("Query-string authentication requires X-Amz-Date and X-Amz-Expires.") from None
            if utcnow() > expires:
                raise _UploadRefused("Request has expired")
        return put_object(self)

    checked.__wrapped__ = put_object  # type: ignore[attr-defined]
    return checked


# -- the operations ---------------------------------------------------------------------------

OPERATIONS: Final = Operations()


@OPERATIONS.on_install
def guard_uploads() -> None:
    """Install the upload check on moto's S3 responder (once, with the operations)."""
    S3Response.put_object = _checked_upload(S3Response.put_object)  # type: ignore[method-assign]


@OPERATIONS.add
def get_csv_header(self: CognitoIdpResponse) -> ActionResult:
    pool = _pool(self)
    return ActionResult({"UserPoolId": pool.id, "CSVHeader": csv_header(pool)})


@OPERATIONS.add
def create_user_import_job(self: CognitoIdpResponse) -> ActionResult:
    name = _string(self, "JobName", _JOB_NAME, min_length=1, max_length=128)
    pool = _pool(self)
    role_arn = _string(self, "CloudWatchLogsRoleArn", _ARN, min_length=20, max_length=2048)
    algorithm = self._get_param("PasswordHashingAlgorithm")
    if algorithm is not None and algorithm not in _HASHING_ALGORITHMS:
        raise _invalid(
            "passwordHashingAlgorithm",
            algorithm,
            f"Member must satisfy enum value set: [{', '.join(_HASHING_ALGORITHMS)}]",
        )
    job_id = "import-" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(10))
    account = _upload_account()
    bucket = _upload_bucket(account, pool.region)
    key = f"{self.current_account}/{pool.id}/{job_id}"
    job = ImportJob(
        job_id=job_id,
        name=name,
        pool_id=pool.id,
        role_arn=role_arn,
        # The server's own address, as the caller reached it.
        pre_signed_url=_pre_signed_url(
            f"{self.parsed_url.scheme}://{self.parsed_url.netloc}", bucket, key, pool.region
        ),
        bucket=bucket,
        key=key,
        upload_account=account,
        created=utcnow(),
        hashing_algorithm=algorithm,
    )
    _jobs(pool)[job_id] = job
    return _result(job)


@OPERATIONS.add
def describe_user_import_job(self: CognitoIdpResponse) -> ActionResult:
    _, job = _job(self)
    with job.lock:
        return _result(job)


@OPERATIONS.add
def list_user_import_jobs(self: CognitoIdpResponse) -> ActionResult:
    pool = _pool(self)
    limit = self._get_param("MaxResults")
    if limit is None:
        raise _invalid("maxResults", "null", "Member must not be null")
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise InvalidParameterException(f"Invalid value for maxResults: {limit!r}")
    if not 1 <= limit <= _MAX_RESULTS:
        bound = "greater than or equal to 1" if limit < 1 else f"less than or equal to {_MAX_RESULTS}"
        raise _invalid("maxResults", limit, f"Member must have value {bound}")
    page, token = paginate(
        list(_jobs(pool).values()),
        lambda job: job.job_id,
        limit=limit,
        token=self._get_param("PaginationToken"),
        limit_member="maxResults",
    )
    jobs = []
    for job in page:
        with job.lock:
            jobs.append(job.to_json())
    return ActionResult(with_token({"UserImportJobs": jobs}, "PaginationToken", token))


@OPERATIONS.add
def start_user_import_job(self: CognitoIdpResponse) -> ActionResult:
    pool, job = _job(self)
    auto_verified = [name for name in pool.extended_config.get("AutoVerifiedAttributes") or [] if name in _VERIFIED]
    with job.lock:
        if job.status != "Created":
            raise PreconditionNotMetException(
                f"Import job {job.job_id} has status {job.status}; only Created jobs start."
            )
        if _uploaded_csv(job, pool.region) is None:
            raise PreconditionNotMetException(f"No CSV file has been uploaded for import job {job.job_id}.")
        if not auto_verified:
            raise PreconditionNotMetException(
                "The user pool has no auto-verified attributes (email or phone_number): users cannot be imported."
            )
        job.status, job.started = "Pending", utcnow()
        runner = threading.Timer(PENDING_SECONDS, _run, args=(job, pool, self.backend))
        runner.daemon = True
        runner.start()
        return _result(job)


@OPERATIONS.add
def stop_user_import_job(self: CognitoIdpResponse) -> ActionResult:
    _, job = _job(self)
    with job.lock:
        if job.status not in ("Pending", "InProgress"):
            raise PreconditionNotMetException(
                f"Import job {job.job_id} has status {job.status}; only Pending or InProgress jobs stop."
            )
        job.status = "Stopping"  # the runner stops before its next user
        return _result(job)


# -- the import ----------------------------------------------------------------------------------


def _run(job: ImportJob, pool: CognitoIdpUserPool, backend: CognitoIdpBackend) -> None:
    with job.lock:
        if job.status == "Stopping":
            job.finish("Stopped", STOPPED_MESSAGE)
            return
        job.status = "InProgress"
        content = _uploaded_csv(job, pool.region)
    rows, problem = _read_csv(content, csv_header(pool))
    if problem is not None:
        with job.lock:
            job.finish("Failed", problem)
        return
    for row in rows:
        with job.lock:
            if job.status == "Stopping":
                job.finish("Stopped", STOPPED_MESSAGE)
                return
            outcome = _import_row(backend, pool, row)
            job.imported += outcome == "imported"
            job.skipped += outcome == "skipped"
            job.failed += outcome == "failed"
        time.sleep(SECONDS_PER_USER)
    with job.lock:
        if job.status == "Stopping":
            job.finish("Stopped", STOPPED_MESSAGE)
        elif job.failed == len(rows):
            job.finish("Failed", ALL_FAILED_MESSAGE)
        else:
            job.finish("Succeeded", SUCCEEDED_MESSAGE)


def _read_csv(content: bytes | None, expected: list[str]) -> tuple[list[dict[str, str] | None], str | None]:
    """The data rows as column -> value (None for a row of the wrong width), or why the file is unusable."""
    if content is None:
        return [], "The CSV file is no longer available."
    try:
        lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error):
        return [], "The CSV file is not valid UTF-8 CSV."
    lines = [line for line in lines if any(cell.strip() for cell in line)]  # blank lines are no users
    if not lines:
        return [], "The CSV file is empty."
    header = [column.strip() for column in lines[0]]
    # "The order of columns in the CSV file doesn't matter. ... All columns in the header must be present."
    if len(header) != len(set(header)) or set(header) != set(expected):
        return [], "The CSV header does not match the user pool's attributes (see GetCSVHeader)."
    if len(lines) == 1:
        return [], "The CSV file has no users."
    return [dict(zip(header, line, strict=True)) if len(line) == len(header) else None for line in lines[1:]], None


def _row_problem(pool: CognitoIdpUserPool, row: dict[str, str]) -> str | None:
    """Why Cognito would not import this row (None: it may)."""
    if not row[USERNAME_COLUMN]:
        return "cognito:username is required"
    if row[MFA_COLUMN].lower() not in ("true", "false"):
        return "cognito:mfa_enabled must be true or false"
    for name, value in row.items():
        attribute = pool.schema_attributes.get(name)
        if attribute is not None and attribute.data_type == "Boolean" and value.lower() not in ("", "true", "false"):
            return f"{name} must be true or false"
        if attribute is not None and attribute.required and name != "sub" and not value:
            return f"{name} is required"
    verified = {name for name, flag in _VERIFIED.items() if row.get(flag, "").lower() == "true"}
    for name in verified:
        if not row.get(name):
            return f"{_VERIFIED[name]} is true without {name}"
    # "At least one of the auto-verified attributes must be true for each user."
    if not verified & set(pool.extended_config.get("AutoVerifiedAttributes") or []):
        return "no auto-verified attribute is verified"
    if row[MFA_COLUMN].lower() == "true" and not row.get("phone_number"):
        return "cognito:mfa_enabled needs a phone_number"
    return None


def _import_row(backend: CognitoIdpBackend, pool: CognitoIdpUserPool, row: dict[str, str] | None) -> Outcome:
    if row is None or _row_problem(pool, row) is not None:
        return "failed"
    username = row[USERNAME_COLUMN]
    if pool._get_user(username) is not None:
        return "skipped"
    attributes = [
        {"Name": name, "Value": value.lower() if name in _VERIFIED.values() else value}
        for name, value in row.items()
        if value and not name.startswith("cognito:")
    ]
    try:
        user = backend.admin_create_user(pool.id, username, "SUPPRESS", None, attributes)  # type: ignore[arg-type]
    except UsernameExistsException:
        return "skipped"
    except (InvalidParameterException, AliasExistsException):
        return "failed"
    # "Your users are in a RESET_REQUIRED state when imported"; there is no password.
    user.status = UserStatus.RESET_REQUIRED
    user.password = None
    if row[MFA_COLUMN].lower() == "true":
        # The legacy SMS MFA option, as AdminSetUserSettings sets it.
        user_state(user).mfa_options = [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]
        user.sms_mfa_enabled = True
    return "imported"
