"""Browser figures of the overview: what a first visit downloads, and how long until the map is drawn, against a
bare one-line Streamlit page served the same way (Debian chromium through Playwright, this machine only).

    python benchmarks/browser.py            # adds "browser" to benchmarks/results.json

It builds the shipped data afresh (data/sources, as `python -m dashboard build` does, into a temporary file, so a
file built by older code is never measured), then starts three servers on free local ports (the app on that file,
a page holding one line of text, and a page holding the overview's map alone), then visits each `--visits` times,
every time in a fresh browser context (a cold cache, as a first visitor). For each visit it records the requests,
the bytes received over HTTP (response bodies as sent; the websocket is not counted), any request leaving this
machine (there must be none), and the time from navigation until the map is drawn (overview, map alone: its
picture, shown first, decoded and laid out) or the line of text is (bare page), and until the map's countries are
links (its markup), as the page itself sees it at each animation frame.
It also lists the largest script chunks, so a chunk no page needs (a code highlighter where no code is shown) is
seen.

The map-alone page is the floor of the overview's time: the same figure (figures.world_map, an SVG drawn on the
server and shown in Markdown elements) with nothing else on the page. What the overview takes beyond it is the rest
of the page (its other elements and their messages); what the map alone takes beyond the bare page is the map's own
cost (sending its markup, parsing and drawing it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LOCAL = {"localhost", "127.0.0.1", "::1", "[::1]"}
# When each page counts as drawn, checked in the page at every animation frame (just before the browser paints it),
# from navigation on; a poll from outside the page would see it only at its next poll. The map: its picture (shown
# first by ui.clickable_map) decoded and laid out, or its markup's countries if they came first; a picture that
# failed to decode (a broken image shows its alt text) does not count. Then, recorded apart: the markup's countries
# as links. The bare page: its line of text laid out.
DRAWN = {
    "map": """(() => {
        const picture = document.querySelector("[class*='_map_frame'] img[alt^='World map']");
        if (picture && picture.complete && picture.naturalWidth > 0 && picture.getBoundingClientRect().height > 0)
            return true;
        const country = document.querySelector(".world-map svg.map-shapes .map-country");
        return !!country && country.getBoundingClientRect().height > 0;
    })()""",
    "linked": """(() => {
        const link = document.querySelector(".world-map svg.map-shapes a.map-priority");
        return !!link && link.getBoundingClientRect().height > 0;
    })()""",
    "bare": """Array.from(document.querySelectorAll("[data-testid='stMarkdownContainer']"))
        .some(e => e.textContent.includes("Bare page") && e.getBoundingClientRect().height > 0)""",
}
WATCH = """window.__drawn = {};
(function watch() {
    for (const [name, check] of Object.entries({%s}))
        if (!(name in window.__drawn) && check()) window.__drawn[name] = performance.now() / 1000;
    requestAnimationFrame(watch);
})();"""


# The overview's map as the overview draws it (same figure, same UI function), and nothing else.
MAP_ALONE = """import sys

sys.path.insert(0, {root!r})

from dashboard.serving import figures, queries, ui
from dashboard.serving.filters import Filters

values = queries.map_values(ui.connection(), Filters(), "actions")
ui.clickable_map(figures.world_map(values, "EU actions", alt="World map of EU actions per country.", site=ui.site()),
                 data=values, key="overview_map")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(script: Path, port: int, database: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true", "--server.port",
           str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "DASHBOARD_DB": str(database)})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"{script.name} did not start on port {port}")


