"""Headless Debian chromium, driven over the Chrome DevTools Protocol with websockets' sync client: no browser
download, no driver, a few calls."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import subprocess
import time
import urllib.request
from pathlib import Path

from websockets.sync.client import connect

from bench.processes import reap

BINARY = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",  # chromium picks one and writes it to <user-data-dir>/DevToolsActivePort
]
CTRL = 2  # CDP's modifier bit


class Chromium:
    def __init__(self, workdir: Path, width: int = 1440, height: int = 900) -> None:
        """A fresh profile in ``workdir``, and chromium's output in its chromium.log."""
        user_data_dir, self.log = workdir / "profile", workdir / "chromium.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [
                    str(BINARY),
                    *FLAGS,
                    f"--user-data-dir={user_data_dir}",
                    f"--window-size={width},{height}",
                    "about:blank",
                ],
                stdout=log,
                stderr=log,
            )
        self.events: list[dict] = []
        self._ids = itertools.count(1)
        port_file = user_data_dir / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().count("\n")):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError(f"chromium did not start:\n{self.log.read_text()}")
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            (page,) = [target for target in json.load(response) if target["type"] == "page"]
        self._closing = contextlib.ExitStack()
        self.socket = self._closing.enter_context(connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=10))

    def viewport(self, width: int, height: int) -> None:
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)

    def send(self, method: str, **params: object) -> dict:
        """One command; the events that arrive before its answer are kept in ``events``."""
        call_id = next(self._ids)
        self.socket.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=30))
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    def evaluate(self, expression: str) -> object:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30) -> object:
        deadline = time.monotonic() + timeout
        while not (value := self.evaluate(expression)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"still false after {timeout}s: {expression}")
            time.sleep(0.1)
        return value

    def click(self, selector: str) -> None:
        """A real mouse click at the middle of the element."""
        box = self.wait_for(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return null;"
            " const r = e.getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=box["x"], y=box["y"], button="left", clickCount=1)

    def key(self, key: str, code: str, key_code: int, modifiers: int = 0) -> None:
        for kind in ("rawKeyDown", "keyUp"):
            self.send(
                "Input.dispatchKeyEvent",
                type=kind,
                key=key,
                code=code,
                windowsVirtualKeyCode=key_code,
                modifiers=modifiers,
            )

    def type(self, text: str) -> None:
        self.send("Input.insertText", text=text)

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"]))

    def close(self) -> None:
        if closing := getattr(self, "_closing", None):
            closing.close()
        self.process.terminate()
        reap(self.process)
