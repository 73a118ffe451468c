"""The views most visits open, answered once at build time by the very functions the pages call.

Most page runs show a default view: Overview, each priority area on Countries, each theme on Themes,
Timeline, Explore's first page, Accountability with no filter. Their queries are the same every time until
the next build, so the build runs them (`write`, which `python -m dashboard build` and `import` hand to the build
as its last step: curation never imports serving) and stores every
result under the exact SQL text and bound parameters that produced it (`db.result_key`). A page run that
sends the same query reads the stored result (`db.fetch`) instead of running it; any other query (another
filter, a changed query in newer code, a date-dependent one on another day) is not found and runs as usual.

So there is no second definition of any number here: a stored result is the output of the query itself, on
the same file, and it can only be found by that query. tests/test_default_views.py checks that every stored
result equals the query's live answer, and that filters outside the default views still run the query.

Results are stored as Arrow IPC streams of the columns `db.fetch_columns` returns (with their numpy dtypes and
NULL masks, db.encode_columns), and of the DataFrames `db.fetch` returns: as the numpy arrays `fetch` builds such a
frame of, which decode_frame builds it of again by the same code (db.fetch_encoded), or, for a frame `df()` builds,
with pandas' own metadata. Single-row answers (`fetch_one`) are not stored: the page runs them, so the build does not.
Each query is run once per build: a view that asks what an earlier one asked gets what that one stored.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pandas as pd
import pyarrow as pa

from .. import taxonomy
from . import db, metrics, queries
from .filters import Filters, from_query

TABLE = db.DEFAULT_VIEWS_TABLE


def _filters(**params: str) -> Filters:
    return from_query(params)[0]


def countries_queries(con, f: Filters) -> None:
    """The queries pages/countries.py asks for `f` (tests/test_default_views.py checks they are the same)."""
    queries.headline(con, f)
    _countries_stored(con, f)


def _countries_stored(con, f: Filters) -> None:
    """countries_queries but the headline: a single row (fetch_one), which is not stored; the page runs it."""
    queries.timeline_answers_and_actions(con, f, limit=200)
    queries.cases_table(con, f, limit=200)
    queries.death_penalty_figures(con, f.countries)
    # Not its sources list: the page fetches that only when a visitor opens it (ui.on_demand).


def themes_queries(con, f: Filters) -> None:
    """The queries pages/themes.py asks for `f`, beside its per-file theme totals."""
    queries.headline(con, f)
    _themes_stored(con, f)


def _themes_stored(con, f: Filters) -> None:
    """themes_queries but the headline (as _countries_stored)."""
    queries.map_values(con, f, "actions")
    queries.actions_over_time(con, f, "year", "actor")
    if "death_penalty" in f.themes:
        queries.death_penalty_figures(con, f.countries)
    queries.cases_table(con, f, limit=200)
    queries.actions_table(con, f, limit=200)


def _unfiltered(con, f: Filters) -> None:  # overview, timeline, explore, accountability (its undated parts)
    queries.map_values(con, f, "actions")
    queries.actions_table(con, f, limit=8)
    queries.actions_over_time(con, f, "year", "actor")
    queries.events_over_time(con, f, "year")
    queries.actions_table(con, f)
    metrics.who_acts(con, f)
    metrics.unity_counts(con, f)
    metrics.summary_and_split(con, f)  # Accountability: of its measures, those that do not depend on the day
    metrics.by_area(con, f)


def views() -> list[tuple[str, Callable, Filters]]:
    """(name, the calls of its page whose answers are stored, filter) of every default view."""
    out: list[tuple[str, Callable, Filters]] = [("unfiltered", _unfiltered, Filters())]
    out += [(f"countries: {area}", _countries_stored, _filters(country=area)) for area in taxonomy.PRIORITY_AREAS]
    out += [(f"themes: {label}", _themes_stored, _filters(theme=label)) for label in taxonomy.THEMES.values()]
    return out


class _Cursors:
    """The database `con` is using, as db._read reads it: a new cursor starts on its connection's first catalogue,
    which is not the database the build writes (it attaches the file, curation.build.write_database)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        (self.database,) = con.execute("SELECT current_database()").fetchone() or ("",)
        self._kept: duckdb.DuckDBPyConnection | None = None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self.con.cursor()
        cur.execute(f'USE "{self.database}"')
        return cur

    def query_cursor(self) -> duckdb.DuckDBPyConnection:
        """One cursor for every query of every view, in turn: each is read whole before the next (db._read), and a
        cursor made and pointed at the database for each of the hundred or so queries cost more than most of them."""
        if self._kept is None:
            self._kept = self.cursor()
        return self._kept

    def close(self) -> None:
        if self._kept is not None:
            self._kept.close()
            self._kept = None


class _Recorder:
    """Stands in for a connection (db.fetch hands it every query): runs each query and keeps its frame."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = _Cursors(con)
        self.results: dict[str, tuple[str, bytes]] = {}
        self._once: dict[str, object] = {}

    def cursor(self):
        return self.con.cursor()

    def query_cursor(self):
        return self.con.query_cursor()

    # db.Snapshot.once itself, on this recorder's own `_once`: what depends on the file alone (queries._per_file:
    # whether it holds a summary column, its theme totals) is asked once per build, not once per view. The tables do
    # not change while the views are answered (their own table is written after the last one).
    once = db.Snapshot.once

    def fetch(self, sql: str, params=None) -> pd.DataFrame:
        key = db.result_key(sql, params)
        if key in self.results:  # asked by an earlier view (Accountability's measures): what it stored, decoded
            return db.decode_frame(self.results[key][1])
        # encoded now: the caller may go on to change the frame it receives
        frame, payload = db.fetch_encoded(self.con, sql, params)
        self.results[key] = (sql, payload)
        return frame

    def fetch_columns(self, sql: str, params=None) -> dict:
        key = db.columns_key(sql, params)
        if key in self.results:
            return db.decode_columns(self.results[key][1])
        columns = db.fetch_columns(self.con, sql, params)
        try:
            self.results[key] = (sql, db.encode_columns(columns))
        except db.StoredColumnsRefused:  # a column that cannot be stored exactly: the query runs on every visit
            pass
        return columns

    def fetch_one(self, sql: str, params=None):
        return db.fetch_one(self.con, sql, params)


def write(con: duckdb.DuckDBPyConnection) -> int:
    """Answer every default view on `con` (the database being built) and store the results; returns how many."""
    recorder = _Recorder(con)
    names: dict[str, str] = {}
    try:
        for name, calls, f in views():
            before = set(recorder.results)
            calls(recorder, f)
            names.update({key: name for key in set(recorder.results) - before})
    finally:
        recorder.con.close()
    con.execute(f"CREATE OR REPLACE TABLE {TABLE} (key VARCHAR PRIMARY KEY, view VARCHAR, sql VARCHAR, "
                f"payload BLOB)")
    keys = sorted(recorder.results)
    if keys:  # as one Arrow table: executemany binds and inserts row by row, at several times the cost
        rows = pa.table({"key": keys, "view": [names.get(key, "") for key in keys],
                         "sql": [recorder.results[key][0] for key in keys],
                         "payload": pa.array([recorder.results[key][1] for key in keys], type=pa.binary())})
        con.register("incoming_results", rows)
        try:
            con.execute(f"INSERT INTO {TABLE} SELECT key, view, sql, payload FROM incoming_results")
        finally:
            con.unregister("incoming_results")
    return len(keys)
