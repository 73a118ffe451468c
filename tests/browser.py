"""Helpers for the browser tests: a real Streamlit server on a free port and Debian chromium via Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
# Streamlit's own frontend probes /<page>/_stcore/health and host-config before the root ones on
# multipage URLs; those 404s are its own and harmless (listed in docs/ACCESSIBILITY.md's neighbour, README).
KNOWN_STREAMLIT_404 = ("/_stcore/health", "/_stcore/host-config")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(db_path: Path, *, set_base_url: bool = True):
    """`set_base_url=False` leaves DASHBOARD_BASE_URL unset: permalinks must then follow the browser's address."""
    port = free_port()
    env = dict(os.environ, DASHBOARD_DB=str(db_path), DASHBOARD_BASE_URL=f"http://localhost:{port}")
    if not set_base_url:
        env.pop("DASHBOARD_BASE_URL")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("streamlit did not start")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


class PageWatch:
    """Records what a page does that a visitor should never see: external requests, errors, dialogs."""

    def __init__(self, page):
        self.requests, self.external, self.errors, self.dialogs = [], [], [], []
        page.on("request", self._request)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", self._console)
        page.on("response", self._response)
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def _request(self, request):
        url = request.url
        self.requests.append(url)
        if not url.startswith(("data:", "blob:")) and urlparse(url).hostname not in LOCAL_HOSTS:
            self.external.append(url)

    def _response(self, response):
        if response.status >= 400 and not response.url.endswith(KNOWN_STREAMLIT_404):
            self.errors.append(f"{response.status} {response.url}")

    def _console(self, message):
        if message.type == "error" and "404" not in message.text:
            self.errors.append(message.text)


def settle(page, timeout: float = 30.0) -> float:
    """Wait until Streamlit has finished running the page; returns seconds taken."""
    start = time.monotonic()
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout * 1000)
    page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=timeout * 1000)
    while time.monotonic() - start < timeout:
        if page.locator("[data-testid='stStatusWidget']").count() == 0 and \
                page.locator("[data-testid='stSkeleton']").count() == 0:
            break
        time.sleep(0.2)
    time.sleep(0.5)
    return time.monotonic() - start


# The countries of the map's markup (figures.world_map's SVG, shown by ui.clickable_map once the browser can draw it):
# a priority country is a link labelled with its hover text, which begins with the country's name.
MAP_COUNTRIES = ".world-map svg.map-shapes .map-country"


def click_country_on_map(page, name: str) -> None:
    """Click the country `name` where the map draws it (a pointer click on the shape, as a visitor's: Playwright
    checks that nothing else on the map would catch it), and wait for that country's page, titled `name`."""
    page.wait_for_selector(MAP_COUNTRIES, timeout=20000)
    shape = page.locator(f"{MAP_COUNTRIES}[aria-label^='{name} —']")
    assert shape.count() == 1, f"{name} is not one shape on the map"
    shape.click(timeout=10000)
    page.wait_for_url(f"**/countries?country={name}", timeout=15000)
    settle(page)
    assert page.locator("h1").first.inner_text() == name

