"""gateway/server.py: uvicorn as `serve` runs it. (SIGTERM and draining are in tests/test_cli.py, on a process.)"""

import asyncio
import gc

from gateway.app import create_app
from gateway.demo.server import DEMO_CREDENTIALS, DEMO_REGION
from gateway.server import GatewayServer
from gateway.settings import Settings


def collected(obj: object) -> bool:
    """Whether a full collection walks ``obj`` (frozen objects are tracked, but in no generation)."""
    return any(tracked is obj for tracked in gc.get_objects())


async def test_a_started_server_takes_its_startup_objects_out_of_the_collectors_way(backend):
    settings = Settings(aws_region=DEMO_REGION, auth_mode="none", allow_insecure=True, host="127.0.0.1", port=0)
    app = create_app(settings, endpoint_url=backend.endpoint_url, credentials=DEMO_CREDENTIALS)
    server = GatewayServer(app, settings)
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not serving.done(), "the server did not start"
            await asyncio.sleep(0.01)
        cognito = app.state.cognito
        frozen, walked = gc.get_freeze_count(), collected(cognito)
    finally:
        gc.unfreeze()  # the rest of the suite runs in this process
        server.should_exit = True
        await asyncio.wait_for(serving, 30)

    assert frozen > 0 and not walked  # the app's Cognito gateway, made by the lifespan, is frozen
    assert gc.is_tracked(cognito) and collected(cognito)  # and back in a generation once unfrozen
