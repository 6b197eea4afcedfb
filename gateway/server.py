"""uvicorn, run the way a service behind a load balancer needs: on SIGTERM the gateway reports itself not
ready, stops accepting connections, lets in-flight requests finish within ``GATEWAY_SHUTDOWN_TIMEOUT_SECONDS``,
then closes its AWS clients (the app's lifespan)."""

from __future__ import annotations

import gc
import logging
import socket
from types import FrameType

import uvicorn
from fastapi import FastAPI

from gateway.app import metrics_app
from gateway.observability import uvicorn_log_config
from gateway.settings import Settings

logger = logging.getLogger("uvicorn.error")  # where uvicorn reports its own lifecycle


class GatewayServer(uvicorn.Server):
    def __init__(self, app: FastAPI, settings: Settings) -> None:
        self.app = app
        super().__init__(
            uvicorn.Config(
                app,
                host=settings.host,
                port=settings.port,
                log_level=settings.log_level,
                timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
                # X-Forwarded-For is believed from GATEWAY_TRUSTED_PROXIES only (gateway.app), never from
                # uvicorn's default of 127.0.0.1.
                proxy_headers=False,
                log_config=uvicorn_log_config(settings),
            )
        )
        # /metrics on GATEWAY_METRICS_PORT: a second listener in the same event loop, started and stopped with this
        # one (after the API has drained). No lifespan of its own: the app's owns the state it reports.
        self.metrics_server: uvicorn.Server | None = None
        if settings.metrics and settings.metrics_port:
            self.metrics_server = uvicorn.Server(
                uvicorn.Config(
                    metrics_app(app),
                    host=settings.host,
                    port=settings.metrics_port,
                    lifespan="off",
                    access_log=False,  # a scrape every few seconds is not news
                    proxy_headers=False,
                    log_config=None,  # logging is the API server's to configure
                )
            )

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.should_exit:
            return
        if self.metrics_server is not None:
            config = self.metrics_server.config
            config.load()
            self.metrics_server.lifespan = config.lifespan_class(config)
            await self.metrics_server.startup()
        self.freeze()

    def freeze(self) -> None:
        freeze_startup_objects()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await super().shutdown(sockets)
        if self.metrics_server is not None and self.metrics_server.started:
            await self.metrics_server.shutdown()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if not self.app.state.draining:
            logger.info(
                "shutting down: finishing in-flight requests (at most %ss)", self.config.timeout_graceful_shutdown
            )
        self.app.state.draining = True  # /readyz answers 503 from now on
        super().handle_exit(sig, frame)


def freeze_startup_objects() -> None:
    """What is loaded by now (botocore's models, the schema, the AWS clients: ~210k objects) lives as long as
    the process. Out of the collector's way, a full collection no longer walks it: ~100 ms with the event loop
    stopped, for every request in flight, each time (``python -m bench.pauses``)."""
    gc.collect()
    gc.freeze()


def serve(app: FastAPI, settings: Settings) -> None:
    GatewayServer(app, settings).run()
