"""Generated databases for the benchmark: N EU actions, 10 % as many cases, three events per case, one link
per action, with the real schema, lookups and summary tables. Not real data: ids and text are synthetic.

Written directly with DuckDB SQL (a million actions take seconds), to a temporary file moved into place,
and cached under benchmarks/.cache/ keyed by size and by the code that shapes the file, so a second run
reuses it and a schema change regenerates it.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import time
from pathlib import Path

import duckdb

from dashboard import taxonomy
from dashboard.config import SOURCES_DIR
from dashboard.curation import build, summaries
from dashboard.serving import default_views, metrics, queries

CACHE = Path(__file__).resolve().parent / ".cache"
EVENTS_PER_CASE = 3
CASES_PER_ACTION = 0.1


def write_lookups(con: duckdb.DuckDBPyConnection) -> None:
    """Countries and themes from the real sources, then the taxonomy tables exactly as the build writes them."""
    for table in ("countries", "themes"):
        con.execute(f"INSERT INTO {table} SELECT * FROM read_csv($path, all_varchar=true, header=true)",
                    {"path": str(SOURCES_DIR / f"{table}.csv")})
    build.write_lookups(con)


def _fill(con: duckdb.DuckDBPyConnection, n_actions: int) -> None:
    n_cases = max(1, int(n_actions * CASES_PER_ACTION))
    iso = [c for members in taxonomy.PRIORITY_AREAS.values() for c in members]
    con.execute("CREATE TEMP MACRO h(x) AS (hash(x) % 1000003)::BIGINT")  # a spread-out small integer
    con.execute("""CREATE TEMP TABLE vocab AS SELECT $iso AS iso, $actors AS actors, $types AS types,
                   $statuses AS statuses, $themes AS themes, $events AS events, $subjects AS subjects,
                   $kinds AS kinds, $qualities AS qualities, $discovery AS discovery""",
                {"iso": iso, "actors": list(taxonomy.ACTORS), "types": list(taxonomy.ACTION_TYPES),
                 "statuses": list(taxonomy.CASE_STATUSES), "themes": list(taxonomy.THEMES),
                 "events": list(taxonomy.EVENT_TYPES), "subjects": list(taxonomy.SUBJECT_TYPES),
                 "kinds": list(taxonomy.SOURCE_KINDS), "qualities": list(taxonomy.SOURCE_QUALITIES),
                 "discovery": list(taxonomy.DISCOVERY)})
    # Theme sets: one theme, or two (the ';'-joined form the sources use).
    con.execute(f"""
        INSERT INTO cases (case_id, title, country_iso3, themes, subject_type, subject_name, name_public, status,
                           opened_on, date_precision, summary, source_url, source_kind, source_quality, discovered_via)
        SELECT printf('%s-C-%07d', v.iso[1 + h(i) % len(v.iso)], i), 'Synthetic case ' || i,
               v.iso[1 + h(i) % len(v.iso)],
               CASE WHEN i % 4 = 0 THEN v.themes[1 + i % 3] || ';' || v.themes[1 + (i + 1) % 3]
                    ELSE v.themes[1 + i % 3] END,
               v.subjects[1 + i % len(v.subjects)], CASE WHEN i % 3 = 0 THEN 'Person ' || i END, i % 3 = 0,
               v.statuses[1 + h(i * 7) % len(v.statuses)], DATE '2000-01-01' + (h(i * 3) % 9400)::INTEGER,
               'day', 'Generated summary of case ' || i, 'https://example.org/case/' || i,
               v.kinds[1 + i % len(v.kinds)], v.qualities[1 + i % len(v.qualities)],
               v.discovery[1 + h(i * 17) % len(v.discovery)]
        FROM range({n_cases}) t(i), vocab v""")
    con.execute(f"""
        INSERT INTO case_events
        SELECT row_number() OVER (ORDER BY c.case_id, k)::INTEGER, c.case_id,
               c.opened_on + (k * 45 + h(c.case_id) % 30)::INTEGER, 'day', v.events[1 + (k + h(c.case_id)) % len(v.events)],
               'Generated event ' || k || ' of ' || c.case_id, c.source_url || '#e' || k, c.source_kind
        FROM cases c, range({EVENTS_PER_CASE}) e(k), vocab v""")
    con.execute(f"""
        INSERT INTO eu_actions (action_id, date, actor, action_type, country_iso3, themes, title, summary, source_url,
                                source_kind, on_behalf_of_eu27, source_quality, title_language)
        SELECT printf('%s-A-%08d', CASE WHEN i % 50 = 0 THEN 'GLB' ELSE v.iso[1 + h(i) % len(v.iso)] END, i),
               DATE '2000-01-01' + (h(i * 5) % 9600)::INTEGER, v.actors[1 + h(i * 11) % len(v.actors)],
               v.types[1 + h(i * 13) % len(v.types)],
               CASE WHEN i % 50 = 0 THEN NULL ELSE v.iso[1 + h(i) % len(v.iso)] END,
               CASE WHEN i % 5 = 0 THEN v.themes[1 + i % 3] || ';' || v.themes[1 + (i + 2) % 3]
                    ELSE v.themes[1 + i % 3] END,
               'Synthetic EU action ' || i, 'Generated summary of EU action ' || i,
               'https://example.org/action/' || i, 'official', CASE WHEN i % 4 = 0 THEN i % 8 = 0 END,
               v.qualities[1 + i % len(v.qualities)], 'en'
        FROM range({n_actions}) t(i), vocab v""")
    build.write_themes(con)  # case_themes and action_themes, split as the build splits them
    # One link per action: to a case of the same country (global actions: any case).
    con.execute("""
        INSERT INTO action_cases (action_id, case_id)
        WITH numbered AS (SELECT case_id, country_iso3,
                                 row_number() OVER (PARTITION BY country_iso3 ORDER BY case_id) - 1 AS n FROM cases),
             sizes AS (SELECT country_iso3, count(*) AS size FROM cases GROUP BY ALL),
             wanted AS (SELECT a.action_id, s.country_iso3, h(a.action_id) % s.size AS n
                        FROM eu_actions a JOIN sizes s ON s.country_iso3 = coalesce(a.country_iso3, 'IRN'))
        SELECT w.action_id, c.case_id FROM wanted w JOIN numbered c ON c.country_iso3 = w.country_iso3 AND c.n = w.n""")
    con.execute("DROP TABLE vocab")
    con.execute("DROP MACRO h")
    counts = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("cases", "eu_actions", "case_events", "action_cases")]
    con.execute("INSERT INTO build_info (built_at, source_digest, data_version, cases, eu_actions, case_events, "
                "action_cases, shows_unreviewed, unreviewed_held_back) "
                "VALUES (now()::TIMESTAMP, 'synthetic', $version, $c, $a, $e, $l, false, 0)",
                {"version": f"benchmark-{n_actions}", "c": counts[0], "a": counts[1], "e": counts[2], "l": counts[3]})


def _code_key() -> str:
    # The stored default views are the answers of the queries in metrics and queries: a change there is a new file.
    code = (inspect.getsource(_fill) + inspect.getsource(write_lookups) + build.SCHEMA_SQL + inspect.getsource(summaries)
            + inspect.getsource(default_views) + inspect.getsource(metrics) + inspect.getsource(queries)
            + inspect.getsource(database) + str(build.ROW_GROUP_SIZE))
    return hashlib.sha256(code.encode()).hexdigest()[:10]


def _path(n_actions: int, cache: Path) -> Path:
    return cache / f"actions-{n_actions}-{_code_key()}.duckdb"


def cached(n_actions: int, cache: Path = CACHE) -> bool:
    return _path(n_actions, cache).exists()


def stats(path: Path) -> dict:
    """How long generating the database and computing its summary tables took (seconds, wall)."""
    sidecar = path.with_suffix(".json")
    return json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}


def database(n_actions: int, cache: Path = CACHE) -> Path:
    """The path of a generated database of `n_actions` EU actions, generating it if it is not cached."""
    cache.mkdir(parents=True, exist_ok=True)
    path = _path(n_actions, cache)
    if path.exists():
        return path
    for stale in cache.glob(f"actions-{n_actions}-*"):
        stale.unlink()
    tmp = path.with_suffix(".tmp")
    if tmp.exists():
        tmp.unlink()
    # Written with the build's row groups (curation/build.py: ROW_GROUP_SIZE; DuckDB's default is 122,880 rows), so
    # that the pages are measured on a file laid out as a build of this size lays it out: the row groups a filter
    # skips by their minimum and maximum are the build's.
    con = duckdb.connect(":memory:")
    con.execute(f"ATTACH $path AS generated (ROW_GROUP_SIZE {build.ROW_GROUP_SIZE})", {"path": str(tmp)})
    con.execute("USE generated")
    con.execute("SET enable_progress_bar = false")
    try:
        start = time.perf_counter()
        con.execute(build.SCHEMA_SQL)
        write_lookups(con)
        _fill(con, n_actions)
        generated = time.perf_counter()
        # one thread from here, as the build writes its summaries and default views (curation/build.py): a stored
        # result whose order no ORDER BY fixes (metrics._measures) is then in the order the build gives it
        con.execute("SET threads = 1")
        summaries.write(con)
        default_views.write(con)  # as `python -m dashboard build` does
        done = time.perf_counter()
        con.execute("CHECKPOINT")
    finally:
        con.close()
    path.with_suffix(".json").write_text(json.dumps({"generate_s": round(generated - start, 1),
                                                     "summaries_s": round(done - generated, 1)}), encoding="utf-8")
    os.replace(tmp, path)
    return path
