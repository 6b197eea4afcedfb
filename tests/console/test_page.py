"""The console's page: everything from the gateway's origin under a CSP of 'self' (no inline script runs), its
configuration inline as data (each operation's persisted document ID, how to authenticate), and a plain explanation
when its pinned assets are not there."""

import json
import re

import httpx
import pytest

from gateway.app import create_app
from gateway.console.page import STATIC_DIR, version
from gateway.ide.assets import CONSOLE_PACKAGES
from gateway.ide.page import ICON_URI
from gateway.persisted import manifest
from gateway.settings import Settings

VENDOR = [name for package in CONSOLE_PACKAGES for name in package.files.values()]


def client(assets, **settings) -> httpx.AsyncClient:
    settings = {"auth_mode": "none", "allow_insecure": True, "ide_assets_dir": assets, **settings}
    app = create_app(Settings(**settings))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway")


@pytest.fixture
def assets(tmp_path):
    for name in VENDOR:
        (tmp_path / name).write_text(f"/* {name} */")
    return tmp_path


def csp(response: httpx.Response) -> dict[str, list[str]]:
    directives = [part.split() for part in response.headers["content-security-policy"].split(";")]
    return {name: values for name, *values in directives}


def page_config(response: httpx.Response) -> dict:
    found = re.search(r'<script type="application/json" id="console-config">(.*?)</script>', response.text, re.S)
    assert found, response.text
    return json.loads(found.group(1))


async def test_the_page_loads_everything_from_the_gateway_under_a_csp_of_self(assets):
    async with client(assets) as http:
        response = await http.get("/console")
        vendor = [await http.get(f"/console/vendor/{name}") for name in VENDOR]

    assert response.status_code == 200
    assert not re.search(r"(https?:)?//", response.text.replace("<!doctype html>", "")), "an external URL"
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    own = [f"/console/static/{name}?v={version(name)}" for name in ("console.js", "console.css")]
    assert sorted(sources) == sorted([*(f"/console/vendor/{name}" for name in VENDOR), *own, ICON_URI])
    policy = csp(response)
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]  # no inline code runs
    assert policy["connect-src"] == ["'self'"] and policy["frame-ancestors"] == ["'none'"]
    assert [file.status_code for file in vendor] == [200] * len(VENDOR)
    assert all("immutable" in file.headers["cache-control"] for file in vendor)


async def test_the_page_tells_the_console_each_documents_id_and_the_auth_mode(assets):
    async with client(assets) as http:
        config = page_config(await http.get("/console"))

    assert config == {"documents": manifest(), "authMode": "none", "graphqlPath": "/graphql", "login": None}


async def test_jwt_mode_signs_in_with_the_pools_managed_login(assets):
    domain = "https://acme.auth.eu-west-1.amazoncognito.com"
    settings = {
        "auth_mode": "jwt",
        "jwt_issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC",
        "jwt_audience": "console-client",
        "console_login_domain": domain + "/",
        "console_client_id": "console-client",
    }
    async with client(assets, **settings) as http:
        response = await http.get("/console")  # the page itself holds no data: no credential needed

    assert response.status_code == 200
    assert page_config(response)["login"] == {
        "authorizeUrl": f"{domain}/oauth2/authorize",
        "tokenUrl": f"{domain}/oauth2/token",
        "clientId": "console-client",
        "scopes": "openid email",
        "redirectPath": "/console",
    }
    assert csp(response)["connect-src"] == ["'self'", domain]  # the code's exchange, and nothing else


async def test_without_its_assets_the_page_says_how_to_fetch_them(tmp_path):
    async with client(tmp_path / "empty") as http:
        response = await http.get("/console")

    assert response.status_code == 200
    assert "cognito-gateway fetch-ide-assets" in response.text
    assert "<script" not in response.text


async def test_the_console_can_be_turned_off(assets):
    async with client(assets, console=False) as http:
        assert (await http.get("/console")).status_code == 404


def test_the_consoles_own_files_are_in_the_package():
    assert (STATIC_DIR / "console.js").is_file() and (STATIC_DIR / "console.css").is_file()


async def test_the_consoles_own_files_are_kept_by_version_and_compressed(assets):
    async with client(assets) as http:
        versioned = await http.get(f"/console/static/console.js?v={version('console.js')}")
        unversioned = await http.get("/console/static/console.js")
        stale = await http.get("/console/static/console.js?v=0123456789abcdef")

    assert versioned.text == (STATIC_DIR / "console.js").read_text()
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert versioned.headers["content-encoding"] == "gzip"  # httpx asked for it, and decoded it
    assert unversioned.headers["cache-control"] == stale.headers["cache-control"] == "no-cache"
