"""Load test: concurrent visitors speaking Streamlit's own websocket protocol, on this machine only.

Each visitor opens one websocket on `/_stcore/stream` (as the browser does), asks for a page run
with a page name and query string (the `rerun_script` message the browser sends on load and on
navigation), and waits for the server's `script_finished` message. Time to a finished page run is
measured from the request to that message. A run counts as a success only when the script
finished normally, with no exception element, no error message (the app shows a failed view as an
error message, not a traceback) and no "page not found".

The visitor carries a replica cookie (`hrm_replica`, a random value per visitor, as a browser gets
one from the proxy on its first page load) so nginx's sticky hash spreads visitors over replicas.
When the connection drops mid-run (a replica stopped), the visitor reconnects once and asks for
the same run again, as the browser does; the reconnect is counted, and only a second failure
counts against the success rate.

Bounded on purpose: loopback addresses only, at most MAX_SESSIONS visitors and MAX_RUNS runs each,
and an overall deadline after which unfinished runs count as failures and the script stops.

    python benchmarks/load.py --url http://127.0.0.1:8501 --sessions 10,25 --runs 2 \
        [--pid-file PIDS] [--json OUT.json]
    python benchmarks/load.py --replicas 1,2,4 --sessions 10,25,50 --runs 2   # starts each setup itself

Server CPU per run and RSS growth are read from /proc for the server process ids given
(`--pid`, or `--pid-file` as written by deploy/serve.py); without them those figures are left out.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import random
import secrets
import socket
import statistics
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

MAX_SESSIONS = 200
MAX_RUNS = 20
REPLICA_COOKIE = "hrm_replica"

# (page url_path, query string): the pages visitors open, with the filters they arrive with from
# links and citations. Invalid values are part of the mix: a page must show a notice, not fail.
PAGE_MIX: tuple[tuple[str, str], ...] = (
    ("", ""),
    ("", "measure=Cases"),
    ("countries", "country=Iran"),
    ("countries", "country=Egypt&theme=Torture"),
    ("themes", "theme=Death+penalty"),
    ("timeline", "grain=Month&by=Action+type"),
    ("explore", ""),
    ("explore", "table=Cases&country=Russia"),
    ("accountability", ""),
    ("accountability", "country=Turkey"),
    ("brief", "country=CHN"),
    ("case", "id=IRN-C-0001"),
    ("about", ""),
    ("explore", "country=Atlantis&since=not-a-date"),
)


def loopback_only(url: str) -> urllib.parse.SplitResult:
    """Refuse any address that resolves outside this machine: a load test must never leave it."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "ws"} or not parts.hostname or not parts.port:
        raise SystemExit(f"--url {url!r}: give http://HOST:PORT on this machine (e.g. http://127.0.0.1:8501)")
    infos = socket.getaddrinfo(parts.hostname, parts.port, proto=socket.IPPROTO_TCP)
    outside = {info[4][0] for info in infos if not ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback}
    if outside:
        raise SystemExit(f"--url {url!r}: {parts.hostname} resolves to {sorted(outside)}, not a loopback address; "
                         "the load test only runs against this machine")
    return parts


@dataclass
class RunResult:
    page: str
    query: str
    ok: bool
    seconds: float
    problem: str = ""
    texts: list[str] = field(default_factory=list)  # the page's text, when the visitor collects it


def element_text(element) -> str | None:
    """The visible text of a heading, paragraph, metric or message; None for other elements."""
    kind = element.WhichOneof("type")
    if kind in {"heading", "markdown", "alert"}:
        return getattr(element, kind).body
    if kind == "metric":
        return f"{element.metric.label}: {element.metric.body}"
    return None


