"""`make benchmark` works: a small run generates its database, checks DuckDB and pandas give the same answers,
measures every page and export, and writes results.json. Nothing here is timed or compared with a goal."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_queries  # noqa: E402
import generate  # noqa: E402


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
    assert set(size["pandas"]) == set(bench_queries.QUESTIONS)
    assert all(q["pandas_cpu_ms"] >= 0 and q["duckdb_cpu_ms"] >= 0 for q in size["pandas"].values())
    assert size["memory"]["pandas"]["peak_mb"] > 0 and size["memory"]["duckdb"]["peak_mb"] > 0
    assert size["export_csv"]["rows"] == 1500 and size["export_csv"]["bytes"] > 1500 * 50
    assert report["real_data_build_cpu_s"] > 0
    real = report["real_data"]
    assert set(real["database_cpu_ms"]) == set(bench_queries.PAGES)
    assert set(real["apptest_cpu_ms"]) == set(bench_queries.PAGES) | {"bare page"}
    assert report["generated_build"]["rows"]["eu_actions"] == 2000 and report["generated_build"]["cpu_s"] > 0
    assert report["browser"] == {"visits": 5} and set(report["sizes"]) == {"1500"}
    # AppTest runs outside a served session; Streamlit's warnings about it, once per run, used to bury the table.
    err = capfd.readouterr().err
    assert "missing ScriptRunContext" not in err and "No runtime found" not in err


def test_the_pandas_baseline_is_checked_against_duckdb(tmp_path):
    """A baseline that answered differently would make the ratio meaningless: the check must catch it."""
    con = duckdb.connect(str(generate.database(1000, cache=tmp_path)), read_only=True)
    tables = bench_queries.load_tables(con)
    for duck, panda, check in bench_queries.QUESTIONS.values():
        check(duck(con), panda(tables))
    actions = tables["eu_actions"]
    tables["eu_actions"] = actions.drop(actions[actions["country_iso3"].notna()].index[0])  # one action lost
    duck, panda, check = bench_queries.QUESTIONS["map values"]
    try:
        check(duck(con), panda(tables))
    except AssertionError:
        pass
    else:
        raise AssertionError("a different answer went unnoticed")
    con.close()
