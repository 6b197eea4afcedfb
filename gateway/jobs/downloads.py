"""``GET /jobs/{id}/download``: an export's file (a job's ``downloadUrl``), streamed part by part from the database
(so any replica serves it). The caller authenticates as for ``/graphql`` and needs the export's role on its pool; a
job on a pool the caller may not see is as unknown as one that never was."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from gateway.auth import Role
from gateway.guard import Refused, RequestGuard, error_response
from gateway.jobs import exports
from gateway.jobs.records import EXPORT_ROLE, JobAction, JobState

PATH = "/jobs/{job_id}/download"


def download_url(job_id: str) -> str:
    return PATH.format(job_id=job_id)


def download_route(guard: RequestGuard) -> Route:
    async def download(request: Request) -> Response:
        try:
            caller = await guard.authenticate(request)
            await guard.check_rate(caller)
        except Refused as refusal:
            return refusal.response
        job_id = request.path_params["job_id"]
        job = await request.app.state.jobs.repository.find(job_id)
        if job is None or not caller.may(Role.VIEWER, job.spec.user_pool_id):
            return error_response(404, "NOT_FOUND", f"Job {job_id} not found.")
        if not caller.may(EXPORT_ROLE, job.spec.user_pool_id):
            message = (
                f"Forbidden: an export's file needs the {EXPORT_ROLE.label} role on user pool {job.spec.user_pool_id}."
            )
            return error_response(403, "FORBIDDEN", message)
        if job.spec.action is not JobAction.EXPORT or job.spec.dry_run or job.state is not JobState.SUCCEEDED:
            message = f"Job {job_id} has no file: only a SUCCEEDED EXPORT that is not a dry run has one."
            return error_response(409, "NO_FILE", message)
        format = job.spec.format.value
        return StreamingResponse(
            request.app.state.jobs.repository.export_parts(job_id),
            media_type=exports.MEDIA_TYPES[format],
            headers={"Content-Disposition": f'attachment; filename="export-{job_id}.{exports.EXTENSIONS[format]}"'},
        )

    return Route(PATH, download, methods=["GET"])
