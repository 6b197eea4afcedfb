"""Logs as JSON lines (or text), each record made during a request carrying its ``request_id``."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.orjson import OrjsonFormatter

from gateway.settings import Settings

# Set by the request middleware (gateway.observability.RequestObserver) for the request's whole task tree.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        current = request_id.get()
        if current is not None:
            record.request_id = current
        return True


class JsonFormatter(OrjsonFormatter):
    """``{"level", "logger", "message", "time", "request_id", ...extra}``; uvicorn's ``color_message`` dropped."""

    def __init__(self, **options: Any) -> None:
        super().__init__(
            ["levelname", "name", "message"],
            rename_fields={"levelname": "level", "name": "logger"},
            reserved_attrs=[*RESERVED_ATTRS, "color_message"],
            timestamp="time",
            **options,
        )


def text_formatter() -> logging.Formatter:
    return logging.Formatter(TEXT_FORMAT, defaults={"request_id": "-"})


class AccessFields(logging.Filter):
    """uvicorn's access record as fields, its path without the query string: a GraphQL ``GET`` carries the
    query and its variables there, and they may hold passwords."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, http_version, status = record.args
            path = str(path).split("?", 1)[0]
            record.client, record.method, record.path, record.status = client, method, path, status
            record.msg, record.args = "%s %s %s", (method, path, status)
        return True


class CurrentStream(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` (or ``sys.stdout``) is at the time: a replaced stream, as under
    pytest or a process manager, is followed."""

    def __init__(self, name: str = "stderr") -> None:
        self._stream_name = name
        super().__init__()

    @property
    def stream(self) -> Any:  # type: ignore[override]
        return getattr(sys, self._stream_name)

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def _formatter(settings: Settings) -> logging.Formatter:
    return JsonFormatter() if settings.log_format == "json" else text_formatter()


def configure_logging(settings: Settings) -> None:
    """One handler on the root logger, in ``GATEWAY_LOG_FORMAT``; calling it again replaces it. The root
    level is only ever lowered to ``GATEWAY_LOG_LEVEL`` (a level set lower elsewhere stays)."""
    root = logging.getLogger()
    for handler in [handler for handler in root.handlers if isinstance(handler, CurrentStream)]:
        root.removeHandler(handler)
    level = logging.getLevelName(settings.log_level.upper())
    handler = CurrentStream()
    handler.setLevel(level)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(_formatter(settings))
    root.addHandler(handler)
    if root.getEffectiveLevel() > level:
        root.setLevel(level)


def uvicorn_log_config(settings: Settings) -> dict[str, Any]:
    """uvicorn's ``log_config``: its own and its access records in ``GATEWAY_LOG_FORMAT`` with the request ID."""
    formatter = {"()": f"{__name__}.{'JsonFormatter' if settings.log_format == 'json' else 'text_formatter'}"}
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "default"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": f"{__name__}.RequestIdFilter"},
            "access_fields": {"()": f"{__name__}.AccessFields"},
        },
        "formatters": {"default": formatter},
        "handlers": {
            "default": {**handler, "filters": ["request_id"]},
            "access": {**handler, "filters": ["request_id", "access_fields"]},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": settings.log_level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }
