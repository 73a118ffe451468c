"""Serving a crowd: two app processes behind a real nginx (deploy/serve.py, the config `make serve` uses), probed
through the proxy as a visitor, an attacker and a load test would. nginx runs unprivileged from a temp dir."""

from __future__ import annotations

import asyncio
import gzip
import importlib.util
import re
import shutil
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _module(path: str):
    spec = importlib.util.spec_from_file_location(Path(path).stem, ROOT / path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up here
    spec.loader.exec_module(mod)
    return mod


serve = _module("deploy/serve.py")
load = _module("benchmarks/load.py")


@pytest.fixture(scope="module")
def cluster(fixture_db, tmp_path_factory):
    assert shutil.which("nginx"), "nginx is required (Debian: apt-get install nginx; .ci/run installs it)"
    with serve.Cluster(2, workdir=tmp_path_factory.mktemp("nginx"), env={"DASHBOARD_DB": str(fixture_db)}) as c:
        yield c


def get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def raw_get(port: int, target: str) -> tuple[int, bytes]:
    """Send the request line exactly as written (no client-side normalisation of `..` or `%2e`)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_template_renders_every_field(tmp_path):
    conf = serve.render(tmp_path, "127.0.0.1:1", [2, 3])
    assert "{{" not in conf and "server 127.0.0.1:2 " in conf and "server 127.0.0.1:3 " in conf


@pytest.mark.parametrize("path", ["/", "/_stcore/health", "/app/static/topojson/world_110m.json", "/no-such-thing",
                                  "/_stcore/metrics", "/static/css/no-such-file.css", "/static/js/"])
def test_every_response_forbids_framing_by_other_sites(cluster, path):
    status, headers, _ = get(cluster.url + path)
    assert headers["X-Frame-Options"] == "SAMEORIGIN", (path, status)
    assert "frame-ancestors 'self'" in headers["Content-Security-Policy"], (path, status)
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_first_visit_gets_a_replica_cookie_and_keeps_it(cluster):
    _, headers, _ = get(cluster.url + "/")
    cookie = headers["Set-Cookie"]
    assert cookie.startswith("hrm_replica=") and "HttpOnly" in cookie
    _, again, _ = get(cluster.url + "/", {"Cookie": cookie.split(";")[0]})
    assert not any(c.startswith("hrm_replica=") for c in again.get_all("Set-Cookie") or [])


@pytest.mark.parametrize("target", ["/_stcore/metrics", "/_stcore/metrics?format=text", "/_stcore//metrics",
                                    "/_stcore/%6detrics", "/_stcore/./metrics", "/app/../_stcore/metrics",
                                    "/_STCORE/metrics", "/_stcore/metrics/"])
def test_metrics_are_not_served_through_the_proxy(cluster, target):
    # Control: the endpoint exists on the replica itself, so a pass below means the proxy refused it.
    direct, _ = raw_get(cluster.replica_ports[0], "/_stcore/metrics")
    assert direct == 200
    status, body = raw_get(cluster.port, target)
    assert b"# TYPE" not in body and b"session_events" not in body, (target, status)
    # Streamlit routes are case-sensitive: a differently cased path is the app's page shell, not the metrics.
    assert status == 404 or target.lower() != target, (target, status)


def test_replicas_listen_on_loopback_only(cluster):
    listening = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "0A":  # LISTEN
            addr, port = local.split(":")
            listening.add((addr, int(port, 16)))
    for port in cluster.replica_ports:
        addrs = {a for a, p in listening if p == port}
        assert addrs == {"0100007F"}, (port, addrs)  # 127.0.0.1, nothing else


def test_static_serving_is_the_map_data_only(cluster):
    assert get(cluster.url + "/app/static/topojson/world_110m.json")[0] == 200
    # favicon.png is in static/ and served by the replica itself; the proxy refuses it.
    assert get(f"http://127.0.0.1:{cluster.replica_ports[0]}/app/static/favicon.png")[0] == 200
    assert get(cluster.url + "/app/static/favicon.png")[0] == 404


@pytest.mark.parametrize("target", [
    "/app/static/../../pyproject.toml", "/app/static/topojson/../../../pyproject.toml",
    "/app/static/topojson/%2e%2e/%2e%2e/%2e%2e/pyproject.toml", "/app/static/topojson/..%2f..%2f..%2fpyproject.toml",
    "/app/static/topojson/....//....//pyproject.toml", "/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
    "/app/static/topojson/%252e%252e/%252e%252e/pyproject.toml", "/media/../../pyproject.toml",
    "/static/../../../pyproject.toml", "/app/static/topojson/..\\..\\..\\pyproject.toml",
    "/static/js/../../../../pyproject.toml", "/static/%2e%2e/%2e%2e/nginx.conf", "/static/..%2f..%2fnginx.conf",
    "/static/../replicas.pid", "/static/js/..%2f..%2f..%2fnginx.conf",
])
def test_path_traversal_is_refused(cluster, target):
    status, body = raw_get(cluster.port, target)
    assert b"[project]" not in body and b"root:" not in body, (target, status)
    assert status in {400, 403, 404}, (target, status)


def test_streamlit_front_end_is_served_by_nginx_compressed_and_cached(cluster):
    """The page's scripts and styles come from nginx's copy, gzip-compressed (Streamlit itself sends them
    uncompressed, so a compressed answer is nginx's), byte for byte the installed Streamlit's files."""
    _, _, shell = get(cluster.url + "/countries")
    assets = re.findall(r'(?:src|href)="\./(static/(?:js|css)/[^"]+)"', shell.decode())
    assert len(assets) > 10, shell[:500]
    for asset in assets[:3] + assets[-3:]:
        status, headers, body = get(f"{cluster.url}/{asset}", {"Accept-Encoding": "gzip"})
        assert status == 200 and headers["Content-Encoding"] == "gzip", (asset, status, dict(headers))
        # The browser runs a module script or applies a style only with its own type (nosniff is on).
        assert headers["Content-Type"].split(";")[0] == ("text/css" if asset.endswith(".css") else "text/javascript")
        assert gzip.decompress(body) == (serve.streamlit_assets() / asset.removeprefix("static/")).read_bytes()
        assert "max-age=31536000" in headers["Cache-Control"], asset
        assert headers["X-Frame-Options"] == "SAMEORIGIN", asset
        status, headers, plain = get(f"{cluster.url}/{asset}")  # a client that asks for no compression
        assert status == 200 and headers.get("Content-Encoding") is None and plain == gzip.decompress(body)


def test_xsrf_protection_holds_through_the_proxy(cluster):
    _, headers, _ = get(cluster.url + "/_stcore/health")
    assert any(c.startswith("_streamlit_xsrf=") for c in headers.get_all("Set-Cookie") or [])
    req = urllib.request.Request(cluster.url + "/_stcore/upload_file/some-session/some-file", data=b"x",
                                 method="PUT")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(req, timeout=20)
    assert refused.value.code == 403


def test_websocket_page_run_through_the_proxy(cluster):
    result = asyncio.run(load.load(cluster.url, 1, 1, warmup=False))
    assert result["success_rate"] == 1, result
    # The same client reports a page that does not exist as a failure: the measure can fail.
    visitor = load.Visitor(load.loopback_only(cluster.url))

    async def missing():
        try:
            return await visitor.run("no-such-page", "", 30)
        finally:
            await visitor.close()

    run = asyncio.run(missing())
    assert not run.ok and run.problem == "page not found"


def test_websocket_from_another_site_is_refused(cluster):
    import websockets

    async def connect():
        async with websockets.connect(cluster.url.replace("http", "ws") + "/_stcore/stream",
                                      subprotocols=["streamlit"], origin="http://evil.example") as ws:
            await ws.recv()

    # Refused at the handshake (403) or closed straight after it (1008): either way no session starts.
    with pytest.raises((websockets.InvalidStatus, websockets.ConnectionClosed)):
        asyncio.run(connect())


def test_load_test_refuses_addresses_off_this_machine():
    with pytest.raises(SystemExit, match="not a loopback address"):
        asyncio.run(load.load("http://10.0.0.1:8501", 1, 1))
    with pytest.raises(SystemExit, match="sessions must be"):
        asyncio.run(load.load("http://127.0.0.1:8501", load.MAX_SESSIONS + 1, 1))


def test_small_load_run_succeeds_through_the_proxy(cluster):
    """The load test of the README at a small size: one visitor per address of the page mix (every page, with
    and without filters, invalid values included), all at once, cold (no warm-up). Every run must finish with
    no exception, no error message and no missing page."""
    pids = [p.pid for p in cluster.replicas]
    sessions = len(load.PAGE_MIX)
    result = asyncio.run(load.load(cluster.url, sessions, 1, pids=pids, timeout=60, deadline=90, warmup=False))
    assert result["runs_expected"] == sessions and result["problems"] == {}, result
    assert result["success_rate"] == 1, result
    assert result["reconnects"] == 0 and result["server_cpu_per_run_s"] > 0, result


def test_a_replica_killed_mid_run_costs_a_visitor_one_reconnect_at_most(cluster):
    killed_after: list[float] = []
    started = time.perf_counter()

    async def kill_first_replica():
        await asyncio.sleep(0.3)  # the visitors' first runs are under way
        await asyncio.to_thread(cluster.kill_replica, 0)
        killed_after.append(time.perf_counter() - started)

    try:
        result = asyncio.run(load.load(cluster.url, 10, 5, timeout=60, deadline=150, warmup=False,
                                       during=kill_first_replica))
        assert cluster.replicas[0].poll() is not None  # it really was stopped
        # ... while visitors were still running (whether a visitor then sees a dropped connection or nginx passes its
        # next request to the other replica depends on timing: both are fine, a second failure is not)
        assert killed_after and killed_after[0] < result["wall_s"], (killed_after, result)
        assert result["success_rate"] == 1, result
        assert result["max_reconnects_per_visitor"] <= 1, result
    finally:
        cluster.replicas[0] = cluster.start_replica(0)
        serve.wait_ok(f"http://127.0.0.1:{cluster.replica_ports[0]}/_stcore/health", 90, cluster.replicas[0])


@pytest.mark.browser
def test_pages_through_the_proxy_settle_in_a_real_browser(cluster, browser):
    """Through nginx (its front-end files, the sticky cookie, the websocket), a visitor's browser draws the
    pages: the map included, nothing failed to load, and no request leaves this machine."""
    from .browser import MAP_COUNTRIES, settle

    context = browser.new_context()
    page = context.new_page()
    failed, console_errors, outside = [], [], []
    page.on("requestfailed", lambda r: failed.append(r.url))
    # The front end probes for the app's base path under the page's own path first (/countries/_stcore/health),
    # as it does without a proxy; those answers are expected 404s. Any other error answer is a failure.
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 and not r.url.endswith(
        ("/_stcore/health", "/_stcore/host-config")) else None)
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(
        (cluster.url, "data:", "blob:")) else None)
    try:
        for path in ["/", "/countries?country=Iran", "/explore?table=Cases"]:
            page.goto(cluster.url + path)
            settle(page)
            assert page.locator("[data-testid='stException']").count() == 0, path
            assert page.locator("[data-testid='stAlertContentError']").count() == 0, path
        page.goto(cluster.url + "/")
        settle(page)
        page.locator(MAP_COUNTRIES).first.wait_for(timeout=20000)  # the map, drawn by scripts nginx served
        assert not failed and not outside, (failed[:5], outside[:5])
        assert not [e for e in console_errors if "MIME type" in e or "module script" in e], console_errors[:5]
        assert any(c["name"] == "hrm_replica" for c in context.cookies())
    finally:
        context.close()