@dataclass
class Visitor:
    base: urllib.parse.SplitResult
    cookie: str = field(default_factory=lambda: secrets.token_hex(8))
    reconnects: int = 0
    ws: object = None
    collect_text: bool = False

    async def connect(self) -> None:
        origin = f"http://{self.base.netloc}"
        self.ws = await websockets.connect(
            f"ws://{self.base.netloc}/_stcore/stream", subprotocols=["streamlit"], origin=origin,
            additional_headers={"Cookie": f"{REPLICA_COOKIE}={self.cookie}"}, max_size=None,
            open_timeout=30, ping_interval=None)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def _run_once(self, page: str, query: str, texts: list[str]) -> tuple[bool, str]:
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page
        await self.ws.send(msg.SerializeToString())
        problem = ""
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await self.ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "page_not_found":
                problem = "page not found"
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                if element.WhichOneof("type") == "exception":
                    problem = problem or "exception on the page"
                elif element.WhichOneof("type") == "alert" and element.alert.format == Alert.ERROR:
                    problem = problem or f"error message on the page: {element.alert.body[:80]}"
                if self.collect_text and (text := element_text(element)) is not None:
                    texts.append(text)
            elif kind == "script_finished":
                status = fwd.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    texts.clear()  # a rerun the page asked for itself (URL canonicalisation): wait for its end
                    continue
                if status != ForwardMsg.FINISHED_SUCCESSFULLY:
                    problem = problem or f"script finished with status {status}"
                return not problem, problem

    async def run(self, page: str, query: str, timeout: float) -> RunResult:
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                if self.ws is None:
                    await self.connect()
                texts: list[str] = []
                ok, problem = await asyncio.wait_for(self._run_once(page, query, texts), timeout)
                return RunResult(page, query, ok, time.perf_counter() - started, problem, texts)
            except (websockets.ConnectionClosed, OSError, websockets.InvalidHandshake) as exc:
                self.ws = None
                if attempt == 2:
                    return RunResult(page, query, False, time.perf_counter() - started, f"connection: {exc!r}")
                self.reconnects += 1
                await asyncio.sleep(0.5)
            except TimeoutError:
                return RunResult(page, query, False, time.perf_counter() - started, f"no finished run in {timeout:g} s")
        raise AssertionError("unreachable")


def read_proc(pids: list[int]) -> tuple[float, int]:
    """CPU seconds (user+system) and resident memory in bytes, summed over live processes."""
    tick = os.sysconf("SC_CLK_TCK")
    cpu, rss = 0.0, 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(stat[11]) + int(stat[12])) / tick
            rss += int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue  # a replica stopped during the run: its CPU before that is lost, said in the report
    return cpu, rss


async def _visitor(base, runs: int, timeout: float, rng: random.Random, results: list, reconnects: list,
                   first: int):
    v = Visitor(base)
    try:
        for run in range(runs):
            # Visitor i opens the i-th address of the mix first (so with as many visitors as addresses, each
            # is asked for at least once), then addresses at random.
            page, query = PAGE_MIX[first % len(PAGE_MIX)] if run == 0 else rng.choice(PAGE_MIX)
            results.append(await v.run(page, query, timeout))
    finally:
        reconnects.append(v.reconnects)
        try:
            await v.close()
        except Exception:
            pass


async def warm(url: str, visitors: int = 1, timeout: float = 60.0) -> None:
    """Ask for every address of the mix, `visitors` times over, one after another; results are not kept."""
    base = loopback_only(url)
    for _ in range(visitors):
        w = Visitor(base)
        for page, query in PAGE_MIX:
            await w.run(page, query, timeout)
        await w.close()


async def load(url: str, sessions: int, runs: int, *, timeout: float = 60.0, deadline: float = 300.0,
               pids: list[int] | None = None, seed: int = 16, warmup: bool = True,
               during=None) -> dict:
    """Run `sessions` concurrent visitors, `runs` page runs each; return the figures as a dict.

    `during`, if given, is an async callable started beside the visitors (e.g. one stopping a replica).
    """
    if not 1 <= sessions <= MAX_SESSIONS or not 1 <= runs <= MAX_RUNS:
        raise SystemExit(f"sessions must be 1..{MAX_SESSIONS} and runs 1..{MAX_RUNS}")
    base = loopback_only(url)
    pids = pids or []
    if warmup:  # first runs import modules and fill caches: visits not measured, each with its own cookie so
        await warm(url, visitors=4, timeout=timeout)  # behind the proxy they are likely to reach every replica
    rng = random.Random(seed)
    results: list[RunResult] = []
    reconnects: list[int] = []
    cpu0, rss0 = read_proc(pids)
    started = time.perf_counter()
    tasks = [asyncio.create_task(_visitor(base, runs, timeout, random.Random(rng.random()), results, reconnects, i))
             for i in range(sessions)]
    side = asyncio.create_task(during()) if during else None
    done, pending = await asyncio.wait(tasks, timeout=deadline)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending)
    if side:
        await side
    wall = time.perf_counter() - started
    cpu1, rss1 = read_proc(pids)
    expected = sessions * runs
    times = sorted(r.seconds for r in results if r.ok)
    ok = len(times)
    problems: dict[str, int] = {}
    for r in results:
        if not r.ok:
            problems[r.problem] = problems.get(r.problem, 0) + 1
    if len(results) < expected:
        problems[f"not finished within the {deadline:g} s deadline"] = expected - len(results)

    def pct(q: float) -> float | None:
        return round(statistics.quantiles(times, n=100, method="inclusive")[q - 1], 2) if len(times) > 1 else (
            round(times[0], 2) if times else None)

    return {
        "url": url, "sessions": sessions, "runs_per_session": runs, "runs_expected": expected,
        "runs_ok": ok, "success_rate": round(ok / expected, 4), "p50_s": pct(50), "p95_s": pct(95),
        "max_s": round(times[-1], 2) if times else None, "wall_s": round(wall, 2),
        "runs_per_s": round(ok / wall, 2) if wall else None, "reconnects": sum(reconnects),
        "max_reconnects_per_visitor": max(reconnects, default=0),
        "server_cpu_per_run_s": round((cpu1 - cpu0) / ok, 3) if pids and ok else None,
        "server_rss_mb_before": round(rss0 / 2**20, 1) if pids else None,
        "server_rss_mb_after": round(rss1 / 2**20, 1) if pids else None,
        "problems": problems,
    }