async def visit(browser, url: str, drawn: tuple[str, ...], timeout: float) -> dict:
    """One cold visit: seconds from navigation until each of `drawn` (names in DRAWN) held, and what was fetched."""
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await ctx.new_page()
    await page.add_init_script(WATCH % ", ".join(f"{name!r}: () => {DRAWN[name]}" for name in drawn))
    requests, external = [], []
    page.on("request", lambda r: external.append(r.url)
            if not r.url.startswith(("data:", "blob:")) and urlsplit(r.url).hostname not in LOCAL else None)
    page.on("requestfinished", lambda r: requests.append(r))
    await page.goto(url, timeout=timeout * 1000)
    await page.wait_for_function(f"window.__drawn && {len(drawn)} === Object.keys(window.__drawn).length",
                                 timeout=timeout * 1000)
    seconds = await page.evaluate("window.__drawn")
    await page.wait_for_load_state("networkidle", timeout=timeout * 1000)
    sizes = []
    for req in requests:
        body = (await req.sizes())["responseBodySize"]
        sizes.append((max(body, 0), urlsplit(req.url).path))
    await ctx.close()
    scripts = sorted((s for s in sizes if s[1].endswith(".js")), reverse=True)[:5]
    return {"seconds": seconds[drawn[0]], "linked": seconds.get("linked"), "requests": len(requests),
            "bytes": sum(s for s, _ in sizes), "external": external,
            "largest_scripts": [{"path": p, "bytes": s} for s, p in scripts]}


async def measure(app_url: str, bare_url: str, visits: int, timeout: float, map_url: str | None = None) -> dict:
    from playwright.async_api import async_playwright

    pages = {"overview": (app_url, ("map", "linked")), "bare page": (bare_url, ("bare",))}
    if map_url:
        pages["map alone"] = (map_url, ("map", "linked"))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        runs: dict[str, list[dict]] = {name: [] for name in pages}
        for url, drawn in pages.values():  # the servers' own first run is not a visitor's
            await visit(browser, url, drawn, timeout)
        for _ in range(visits):  # interleaved, so all see the same machine
            for name, (url, drawn) in pages.items():
                runs[name].append(await visit(browser, url, drawn, timeout))
        await browser.close()
    out = {}
    for name, items in runs.items():
        out[name] = {"seconds_to_drawn": round(statistics.median(r["seconds"] for r in items), 2),
                     **({"seconds_to_links": round(statistics.median(r["linked"] for r in items), 2)}
                        if items[0]["linked"] is not None else {}),
                     "requests": int(statistics.median(r["requests"] for r in items)),
                     "bytes": int(statistics.median(r["bytes"] for r in items)),
                     "requests_leaving_this_machine": sorted({u for r in items for u in r["external"]}),
                     "largest_scripts": items[-1]["largest_scripts"]}
    out["map_vs_bare_page"] = round(out["overview"]["seconds_to_drawn"] / out["bare page"]["seconds_to_drawn"], 2)
    if map_url:
        out["map_alone_vs_bare_page"] = round(out["map alone"]["seconds_to_drawn"]
                                              / out["bare page"]["seconds_to_drawn"], 2)
    return out


def build_shipped_data(out: Path) -> Path:
    """data/sources built into `out` with the default views stored, as `python -m dashboard build` builds it."""
    sys.path.insert(0, str(ROOT))
    from dashboard.config import SOURCES_DIR
    from dashboard.curation.build import build
    from dashboard.serving import default_views

    build(SOURCES_DIR, out, finish=default_views.write)
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=5, help="cold visits of each page (the median is reported)")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--no-map-alone", action="store_true", help="skip the page holding the map alone")
    parser.add_argument("--out", default=str(HERE / "results.json"), help="results file to add \"browser\" to")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text("import streamlit as st\n\nst.write('Bare page')\n", encoding="utf-8")
        map_alone = Path(tmp) / "map_alone.py"
        map_alone.write_text(MAP_ALONE.format(root=str(ROOT)), encoding="utf-8")
        (Path(tmp) / "static").symlink_to(ROOT / "static")  # the static files, served as for the app
        database = build_shipped_data(Path(tmp) / "dashboard.duckdb")
        app_port, bare_port, map_port = free_port(), free_port(), free_port()
        servers = [serve(ROOT / "app.py", app_port, database), serve(bare, bare_port, database)]
        if not args.no_map_alone:
            servers.append(serve(map_alone, map_port, database))
        try:
            result = asyncio.run(measure(f"http://127.0.0.1:{app_port}/", f"http://127.0.0.1:{bare_port}/",
                                         args.visits, args.timeout,
                                         None if args.no_map_alone else f"http://127.0.0.1:{map_port}/"))
        finally:
            for proc in servers:
                proc.terminate()
                proc.wait(timeout=30)
    result["visits"] = args.visits
    print(json.dumps(result, indent=1))
    out = Path(args.out)
    report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    report["browser"] = result
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
