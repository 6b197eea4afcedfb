"""GraphiQL in headless Chromium, on `cognito-gateway serve --demo` as a user starts it: the page loads
everything from the gateway, a query typed into the editor runs, and its result shows. The screenshot it takes
is docs/graphiql-offline.png (rewritten with UPDATE_SCREENSHOT=1)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.ide.chromium import BINARY, CTRL, Chromium
from tests.processes import demo_process

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "graphiql-offline.png"

# Skipped only where chromium is absent and not required: .ci/run installs it and requires it.
pytestmark = pytest.mark.skipif(
    not BINARY.exists() and not os.environ.get("COGNITO_GATEWAY_REQUIRE_CHROMIUM"),
    reason=f"no {BINARY}: `apt-get install chromium` (.ci/run installs it)",
)

QUERY = """{
userPool(id: "POOL") { ... on UserPool { name estimatedNumberOfUsers } }
users(userPoolId: "POOL", first: 3) {
... on UserConnection { nodes { username userStatus groups { groupName } } }
}
}"""
# Records what the page blocks: a script, style or request the Content-Security-Policy refuses.
RECORD_CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(e.blockedURI + " " + e.violatedDirective));
"""


@pytest.fixture(scope="module")
def demo():
    """`serve --demo` (which fetches GraphiQL's assets on its first start), its port and the demo pool's ID."""
    with demo_process() as (port, printed):
        yield port, re.search(r"user pool (\S+)", printed).group(1)


@pytest.fixture
def browser(tmp_path):
    chromium = Chromium(tmp_path)
    yield chromium
    chromium.close()


def test_graphiql_runs_a_query_with_nothing_from_outside_the_gateway(demo, browser, tmp_path):
    port, pool = demo
    origin = f"http://127.0.0.1:{port}"
    for domain in ("Page", "Network", "Runtime"):
        browser.send(f"{domain}.enable")
    browser.send("Page.addScriptToEvaluateOnNewDocument", source=RECORD_CSP_VIOLATIONS)
    browser.viewport(1440, 900)

    browser.send("Page.navigate", url=f"{origin}/graphql")
    browser.wait_for("document.querySelector('.graphiql-query-editor .CodeMirror') !== null")
    open_tab = browser.evaluate("document.querySelector('.graphiql-editor-tools button.active').innerText")
    assert open_tab == "Headers"  # where Authorization or X-API-Key goes

    browser.click(".graphiql-query-editor .CodeMirror-lines")
    browser.key("a", "KeyA", 65, CTRL)
    browser.key("Backspace", "Backspace", 8)
    browser.type(QUERY.replace("POOL", pool))
    browser.click('[aria-label^="Prettify query"]')
    browser.click(".graphiql-execute-button")
    result = browser.wait_for(
        "(() => { const r = document.querySelector('.graphiql-response').innerText;"
        " return r.includes('estimatedNumberOfUsers') && r; })()"
    )
    browser.click('[aria-label="Show GraphiQL Explorer"]')
    browser.wait_for("document.querySelector('.graphiql-explorer-root') !== null")
    browser.evaluate("document.activeElement.blur(); document.querySelector('.graphiql-plugin').scrollTop = 0")
    shot = tmp_path / "graphiql.png"
    browser.screenshot(shot)
    violations = browser.evaluate("window.cspViolations")

    assert '"name": "acme-staff"' in result and '"estimatedNumberOfUsers": 160' in result
    assert result.count('"username"') == 3
    assert violations == []
    requests = [
        event["params"]["request"] for event in browser.events if event.get("method") == "Network.requestWillBeSent"
    ]
    urls = [request["url"] for request in requests if urlsplit(request["url"]).scheme != "data"]
    outside = [url for url in urls if not url.startswith(f"{origin}/")]
    assert not outside, f"the page reached outside the gateway: {outside}"
    assert (
        sum(url.startswith(f"{origin}/graphql/ide/") for url in urls) == 6
    )  # react, react-dom, graphiql x2, explorer x2
    assert any(request["method"] == "POST" and request["url"] == f"{origin}/graphql" for request in requests)
    responses = [
        event["params"]["response"] for event in browser.events if event.get("method") == "Network.responseReceived"
    ]
    failed = [(response["url"], response["status"]) for response in responses if response["status"] >= 400]
    assert not failed, f"requests of the page failed (the console shows them): {failed}"
    errors = [event["params"] for event in browser.events if event.get("method") == "Runtime.exceptionThrown"]
    assert not errors
    if os.environ.get("UPDATE_SCREENSHOT") == "1" or not SCREENSHOT.exists():
        shutil.copyfile(shot, SCREENSHOT)
