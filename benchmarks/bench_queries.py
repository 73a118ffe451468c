"""Benchmark: what each page costs the server, on generated databases of 10 k, 100 k and 1 M EU actions.

Run with `make benchmark` (or `python benchmarks/bench_queries.py --sizes 10000,100000`). For each size it
measures, as CPU time (`time.process_time`, every thread of the process; stable when the machine is busy):

- every page's database work: the queries the page runs, median of `--repeat` runs after one warm-up;
- the whole page under Streamlit's AppTest (the page script, its widgets, figures and tables), cleared
  caches before each run, and a bare one-line page for comparison, its runs interleaved with each page's;
- the usual pandas approach (the tables loaded into memory once, then filtered there) on the same
  questions, interleaved with DuckDB in the same process, after checking both give the same answer. Each
  question is asked twice: with no filter, a default view whose answer the build stores (serving/
  default_views.py), which DuckDB reads back (what a visitor's default page costs); and with a filter no
  build stores (LIVE), which DuckDB answers by running its queries (what the query engine costs). A check
  before the clock starts makes sure the filtered answers read nothing the build stored;
- peak memory (VmHWM) of a process answering all those questions with DuckDB, and of one doing it with
  pandas, each in its own process, beside a process that only imports the same modules;
- the CSV export of every EU action, written to a file, and the XLSX export of 100 k rows: CPU, wall time
  and peak memory of a process doing only that;
- how long generating each database and computing its summary tables took (when it was generated in this run);
- every page's database work and whole page on the shipped data (data/sources, built afresh).

It prints one table and writes everything to benchmarks/results.json. Numbers are measured, never
asserted: the speed goals are read off this output, not enforced by timed tests.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import pandas as pd  # noqa: E402

from dashboard.serving import db, default_views, exports, metrics, queries  # noqa: E402
from dashboard.serving.filters import Filters, from_query  # noqa: E402

SIZES = (10_000, 100_000, 1_000_000)
XLSX_ROWS = 100_000


def _filters(**params) -> Filters:
    parsed, notices = from_query(params)
    assert not notices, notices
    return parsed


ALL, IRAN, TORTURE = Filters(), _filters(country="Iran"), _filters(theme="torture")
# Views no build stores (serving/default_views.py answers the default ones at build time): what a filter costs.
IRAN_SINCE_2020 = _filters(country="Iran", since="2020-01-01")
# The filter of the live pandas comparisons: a theme and a date, which every compared question takes (the actions'
# themes and dates; the response summary's cases' themes and opening dates), and no build stores.
LIVE = _filters(theme="torture", since="2020-01-01")


def sample_ids(con) -> dict[str, str]:
    """An EU action and a case from the middle of the tables, for the record pages."""
    actions, cases = queries.count_actions(con, ALL), queries.count_cases(con, ALL)
    return {"action": str(queries.actions_table(con, ALL, limit=1, offset=actions // 2)["ID"].iloc[0]),
            "case": str(queries.cases_table(con, ALL, limit=1, offset=cases // 2)["ID"].iloc[0])}


def case_page(con, case_id: str):
    return queries.case_page(con, case_id)


def action_page(con, action_id: str):
    action = queries.action_detail(con, action_id)
    return action, queries.action_cases(con, action_id, case_ids=action["case_ids"])


def countries_page(con, f: Filters):
    # the very calls the page makes, as the build answers them for its default views (default_views.py)
    return default_views.countries_queries(con, f), queries.build_info(con)


def accountability_page(con, f: Filters):
    return metrics.accountability(con, f), metrics.silence_list(con, f), queries.build_info(con)


# Each page's database work: the calls its script makes, in order (see pages/*.py), and its URL parameters.
PAGES: dict[str, tuple[dict, Callable]] = {
    "overview": ({}, lambda con, ids: (queries.data_as_of(con), queries.headline(con, ALL),
                                       queries.map_values(con, ALL, "actions"),
                                       queries.actions_table(con, ALL, limit=8), queries.build_info(con))),
    "countries (Iran)": ({"country": "Iran"}, lambda con, ids: countries_page(con, IRAN)),
    "themes (Torture)": ({"theme": "Torture"}, lambda con, ids: (
        queries.theme_summary(con), default_views.themes_queries(con, TORTURE), queries.build_info(con))),
    "timeline": ({}, lambda con, ids: (queries.actions_over_time(con, ALL, "year", "actor"),
                                       queries.events_over_time(con, ALL, "year"), queries.build_info(con))),
    "explore, page 1": ({}, lambda con, ids: (queries.count_actions(con, ALL), queries.actions_table(con, ALL),
                                              queries.build_info(con))),
    "accountability": ({}, lambda con, ids: accountability_page(con, ALL)),
    "countries (Iran, since 2020)": ({"country": "Iran", "since": "2020-01-01"},
                                     lambda con, ids: countries_page(con, IRAN_SINCE_2020)),
    "accountability (Torture)": ({"theme": "Torture"}, lambda con, ids: accountability_page(con, TORTURE)),
    "case (by id)": ({"id": "case"}, lambda con, ids: case_page(con, ids["case"])),
    "action (by id)": ({"id": "action"}, lambda con, ids: action_page(con, ids["action"])),
}
PAGE_FILES = {"overview": "overview", "countries (Iran)": "countries", "themes (Torture)": "themes",
              "timeline": "timeline", "explore, page 1": "explore", "accountability": "accountability",
              "countries (Iran, since 2020)": "countries", "accountability (Torture)": "accountability",
              "case (by id)": "case", "action (by id)": "action"}


def cpu_median(fn: Callable[[], object], repeat: int) -> float:
    """Median CPU milliseconds of `fn` over `repeat` runs, after one warm-up run."""
    fn()
    runs = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        runs.append(time.process_time() - start)
    return round(statistics.median(runs) * 1000, 1)


def interleaved_cpu(fns: list[Callable[[], object]], repeat: int) -> list[list[float]]:
    """CPU seconds of each of `fns` over `repeat` rounds of one run each, in turn, so that all of them see the same
    machine: a busy moment weighs on every one, not on whichever ran then."""
    runs: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, into in zip(fns, runs, strict=True):
            start = time.process_time()
            fn()
            into.append(time.process_time() - start)
    return runs


def _value(result, key):
    return result[key] if isinstance(result, dict) else getattr(result, key)


# --- the pandas baseline: the same questions, answered from tables loaded once into memory ---

def load_tables(con) -> dict[str, pd.DataFrame]:
    names = ("eu_actions", "action_themes", "action_cases", "cases", "case_themes", "case_events", "labels",
             "countries")
    return {name: db.fetch(con, f"SELECT * FROM {name}") for name in names}  # names are constants


def _supported(f: Filters) -> None:
    """The baseline filters by places, themes and dates; any other filter would be answered wrongly, so it is refused."""
    others = (f.actors, f.types, f.statuses, f.qualities, f.discovery, f.q)
    if any(others):
        raise NotImplementedError(f"the pandas baseline does not filter by {f.describe()}")


def pandas_actions(t, f: Filters) -> pd.DataFrame:
    """The EU actions a filter selects, as queries.action_where does: in one of its places' countries, dated within its
    dates (each inclusive), with one of its themes (action_themes). No filter: the table itself, not a copy."""
    return _selected(t, f, "eu_actions", "action_id", "date", "action_themes")


def pandas_cases(t, f: Filters) -> pd.DataFrame:
    """The cases a filter selects, as queries.case_where does: in one of its places' countries, opened within its
    dates (each inclusive), with one of its themes (case_themes). No filter: the table itself."""
    return _selected(t, f, "cases", "case_id", "opened_on", "case_themes")


def _selected(t, f: Filters, table: str, key: str, dated: str, themes: str) -> pd.DataFrame:
    _supported(f)
    rows = t[table]
    keep = []
    if f.countries:
        keep.append(rows["country_iso3"].isin(f.countries))
    if f.since:
        keep.append(rows[dated] >= pd.Timestamp(f.since))
    if f.until:
        keep.append(rows[dated] <= pd.Timestamp(f.until))
    if keep:
        for more in keep[1:]:
            keep[0] &= more
        rows = rows[keep[0]]
    if f.themes:
        # a join with the themes' links: Series.isin on a text column of many values converts them one by one in
        # Python (pandas 3's ArrowStringArray.isin), several times the cost of the join
        links = t[themes]
        rows = rows.merge(links.loc[links["theme_id"].isin(f.themes), [key]].drop_duplicates(), on=key)
    return rows


def pandas_map_values(t, f: Filters = ALL):
    counts = pandas_actions(t, f).groupby("country_iso3").size()
    co = t["countries"][["iso3", "name", "priority_area"]].copy()
    own = co["iso3"].map(counts).fillna(0).astype("int64")
    # a priority area is one unit: each of its countries shows the area's total
    area_total = own.groupby(co["priority_area"]).transform("sum")
    co["value"] = area_total.where(co["priority_area"].notna(), own).astype("int64")
    return co[co["priority_area"].notna() | (own > 0)].sort_values("iso3").reset_index(drop=True)


def pandas_timeline(t, f: Filters = ALL):
    labels = t["labels"]
    actor = labels[labels["kind"] == "actor"].set_index("code")["label"]
    a = pandas_actions(t, f)
    frame = pd.DataFrame({"period": a["date"].dt.to_period("Y").dt.start_time, "group": a["actor"].map(actor)})
    return frame.groupby(["period", "group"]).size().reset_index(name="n")


def pandas_explore_page(t, f: Filters = ALL, size: int = queries.PAGE_SIZE):
    a = pandas_actions(t, f)
    page = a.sort_values(["date", "action_id"], ascending=[False, True]).head(size)
    labels = t["labels"]
    theme = labels[labels["kind"] == "theme"][["code", "label", "sort_order"]]
    links = t["action_themes"][t["action_themes"]["action_id"].isin(page["action_id"])]
    named = links.merge(theme, left_on="theme_id", right_on="code").sort_values("sort_order")
    themes = named.groupby("action_id")["label"].agg("; ".join)
    cases = t["action_cases"][t["action_cases"]["action_id"].isin(page["action_id"])].groupby("action_id").size()
    return pd.DataFrame({"ID": page["action_id"].to_numpy(), "Themes": page["action_id"].map(themes).to_numpy(),
                         "Cases named": page["action_id"].map(cases).fillna(0).astype("int64").to_numpy()})


def pandas_response_summary(t, f: Filters = ALL):
    # The filter selects cases (metrics: by their themes and opening dates); their responses are counted whatever
    # the responding action's own themes and date, so the actions are not filtered.
    cases, events, a = pandas_cases(t, f), t["case_events"], t["eu_actions"]
    first_event = events.groupby("case_id")["date"].min()
    start = cases.set_index("case_id")["opened_on"]
    start = first_event.reindex(start.index).fillna(start)
    links = t["action_cases"]
    if cases is not t["cases"]:  # the selected cases' links only (a join, as in _selected)
        links = links.merge(cases[["case_id"]], on="case_id")
    links = links.merge(a[["action_id", "date"]], on="action_id")
    links["start"] = links["case_id"].map(start)
    first = links[links["date"] >= links["start"]].groupby("case_id")["date"].min()
    days = (first - start.reindex(first.index)).dt.days
    return {"cases": len(cases), "responded": len(first),
            "median_days": None if days.empty else float(days.median())}


QUESTIONS = {  # name → (DuckDB answer to a filter, pandas answer to it, check both are the same)
    "map values": (lambda con, f: queries.map_values(con, f, "actions"), pandas_map_values,
                   lambda d, p: pd.testing.assert_frame_equal(d.reset_index(drop=True), p, check_dtype=False)),
    "timeline (per year, by actor)": (
        lambda con, f: queries.actions_over_time(con, f, "year", "actor"), pandas_timeline,
        lambda d, p: pd.testing.assert_frame_equal(d.reset_index(drop=True), p, check_dtype=False)),
    "explore, page 1": (lambda con, f: queries.actions_table(con, f), pandas_explore_page,
                        lambda d, p: pd.testing.assert_frame_equal(d[["ID", "Themes", "Cases named"]], p,
                                                                   check_dtype=False)),
    "response-rate summary": (
        lambda con, f: metrics.summary(con, f), pandas_response_summary,
        lambda d, p: _assert_equal({"cases": _value(d, "cases"), "responded": _value(d, "responded"),
                                    "median_days": _value(d, "median_days_to_first_response")}, p)),
}

# Every question, asked with no filter (the key is the question's name, as in earlier results) and with LIVE:
# key → (question, filter, how DuckDB answers it, as the table names the row). For no filter DuckDB reads what the
# build stored, where it stored it (a query the day changes, as the silent cases of the summary, is stored for the
# day of the build only): results.json counts the stored and the live queries of each.
STORED_LABEL, LIVE_LABEL = "no filter: the build's stored answer", "Torture, since 2020: live"
COMPARISONS: dict[str, tuple[str, Filters, str]] = {
    **{q: (q, ALL, STORED_LABEL) for q in QUESTIONS},
    **{f"{q} ({LIVE_LABEL})": (q, LIVE, LIVE_LABEL) for q in QUESTIONS},
}


def _assert_equal(a, b):
    assert a == b, (a, b)


class QueryWatch:
    """Stands in for a Snapshot and counts the queries a question sends: those whose answer the build stored
    (serving.default_views; db.fetch and db.fetch_columns read it back) and those that run. What depends on the file
    alone (Snapshot.once: build_info, theme totals) is neither."""

    def __init__(self, snapshot: db.Snapshot):
        self.snapshot, self.stored, self.live = snapshot, 0, 0

    def _count(self, key: str) -> None:
        if key in db.stored_results(self.snapshot):  # where db.fetch looks a query's stored answer up
            self.stored += 1
        else:
            self.live += 1

    def once(self, name: str, compute):
        return self.snapshot.once(name, compute)

    def cursor(self):
        return self.snapshot.cursor()

    def fetch(self, sql: str, params=None) -> pd.DataFrame:
        self._count(db.result_key(sql, params))
        return db.fetch(self.snapshot, sql, params)

    def fetch_columns(self, sql: str, params=None) -> dict:
        self._count(db.columns_key(sql, params))
        return db.fetch_columns(self.snapshot, sql, params)

    def fetch_one(self, sql: str, params=None):
        self.live += 1  # never stored
        return db.fetch_one(self.snapshot, sql, params)

    def fetch_record(self, sql: str, params=None):
        self.live += 1
        return db.fetch_record(self.snapshot, sql, params)


def compare_with_pandas(con, repeat: int) -> dict:
    tables = load_tables(con)
    out = {}
    for key, (name, f, _label) in COMPARISONS.items():
        duck, panda, check = QUESTIONS[name]
        watch = QueryWatch(con)
        check(duck(watch, f), panda(tables, f))  # same answers first
        if f != ALL and watch.stored:  # then the filtered row would not measure DuckDB's queries
            raise RuntimeError(f"{key}: {watch.stored} of its queries were answered from the build's stored results")
        duck_runs, panda_runs = interleaved_cpu([lambda duck=duck, f=f: duck(con, f),
                                                 lambda panda=panda, f=f: panda(tables, f)], repeat)
        d, p = statistics.median(duck_runs) * 1000, statistics.median(panda_runs) * 1000
        out[key] = {"duckdb_cpu_ms": round(d, 1), "pandas_cpu_ms": round(p, 1), "ratio": round(p / max(d, 0.05), 1),
                    "filters": f.describe(), "stored_queries": watch.stored, "live_queries": watch.live}
    return out


# --- child processes: one job each, so that their peak memory is theirs alone ---

def _peak_mb() -> float:
    # VmHWM is this process's own peak; ru_maxrss would carry the parent's peak over from fork.
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child(job: str, path: str) -> dict:
    con = db.connect(Path(path))
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    result: dict = {}
    if job == "duckdb":
        for name, f, _ in COMPARISONS.values():
            QUESTIONS[name][0](con, f)
    elif job == "pandas":
        tables = load_tables(con)
        for name, f, _ in COMPARISONS.values():
            QUESTIONS[name][1](tables, f)
    elif job in ("csv", "xlsx"):
        f = ALL
        target = Path(tempfile.mkdtemp()) / f"export.{job}"
        if job == "xlsx":  # the newest XLSX_ROWS actions
            newest = queries.actions_table(con, ALL, limit=1, offset=XLSX_ROWS - 1)
            f = Filters(since=pd.Timestamp(newest["Date"].iloc[0]).date()) if not newest.empty else ALL
        if hasattr(exports, "save_export"):
            exports.save_export(con, f, "actions", job, target)
        else:  # an older version of the code, for before/after comparisons
            target.write_bytes(exports.export_bytes(con, f, "actions", job))
        result = {"rows": queries.count_actions(con, f), "bytes": target.stat().st_size}
        target.unlink()
    elif job != "bare":
        raise ValueError(job)
    result.update(cpu_s=round(time.process_time() - start_cpu, 2), wall_s=round(time.perf_counter() - start_wall, 2),
                  peak_mb=_peak_mb())
    return result


def run_child(job: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", job, "--db", str(path)], capture_output=True,
                          text=True, check=False, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path[:2])})
    if done.returncode:
        raise RuntimeError(f"benchmark child {job} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- whole pages under AppTest ---

# Streamlit's warnings that it runs outside a served session, and nothing else: AppTest runs each page so, and the
# cache is cleared before each run with no server's cache to clear. Logged on every run, they were several hundred
# lines per `make benchmark`, which hid the table.
BARE_MODE_WARNINGS = {
    "streamlit.runtime.scriptrunner_utils.script_run_context": "missing ScriptRunContext",
    "streamlit.runtime.caching.cache_data_api": "No runtime found, using MemoryCacheStorageManager",
}


class _NoBareModeWarning(logging.Filter):
    def __init__(self, words: str):
        super().__init__()
        self.words = words

    def filter(self, record: logging.LogRecord) -> bool:
        return self.words not in str(record.msg)


def quiet_bare_mode_warning() -> None:
    for logger, words in BARE_MODE_WARNINGS.items():
        logging.getLogger(logger).addFilter(_NoBareModeWarning(words))


def apptest_cpu(path: Path, ids: dict[str, str], repeat: int) -> dict[str, float]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    quiet_bare_mode_warning()
    os.environ["DASHBOARD_DB"] = str(path)
    st.cache_resource.clear()

    def page_run(page: str, params: dict) -> Callable[[], None]:
        def run():
            st.cache_data.clear()  # a first visit: nothing cached yet
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            at.switch_page(f"pages/{page}.py")
            for key, value in params.items():
                at.query_params[key] = ids.get(value, value) if key == "id" else value
            at.run()
            if at.exception:
                raise RuntimeError(f"{page}: {[e.value for e in at.exception]}")
        return run

    def bare():
        AppTest.from_string("import streamlit as st\nst.write('x')").run()

    # Each page's runs are interleaved with runs of the bare page, so that both see the same machine: a busy
    # moment then weighs on both, and "beyond a bare page" is not one page's luck against another's.
    bare()  # warm-up
    bare_runs: list[float] = []
    out: dict[str, float] = {}
    for name, (params, _) in PAGES.items():
        run = page_run(PAGE_FILES[name], params)
        run()  # warm-up
        bare_part, runs = interleaved_cpu([bare, run], repeat)
        bare_runs += bare_part
        out[name] = round(statistics.median(runs) * 1000, 1)
    st.cache_resource.clear()
    return {"bare page": round(statistics.median(bare_runs) * 1000, 1), **out}


def measure(size: int, repeat: int, apptest: bool, cache: Path) -> dict:
    import generate

    start = time.perf_counter()
    cached = generate.cached(size, cache)
    path = generate.database(size, cache)
    result: dict = {"generated_s": None if cached else round(time.perf_counter() - start, 1),
                    "generation": generate.stats(path)}
    con = db.connect(path)
    ids = sample_ids(con)
    result["database_cpu_ms"] = {name: cpu_median(lambda w=work: w(con, ids), repeat)
                                 for name, (_, work) in PAGES.items()}
    result["pandas"] = compare_with_pandas(con, repeat)
    con.close()
    result["apptest_cpu_ms"] = apptest_cpu(path, ids, repeat) if apptest else {}
    result["memory"] = {job: run_child(job, path) for job in ("bare", "duckdb", "pandas")}
    result["memory"]["ratio"] = round(result["memory"]["pandas"]["peak_mb"] / result["memory"]["duckdb"]["peak_mb"], 2)
    result["export_csv"] = run_child("csv", path)
    if size >= XLSX_ROWS:
        result["export_xlsx"] = run_child("xlsx", path)
    return result


def table(results: dict[int, dict]) -> str:
    sizes = list(results)
    head = "| | " + " | ".join(f"{s:,} actions: DB / page" for s in sizes) + " |"
    lines = [head, "|---" * (len(sizes) + 1) + "|"]
    for name in PAGES:
        cells = [f"{r['database_cpu_ms'][name]:,.1f} / {r['apptest_cpu_ms'].get(name, float('nan')):,.0f} ms"
                 for r in results.values()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("| bare page (AppTest) | " + " | ".join(
        f"{r['apptest_cpu_ms'].get('bare page', float('nan')):,.0f} ms" for r in results.values()) + " |")
    for key, (name, _, label) in COMPARISONS.items():
        lines.append(f"| pandas vs DuckDB: {name} ({label}) | " + " | ".join(
            f"{r['pandas'][key]['pandas_cpu_ms']:,.1f} vs {r['pandas'][key]['duckdb_cpu_ms']:,.1f} ms "
            f"({r['pandas'][key]['ratio']}×)" for r in results.values()) + " |")
    lines.append("| peak memory: pandas vs DuckDB (bare process) | " + " | ".join(
        f"{r['memory']['pandas']['peak_mb']:,.0f} vs {r['memory']['duckdb']['peak_mb']:,.0f} MB "
        f"({r['memory']['ratio']}×; {r['memory']['bare']['peak_mb']:,.0f})" for r in results.values()) + " |")
    lines.append("| CSV export of every action: CPU / wall / peak | " + " | ".join(
        f"{r['export_csv']['cpu_s']} s / {r['export_csv']['wall_s']} s / {r['export_csv']['peak_mb']:,.0f} MB"
        for r in results.values()) + " |")
    lines.append(f"| XLSX export of {XLSX_ROWS:,} rows: CPU / wall / peak | " + " | ".join(
        (f"{r['export_xlsx']['cpu_s']} s / {r['export_xlsx']['wall_s']} s / {r['export_xlsx']['peak_mb']:,.0f} MB"
         if "export_xlsx" in r else "—") for r in results.values()) + " |")
    lines.append("| generating the database / its summary tables | " + " | ".join(
        f"{r['generation'].get('generate_s', '?')} s / {r['generation'].get('summaries_s', '?')} s"
        for r in results.values()) + " |")
    return "\n".join(lines)


def real_data(repeat: int, apptest: bool) -> dict:
    """Every page's database work and whole page (AppTest) on the shipped data, built afresh from data/sources."""
    from dashboard.config import SOURCES_DIR
    from dashboard.curation.build import build

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "real.duckdb"
        build(SOURCES_DIR, path, finish=default_views.write)  # as `python -m dashboard build` does
        con = db.connect(path)
        ids = sample_ids(con)
        result: dict = {"database_cpu_ms": {name: cpu_median(lambda w=work: w(con, ids), repeat)
                                            for name, (_, work) in PAGES.items()}}
        con.close()
        result["apptest_cpu_ms"] = apptest_cpu(path, ids, repeat) if apptest else {}
    return result


