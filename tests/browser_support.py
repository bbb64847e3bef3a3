"""Headless Chromium (Debian's /usr/bin/chromium) under Playwright, and a live server for it.

Playwright's own browser download cannot work here, so the tests drive the system Chromium that
.ci/run installs. Without it the browser tests skip, and say why; once .ci/run has installed the
browser and axe-core it sets KNEETRIAGE_REQUIRE_BROWSER, and then a browser that cannot be driven
fails the tests instead, so they cannot pass unseen.
"""

from __future__ import annotations

import atexit
import os
import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("KNEETRIAGE_CHROMIUM", "/usr/bin/chromium")
REPO = Path(__file__).resolve().parent.parent
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
MOBILE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def skip_or_fail(reason: str):
    """Skip, naming what is missing; fail instead where the browser tests are required to run."""
    if os.environ.get("KNEETRIAGE_REQUIRE_BROWSER"):
        pytest.fail(f"{reason} (KNEETRIAGE_REQUIRE_BROWSER is set: the browser tests must run)", pytrace=False)
    pytest.skip(reason)


_STARTED: list = []      # one Playwright and one Chromium for the whole test process


def browser_or_skip():
    """A started Playwright and a launched Chromium, or a skip naming what is missing.

    Started once per process and shared: Playwright's sync API does not start again in a thread
    where it was stopped (the second start hangs), so the modules that use it must not stop it;
    it is stopped when the process ends."""
    if _STARTED:
        return _STARTED[0]
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        skip_or_fail(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        skip_or_fail(f"Playwright for Python is not installed ({error}); pip install -e '.[test]'")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
    except Exception as error:   # noqa: BLE001  any launch failure means: no usable browser here
        playwright.stop()
        skip_or_fail(f"Chromium at {CHROMIUM} does not start: {error}")
    _STARTED.append((playwright, browser))
    atexit.register(_stop)
    return playwright, browser


def _stop():
    playwright, browser = _STARTED.pop()
    browser.close()
    playwright.stop()


class LiveServer:
    """The app under waitress on a free loopback port, in a thread of the test process."""

    def __init__(self, app):
        import waitress
        self.server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.closing = False

    def _run(self):
        try:
            self.server.run()
        except OSError:
            if not self.closing:    # closing the sockets under the loop ends it this way
                raise

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.closing = True
        self.server.close()
        self.thread.join(timeout=5)
