"""The GraphiQL page and its assets' route: every script, style and request stays on the gateway's origin, and
the page's Content-Security-Policy says so to the browser."""

from __future__ import annotations

import base64
import hashlib
import html
from pathlib import Path

from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from gateway.ide.assets import IDE_PACKAGES, default_dir, missing

ASSETS_PATH = "/graphql/ide"  # where the assets are served

STYLE = "body { margin: 0; } #graphiql { height: 100vh; }"
# The page's one script: GraphiQL with the explorer plugin, the headers editor open (for Authorization or
# X-API-Key), sending queries to the page's own URL.
SCRIPT = """
const explorer = GraphiQLPluginExplorer.explorerPlugin();
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher: GraphiQL.createFetcher({ url: window.location.pathname }),
    plugins: [explorer],
    isHeadersEditorEnabled: true,
    defaultEditorToolsVisibility: "headers",
    inputValueDeprecation: true,
  }),
);
"""


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


CSP = "; ".join(
    (
        "default-src 'none'",
        f"script-src 'self' {_sha256(SCRIPT)}",
        f"style-src 'self' {_sha256(STYLE)}",
        "connect-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",  # graphiql.min.css embeds its fonts
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
# The tab's icon, inline (the CSP's `img-src data:`): without one the browser asks for /favicon.ico, and its 404
# is an error in GraphiQL's console.
ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#e10098"/>'
    '<path d="M8 2.8 12.5 5.4v5.2L8 13.2 3.5 10.6V5.4z" fill="none" stroke="#fff" stroke-width="1.4"/></svg>'
)
ICON_URI = "data:image/svg+xml;base64," + base64.b64encode(ICON.encode()).decode()
ICON_LINK = f'<link rel="icon" type="image/svg+xml" href="{ICON_URI}">'
_FILES = [name for package in IDE_PACKAGES for name in package.files.values()]
_TAGS = "\n".join(
    f'<link rel="stylesheet" href="{ASSETS_PATH}/{name}">'
    if name.endswith(".css")
    else f'<script src="{ASSETS_PATH}/{name}"></script>'
    for name in sorted(
        _FILES, key=lambda name: not name.endswith(".css")
    )  # styles first, scripts in IDE_PACKAGES order
)
PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>GraphiQL · cognito-gateway</title>
{ICON_LINK}
<style>{STYLE}</style>
{_TAGS}
</head>
<body>
<div id="graphiql">Loading GraphiQL...</div>
<script>{SCRIPT}</script>
</body>
</html>
"""
MISSING_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{title} · cognito-gateway</title>{icon}</head>
<body>
<h1>The assets of {what} are not installed</h1>
<p>The gateway serves {what} from its own files, never from a CDN, and they are not in <code>{directory}</code>
(missing: {missing}).</p>
<p>Fetch them from the npm registry with <code>cognito-gateway fetch-ide-assets</code>, then reload this page.
<code>POST /graphql</code> works without them.</p>
</body>
</html>
"""


def missing_assets_page(title: str, what: str, directory: Path, absent: list[str], headers: dict[str, str]) -> Response:
    """What a page served from pinned assets says while they are not fetched: a page that explains, not an error
    (the gateway works)."""
    page = MISSING_PAGE.format(
        title=title,
        what=what,
        directory=html.escape(str(directory)),
        missing=html.escape(", ".join(absent)),
        icon=ICON_LINK,
    )
    return HTMLResponse(page, headers=headers)


def assets_dir(configured: Path | None) -> Path:
    return configured or default_dir()


def ide_page(directory: Path) -> Response:
    headers = {"Content-Security-Policy": CSP, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if absent := missing(directory, IDE_PACKAGES):
        return missing_assets_page("GraphiQL", "GraphiQL", directory, absent, headers)
    return HTMLResponse(PAGE, headers=headers)


class AssetFiles(StaticFiles):
    """The assets' names carry their versions, so a browser may keep them for a year."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory, check_dir=False)  # they may be fetched after the app starts

    async def check_config(self) -> None:
        if Path(self.directory).is_dir():  # missing: a 404 per file, not a 500
            await super().check_config()

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            response.headers["X-Content-Type-Options"] = "nosniff"
        return response