def real_table(real: dict) -> str:
    bare = real["apptest_cpu_ms"].get("bare page", float("nan"))
    lines = ["| the shipped data | database work | whole page (AppTest) | beyond a bare page |", "|---|---|---|---|"]
    for name in PAGES:
        page = real["apptest_cpu_ms"].get(name, float("nan"))
        lines.append(f"| {name} | {real['database_cpu_ms'][name]:,.1f} ms | {page:,.0f} ms | {page - bare:,.0f} ms |")
    lines.append(f"| bare page (AppTest) | | {bare:,.0f} ms | |")
    return "\n".join(lines)


def real_build_cpu() -> float:
    from dashboard.config import SOURCES_DIR
    from dashboard.curation.build import build

    with tempfile.TemporaryDirectory() as tmp:
        start = time.process_time()
        build(SOURCES_DIR, Path(tmp) / "real.duckdb", finish=default_views.write)
        return round(time.process_time() - start, 2)


def generated_build_cpu(n_actions: int, repeat: int = 3) -> dict:
    """The build (validation included) of generated source files of `n_actions` EU actions: median CPU seconds
    of `repeat` builds, in this process (the files are written once, before the clock starts)."""
    import generate_sources

    from dashboard.curation.build import build

    with tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "sources"
        counts = generate_sources.generate(n_actions, sources)
        runs = []
        for i in range(repeat):
            start = time.process_time()
            build(sources, Path(tmp) / f"built-{i}.duckdb", finish=default_views.write)
            runs.append(time.process_time() - start)
        return {"actions": n_actions, "rows": counts, "cpu_s": round(statistics.median(runs), 2)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated numbers of EU actions")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (the median is reported)")
    parser.add_argument("--no-apptest", action="store_true", help="skip the whole-page AppTest runs")
    parser.add_argument("--build-actions", type=int, default=100_000,
                        help="EU actions in the generated source files whose build is timed (0: skip)")
    parser.add_argument("--no-real", action="store_true", help="skip the pages on the shipped data (data/sources)")
    parser.add_argument("--out", default=str(HERE / "results.json"))
    parser.add_argument("--cache", default=str(HERE / ".cache"), help="where generated databases are kept")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.db)))
        return {}
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = {size: measure(size, args.repeat, not args.no_apptest, Path(args.cache)) for size in sizes}
    report = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
              "repeat": args.repeat, "real_data_build_cpu_s": real_build_cpu(),
              "generated_build": generated_build_cpu(args.build_actions) if args.build_actions else None,
              "sizes": {str(size): r for size, r in results.items()}}
    if not args.no_real:
        report["real_data"] = real_data(args.repeat, not args.no_apptest)
    print(table(results))
    if "real_data" in report:
        print("\n" + real_table(report["real_data"]))
    print(f"\nBuild of the real data (data/sources): {report['real_data_build_cpu_s']} s CPU.")
    if report["generated_build"]:
        print(f"Build of generated sources of {args.build_actions:,} EU actions: "
              f"{report['generated_build']['cpu_s']} s CPU (median of 3).")
    out = Path(args.out)
    # The browser figures are measured apart (benchmarks/browser.py adds them to this file): keep them.
    earlier = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    if "browser" in earlier:
        report["browser"] = earlier["browser"]
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"Wrote {args.out}")
    return report


if __name__ == "__main__":
    main()
