"""Browser-side load: N concurrent visitors in a real browser (Debian chromium), on this machine only.

Each visitor is a fresh browser context (no shared cache, as separate people) opening one address of the
page mix of benchmarks/load.py and waiting until the page has settled: the app's frame is drawn, the page
heading is there, and Streamlit's running indicator and skeletons are gone. Reports success, P50/P95 time to
a settled page, the bytes received over HTTP (scripts, styles, map data; the websocket messages are not
counted), error responses, and any request leaving this machine (which must be none).

    python benchmarks/load_browser.py --url http://127.0.0.1:8501 --sessions 1,5,10 [--visits 3]
    python benchmarks/load_browser.py --replicas 2 --sessions 1,5,10   # starts the proxy setup itself

Each of N concurrent sessions makes `--visits` visits one after another, each a new visitor (fresh context).
The browser runs on the same machine as the server and competes with it for the processor.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import PAGE_MIX, loopback_only  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LOCAL = {"localhost", "127.0.0.1", "::1", "[::1]"}


async def visit(browser, url: str, timeout: float) -> dict:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await ctx.new_page()
    got = {"bytes": 0, "external": [], "errors": []}
    finished = []

    def on_response(resp):
        if resp.status >= 400 and not resp.url.endswith(("/_stcore/health", "/_stcore/host-config")):
            got["errors"].append(f"{resp.status} {resp.url}")

    page.on("request", lambda r: got["external"].append(r.url)
            if not r.url.startswith(("data:", "blob:")) and urlsplit(r.url).hostname not in LOCAL else None)
    page.on("response", on_response)
    page.on("requestfinished", lambda request: finished.append(request))
    start = time.monotonic()
    ok, problem = True, ""
    try:
        await page.goto(url, timeout=timeout * 1000)
        await page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=timeout * 1000)
        while True:
            if time.monotonic() - start > timeout:
                raise TimeoutError(f"not settled in {timeout:g} s")
            busy = await page.locator("[data-testid='stStatusWidget'], [data-testid='stSkeleton']").count()
            if not busy:
                break
            await asyncio.sleep(0.2)
        if await page.locator("[data-testid='stException']").count():
            ok, problem = False, "exception on the page"
        elif await page.locator("[data-testid='stAlertContentError']").count():
            ok, problem = False, "error message on the page"
    except Exception as exc:  # a visitor that did not get a page is a failure, whatever the cause
        ok, problem = False, type(exc).__name__
    seconds = time.monotonic() - start
    for request in finished:  # bytes received, as the browser counts them (after compression)
        try:
            sizes = await request.sizes()
            got["bytes"] += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        except Exception:
            pass
    await ctx.close()
    return {"ok": ok and not got["external"], "seconds": seconds, "problem": problem, **got}


async def level(base: str, sessions: int, timeout: float, visits: int = 1) -> dict:
    from playwright.async_api import async_playwright

    urls = [f"{base}/{page}" + (f"?{query}" if query else "") for page, query in PAGE_MIX]

    async def session(i: int) -> list[dict]:
        return [await visit(browser, urls[(i + j * sessions) % len(urls)], timeout) for j in range(visits)]

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        started = time.monotonic()
        results = [r for rs in await asyncio.gather(*(session(i) for i in range(sessions))) for r in rs]
        wall = time.monotonic() - started
        await browser.close()
    times = sorted(r["seconds"] for r in results if r["ok"])
    q = statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1 else times * 99
    return {"sessions": sessions, "visits": len(results), "ok": len(times), "p50_s": round(q[49], 2) if times else None,
            "p95_s": round(q[94], 2) if times else None, "wall_s": round(wall, 2),
            "mb_per_visit": round(statistics.mean(r["bytes"] for r in results) / 2**20, 2),
            "external_requests": sum(len(r["external"]) for r in results),
            "problems": sorted({r["problem"] for r in results if r["problem"]} |
                               {e for r in results for e in r["errors"]})[:5]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8501")
    ap.add_argument("--sessions", default="1,5")
    ap.add_argument("--visits", type=int, default=1, help="visits per session, one after another (1..10)")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--replicas", type=int, help="instead of --url: start N app processes behind nginx "
                    "(deploy/serve.py), warm each, measure, stop")
    args = ap.parse_args(argv)
    levels = [int(x) for x in args.sessions.split(",")]
    if not all(1 <= n <= 30 for n in levels) or not 1 <= args.visits <= 10:
        raise SystemExit("--sessions: 1..30 browsers at a time; --visits: 1..10")
    if args.replicas:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "deploy"))
        from load import warm
        from serve import Cluster

        with Cluster(args.replicas) as cluster:
            for port in cluster.replica_ports:
                asyncio.run(warm(f"http://127.0.0.1:{port}"))
            print(f"{args.replicas} app process(es) behind nginx at {cluster.url}", flush=True)
            return run_levels(cluster.url, levels, args)
    loopback_only(args.url)
    return run_levels(args.url.rstrip("/"), levels, args)


def run_levels(base: str, levels: list[int], args) -> int:
    good = True
    for n in levels:
        r = asyncio.run(level(base, n, args.timeout, args.visits))
        print(f"{n:>3} browsers x {args.visits}: {r['ok']}/{r['visits']} settled, P50 {r['p50_s']} s, "
              f"P95 {r['p95_s']} s, {r['mb_per_visit']} MB over HTTP per visit, "
              f"{r['external_requests']} requests off this machine"
              + (f"; problems: {r['problems']}" if r["problems"] else ""), flush=True)
        good &= r["ok"] == r["visits"]
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
