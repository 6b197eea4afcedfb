"""The GraphiQL page and its assets' route: nothing from outside the gateway, a CSP that says so, and a plain
explanation when the assets are not there."""

import base64
import hashlib
import re

import httpx
import pytest

from gateway.app import create_app
from gateway.ide.assets import IDE_PACKAGES
from gateway.ide.page import ICON, ICON_URI, SCRIPT, STYLE
from gateway.settings import Settings

FILES = [name for package in IDE_PACKAGES for name in package.files.values()]


def client(assets) -> httpx.AsyncClient:
    app = create_app(Settings(auth_mode="none", allow_insecure=True, ide_assets_dir=assets))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway")


@pytest.fixture
def assets(tmp_path):
    for name in FILES:
        (tmp_path / name).write_text(f"/* {name} */")
    return tmp_path


def csp(response: httpx.Response) -> dict[str, list[str]]:
    directives = [part.split() for part in response.headers["content-security-policy"].split(";")]
    return {name: values for name, *values in directives}


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


async def test_the_page_loads_everything_from_the_gateway(assets):
    async with client(assets) as http:
        response = await http.get("/graphql", headers={"accept": "text/html"})

    assert response.status_code == 200
    assert not re.search(r"(https?:)?//", response.text.replace("<!doctype html>", "")), "an external URL"
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert sorted(sources) == sorted([*(f"/graphql/ide/{name}" for name in FILES), ICON_URI])
    assert (
        "GraphiQLPluginExplorer.explorerPlugin()" in response.text and "isHeadersEditorEnabled: true" in response.text
    )


async def test_the_page_has_a_csp_of_self_and_its_own_inline_hashes(assets):
    async with client(assets) as http:
        response = await http.get("/graphql", headers={"accept": "text/html"})

    policy = csp(response)
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'", sha256(SCRIPT)]
    assert policy["style-src"] == ["'self'", sha256(STYLE)]
    assert policy["connect-src"] == ["'self'"]
    assert f"<script>{SCRIPT}</script>" in response.text and f"<style>{STYLE}</style>" in response.text


@pytest.mark.parametrize("installed", [True, False], ids=["page", "missing-assets page"])
async def test_the_page_has_its_icon_inline_so_the_browser_asks_for_no_favicon(assets, tmp_path, installed):
    async with client(assets if installed else tmp_path / "nowhere") as http:
        response = await http.get("/graphql", headers={"accept": "text/html"})

    [link] = re.findall(r'<link rel="icon"[^>]*>', response.text)
    assert f'href="{ICON_URI}"' in link
    assert base64.b64decode(ICON_URI.split(",", 1)[1]).decode() == ICON and ICON.startswith("<svg")
    assert "data:" in csp(response)["img-src"]  # the policy lets the page show it


async def test_the_assets_are_served_with_long_cache_headers_and_without_credentials(assets):
    async with client(assets) as http:
        served = await http.get("/graphql/ide/graphiql-3.9.0.min.js")
        absent = await http.get("/graphql/ide/nothing.js")
        escape = await http.get("/graphql/ide/../../etc/passwd")

    assert served.status_code == 200 and served.text == "/* graphiql-3.9.0.min.js */"
    assert served.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert absent.status_code == 404 and "immutable" not in absent.headers.get("cache-control", "")
    assert escape.status_code == 404


async def test_without_the_assets_the_page_says_how_to_fetch_them_and_graphql_still_works(tmp_path):
    async with client(tmp_path / "nowhere") as http:
        page = await http.get("/graphql", headers={"accept": "text/html"})
        asset = await http.get("/graphql/ide/graphiql-3.9.0.min.js")

    assert "not installed" in page.text and "cognito-gateway fetch-ide-assets" in page.text
    assert "<script" not in page.text and csp(page)["default-src"] == ["'none'"]
    assert asset.status_code == 404
