"""The console's page and its files: the pinned Preact and htm (fetched with GraphiQL's assets, gateway/ide/assets.py),
the console's own script and style (static/), and its configuration, inline as JSON: which persisted document ID each
operation has, how to authenticate. Everything comes from the gateway's origin, and the page's CSP says so."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from gateway import persisted
from gateway.ide.assets import CONSOLE_PACKAGES, missing
from gateway.ide.page import ICON_LINK, AssetFiles, assets_dir, missing_assets_page
from gateway.settings import Settings

PATH = "/console"
VENDOR_PATH = f"{PATH}/vendor"
STATIC_PATH = f"{PATH}/static"
STATIC_DIR = Path(__file__).parent / "static"
_VENDOR_FILES = [name for package in CONSOLE_PACKAGES for name in package.files.values()]


def csp(settings: Settings) -> str:
    connect = ["'self'"]  # the graph, over HTTP and websockets
    if login := login_config(settings):
        connect.append(_origin(login["tokenUrl"]))  # the managed login's token endpoint, for the code's exchange
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"connect-src {' '.join(connect)}",
            "img-src 'self' data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def login_config(settings: Settings) -> dict[str, str] | None:
    """The managed login the console signs in with (jwt mode, when configured): authorization code with PKCE."""
    if settings.auth_mode != "jwt" or not (settings.console_login_domain and settings.console_client_id):
        return None
    domain = settings.console_login_domain.rstrip("/")
    return {
        "authorizeUrl": f"{domain}/oauth2/authorize",
        "tokenUrl": f"{domain}/oauth2/token",
        "clientId": settings.console_client_id,
        "scopes": settings.console_scopes,
        "redirectPath": PATH,
    }


def config(settings: Settings) -> dict[str, Any]:
    return {
        "documents": dict(persisted.manifest()),
        "authMode": settings.auth_mode,
        "graphqlPath": "/graphql",
        "login": login_config(settings),
    }


def _json_in_html(value: object) -> str:
    # Inside <script type="application/json">, only "</" could end the element early.
    return json.dumps(value, separators=(",", ":")).replace("<", "\\u003c")


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Console · cognito-gateway</title>
{icon}
<link rel="stylesheet" href="{static}/console.css?v={css_version}">
<script type="application/json" id="console-config">{config}</script>
{vendor}
<script src="{static}/console.js?v={js_version}" defer></script>
</head>
<body>
<div id="console">Loading the console...</div>
</body>
</html>
"""


async def console_page(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    headers = {
        "Content-Security-Policy": csp(settings),
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
    }
    directory = assets_dir(settings.ide_assets_dir)
    if absent := missing(directory, CONSOLE_PACKAGES):
        return missing_assets_page("Console", "the console", directory, absent, headers)
    vendor = "\n".join(f'<script src="{VENDOR_PATH}/{name}" defer></script>' for name in _VENDOR_FILES)
    page = PAGE.format(
        icon=ICON_LINK,
        static=STATIC_PATH,
        vendor=vendor,
        config=_json_in_html(config(settings)),
        js_version=version("console.js"),
        css_version=version("console.css"),
    )
    return HTMLResponse(page, headers=headers)


@functools.cache
def version(name: str) -> str:
    """A file of static/'s content hash: the page asks for ``<name>?v=<hash>``, which a browser may keep for a year
    (the next version has another URL). Read once: the files ship with the gateway."""
    path = STATIC_DIR / name
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.is_file() else "missing"


class ConsoleFiles(StaticFiles):
    """The console's own script and style: kept for a year when asked for by their version (the page's URLs), else
    revalidated."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            asked = parse_qs(scope.get("query_string", b"").decode()).get("v", [""])[0]
            versioned = asked == version(path)
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if versioned else "no-cache"
            response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def console_routes(settings: Settings) -> list[Route | Mount]:
    """GET /console (the page), its vendored and its own files."""
    return [
        Route(PATH, console_page, methods=["GET"]),
        Route(f"{PATH}/", console_page, methods=["GET"]),
        # Compressed: the console's script is some 80 KB, the vendored files some 20 KB.
        Mount(VENDOR_PATH, GZipMiddleware(AssetFiles(assets_dir(settings.ide_assets_dir)))),
        Mount(STATIC_PATH, GZipMiddleware(ConsoleFiles(directory=STATIC_DIR, check_dir=False))),
    ]