def summary_line(r: dict) -> str:
    cpu = f", server CPU {r['server_cpu_per_run_s']} s/run" if r["server_cpu_per_run_s"] is not None else ""
    rss = (f", RSS {r['server_rss_mb_before']} -> {r['server_rss_mb_after']} MB"
           if r["server_rss_mb_before"] is not None else "")
    return (f"{r['sessions']:>3} sessions x {r['runs_per_session']}: {r['runs_ok']}/{r['runs_expected']} ok "
            f"({r['success_rate']:.0%}), P50 {r['p50_s']} s, P95 {r['p95_s']} s, {r['runs_per_s']} runs/s, "
            f"reconnects {r['reconnects']}{cpu}{rss}" + (f"; problems: {r['problems']}" if r["problems"] else ""))


def measure(url: str, levels: list[int], args, pids: list[int], **extra) -> list[dict]:
    out = []
    for i, n in enumerate(levels):
        r = asyncio.run(load(url, n, args.runs, timeout=args.timeout, deadline=args.deadline, pids=pids,
                             warmup=not args.no_warmup and i == 0))
        print(summary_line(r), flush=True)
        out.append({**extra, **r})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8501", help="the app or the proxy, on this machine")
    ap.add_argument("--sessions", default="10", help="concurrent visitors; a comma list runs one level after another")
    ap.add_argument("--runs", type=int, default=2, help="page runs per visitor")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds one run may take before it counts as failed")
    ap.add_argument("--deadline", type=float, default=300.0, help="seconds one level may take in all")
    ap.add_argument("--pid", type=int, action="append", default=[], help="a server process id (repeatable)")
    ap.add_argument("--pid-file", type=Path, help="file of server process ids, one a line (deploy/serve.py writes it)")
    ap.add_argument("--no-warmup", action="store_true")
    ap.add_argument("--replicas", help="instead of --url: start N app processes behind nginx (deploy/serve.py) "
                    "for each N of a comma list, measure, stop them")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    levels = [int(x) for x in args.sessions.split(",") if x.strip()]
    if args.replicas:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "deploy"))
        from serve import Cluster

        out = []
        warm_each, args.no_warmup = not args.no_warmup, True  # warmed here, each process directly
        for n in [int(x) for x in args.replicas.split(",") if x.strip()]:
            with Cluster(n) as cluster:
                print(f"{n} app process(es) behind nginx at {cluster.url}", flush=True)
                for port in cluster.replica_ports if warm_each else []:
                    asyncio.run(warm(f"http://127.0.0.1:{port}", timeout=args.timeout))
                out += measure(cluster.url, levels, args, [p.pid for p in cluster.replicas], replicas=n)
    else:
        pids = list(args.pid)
        if args.pid_file:
            pids += [int(x) for x in args.pid_file.read_text().split()]
        out = measure(args.url, levels, args, pids)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    return 0 if all(r["success_rate"] == 1 for r in out) else 1


if __name__ == "__main__":
    sys.exit(main())
