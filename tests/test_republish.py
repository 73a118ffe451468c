"""Corrections go live: a rebuilt database (`python -m dashboard build --out`) reaches the running app
between page runs, with no error for visitors mid-run; a withdrawn record disappears; cached results
follow the data version; About's download serves the database the pages read."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.serving import db, queries
from dashboard.serving.filters import Filters

from .conftest import FIXTURE_SOURCES, ROOT

WITHDRAWN = "IRN-C-0001"


def sources_with(target: Path, withdrawn: bool) -> Path:
    """The fixture sources; with `withdrawn`, case IRN-C-0001 is set to public=false (a correction)."""
    shutil.copytree(FIXTURE_SOURCES, target)
    if withdrawn:
        path = target / "cases.csv"
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            if row["case_id"] == WITHDRAWN:
                row["public"] = "false"
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return target


def cli_build(sources: Path, out: Path) -> None:
    subprocess.run([sys.executable, "-m", "dashboard", "build", "--sources", str(sources), "--out", str(out)],
                   check=True, capture_output=True, cwd=ROOT,
                   env={**os.environ, "DASHBOARD_SHOW_UNREVIEWED": "1"})  # hand-made sources: no review log


@pytest.fixture
def two_versions(tmp_path):
    return sources_with(tmp_path / "before", False), sources_with(tmp_path / "after", True)


def version_of(path: Path) -> str:
    snap = db.connect(path)
    try:
        return queries.build_info(snap)["data_version"]
    finally:
        snap.close()


def run(page: str, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.switch_page(f"pages/{page}.py")
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at


def test_a_rebuild_reaches_the_next_page_run(two_versions, tmp_path, monkeypatch):
    before, after = two_versions
    live = tmp_path / "live.duckdb"
    cli_build(before, live)
    monkeypatch.setenv("DASHBOARD_DB", str(live))
    old_version = version_of(live)
    assert run("case", id=WITHDRAWN).title[0].value == "Death sentence of a named protester"
    explore = run("explore", table="Cases")
    cli_build(after, live)
    new_version = version_of(live)
    assert new_version != old_version
    assert "No public case" in run("case", id=WITHDRAWN).warning[0].value.replace("\\", "")
    explore.run()  # the same session, rerun after the rebuild: the cached counts are not reused
    assert any(h.value.startswith("Cases: 3") for h in explore.header), [h.value for h in explore.header]
    about = run("about")
    assert about.metric[0].value.replace("\\", "") == new_version


def test_a_rerun_that_changes_nothing_runs_no_query(fixture_db, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB", str(fixture_db))
    st.cache_data.clear()
    calls = []
    original = db.Snapshot.cursor
    monkeypatch.setattr(db.Snapshot, "cursor", lambda self: calls.append(1) or original(self))
    at = run("countries", country="Iran")
    first = len(calls)
    at.run()
    assert first > 0 and len(calls) == first, f"{len(calls) - first} queries on a rerun that changed nothing"


@pytest.mark.long
def test_sessions_keep_querying_while_the_database_is_rebuilt(two_versions, tmp_path):
    """Eight threads (the sessions) keep reading while the file is rebuilt six times: no query fails, and
    after the last build every reader sees its version and not the withdrawn case."""
    before, after = two_versions
    live = tmp_path / "live.duckdb"
    cli_build(before, live)
    published = db.Published(live)
    failures: list[BaseException] = []
    loads = [0]
    stop = threading.Event()

    def session():
        while not stop.is_set():
            try:
                snap = published.current()
                queries.headline(snap, Filters())
                queries.case_detail(snap, WITHDRAWN)
                snap.file_bytes()  # the download of the very file this run reads
                loads[0] += 1
            except BaseException as err:  # noqa: BLE001 — collected and reported below
                failures.append(err)

    threads = [threading.Thread(target=session) for _ in range(8)]
    for t in threads:
        t.start()
    try:
        for i in range(5):
            cli_build(after if i % 2 == 0 else before, live)
        cli_build(after, live)
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert failures == [], failures[:3]
    assert loads[0] > 50
    snap = published.current()
    assert queries.build_info(snap)["data_version"] == version_of(live)
    assert queries.case_detail(snap, WITHDRAWN) is None


def test_the_download_serves_the_file_the_pages_read(two_versions, tmp_path):
    before, after = two_versions
    live = tmp_path / "live.duckdb"
    cli_build(before, live)
    snap = db.connect(live)
    served = snap.file_bytes()
    assert served == live.read_bytes()
    live.unlink()  # deleted under a running app: still the same bytes the pages read
    assert snap.file_bytes() == served
    snap.close()


def test_a_truncated_database_gives_a_message_not_zero_bytes(two_versions, tmp_path, monkeypatch):
    before, _ = two_versions
    live = tmp_path / "live.duckdb"
    cli_build(before, live)
    monkeypatch.setenv("DASHBOARD_DB", str(live))
    assert any(b.proto.label.startswith("DuckDB database") for b in run("about").get("download_button"))
    with open(live, "r+b") as f:  # cut short in place (same file): the pages may still answer from memory
        f.truncate(0)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.switch_page("pages/about.py")
    at.run()
    assert not at.exception
    buttons = [b.proto.label for b in at.get("download_button")]
    assert not any(label.startswith("DuckDB database") for label in buttons)
    shown = " ".join(e.value for e in at.info) + " ".join(e.value for e in at.error)
    assert "cannot be downloaded" in shown or "unavailable" in shown


@pytest.mark.browser
@pytest.mark.long
def test_browser_sessions_during_repeated_rebuilds(two_versions, tmp_path, browser):
    """Two visitors keep loading pages in a real browser while the database is rebuilt five times; every
    load succeeds, and afterwards every page shows the new data version and the withdrawn case is gone."""
    from .browser import settle, streamlit_server

    before, after = two_versions
    live = tmp_path / "live.duckdb"
    cli_build(before, live)
    paths = ["", "countries?country=Iran", "explore?table=Cases", f"case?id={WITHDRAWN}", "accountability", "about"]
    with streamlit_server(live) as base:
        contexts = [browser.new_context() for _ in range(2)]
        pages = [c.new_page() for c in contexts]
        done = threading.Event()

        def rebuild():
            for i in range(5):
                cli_build(after if i % 2 == 0 else before, live)
                time.sleep(0.5)
            cli_build(after, live)
            done.set()

        builder = threading.Thread(target=rebuild)
        builder.start()
        loads = 0
        try:
            while not done.is_set() or loads < 12:
                page = pages[loads % 2]
                page.goto(f"{base}/{paths[loads % len(paths)]}")
                settle(page)
                assert page.locator("[data-testid='stException']").count() == 0
                assert page.locator("[data-testid='stAlertContentError']").count() == 0, paths[loads % len(paths)]
                loads += 1
        finally:
            builder.join()
        new_version = version_of(live)
        for path in paths:
            page = pages[0]
            page.goto(f"{base}/{path}")
            settle(page)
            text = page.locator("[data-testid='stMainBlockContainer']").inner_text()
            if path == "about":
                metric = page.locator("[data-testid='stMetric']").first
                metric.filter(has_text=new_version).wait_for(timeout=20000)  # the "Data version" figure
            if path.startswith("case"):
                assert "No public case" in text
            assert page.locator("[data-testid='stAlertContentError']").count() == 0
        for c in contexts:
            c.close()


def test_every_replica_behind_the_proxy_switches_to_a_republished_database(two_versions, tmp_path):
    """Two app processes behind nginx (deploy/serve.py) serve one database path. Before the first build every
    replica shows the outage message (and the load client counts it as a failure); after a build each replica
    shows that version; after a rebuild (a new file put in place with os.replace while both serve) each replica,
    asked directly and through the proxy, shows the new version and the withdrawn case is gone."""
    import asyncio
    import concurrent.futures

    from .test_load import load, serve

    live = tmp_path / "live.duckdb"  # not built yet: the first publish happens while the replicas serve

    async def visit(url: str, page: str, query: str = "") -> load.RunResult:
        visitor = load.Visitor(load.loopback_only(url), collect_text=True)
        try:
            return await visitor.run(page, query, 60)
        finally:
            await visitor.close()

    def shown(url: str, page: str, query: str = "") -> load.RunResult:
        # In a thread of its own: the browser fixture of this module may hold an event loop in this one.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(lambda: asyncio.run(visit(url, page, query))).result()

    def data_version(result) -> str:
        versions = [t.split(": ", 1)[1].replace("\\", "") for t in result.texts if t.startswith("Data version: ")]
        assert result.ok and len(versions) == 1, (result.problem, result.texts[:10])
        return versions[0]

    with serve.Cluster(2, workdir=tmp_path / "nginx", env={"DASHBOARD_DB": str(live)}) as cluster:
        replicas = [f"http://127.0.0.1:{port}" for port in cluster.replica_ports]
        for url in replicas:
            outage = shown(url, "about")
            assert not outage.ok and outage.problem.startswith("error message on the page"), outage

        cli_build(two_versions[0], live)
        old = version_of(live)
        for url in replicas:
            assert data_version(shown(url, "about")) == old
            case = shown(url, "case", f"id={WITHDRAWN}")
            assert case.ok and "Death sentence of a named protester" in case.texts, case.texts[:5]

        inode = live.stat().st_ino
        cli_build(two_versions[1], live)
        assert live.stat().st_ino != inode  # a new file put in place, not the old one rewritten
        new = version_of(live)
        assert new != old
        for url in replicas + [cluster.url] * 4:  # each replica directly, then as visitors through the proxy
            assert data_version(shown(url, "about")) == new, url
            case = shown(url, "case", f"id={WITHDRAWN}")
            assert case.ok, (url, case.problem)
            assert any("No public case" in t.replace("\\", "") for t in case.texts), (url, case.texts[:5])
            assert not any("named protester" in t for t in case.texts), url
