"""Open an HTML file in headless Chromium and report what a reader would see.

Used by the tests of the HTML reports: it loads the page, collects console
errors and uncaught exceptions, measures every image and math element, and
writes a full-page screenshot. It talks to Chromium over the DevTools
protocol on a pipe (``--remote-debugging-pipe``), so it needs nothing but the
``chromium`` program (Debian package ``chromium``).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio")

PROBE = """(() => {
  const imgs = Array.from(document.images).map(i => ({
      alt: i.alt, cls: i.className, complete: i.complete, w: i.naturalWidth, h: i.naturalHeight,
      shown_w: i.getBoundingClientRect().width, shown_h: i.getBoundingClientRect().height}));
  const math = Array.from(document.querySelectorAll('.math, math, .katex')).map(e => {
      const r = e.getBoundingClientRect(); return {tag: e.tagName, w: r.width, h: r.height}; });
  return {title: document.title, images: imgs, math: math,
          height: Math.ceil(document.documentElement.scrollHeight), text: document.body.innerText.length};
})()"""


def find_chromium():
    """Path of a Chromium-family browser, or None when none is installed."""
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageReport:
    """What the browser saw: console errors, images, math boxes, page height, screenshot path."""

    console_errors: list = field(default_factory=list)
    images: list = field(default_factory=list)
    math: list = field(default_factory=list)
    title: str = ""
    height: int = 0
    text_length: int = 0
    screenshot: Path | None = None


class _Pipe:
    """Chromium's DevTools protocol over two pipes: JSON messages ended by a NUL byte."""

    def __init__(self, proc, write_fd, read_fd):
        self.proc, self.wfd, self.rfd = proc, write_fd, read_fd
        self.buffer = b""
        self.events = []
        self.next_id = 0

    def send(self, method, params=None, session=None, timeout=30.0):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.wfd, json.dumps(msg).encode() + b"\0")
        want = self.next_id
        deadline = time.monotonic() + timeout
        while True:
            for reply in self._read(deadline):
                if reply.get("id") == want:
                    if "error" in reply:
                        raise RuntimeError(f"chromium: {method} failed: {reply['error']}")
                    return reply.get("result", {})
                self.events.append(reply)

    def wait_event(self, method, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev.get("method") == method:
                    return self.events.pop(i)
            self.events.extend(self._read(deadline))

    def _read(self, deadline):
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer in time")
            ready, _, _ = select.select([self.rfd], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(self.rfd, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self.buffer += chunk
            elif self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited with status {self.proc.returncode}")
        *parts, self.buffer = self.buffer.split(b"\0")
        return [json.loads(p) for p in parts if p]


def _high_fd(fd):
    new = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return new


def inspect_page(html_path, screenshot=None, *, width: int = 1100, timeout: float = 60.0, chromium=None) -> PageReport:
    """Load ``html_path`` in headless Chromium; return a :class:`PageReport`.

    Args:
        html_path: the HTML file.
        screenshot: where to write a full-page PNG screenshot (None: none).
        width: viewport width in CSS pixels.
        timeout: seconds to wait for each step.
        chromium: the browser program (default: :func:`find_chromium`).

    Raises:
        FileNotFoundError: when no Chromium is installed.
    """
    exe = chromium or find_chromium()
    if exe is None:
        raise FileNotFoundError("no chromium browser is installed (Debian: apt-get install chromium)")
    url = Path(html_path).resolve().as_uri()
    to_child_r, to_child_w = os.pipe()
    from_child_r, from_child_w = os.pipe()
    to_child_r, from_child_w = _high_fd(to_child_r), _high_fd(from_child_w)

    def wire():  # in the child: DevTools reads fd 3 and writes fd 4
        os.dup2(to_child_r, 3)
        os.dup2(from_child_w, 4)

    with tempfile.TemporaryDirectory(prefix="gradlab-chromium-", ignore_cleanup_errors=True) as profile:
        args = [exe, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", f"--window-size={width},900", "about:blank"]
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                preexec_fn=wire, pass_fds=(3, 4, to_child_r, from_child_w), start_new_session=True)
        os.close(to_child_r)
        os.close(from_child_w)
        pipe = _Pipe(proc, to_child_w, from_child_r)
        try:
            return _drive(pipe, url, screenshot, width, timeout)
        finally:
            _close(pipe, proc)
            os.close(to_child_w)
            os.close(from_child_r)


def _close(pipe, proc):
    """Ask the browser to quit; end its process group (started by us) if it does not."""
    try:
        pipe.send("Browser.close", timeout=5)
    except (RuntimeError, TimeoutError, OSError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _drive(pipe, url, screenshot, width, timeout):
    target = pipe.send("Target.createTarget", {"url": "about:blank"}, timeout=timeout)["targetId"]
    session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True}, timeout=timeout)["sessionId"]
    for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
        pipe.send(domain, session=session, timeout=timeout)
    pipe.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
              session=session, timeout=timeout)
    pipe.events.clear()
    pipe.send("Page.navigate", {"url": url}, session=session, timeout=timeout)
    pipe.wait_event("Page.loadEventFired", timeout=timeout)
    probe = pipe.send("Runtime.evaluate", {"expression": PROBE, "returnByValue": True, "awaitPromise": True},
                      session=session, timeout=timeout)["result"]["value"]
    report = PageReport(images=probe["images"], math=probe["math"], title=probe["title"], height=int(probe["height"]),
                        text_length=int(probe["text"]))
    if screenshot is not None:
        height = max(200, min(report.height, 16000))
        pipe.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                         "mobile": False}, session=session, timeout=timeout)
        shot = pipe.send("Page.captureScreenshot", {"format": "png"}, session=session, timeout=timeout)
        path = Path(screenshot)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        report.screenshot = path
    report.console_errors = _errors(pipe.events)
    return report


def _errors(events):
    out = []
    for ev in events:
        method, params = ev.get("method"), ev.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            out.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            described = details.get("exception", {}).get("description", "")
            out.append(f"{details.get('text', 'exception')} {described}".strip())
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            out.append(params["entry"].get("text", "error"))
    return out


def chromium_path():
    """The path of a Chromium on this machine, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def chromium_args(profile):
    """Headless Chromium's flags for this machine's closed network, with a fresh profile folder."""
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", f"--user-data-dir={profile}"]
