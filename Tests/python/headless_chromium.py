"""Opens a local page in Debian's headless Chromium over the Chrome DevTools Protocol, offline.

A small client on websocket-client: it starts `chromium --headless` with a private profile and
`--remote-debugging-port=0`, attaches to one tab, pauses every request (Fetch domain) and lets
through only the page's own file:// URL, failing and recording every other one. It records
console messages, log entries and uncaught exceptions, counts elements, and takes a full-page
screenshot. Used by test_validate_browser.py.
"""

import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import websocket

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def find_chromium() -> str | None:
    for candidate in CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium")


class Page:
    """One tab of a fresh headless Chromium; use as a context manager."""

    def __init__(self, executable: str, width: int = 1280, height: int = 900, timeout: float = 60):
        self.executable, self.width, self.height, self.timeout = executable, width, height, timeout
        self.ids = itertools.count(1)
        self.console: list[dict] = []  # Runtime.consoleAPICalled: type, text
        self.log: list[dict] = []  # Log.entryAdded: level, source, text, url
        self.exceptions: list[str] = []  # Runtime.exceptionThrown
        self.requests: list[str] = []  # every URL the page asked for (Network.requestWillBeSent)
        self.blocked: list[str] = []  # URLs failed by the Fetch interception
        self.failed: list[dict] = []  # Network.loadingFailed
        self.allowed: set[str] = set()
        self.events: list[dict] = []

    def __enter__(self):
        self.profile = tempfile.mkdtemp(prefix="scengine-chromium-")
        self.process = subprocess.Popen(
            [self.executable, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-extensions", "--disable-default-apps", "--disable-breakpad",
             "--metrics-recording-only", "--mute-audio", "--hide-scrollbars",
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
             f"--window-size={self.width},{self.height}", f"--user-data-dir={self.profile}",
             "--remote-debugging-port=0", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            self._connect()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if getattr(self, "socket", None) is not None:
            try:
                self.socket.close()
            except Exception:
                pass
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def _connect(self):
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while not (port_file.is_file() and len(port_file.read_text().splitlines()) >= 2):
            if self.process.poll() is not None:
                raise RuntimeError("chromium exited at start: "
                                   + self.process.stderr.read().decode(errors="replace")[-2000:])
            if time.monotonic() > deadline:
                raise TimeoutError("chromium wrote no DevToolsActivePort")
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        self.socket = websocket.create_connection(f"ws://127.0.0.1:{port}{path}",
                                                  timeout=self.timeout, suppress_origin=True)
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=True)
        self.call("Fetch.enable", session=True, patterns=[{"urlPattern": "*"}])
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=self.width,
                  height=self.height, deviceScaleFactor=1, mobile=False)

    # Protocol plumbing --------------------------------------------------------------------

    def call(self, method: str, session: bool = False, **params) -> dict:
        ident = next(self.ids)
        message = {"id": ident, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        self.socket.send(json.dumps(message))
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == ident:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def _receive(self, deadline: float) -> dict:
        if time.monotonic() > deadline:
            raise TimeoutError("no answer from chromium")
        message = json.loads(self.socket.recv())
        if "method" in message:
            self._event(message)
        return message

    def _event(self, message: dict):
        method, params = message["method"], message.get("params", {})
        self.events.append(message)
        if method == "Fetch.requestPaused":
            url = params["request"]["url"]
            if url in self.allowed:
                self._send("Fetch.continueRequest", requestId=params["requestId"])
            else:
                self.blocked.append(url)
                self._send("Fetch.failRequest", requestId=params["requestId"],
                           errorReason="BlockedByClient")
        elif method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Network.loadingFailed":
            self.failed.append(params)
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            self.console.append({"type": params["type"], "text": text})
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.exceptions.append(details.get("exception", {}).get("description")
                                   or details.get("text", ""))
        elif method == "Log.entryAdded":
            entry = params["entry"]
            self.log.append({k: entry.get(k) for k in ("level", "source", "text", "url")})

    def _send(self, method: str, **params):
        # Answers to paused requests; their replies are read and dropped by later calls.
        message = {"id": next(self.ids), "method": method, "params": params,
                   "sessionId": self.session}
        self.socket.send(json.dumps(message))

    def wait_for(self, method: str, timeout: float | None = None) -> dict:
        """The first `method` event recorded since `open` cleared the list (it may have come
        while a call waited for its reply)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        seen = 0
        while True:
            for message in self.events[seen:]:
                if message["method"] == method:
                    return message["params"]
            seen = len(self.events)
            self._receive(deadline)

    # What a test asks -----------------------------------------------------------------------

    def open(self, path: Path):
        url = Path(path).resolve().as_uri()
        self.allowed.add(url)
        self.url = url
        del self.events[:]
        result = self.call("Page.navigate", session=True, url=url)
        if result.get("errorText"):
            raise RuntimeError(f"navigation to {url} failed: {result['errorText']}")
        self.wait_for("Page.loadEventFired")
        # Let layout settle and late messages arrive.
        self.evaluate("new Promise(r => requestAnimationFrame(() => setTimeout(r, 200)))")
        return url

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", session=True, expression=expression,
                           returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self) -> bytes:
        """A PNG of the whole page at the window's width."""
        metrics = self.call("Page.getLayoutMetrics", session=True)
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        height = max(self.height, int(size["height"] + 0.999))
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=self.width,
                  height=height, deviceScaleFactor=1, mobile=False)
        data = self.call("Page.captureScreenshot", session=True, format="png",
                         captureBeyondViewport=True, fromSurface=True)["data"]
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=self.width,
                  height=self.height, deviceScaleFactor=1, mobile=False)
        return base64.b64decode(data)
