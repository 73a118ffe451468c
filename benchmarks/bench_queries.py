"""Benchmark: the pages' queries, the metrics and a 100,000-row CSV export on a generated large database.

Run with `make benchmark`. It writes a synthetic database (not real data: ids and text are generated) with
the real schema, then times each function the pages call. Numbers are printed; nothing is asserted —
speed is proven here, not in timed tests.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import db, exports, metrics, queries, taxonomy  # noqa: E402
from dashboard.build import SCHEMA_SQL, write_lookups  # noqa: E402
from dashboard.config import SOURCES_DIR  # noqa: E402
from dashboard.filters import Filters, from_query  # noqa: E402

N_ACTIONS, N_CASES, EVENTS_PER_CASE, LINKS_PER_CASE = 100_000, 20_000, 3, 4


def make_database(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute(SCHEMA_SQL)
    con.execute(f"INSERT INTO countries SELECT * FROM read_csv('{SOURCES_DIR / 'countries.csv'}', all_varchar=true)")
    con.execute(f"INSERT INTO themes SELECT * FROM read_csv('{SOURCES_DIR / 'themes.csv'}', all_varchar=true)")
    write_lookups(con)
    iso = [c for members in taxonomy.PRIORITY_AREAS.values() for c in members]
    actors, types = list(taxonomy.ACTORS), list(taxonomy.ACTION_TYPES)
    statuses, themes = list(taxonomy.CASE_STATUSES), list(taxonomy.THEMES)
    con.execute("CREATE TEMP TABLE p AS SELECT ? AS iso, ? AS actors, ? AS types, ? AS statuses, ? AS themes",
                [iso, actors, types, statuses, themes])
    con.execute(f"""
        INSERT INTO cases SELECT printf('%s-C-%06d', p.iso[1 + i % len(p.iso)], i), 'Synthetic case ' || i,
               p.iso[1 + i % len(p.iso)], p.themes[1 + i % 3], 'individual', NULL, false,
               p.statuses[1 + i % len(p.statuses)], DATE '2010-01-01' + (i % 5800)::INTEGER, 'day',
               'Generated summary ' || i, 'https://example.org/c/' || i, 'ngo'
        FROM range({N_CASES}) t(i), p""")
    con.execute("INSERT INTO case_themes SELECT case_id, themes FROM cases")
    con.execute(f"""
        INSERT INTO case_events SELECT row_number() OVER (), c.case_id, c.opened_on + (k * 40)::INTEGER, 'day',
               'arrest', 'Generated event', c.source_url, 'ngo'
        FROM cases c, range({EVENTS_PER_CASE}) e(k)""")
    con.execute(f"""
        INSERT INTO eu_actions SELECT printf('%s-A-%06d', p.iso[1 + i % len(p.iso)], i),
               DATE '2010-01-01' + (i % 5900)::INTEGER, p.actors[1 + i % len(p.actors)],
               p.types[1 + (i * 7) % len(p.types)], p.iso[1 + i % len(p.iso)], p.themes[1 + i % 3],
               'Synthetic EU action ' || i, 'Generated summary ' || i, 'https://example.org/a/' || i, 'official',
               (i % 5 = 0)
        FROM range({N_ACTIONS}) t(i), p""")
    con.execute("INSERT INTO action_themes SELECT action_id, themes FROM eu_actions")
    con.execute(f"""
        INSERT INTO action_cases SELECT DISTINCT a.action_id, c.case_id
        FROM (SELECT case_id, row_number() OVER () AS n FROM cases) c, range({LINKS_PER_CASE}) r(k),
             (SELECT action_id, row_number() OVER () AS n FROM eu_actions) a
        WHERE a.n = 1 + ((c.n * 13 + k * 7919) % {N_ACTIONS})""")
    con.execute("INSERT INTO build_info (built_at, source_digest, data_version, cases, eu_actions, case_events, "
                "action_cases, shows_unreviewed, unreviewed_held_back) "
                "VALUES (now(), 'synthetic', 'benchmark', ?, ?, 0, 0, false, 0)", [N_CASES, N_ACTIONS])
    con.execute("CHECKPOINT")
    con.close()


def timed(fn, repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "large.duckdb"
        start = time.perf_counter()
        make_database(path)
        print(f"generated {N_ACTIONS:,} actions, {N_CASES:,} cases in {time.perf_counter() - start:.1f}s")
        con = db.connect(path)
        iran = from_query({"country": "Iran", "theme": "torture"})[0]
        everything = Filters()
        checks = {
            "headline (all)": lambda: queries.headline(con, everything),
            "map values (all)": lambda: queries.map_values(con, everything, "actions"),
            "actions page 1 (all)": lambda: queries.actions_table(con, everything),
            "actions page 100 (all)": lambda: queries.actions_table(con, everything, offset=99 * 50),
            "count actions (Iran, torture)": lambda: queries.count_actions(con, iran),
            "cases page (text search)": lambda: queries.cases_table(con, from_query({"q": "case 1999"})[0]),
            "actions over time by month": lambda: queries.actions_over_time(con, everything, "month", "actor"),
            "metrics summary (all)": lambda: metrics.summary(con, everything),
            "metrics by area (all)": lambda: metrics.by_area(con, everything),
            "silence list (all)": lambda: metrics.silence_list(con, everything),
            "CSV export, 100,000 rows": lambda: exports.export_bytes(con, everything, "actions", "csv"),
            "XLSX export, 100,000 rows": lambda: exports.export_bytes(con, everything, "actions", "xlsx"),
        }
        print(f"{'query':40} {'median seconds':>15}")
        for name, fn in checks.items():
            print(f"{name:40} {timed(fn, repeat=1 if 'XLSX' in name else 3):15.3f}")
        con.close()


if __name__ == "__main__":
    main()
