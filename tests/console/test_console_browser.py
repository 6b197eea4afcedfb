"""The admin console in headless Chromium, on `cognito-gateway serve --demo` as a user starts it: a search opened
from its URL, a sort, a facet, paging, a user opened and disabled, a bulk job whose bar reaches 100% from the
jobProgress subscription, an export downloaded, the groups, app clients and jobs views. Along the way it counts the
requests of each view (CDP's Network events) and times the users view's first render against a trivial GraphQL
request in the same run; it prints both (`pytest -s`). The screenshots it takes are docs/console-*.png (rewritten
with UPDATE_SCREENSHOT=1, written when missing)."""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import io
import json
import os
import re
import shutil
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.auth.api_keys import hash_key, new_key
from gateway.persisted import manifest
from tests.ide.chromium import BINARY, Chromium
from tests.processes import demo_process

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

# Skipped only where chromium is absent and not required: .ci/run installs it and requires it.
pytestmark = pytest.mark.skipif(
    not BINARY.exists() and not os.environ.get("COGNITO_GATEWAY_REQUIRE_CHROMIUM"),
    reason=f"no {BINARY}: `apt-get install chromium` (.ci/run installs it)",
)

# Records what the page's CSP blocks (an inline script or style, a request elsewhere).
RECORD_CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(e.blockedURI + " " + e.violatedDirective));
"""
# Every value the job's bar takes, as the subscription's events arrive.
WATCH_PROGRESS = """
window.progressSeen = [];
new MutationObserver(() => {
  const bar = document.querySelector(".bulk .job progress");
  if (bar && window.progressSeen[window.progressSeen.length - 1] !== bar.value) window.progressSeen.push(bar.value);
}).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
"""
# The median of 7 trivial GraphQL requests from the page, in ms.
TRIVIAL_REQUEST = """(async (body) => {
  const times = [];
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    const response = await fetch("/graphql", {method: "POST", headers: {"Content-Type": "application/json"}, body});
    await response.json();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[3];
})('{"query": "{ __typename }"}')"""
# A user of the demo's seed (seed 7) in Engineering, with a device and five auth events.
USER_WITH_ACTIVITY = "hana.fernandez"
USER_SEARCH = "hana fernandez"
USERS_RENDERED = "performance.getEntriesByName('console:users-rendered').map((e) => e.startTime)[0]"

SEARCH = """query($pool: ID!, $where: [UserConditionInput!]) { searchUsers(userPoolId: $pool, where: $where, first: 1) {
  ... on UserSearchConnection { totalCount } } }"""
USER = """query($pool: ID!, $username: String!) { user(userPoolId: $pool, username: $username) {
  ... on User { enabled } } }"""
INDEX = """query($pool: ID!) { indexStatus(userPoolId: $pool) { ... on IndexStatus { state } } }"""
CREATE_POOL = """mutation { createUserPool(input: {poolName: "acme-contractors"}) {
  ... on CreateUserPoolPayload { userPool { id } } } }"""
CREATE_USER = """mutation($pool: ID!, $username: String!) { adminCreateUser(input: {userPoolId: $pool, username: $username,
  messageAction: SUPPRESS}) { ... on AdminCreateUserPayload { user { username } } } }"""
CLIENT_SECRETS = """query($pool: ID!) { userPoolClients(userPoolId: $pool) { ... on UserPoolClientConnection {
  nodes { clientId } } } }"""
SECRET = """query($pool: ID!, $client: String!) { userPoolClientSecret(userPoolId: $pool, clientId: $client) {
  ... on UserPoolClientSecret { clientSecret } } }"""


def index_state(origin: str, pool: str, headers: dict[str, str] | None, *, persisted_only: bool) -> str:
    """The pool's index state: by a query's text, or (where only persisted documents run) by the console's own
    UsersPage document, sent by its ID as the console sends it."""
    if not persisted_only:
        return graphql(origin, INDEX, headers, pool=pool)["indexStatus"]["state"]
    body = {"documentId": manifest()["UsersPage"], "variables": {"pool": pool, "first": 1, "facets": []}}
    result = httpx.post(f"{origin}/graphql", json=body, headers=headers or {}, timeout=30).json()
    assert "errors" not in result, result
    return result["data"]["searchUsers"]["indexStatus"]["state"]


@contextmanager
def started_demo(
    headers: dict[str, str] | None = None, *, env: dict[str, str] | None = None, persisted_only: bool = False
) -> Iterator[tuple[int, str]]:
    """`serve --demo` (which fetches the pinned assets on its first start) with ``env`` over this process's
    environment (never changed: the module's gateways run side by side), once its pool's index is READY: its port
    and the pool's ID."""
    with demo_process(env=env) as (port, printed):
        pool = re.search(r"user pool (\S+)", printed).group(1)
        deadline = time.monotonic() + 30
        origin = f"http://127.0.0.1:{port}"
        while index_state(origin, pool, headers, persisted_only=persisted_only) != "READY":
            assert time.monotonic() < deadline, "the demo pool's index is not READY"
            time.sleep(0.1)
        yield port, pool


@pytest.fixture(scope="module")
def demo():
    with started_demo() as started:
        yield started


@pytest.fixture(scope="module")
def viewer_demo():
    """`serve --demo` in api-key mode, with one key: a viewer's; and persisted documents only (the allow-list), which
    the console works with."""
    key = new_key()
    entry = {"name": "support-desk", "role": "viewer", "hash": hash_key(key)}
    env = {
        "GATEWAY_AUTH_MODE": "api-key",
        "GATEWAY_API_KEYS": json.dumps([entry]),
        "GATEWAY_PERSISTED_DOCUMENTS": "required",
    }
    with started_demo({"X-API-Key": key}, env=env, persisted_only=True) as (port, pool):
        yield port, pool, key


class Console:
    """The console's page in Chromium, with what a test asks of it: clicks by text, the requests since a point."""

    def __init__(self, browser: Chromium, origin: str) -> None:
        self.browser = browser
        self.origin = origin

    def open(self, path: str) -> None:
        self.browser.send("Page.navigate", url=f"{self.origin}{path}")

    def wait_for(self, expression: str, timeout: float = 20) -> object:
        return self.browser.wait_for(expression, timeout)

    def evaluate(self, expression: str) -> object:
        return self.browser.evaluate(expression)

    def click(self, selector: str) -> None:
        self.browser.click(selector)

    def type(self, text: str) -> None:
        self.browser.type(text)

    def click_text(self, selector: str, text: str) -> None:
        """A real click on the first `selector` whose text is `text`."""
        finder = (
            f"[...document.querySelectorAll({json.dumps(selector)})]"
            f".find((e) => e.innerText.trim() === {json.dumps(text)} && !e.disabled)"
        )
        box = self.wait_for(
            f"(() => {{ const e = {finder}; if (!e) return null; e.scrollIntoView({{block: 'center'}});"
            " const r = e.getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.browser.send(
                "Input.dispatchMouseEvent", type=kind, x=box["x"], y=box["y"], button="left", clickCount=1
            )

    def choose(self, selector: str, value: str) -> None:
        """Picks an option of a <select>, as the keyboard would (a change event)."""
        self.wait_for(f"document.querySelector({json.dumps(selector)}) !== null")
        self.evaluate(
            f"(() => {{ const s = document.querySelector({json.dumps(selector)}); s.focus(); s.value = {json.dumps(value)};"
            " s.dispatchEvent(new Event('change', {bubbles: true})); })()"
        )

    def settled(self) -> None:
        """Waits until no GraphQL request of the page is in flight (the table is not busy, nothing loads)."""
        self.wait_for(
            "!document.querySelector('[aria-busy=\"true\"], .loading') && !document.querySelector('.summary .muted')"
        )

    def timed_click(self, selector: str, until: str) -> tuple[float, float]:
        """Clicks, waits for `until` and the answer's rows: ms from the click to those rows in the DOM, and ms of
        that the GraphQL request took (the browser's resource timing)."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).scrollIntoView({{block: 'center'}})")
        self.evaluate(
            "document.addEventListener('click', () => { window.clickedAt = performance.now(); },"
            " {capture: true, once: true})"
        )
        self.click(selector)
        self.wait_for(until)
        self.settled()
        return self.evaluate(
            "(() => { const request = performance.getEntriesByType('resource').filter((r) => r.name.endsWith('/graphql')"
            " && r.startTime > window.clickedAt).slice(-1)[0];"
            " return [performance.getEntriesByName('console:users-data').slice(-1)[0].startTime - window.clickedAt,"
            " request.responseEnd - request.startTime]; })()"
        )

    def mark(self) -> int:
        return len(self.browser.events)

    def requests(self, since: int) -> list[dict]:
        return [
            event["params"]["request"]
            for event in self.browser.events[since:]
            if event.get("method") == "Network.requestWillBeSent"
        ]

    def operations(self, since: int) -> list[str]:
        """The GraphQL operations the page sent since `since`, by name (each a persisted document's ID)."""
        names = []
        for request in self.requests(since):
            if request["method"] == "POST" and request["url"] == f"{self.origin}/graphql":
                body = json.loads(request.get("postData") or "{}")
                names.append(body.get("operationName") or "(trivial)")
        return names

    def overlapping(self, since: int, first: str, second: str) -> bool:
        """Whether operation `second` was sent before the answer to `first` arrived (both since `since`)."""
        sent, answered = {}, {}
        for event in self.browser.events[since:]:
            params = event.get("params", {})
            if event.get("method") == "Network.requestWillBeSent" and params["request"].get("postData"):
                name = json.loads(params["request"]["postData"]).get("operationName")
                sent[name] = (params["requestId"], params["timestamp"])
            elif event.get("method") == "Network.responseReceived":
                answered[params["requestId"]] = params["timestamp"]
        return sent[second][1] < answered[sent[first][0]]

    def sockets(self, since: int) -> list[str]:
        return [
            event["params"]["url"]
            for event in self.browser.events[since:]
            if event.get("method") == "Network.webSocketCreated"
        ]

    def route(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.evaluate("location.href")).query)

    def column(self, key: str) -> list[str]:
        return self.evaluate(
            f"[...document.querySelectorAll('table.users tbody td.col-{key}')].map((td) => td.innerText.trim())"
        )

    def screenshot(self, name: str, tmp_path: Path, top: bool = True) -> None:
        self.evaluate("document.activeElement && document.activeElement.blur()")
        if top:
            self.evaluate("window.scrollTo(0, 0)")
        shot = tmp_path / name
        self.browser.screenshot(shot)
        target = DOCS / name
        if os.environ.get("UPDATE_SCREENSHOT") == "1" or not target.exists():
            shutil.copyfile(shot, target)


@contextmanager
def console_at(origin: str, tmp_path: Path) -> Iterator[Console]:
    """A fresh headless Chromium at 1280x800 on the console's origin, its pages', network's and runtime's events
    recorded, and the CSP's violations collected (``window.cspViolations``); closed on exit."""
    browser = Chromium(tmp_path)
    try:
        for domain in ("Page", "Network", "Runtime"):
            browser.send(f"{domain}.enable")
        browser.send("Page.addScriptToEvaluateOnNewDocument", source=RECORD_CSP_VIOLATIONS)
        browser.viewport(1280, 800)
        yield Console(browser, origin)
    finally:
        browser.close()


def graphql(origin: str, document: str, headers: dict[str, str] | None = None, **variables: object) -> dict:
    response = httpx.post(
        f"{origin}/graphql", json={"query": document, "variables": variables}, headers=headers or {}, timeout=30
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def test_the_console_searches_sorts_disables_runs_a_job_and_downloads_an_export(demo, tmp_path):
    port, pool = demo
    origin = f"http://127.0.0.1:{port}"
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with console_at(origin, tmp_path) as console:
        console.browser.send("Page.setDownloadBehavior", behavior="allow", downloadPath=str(downloads))
        _run(console, pool, downloads, tmp_path)


def _run(console: Console, pool: str, downloads: Path, tmp_path: Path) -> None:
    browser, origin = console.browser, console.origin
    measured: dict[str, object] = {}
    per_view: dict[str, list[str]] = {}

    # A search opened from its URL, in a fresh profile (nothing cached): the page, its files, then the graph.
    start = console.mark()
    console.open(f"/console?pool={pool}&q=nowak")
    console.wait_for("document.querySelectorAll('table.users tbody tr').length > 0")
    console.settled()
    cold_first_render = console.wait_for(USERS_RENDERED)
    loaded = console.requests(start)
    assert all(request["url"].startswith(f"{origin}/") for request in loaded), [r["url"] for r in loaded]
    per_view["users (cold load)"] = console.operations(start)
    measured["users_cold_http_requests"] = len(loaded)
    total = int(re.match(r"([\d,]+) users?", console.evaluate("document.querySelector('.summary').innerText"))[1])
    assert total == len(console.column("username")) == 11  # the demo's seed has 11 users named Nowak
    assert all("nowak" in username for username in console.column("username"))
    assert console.evaluate("document.getElementById('search-text').value") == "nowak"
    trivial = [console.evaluate(TRIVIAL_REQUEST) for _ in range(3)]

    # Again, with the pinned files cached: what an admin opening a link sees.
    start = console.mark()
    browser.send("Page.reload")
    console.wait_for(f"({USERS_RENDERED}) > 0 && document.querySelectorAll('table.users tbody tr').length > 0")
    warm_first_render = console.wait_for(USERS_RENDERED)
    per_view["users (reload)"] = console.operations(start)
    reload_overlap = console.overlapping(start, "ConsoleStart", "UsersPage")
    cached = {
        e["params"]["requestId"] for e in browser.events[start:] if e.get("method") == "Network.requestServedFromCache"
    }
    reloaded = [e["params"] for e in browser.events[start:] if e.get("method") == "Network.requestWillBeSent"]
    measured["users_reload_http_requests"] = len([r for r in reloaded if r["requestId"] not in cached])
    measured["users_reload_from_cache"] = len(cached)
    trivial.append(console.evaluate(TRIVIAL_REQUEST))
    trivial_ms = statistics.median(trivial)
    measured.update(
        trivial_request_ms=round(trivial_ms, 1),
        users_first_render_cold_ms=round(cold_first_render, 1),
        users_first_render_warm_ms=round(warm_first_render, 1),
        cold_multiple=round(cold_first_render / trivial_ms, 1),
        warm_multiple=round(warm_first_render / trivial_ms, 1),
    )

    # Sort by a column header: one request, the URL says it, the rows follow.
    start = console.mark()
    rerenders = [console.timed_click('button.sort[data-sort="email"]', "location.search.includes('sort=email')")]
    rerenders.append(console.timed_click('button.sort[data-sort="email"]', "location.search.includes('sort=-email')"))
    per_view["users (sort, twice)"] = console.operations(start)
    emails = console.column("email")
    assert emails == sorted(emails, key=str.lower, reverse=True) and len(emails) == 11
    assert console.evaluate("document.querySelector('th.col-email').getAttribute('aria-sort')") == "descending"

    # A facet: the whole pool's Engineering department, then a page forward and back.
    start = console.mark()
    console.click_text("button", "Clear")
    console.wait_for("!location.search.includes('q=')")
    console.settled()
    console.click_text(".facet-value .facet-name", "Engineering")
    console.wait_for("location.search.includes('Engineering')")
    console.settled()
    engineering = graphql(
        origin,
        SEARCH,
        pool=pool,
        where=[{"field": "custom:department", "operator": "EQUALS", "value": "Engineering"}],
    )["searchUsers"]["totalCount"]
    assert console.route()["c"] == ["custom:department EQUALS Engineering"]
    assert console.evaluate("document.querySelector('.summary strong').innerText") == f"{engineering} users"
    assert engineering > 50  # more than a page
    rerenders.append(console.timed_click(".pager button:nth-of-type(3)", "location.search.includes('after=')"))
    assert len(console.column("username")) == engineering - 50
    rerenders.append(console.timed_click(".pager button:nth-of-type(2)", "!location.search.includes('after=')"))
    measured["users_rerender_after_click_ms"] = round(statistics.median(total for total, _ in rerenders), 1)
    measured["users_rerender_request_ms"] = round(statistics.median(request for _, request in rerenders), 1)
    measured["rerender_multiple"] = round(measured["users_rerender_after_click_ms"] / trivial_ms, 1)
    per_view["users (clear, facet, next, previous)"] = console.operations(start)
    assert len(console.column("username")) == 50

    # Rows selected, for the screenshot of the users view.
    console.click("table.users tbody tr:nth-child(2) input[type=checkbox]")
    console.click("table.users tbody tr:nth-child(3) input[type=checkbox]")
    console.wait_for("document.querySelector('input[name=scope][value=selected]').checked")
    console.screenshot("console-users.png", tmp_path)

    # A bulk job over every match of the search: its bar goes to 100% as the subscription's events arrive.
    console.evaluate(WATCH_PROGRESS)
    console.click("input[name=scope][value=search]")
    console.choose("#bulk-action", "ADD_TO_GROUP")
    console.choose("#bulk-group", "beta-testers")
    start = console.mark()
    console.click_text(".bulk-form button", "Start job")
    console.wait_for("document.querySelector('.bulk .job progress') !== null")
    with contextlib.suppress(TimeoutError):  # a screenshot mid-way, when this run catches one
        console.wait_for("(p => p.value >= 25 && p.value <= 75)(document.querySelector('.bulk .job progress'))", 5)
        console.screenshot("console-bulk-job.png", tmp_path, top=False)
    console.wait_for("document.querySelector('.bulk .job progress').value === 100", timeout=30)
    console.wait_for("document.querySelector('.bulk .job .badge').innerText === 'succeeded'")
    # The table is read again once the job is done: every row is in the group now.
    console.wait_for(
        "[...document.querySelectorAll('table.users td.col-groups')].every((td) => td.innerText.includes('beta-testers'))"
    )
    per_view["bulk job (start, follow)"] = console.operations(start)
    assert console.sockets(start) == [f"ws://{origin.removeprefix('http://')}/graphql"]
    seen = console.evaluate("window.progressSeen")
    assert seen[-1] == 100 and seen == sorted(seen), seen
    in_beta = graphql(
        origin,
        SEARCH,
        pool=pool,
        where=[
            {"field": "custom:department", "operator": "EQUALS", "value": "Engineering"},
            {"field": "group", "operator": "EQUALS", "value": "beta-testers"},
        ],
    )["searchUsers"]["totalCount"]
    assert in_beta == engineering
    assert f"{engineering} of {engineering} done" in console.evaluate("document.querySelector('.bulk .job').innerText")

    # An export of three selected users (two still are), downloaded with the page's credentials through a Blob URL.
    chosen = console.column("username")[:3]
    console.click("table.users tbody tr:nth-child(1) input[type=checkbox]")
    console.wait_for("document.querySelector('input[name=scope][value=selected]').checked")
    assert "3 selected users" in console.evaluate("document.querySelector('.bulk-scope').innerText")
    console.choose("#bulk-action", "EXPORT")
    start = console.mark()
    console.click_text(".bulk-form button", "Start job")
    console.wait_for("document.querySelector('.bulk .job button.download') !== null", timeout=30)
    console.click(".bulk .job button.download")
    deadline = time.monotonic() + 15
    while not (files := [path for path in downloads.iterdir() if not path.name.endswith(".crdownload")]):
        assert time.monotonic() < deadline, "the export was not downloaded"
        console.evaluate("0")  # reads the browser's events meanwhile
        time.sleep(0.1)
    console.wait_for("document.querySelector('[role=status]').innerText.includes('Export downloaded')")
    per_view["export (start, follow, download)"] = console.operations(start) + [
        f"GET {urlsplit(request['url']).path}"
        for request in console.requests(start)
        if request["method"] == "GET" and "/download" in request["url"]
    ]
    (export,) = files
    rows = list(csv.DictReader(io.StringIO(export.read_text())))
    assert sorted(row["cognito:username"] for row in rows) == sorted(chosen)  # Cognito's import columns

    # Type a search, open the user it finds, disable them.
    console.click("#search-text")
    console.type(USER_SEARCH)
    console.click_text(".search button", "Search")
    console.wait_for("location.search.includes('q=')")
    console.settled()
    assert console.route()["q"] == [USER_SEARCH] and console.route()["c"] == ["custom:department EQUALS Engineering"]
    assert console.column("username") == [USER_WITH_ACTIVITY]
    start = console.mark()
    console.click("table.users tbody tr:first-child td.col-username a")
    console.wait_for("document.getElementById('attributes-title') !== null")
    per_view["user"] = console.operations(start)
    assert console.route()["user"] == [USER_WITH_ACTIVITY] and console.route()["view"] == ["user"]
    assert f"{USER_WITH_ACTIVITY}@acme.example" in console.evaluate("document.querySelector('dl.attributes').innerText")
    assert console.evaluate("document.querySelectorAll('#events-title ~ table tbody tr').length") >= 3
    console.screenshot("console-user.png", tmp_path)
    assert graphql(origin, USER, pool=pool, username=USER_WITH_ACTIVITY)["user"]["enabled"] is True
    start = console.mark()
    console.click_text(".actions button", "Disable")
    console.wait_for("[...document.querySelectorAll('.actions button')].some((b) => b.innerText === 'Enable')")
    per_view["user (disable)"] = console.operations(start)
    assert "disabled" in console.evaluate("document.querySelector('.view-head').innerText")
    assert "is disabled" in console.wait_for("document.querySelector('[role=status]').innerText")
    assert graphql(origin, USER, pool=pool, username=USER_WITH_ACTIVITY)["user"]["enabled"] is False

    # Back (the browser's button) to the search, which already says so: the index was written before the answer.
    console.evaluate("history.back()")
    console.wait_for("document.querySelectorAll('table.users tbody tr').length === 1")
    console.settled()
    assert console.column("enabled") == ["disabled"]

    # Forward again: a group added and removed in place, then the user deleted, after the dialog's confirmation.
    console.evaluate("history.forward()")
    console.wait_for("document.getElementById('add-group') !== null")
    console.choose("#add-group", "support")
    console.click_text(".inline-form button", "Add")
    console.wait_for("[...document.querySelectorAll('.chip span')].some((s) => s.innerText === 'support')")
    console.click('.chip-remove[aria-label="Remove from support"]')
    console.wait_for("![...document.querySelectorAll('.chip span')].some((s) => s.innerText === 'support')")
    console.click_text(".actions button", "Delete")
    console.wait_for("document.querySelector('dialog[open]') !== null")
    assert console.evaluate("document.activeElement.innerText") == "Cancel"  # the safe choice has the focus
    console.click_text("dialog[open] button", "Delete user")
    console.wait_for("document.querySelector('.users .empty, .users-main .empty') !== null")
    assert console.route().get("view") is None and console.route()["q"] == [USER_SEARCH]
    assert "is deleted" in console.evaluate("document.querySelector('[role=status]').innerText")

    # The jobs view: both jobs, newest first, final.
    start = console.mark()
    console.click_text(".views a", "Jobs")
    console.wait_for("document.querySelectorAll('.jobs .job').length >= 2")
    per_view["jobs"] = console.operations(start)
    titles = console.evaluate("[...document.querySelectorAll('.jobs .job h3')].map((h) => h.innerText)")
    assert titles[:2] == ["Export", "Add to group"]
    assert console.evaluate("document.querySelector('.jobs .job button.download') !== null")
    console.screenshot("console-jobs.png", tmp_path)

    # Groups, with member counts from the index's facets.
    start = console.mark()
    console.click_text(".views a", "Groups")
    console.wait_for("document.querySelectorAll('table.groups tbody tr').length === 5")
    per_view["groups"] = console.operations(start)
    console.screenshot("console-groups.png", tmp_path)

    # App clients: their settings, and no secret anywhere.
    start = console.mark()
    console.click_text(".views a", "App clients")
    console.wait_for("document.querySelectorAll('.clients .client').length >= 2")
    per_view["app clients"] = console.operations(start)
    console.screenshot("console-clients.png", tmp_path)
    page_text = console.evaluate("document.body.innerText")
    for client in graphql(origin, CLIENT_SECRETS, pool=pool)["userPoolClients"]["nodes"]:
        secret = graphql(origin, SECRET, pool=pool, client=client["clientId"])["userPoolClientSecret"]
        if secret and secret.get("clientSecret"):
            assert secret["clientSecret"] not in page_text

    # A pool the gateway does not index yet: the console says so and an admin starts its sync from there; it then
    # refreshes itself until the index is READY. The pool picker goes back to the demo's pool.
    other = graphql(origin, CREATE_POOL)["createUserPool"]["userPool"]["id"]
    for username in ("ines.contractor", "tomas.contractor"):
        graphql(origin, CREATE_USER, pool=other, username=username)
    console.open(f"/console?pool={other}")
    console.wait_for("document.querySelector('.index-panel') !== null")
    assert "not indexed" in console.evaluate("document.getElementById('index-title').innerText")
    console.click_text(".index-panel button", "Index this pool")
    console.wait_for("document.querySelectorAll('table.users tbody tr').length === 2", timeout=30)
    assert console.evaluate("document.querySelector('.index-panel')") is None
    assert console.column("username") == ["ines.contractor", "tomas.contractor"]
    console.choose("#pool", pool)
    console.wait_for(f"location.search === '?pool={pool}'")
    console.wait_for("document.querySelectorAll('table.users tbody tr').length === 50")

    # Keyboard: the first Tab reaches the skip link, with a visible focus ring; Enter on a column header sorts.
    browser.send("Page.reload")
    console.wait_for("document.querySelectorAll('table.users tbody tr').length === 50")
    browser.key("Tab", "Tab", 9)
    assert console.evaluate("document.activeElement.innerText") == "Skip to content"
    assert console.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    console.evaluate("document.querySelector('button.sort[data-sort=userStatus]').focus()")
    browser.send(
        "Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter", windowsVirtualKeyCode=13, text="\r"
    )
    browser.send("Input.dispatchKeyEvent", type="keyUp", key="Enter", code="Enter", windowsVirtualKeyCode=13)
    console.wait_for("location.search.includes('sort=userStatus')")
    console.settled()
    assert console.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"

    # Nothing but the gateway, nothing blocked, nothing failed, every operation a persisted document.
    requests = console.requests(0)
    outside = [
        r["url"] for r in requests if urlsplit(r["url"]).scheme in ("http", "https") and not r["url"].startswith(origin)
    ]
    assert not outside, outside
    for request in requests:
        if request["method"] == "POST" and request["url"] == f"{origin}/graphql":
            body = json.loads(request["postData"])
            if body.get("query") == "{ __typename }":
                continue  # the trivial request this test times
            assert set(body) == {"documentId", "operationName", "variables"}, body
    responses = [e["params"]["response"] for e in browser.events if e.get("method") == "Network.responseReceived"]
    failed = [(response["url"], response["status"]) for response in responses if response["status"] >= 400]
    assert not failed, failed
    assert console.evaluate("window.cspViolations") == []
    errors = [e["params"] for e in browser.events if e.get("method") == "Runtime.exceptionThrown"]
    assert not errors, errors

    measured["graphql_requests_per_view"] = {view: len(names) for view, names in per_view.items()}
    print("\nconsole measurements:", json.dumps(measured, indent=2))
    print("operations per view:", json.dumps(per_view, indent=2))
    assert per_view["user"] == ["UserPage"]
    assert per_view["groups"] == ["GroupsPage"] and per_view["app clients"] == ["ClientsPage"]
    # A users view opened from a link: its search leaves with ConsoleStart, not after its answer (the pool's custom
    # attributes known from an earlier visit); on a first visit, it waits for them.
    assert per_view["users (reload)"] == per_view["users (cold load)"] == ["ConsoleStart", "UsersPage"]
    assert reload_overlap, "the reloaded users view waited for ConsoleStart's answer"
    assert per_view["users (sort, twice)"] == ["UsersPage", "UsersPage"]


def test_a_viewer_pastes_an_api_key_and_is_offered_no_change(viewer_demo, tmp_path):
    port, pool, key = viewer_demo
    origin = f"http://127.0.0.1:{port}"
    # Only persisted documents run on this gateway: a query's text is refused, the console's documents are not.
    refused = httpx.post(
        f"{origin}/graphql", json={"query": INDEX, "variables": {"pool": pool}}, headers={"X-API-Key": key}
    )
    assert refused.json()["errors"][0]["extensions"]["code"] == "PERSISTED_DOCUMENT_REQUIRED"
    with console_at(origin, tmp_path) as console:
        browser = console.browser

        # No key yet: the graph refuses, the console says so in words and asks for one.
        console.open(f"/console?pool={pool}")
        console.wait_for("document.getElementById('credential') !== null")
        refusal = console.wait_for(
            "(() => { const e = document.querySelector('.auth .error'); return e && e.innerText; })()"
        )
        assert refusal.startswith("UNAUTHENTICATED: ")
        assert console.evaluate("document.querySelector('table.users')") is None

        # A key the gateway does not know, kept from earlier in the tab: refused too, and asked for again.
        console.evaluate("sessionStorage.setItem('cognito-gateway-console:credential', 'cgw_not-a-key')")
        browser.send("Page.reload")
        refusal = console.wait_for(
            "(() => { const e = document.querySelector('.auth .error'); return e && e.innerText; })()"
        )
        assert refusal.startswith("UNAUTHENTICATED: ") and "Forget the API key" in console.evaluate(
            "document.querySelector('.auth').innerText"
        )

        start = console.mark()
        console.click("#credential")
        console.type(key)
        console.click_text(".auth button", "Use this API key")
        console.wait_for("document.querySelectorAll('table.users tbody tr').length > 0")
        console.settled()
        sent = [r for r in console.requests(start) if r["url"] == f"{origin}/graphql"]
        assert sent and all(r["headers"].get("X-API-Key") == key for r in sent)
        assert console.evaluate(
            "sessionStorage.length === 1 && localStorage.getItem('cognito-gateway-console:credential') === null"
        )
        assert console.evaluate("document.querySelector('.caller .badge').innerText") == "viewer"
        # A viewer is offered no change: no selection, no bulk job, no action on a user.
        assert console.evaluate("document.querySelectorAll('table.users input[type=checkbox], .bulk').length") == 0
        console.click("table.users tbody tr:first-child td.col-username a")
        console.wait_for("document.getElementById('attributes-title') !== null")
        assert console.evaluate("document.querySelectorAll('.actions, #add-group, .chip-remove').length") == 0

        # A typed error, in words (the key is kept for the tab, across a load).
        console.open(f"/console?pool={pool}&view=user&user=nobody.here")
        error = console.wait_for(
            "(() => { const e = document.querySelector('.errors .error'); return e && e.innerText; })()"
        )
        assert error.startswith("UserNotFoundException: ")
        assert console.evaluate("window.cspViolations") == []
        assert not [e for e in browser.events if e.get("method") == "Runtime.exceptionThrown"]


class ManagedLogin:
    """A stand-in for a user pool's managed login: /oauth2/authorize sends the browser back with a code at once (as if
    the user signed in), /oauth2/token gives an access token for it only against the PKCE verifier of its challenge
    (CORS for the console's origin, as Cognito's token endpoint answers browsers), and the issuer's JWKS."""

    CLIENT_ID = "console-client"

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.authorized: list[dict[str, str]] = []
        self.exchanged: list[dict[str, str]] = []
        self.console_origin = ""
        login = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path == "/.well-known/jwks.json":
                    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(login.key.public_key(), as_dict=True)
                    return self.reply(200, {"keys": [{**jwk, "kid": "login-1", "alg": "RS256", "use": "sig"}]})
                if url.path != "/oauth2/authorize":
                    return self.reply(404, {"error": "not_found"})
                query = {name: values[0] for name, values in parse_qs(url.query).items()}
                login.authorized.append(query)
                code = f"code-{len(login.authorized)}"
                self.send_response(302)
                self.send_header(
                    "Location", f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
                )
                self.end_headers()

            def do_POST(self) -> None:
                form = {
                    name: values[0]
                    for name, values in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()
                }
                login.exchanged.append(form)
                asked = login.authorized[-1]
                challenge = base64.urlsafe_b64encode(hashlib.sha256(form["code_verifier"].encode()).digest()).rstrip(
                    b"="
                )
                if (
                    form.get("grant_type") != "authorization_code"
                    or form.get("client_id") != login.CLIENT_ID
                    or form.get("code") != f"code-{len(login.authorized)}"
                    or form.get("redirect_uri") != asked["redirect_uri"]
                    or challenge.decode() != asked["code_challenge"]
                ):
                    return self.reply(400, {"error": "invalid_grant"})
                self.reply(200, {"access_token": login.token(), "token_type": "Bearer", "expires_in": 3600})

            def reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Access-Control-Allow-Origin", login.console_origin)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def token(self) -> str:
        """A Cognito access token of a member of `support` (an operator)."""
        now = int(time.time())
        claims = {
            "sub": "7d1c-support-agent",
            "iss": self.url,
            "client_id": self.CLIENT_ID,
            "token_use": "access",
            "username": "agent",
            "iat": now,
            "exp": now + 600,
            "cognito:groups": ["support"],
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "login-1"})


@pytest.fixture(scope="module")
def jwt_demo():
    """`serve --demo` in jwt mode, its console signing in with a managed login (authorization code with PKCE)."""
    login = ManagedLogin()
    login.thread.start()
    settings = {
        "GATEWAY_AUTH_MODE": "jwt",
        "GATEWAY_JWT_ISSUER": login.url,
        "GATEWAY_JWT_AUDIENCE": login.CLIENT_ID,
        "GATEWAY_ROLE_MAP": "support=operator",
        "GATEWAY_CONSOLE_LOGIN_DOMAIN": login.url,
        "GATEWAY_CONSOLE_CLIENT_ID": login.CLIENT_ID,
    }
    try:
        with started_demo({"Authorization": f"Bearer {login.token()}"}, env=settings) as (port, pool):
            login.console_origin = f"http://127.0.0.1:{port}"
            yield port, pool, login
    finally:
        login.server.shutdown()
        login.server.server_close()


def test_jwt_mode_signs_in_with_the_managed_login_by_pkce(jwt_demo, tmp_path):
    port, pool, login = jwt_demo
    origin = f"http://127.0.0.1:{port}"
    with console_at(origin, tmp_path) as console:
        browser = console.browser

        console.open(f"/console?pool={pool}&q=nowak")
        console.wait_for("document.querySelector('.auth .error') !== null")  # the graph's refusal, above the button
        console.click_text(".auth button", "Sign in")
        # To the managed login and back: the code is exchanged, the token kept, the search the user left restored.
        console.wait_for("document.querySelectorAll('table.users tbody tr').length > 0")
        console.settled()
        (asked,) = login.authorized
        assert asked["response_type"] == "code" and asked["client_id"] == login.CLIENT_ID
        assert asked["code_challenge_method"] == "S256" and asked["redirect_uri"] == f"{origin}/console"
        assert asked["scope"] == "openid email"
        (exchanged,) = login.exchanged
        assert 43 <= len(exchanged["code_verifier"]) <= 128  # RFC 7636
        assert console.route() == {"pool": [pool], "q": ["nowak"]}
        assert console.evaluate("document.querySelector('.caller .badge').innerText") == "operator"
        assert console.evaluate("document.querySelectorAll('.bulk').length") == 1  # an operator's bulk jobs
        graph = [r for r in console.requests(0) if r["url"] == f"{origin}/graphql" and r["method"] == "POST"]
        assert graph and graph[-1]["headers"].get("Authorization", "").startswith("Bearer ey")
        assert console.evaluate("window.cspViolations") == []
        assert not [e for e in browser.events if e.get("method") == "Runtime.exceptionThrown"]

        # Signing out forgets the token: the graph refuses, the console offers the sign-in again.
        console.click_text(".caller button", "Sign out")
        console.wait_for("document.querySelector('.auth') !== null")
        assert console.evaluate("sessionStorage.getItem('cognito-gateway-console:credential')") is None
