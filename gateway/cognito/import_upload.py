"""The CSV file of a user import job, sent to the job's pre-signed S3 URL (an HTTP PUT, not a Cognito call).

CreateUserImportJob answers with a SigV4 pre-signed URL into a bucket Cognito owns, valid for 15 minutes; the file
must be PUT there with ``Content-Type: text/csv`` and ``x-amz-server-side-encryption: aws:kms`` (a signed header:
S3 refuses the upload without it). Failures are typed like Cognito's (:class:`UploadRefused`,
:class:`UploadFailed`), with S3's code, message and request ID.

The URL is a bearer credential: it is never logged (httpx logs every request's URL at INFO, so its loggers are kept
at WARNING) and never put in an error message.
"""

from __future__ import annotations

import logging
import re
from typing import Final

import httpx

from gateway.cognito.errors import CognitoException, ResponseMeta

__all__ = ["UPLOAD_HEADERS", "UploadFailed", "UploadRefused", "put_csv"]

UPLOAD_HEADERS: Final = {"Content-Type": "text/csv", "x-amz-server-side-encryption": "aws:kms"}

for _name in ("httpx", "httpcore"):
    if logging.getLogger(_name).level < logging.WARNING:
        logging.getLogger(_name).setLevel(logging.WARNING)

# S3's error document: <Error><Code>AccessDenied</Code><Message>Request has expired</Message>...</Error>
_CODE = re.compile(r"<Code>([^<]{1,100})</Code>")
_MESSAGE = re.compile(r"<Message>([^<]{1,500})</Message>")
_ERROR_DOCUMENT_BYTES = 8192  # S3's error documents are small; nothing past this is read


class UploadRefused(CognitoException):
    """S3 answered the upload with a client error (403: the URL expired or the upload is not the one it was signed
    for): sending it again will not help; a new job gives a new URL."""

    code = "UploadRefused"


class UploadFailed(CognitoException):
    """The upload did not reach S3, timed out, or S3 failed (5xx, throttling): it may be sent again (a PUT replaces
    the file)."""

    code = "UploadFailed"


async def put_csv(url: str, body: bytes, *, connect_timeout: float, read_timeout: float) -> ResponseMeta:
    """PUT ``body`` to a user import job's pre-signed ``url``; S3's metadata on success, else
    :class:`UploadRefused` or :class:`UploadFailed`. Redirects are not followed (the URL is S3's own)."""
    timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
    try:
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            async with client.stream("PUT", url, content=body, headers=UPLOAD_HEADERS) as response:
                document = await _start_of(response) if response.status_code >= 300 else b""
    except httpx.TimeoutException as error:
        raise UploadFailed(
            "The CSV upload to S3 timed out; it may be sent again.",
            code=type(error).__name__,
            retryable=True,
            fault="SERVER",
        ) from None
    except httpx.HTTPError as error:  # connection refused or reset, DNS, TLS...: the message names no URL
        raise UploadFailed(
            "S3 could not be reached to upload the CSV; it may be sent again.",
            code=type(error).__name__,
            retryable=True,
            fault="SERVER",
        ) from None
    meta = ResponseMeta(
        request_id=response.headers.get("x-amz-request-id"),
        extended_request_id=response.headers.get("x-amz-id-2"),
        http_status_code=response.status_code,
    )
    if response.status_code < 300:
        return meta
    raise _failure(response.status_code, document.decode("utf-8", "replace"), meta)


async def _start_of(response: httpx.Response) -> bytes:
    read = b""
    async for chunk in response.aiter_bytes():
        read += chunk
        if len(read) >= _ERROR_DOCUMENT_BYTES:
            break
    return read[:_ERROR_DOCUMENT_BYTES]


def _failure(status: int, document: str, meta: ResponseMeta) -> CognitoException:
    """S3's refusal, typed: retryable ones (5xx, throttling, S3's RequestTimeout) failed, the rest were refused."""
    code_match, message_match = _CODE.search(document), _MESSAGE.search(document)
    code = code_match[1] if code_match else f"HTTP{status}"
    message = f"S3 refused the CSV upload: {message_match[1] if message_match else f'HTTP {status}'}"
    failed = UploadFailed(message, code=code, metadata=meta)
    return failed if failed.retryable else UploadRefused(message, code=code, metadata=meta)
