"""`make benchmark` works: a small run generates its database, checks DuckDB and pandas give the same answers,
measures every page and export, and writes results.json. Nothing here is timed or compared with a goal."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_queries  # noqa: E402
import generate  # noqa: E402

from dashboard.curation import build  # noqa: E402
from dashboard.serving import db  # noqa: E402


def test_generated_database_has_the_shape_asked_for(tmp_path):
    path = generate.database(3000, cache=tmp_path)
    con = duckdb.connect(str(path), read_only=True)
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("eu_actions", "cases", "case_events", "action_cases", "action_rows", "case_rows")}
    con.close()
    assert counts == {"eu_actions": 3000, "cases": 300, "case_events": 900, "action_cases": 3000,
                      "action_rows": 3000, "case_rows": 300}
    assert generate.database(3000, cache=tmp_path) == path  # cached: the same file, not regenerated
    assert generate.stats(path)["summaries_s"] >= 0


def test_generated_database_has_the_builds_row_groups(tmp_path):
    """The pages are measured on a file laid out as the build lays one out: a filter skips the same row groups."""
    path = generate.database(24_000, cache=tmp_path)  # source_records: 1.4 rows per EU action, above one row group
    con = duckdb.connect(str(path), read_only=True)
    rows = dict(con.execute("SELECT row_group_id, sum(count) FROM pragma_storage_info('source_records') "
                            "WHERE column_id = 0 AND segment_type <> 'VALIDITY' GROUP BY ALL").fetchall())
    con.close()
    assert len(rows) == 2 and rows[0] == build.ROW_GROUP_SIZE != 122_880  # (DuckDB's own size)


@pytest.mark.long
def test_a_small_benchmark_run_writes_every_figure(tmp_path, capfd):
    out = tmp_path / "results.json"
    # An earlier file: its browser figures (benchmarks/browser.py's, measured apart) stay, the rest is replaced.
    out.write_text(json.dumps({"browser": {"visits": 5}, "sizes": {"99": {}}}), encoding="utf-8")
    bench_queries.main(["--sizes", "1500", "--repeat", "5", "--out", str(out), "--cache", str(tmp_path / "cache"),
                        "--build-actions", "2000"])
    report = json.loads(out.read_text(encoding="utf-8"))
    size = report["sizes"]["1500"]
    assert set(size["database_cpu_ms"]) == set(bench_queries.PAGES)
    assert set(size["apptest_cpu_ms"]) == set(bench_queries.PAGES) | {"bare page"}
    # Each question with no filter (the build's stored answer) and with one no build stores (DuckDB's own queries)
    assert set(size["pandas"]) == set(bench_queries.COMPARISONS) == {
        *bench_queries.QUESTIONS, *(f"{q} (Torture, since 2020: live)" for q in bench_queries.QUESTIONS)}
    assert all(q["pandas_cpu_ms"] >= 0 and q["duckdb_cpu_ms"] >= 0 for q in size["pandas"].values())
    for key, (_, f, _) in bench_queries.COMPARISONS.items():
        compared = size["pandas"][key]
        assert compared["filters"] == f.describe()
        if f == bench_queries.ALL:
            assert compared["stored_queries"] >= 1
        else:
            assert compared["stored_queries"] == 0 and compared["live_queries"] >= 1
    printed = capfd.readouterr()
    assert "| pandas vs DuckDB: map values (no filter: the build's stored answer) |" in printed.out
    assert "| pandas vs DuckDB: response-rate summary (Torture, since 2020: live) |" in printed.out
    assert size["memory"]["pandas"]["peak_mb"] > 0 and size["memory"]["duckdb"]["peak_mb"] > 0
    assert size["export_csv"]["rows"] == 1500 and size["export_csv"]["bytes"] > 1500 * 50
    assert report["real_data_build_cpu_s"] > 0
    real = report["real_data"]
    assert set(real["database_cpu_ms"]) == set(bench_queries.PAGES)
    assert set(real["apptest_cpu_ms"]) == set(bench_queries.PAGES) | {"bare page"}
    assert report["generated_build"]["rows"]["eu_actions"] == 2000 and report["generated_build"]["cpu_s"] > 0
    assert report["browser"] == {"visits": 5} and set(report["sizes"]) == {"1500"}
    # AppTest runs outside a served session; Streamlit's warnings about it, once per run, used to bury the table.
    err = printed.err
    assert "missing ScriptRunContext" not in err and "No runtime found" not in err


def _disagrees(check, duck_answer, pandas_answer) -> bool:
    try:
        check(duck_answer, pandas_answer)
    except AssertionError:
        return True
    return False


def test_the_pandas_baseline_is_checked_against_duckdb(tmp_path):
    """A baseline that answered differently would make the ratio meaningless: the check must catch it, with no filter
    and with the filter no build stores."""
    con = db.connect(generate.database(1000, cache=tmp_path))
    tables = bench_queries.load_tables(con)
    for question, f, _ in bench_queries.COMPARISONS.values():
        duck, panda, check = bench_queries.QUESTIONS[question]
        check(duck(con, f), panda(tables, f))
    assert len(bench_queries.pandas_actions(tables, bench_queries.LIVE)) > bench_queries.queries.PAGE_SIZE
    assert 0 < len(bench_queries.pandas_cases(tables, bench_queries.LIVE)) < len(tables["cases"])

    lost = dict(tables)
    actions = tables["eu_actions"]
    lost["eu_actions"] = actions.drop(actions[actions["country_iso3"].notna()].index[0])  # one action lost
    duck, panda, check = bench_queries.QUESTIONS["map values"]
    assert _disagrees(check, duck(con, bench_queries.ALL), panda(lost, bench_queries.ALL))

    # The newest selected action of a country loses its theme, and one selected case: every filtered answer changes.
    selected = bench_queries.pandas_actions(tables, bench_queries.LIVE)
    newest = selected[selected["country_iso3"].notna()].sort_values("date").iloc[-1]["action_id"]
    case = bench_queries.pandas_cases(tables, bench_queries.LIVE).iloc[0]["case_id"]
    untagged = dict(tables)
    links, case_links = tables["action_themes"], tables["case_themes"]
    untagged["action_themes"] = links[~((links["action_id"] == newest) & (links["theme_id"] == "torture"))]
    untagged["case_themes"] = case_links[~((case_links["case_id"] == case) & (case_links["theme_id"] == "torture"))]
    for question, (duck, panda, check) in bench_queries.QUESTIONS.items():
        assert _disagrees(check, duck(con, bench_queries.LIVE), panda(untagged, bench_queries.LIVE)), question
    con.close()


def test_a_filtered_comparison_that_reads_a_stored_answer_is_refused(tmp_path, monkeypatch):
    """The filtered rows stand for DuckDB running its queries: a filter whose answer the build stores (a theme alone,
    a Themes page's default view) would time a stored frame under that name, and is refused before any timing."""
    con = db.connect(generate.database(1000, cache=tmp_path))
    monkeypatch.setattr(bench_queries, "COMPARISONS", {"map values (Torture)": ("map values", bench_queries.TORTURE,
                                                                                "Torture: live")})
    try:
        bench_queries.compare_with_pandas(con, repeat=1)
    except RuntimeError as err:
        assert "answered from the build's stored results" in str(err)
    else:
        raise AssertionError("a stored answer was timed as a live query")
    monkeypatch.setattr(bench_queries, "COMPARISONS", {"map values (Torture, since 2020)": (
        "map values", bench_queries.LIVE, "Torture, since 2020: live")})
    assert bench_queries.compare_with_pandas(con, repeat=1)["map values (Torture, since 2020)"]["stored_queries"] == 0
    con.close()
