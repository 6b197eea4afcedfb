"""The last resort for an exception that escapes the app: a whole response, and a connection that stays usable.

Left to Starlette, such an exception gets a plain-text 500 and is raised again for the server to log; uvicorn,
seeing an exception after the response started, then closes the connection, without having said so to the
client (no ``Connection: close``): the client's next request on that keep-alive connection is reset."""

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.guard import error_response

logger = logging.getLogger(__name__)


class UnexpectedErrors:
    """ASGI middleware: an exception before the response started answers a GraphQL-shaped 500 (``INTERNAL``, no
    trace); one after the response was sent whole is only logged. One in the middle of a response is raised
    again, as only closing the connection can tell the client that the response is cut."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = finished = False

        async def tracking_send(message: Message) -> None:
            nonlocal started, finished
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                finished = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            if started and not finished:
                raise
            logger.exception("Unexpected error answering %s %s", scope["method"], scope["path"])
            if not started:
                await error_response(500, "INTERNAL", "Unexpected error.")(scope, receive, send)
