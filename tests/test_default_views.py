"""The default views' results stored at build time (serving/default_views.py): each equals its query's live
answer, is found only by that very query, and any other filter still runs the query."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest

from dashboard import taxonomy
from dashboard.serving import db, default_views, metrics, queries
from dashboard.serving.filters import Filters, from_query


class Live:
    """Runs every query on the snapshot's file, never reading a stored result."""

    def __init__(self, snapshot: db.Snapshot):
        self.snapshot = snapshot

    def cursor(self):
        return self.snapshot.cursor()

    def _read(self, sql, params, read):
        cur = self.snapshot.cursor()
        try:
            return read(cur.execute(sql, params or []))
        finally:
            cur.close()

    def fetch(self, sql, params=None):
        return self._read(sql, params, lambda cur: cur.df())

    def fetch_columns(self, sql, params=None):
        return self._read(sql, params, lambda cur: cur.fetchnumpy())

    def fetch_one(self, sql, params=None):
        return db.fetch_one(self.snapshot, sql, params)


def assert_same_columns(got: dict, want: dict) -> None:
    """The same arrays: names in order, dtypes, masked exactly where the query gave NULL, equal values elsewhere."""
    assert list(got) == list(want)
    for name in want:
        assert got[name].dtype == want[name].dtype, name
        assert isinstance(got[name], np.ma.MaskedArray) == isinstance(want[name], np.ma.MaskedArray), name
        mask = np.ma.getmaskarray(want[name])
        assert (np.ma.getmaskarray(got[name]) == mask).all(), name
        got_values, want_values = np.ma.getdata(got[name])[~mask], np.ma.getdata(want[name])[~mask]
        if want_values.dtype.kind == "f":  # NaN (a value, not a NULL) is not equal to itself
            assert np.array_equal(got_values, want_values, equal_nan=True), name
        else:
            assert got_values.tolist() == want_values.tolist(), name


class Compare:
    """Answers each query from the snapshot (stored result where there is one) and checks it against the live
    answer, frame for frame, dtypes and index included; counts how many answers came from the store."""

    def __init__(self, snapshot: db.Snapshot):
        self.snapshot, self.live = snapshot, Live(snapshot)
        self.stored = db.stored_results(snapshot)
        self.hits: set[str] = set()
        self.queries = 0

    def cursor(self):
        return self.snapshot.cursor()

    def _asked(self, key):
        self.queries += 1
        if key in self.stored:
            self.hits.add(key)

    def fetch(self, sql, params=None):
        self._asked(db.result_key(sql, params))
        got, want = db.fetch(self.snapshot, sql, params), self.live.fetch(sql, params)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert list(got.columns) == list(want.columns)
        assert type(got.index) is type(want.index)  # a RangeIndex, as DuckDB gives (not one of int64 that equals it)
        return got

    def fetch_columns(self, sql, params=None):
        self._asked(db.columns_key(sql, params))
        got, want = db.fetch_columns(self.snapshot, sql, params), self.live.fetch_columns(sql, params)
        assert_same_columns(got, want)
        return got

    def fetch_one(self, sql, params=None):
        return db.fetch_one(self.snapshot, sql, params)


def test_every_stored_result_equals_its_query(con):
    compare = Compare(con)
    assert compare.stored, "the build stored no default view"
    for _name, calls, f in default_views.views():
        calls(compare, f)
    # every stored result was found by the query that made it, and checked against it
    assert compare.hits == set(compare.stored)


def _params(**kw) -> Filters:
    return from_query(kw)[0]


ATTACKER_FILTERS = [
    _params(country="Iran", since="2023-01-01"),
    _params(country="Iran", theme="Torture"),
    _params(country="Israel"),  # one half of Israel/OPT: not the area's default view
    _params(country="Palestine (OPT)", until="2020-12-31"),
    _params(country=["Iran", "Egypt"]),
    _params(country="IRN"),  # the code form of the default Iran view: the same filter, so the same query
    _params(theme="Torture", q="%"),
    _params(theme="Death penalty", q="_' OR 1=1 --"),
    _params(theme="Human rights defenders", status="Detained"),
    _params(theme="Torture", source="Official EU source"),
    _params(actor="European Parliament"),
    _params(since="2099-01-01"),
    Filters(discovery=taxonomy.INDEPENDENT_DISCOVERY),
    Filters(places=("Iran",), themes=("torture",), since=dt.date(2000, 1, 1), until=dt.date(2000, 1, 1)),
]


@pytest.mark.parametrize("f", ATTACKER_FILTERS, ids=lambda f: f.describe() or "none")
def test_other_filters_give_the_live_answer(con, f):
    compare = Compare(con)
    for _name, calls, _ in default_views.views():
        calls(compare, f)
    metrics.summary_and_split(compare, f)
    metrics.by_area(compare, f)
    metrics.silence_list(compare, f)
    assert compare.queries > 20


def test_a_stored_result_is_found_only_by_its_own_query(con):
    stored = db.stored_results(con)
    page = queries.actions_sql(Filters(), limit=50)
    assert db.result_key(page.sql, dict(page.params)) in stored
    # one more row, another offset, the same values under other types: each is another query
    for other in (queries.actions_sql(Filters(), limit=51), queries.actions_sql(Filters(), limit=50, offset=1)):
        assert db.result_key(other.sql, dict(other.params)) not in stored
    assert db.result_key(page.sql, {k: str(v) for k, v in page.params.items()}) not in stored
    assert db.result_key(page.sql + " ", dict(page.params)) not in stored


def test_a_file_without_stored_results_answers_every_query(fixture_db, tmp_path, con):
    older = tmp_path / "older.duckdb"
    shutil.copy(fixture_db, older)
    writer = duckdb.connect(str(older))
    writer.execute(f"DROP TABLE {db.DEFAULT_VIEWS_TABLE}")
    writer.close()
    snapshot = db.connect(older)
    try:
        assert db.stored_results(snapshot) == {}
        for f in (Filters(), _params(country="Iran")):
            pd.testing.assert_frame_equal(queries.actions_table(snapshot, f), queries.actions_table(con, f))
            pd.testing.assert_frame_equal(queries.map_values(snapshot, f, "actions"),
                                          queries.map_values(con, f, "actions"))
    finally:
        snapshot.close()


def test_the_views_are_answered_on_a_file_attached_under_another_name(fixture_db, tmp_path):
    # The build attaches the file it writes to an in-memory connection; a cursor of that connection starts on the
    # in-memory catalogue, which holds no table. The results stored must be those a plain connection stores.
    plain, attached = tmp_path / "plain.duckdb", tmp_path / "attached.duckdb"
    shutil.copy(fixture_db, plain)
    shutil.copy(fixture_db, attached)
    writer = duckdb.connect(str(plain))
    try:
        default_views.write(writer)
        want = writer.execute(f"SELECT * FROM {db.DEFAULT_VIEWS_TABLE} ORDER BY key").df()
    finally:
        writer.close()
    writer = duckdb.connect(":memory:")
    try:
        writer.execute("ATTACH $path AS written", {"path": str(attached)})
        writer.execute("USE written")
        assert default_views.write(writer) == len(want)
        got = writer.execute(f"SELECT * FROM {db.DEFAULT_VIEWS_TABLE} ORDER BY key").df()
    finally:
        writer.close()
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_stored_columns_of_every_type_come_back_with_their_nulls():
    # every type a column can have, with and without NULLs; a NULL-only column of each
    sql = """SELECT * FROM (VALUES (DATE '2024-01-02', NULL::DATE, 1::UTINYINT, 2::BIGINT, 1.5::DOUBLE, 'x',
                                    NULL::VARCHAR, true, NULL::BOOLEAN, NULL::INTEGER, 'NaN'::DOUBLE),
                                   (DATE '2024-01-03', DATE '2024-01-01', NULL, 3, NULL, 'y', 'z', false, false,
                                    NULL, 2.0)) t(d, dn, u, b, f, s, sn, t, tn, i, nan)"""
    live = duckdb.connect().execute(sql).fetchnumpy()
    assert any(isinstance(v, np.ma.MaskedArray) for v in live.values())
    assert_same_columns(db.decode_columns(db.encode_columns(live)), live)
    for other in ("SELECT [1, 2] AS l", "SELECT 'x'::BLOB AS b", "SELECT {'a': 1} AS s"):  # objects but text
        with pytest.raises(db.StoredColumnsRefused, match="is not stored"):
            db.encode_columns(duckdb.connect().execute(other).fetchnumpy())


def test_a_stored_frame_comes_back_as_fetch_gives_it(con):
    """A frame `fetch` builds from DuckDB's numpy arrays is stored as those arrays (db.fetch_encoded) and built of them
    again by decode_frame: every type, with and without NULLs, text NULL in every row, one row, no row. A result
    `df()` builds (a list column) is stored as its frame, with pandas' metadata."""
    every_type = """SELECT * FROM (VALUES (DATE '2024-01-02', NULL::DATE, 1::UTINYINT, 2::BIGINT, 1.5::DOUBLE, 'x',
                                           NULL::VARCHAR, true, NULL::BOOLEAN, NULL::INTEGER, 'NaN'::DOUBLE, 'é'),
                                          (DATE '2024-01-03', DATE '2024-01-01', NULL, 3, NULL, 'y', NULL, false,
                                           false, NULL, 2.0, NULL)) t(d, dn, u, b, f, s, sn, t, tn, i, nan, part)"""
    for sql in (every_type, every_type + " LIMIT 1", every_type + " LIMIT 0", "SELECT [1, 2] AS l, 'x' AS s"):
        want = Live(con).fetch(sql)  # DuckDB's own frame
        frame, payload = db.fetch_encoded(con, sql)
        for got in (frame, db.decode_frame(payload)):
            pd.testing.assert_frame_equal(got, want, check_exact=True)
            assert list(got.columns) == list(want.columns) and list(got.dtypes) == list(want.dtypes)
            assert type(got.index) is type(want.index)
    # a file built by older code stored every frame with pandas' metadata: it is read as before
    want = Live(con).fetch(every_type)
    got = db.decode_frame(db.encode_frame(want))
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert type(got.index) is type(want.index)


def test_the_build_runs_each_stored_query_once_and_no_other(fixture_db, tmp_path, monkeypatch):
    """The views ask some queries more than once (Accountability's measures, for several of its parts) and the
    headline of each, one row (fetch_one), which is not stored. The build runs each query whose answer it stores once,
    answering a repeat from what it stored, and no other but its questions about the file (queries.built_with)."""
    path = tmp_path / "again.duckdb"
    shutil.copy(fixture_db, path)
    ran: list[tuple[str, object]] = []
    live_read = db._read

    def counted(con, sql, params, read):
        ran.append((sql, params))
        return live_read(con, sql, params, read)

    monkeypatch.setattr(db, "_read", counted)
    writer = duckdb.connect(str(path))
    try:
        default_views.write(writer)
        stored = {key for (key,) in writer.execute(f"SELECT key FROM {db.DEFAULT_VIEWS_TABLE}").fetchall()}
    finally:
        writer.close()
    asked = [db.result_key(sql, params) for sql, params in ran if "duckdb_columns()" not in sql]
    assert len(asked) == len(set(asked)), "a query ran twice"
    not_stored = [sql.split()[:8] for sql, params in ran if "duckdb_columns()" not in sql
                  and not {db.result_key(sql, params), db.columns_key(sql, params)} & stored]
    assert not not_stored, not_stored
    assert len(asked) == len(stored)


def test_a_repeated_query_gets_the_answer_it_stored(con):
    """The recorder answers a query an earlier view asked from what it stored: the same frame and columns as the
    query gives live, each caller its own."""
    recorder = default_views._Recorder(con.con)
    page = queries.actions_sql(_params(country="Iran"), limit=200, with_rank=True)
    for _ in range(2):
        frame = recorder.fetch(page.sql, dict(page.params))
        pd.testing.assert_frame_equal(frame, Live(con).fetch(page.sql, dict(page.params)), check_exact=True)
        frame.loc[0, "Title"] = "changed by a caller"
        columns = recorder.fetch_columns(page.sql, dict(page.params))
        assert_same_columns(columns, Live(con).fetch_columns(page.sql, dict(page.params)))
        columns["Title"][0] = "changed by a caller"
    recorder.con.close()


def test_stored_results_are_not_shared_between_callers(con):
    first = queries.map_values(con, Filters(), "actions")
    first.loc[0, "value"] = -1
    assert (queries.map_values(con, Filters(), "actions")["value"] >= 0).all()


def test_a_stored_result_is_decoded_once_per_file_and_each_caller_gets_its_own_copy(fixture_db, monkeypatch):
    """A default view's stored result is decoded the first time a page asks for it on a file, and copied after: a
    caller that changes what it received (a frame, or the arrays of fetch_columns, their NULL masks included)
    changes nothing for the next one, and a new file is decoded anew."""
    decoded = []

    def counted(decode):
        return lambda payload: decoded.append(payload) or decode(payload)

    monkeypatch.setattr(db, "decode_frame", counted(db.decode_frame))
    monkeypatch.setattr(db, "decode_columns", counted(db.decode_columns))
    page = queries.actions_sql(_params(country="Iran"), limit=200, with_rank=True)
    snapshot = db.connect(fixture_db)
    try:
        first, first_columns = queries.map_values(snapshot, Filters(), "actions"), db.fetch_columns(
            snapshot, page.sql, dict(page.params))
        assert len(decoded) == 2
        want, want_columns = first.copy(), {name: values.copy() for name, values in first_columns.items()}
        first.loc[0, "value"] = -1
        for values in first_columns.values():
            values[:] = values[-1]
            if isinstance(values, np.ma.MaskedArray):
                values[:] = np.ma.masked
        for _ in range(3):
            pd.testing.assert_frame_equal(queries.map_values(snapshot, Filters(), "actions"), want, check_exact=True)
            assert_same_columns(db.fetch_columns(snapshot, page.sql, dict(page.params)), want_columns)
        assert len(decoded) == 2  # decoded once each, copied after
    finally:
        snapshot.close()
    snapshot = db.connect(fixture_db)  # another snapshot (a republished file): its own decoding
    try:
        pd.testing.assert_frame_equal(queries.map_values(snapshot, Filters(), "actions"), want, check_exact=True)
        assert len(decoded) == 3
    finally:
        snapshot.close()


def test_the_command_line_build_stores_the_default_views(tmp_path):
    from dashboard.__main__ import main

    from .conftest import FIXTURE_SOURCES

    out = tmp_path / "cli.duckdb"
    assert main(["build", "--sources", str(FIXTURE_SOURCES), "--out", str(out)]) in (0, None)
    snapshot = db.connect(out)
    try:
        stored = db.stored_results(snapshot)
        page = queries.actions_sql(Filters(), limit=50)
        assert db.result_key(page.sql, dict(page.params)) in stored
    finally:
        snapshot.close()


# The pages' own runs: a default view opened in the app asks only queries the build stored. If a page changes what it
# asks and default_views.py is not changed with it, the page still answers (live), but this test names the query.
DEFAULT_PAGES = [("overview", {}), ("countries", {"country": "Iran"}), ("countries", {"country": "Israel/OPT"}),
                 ("themes", {"theme": "Torture"}), ("themes", {"theme": "Death penalty"}), ("timeline", {}),
                 ("explore", {}), ("accountability", {})]


@pytest.mark.parametrize(("page", "params"), DEFAULT_PAGES, ids=[f"{p}-{'-'.join(q.values())}" for p, q in DEFAULT_PAGES])
def test_a_default_page_run_asks_only_stored_queries(page, params, fixture_db, monkeypatch):
    from pathlib import Path

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DASHBOARD_DB", str(fixture_db))
    st.cache_resource.clear()
    st.cache_data.clear()
    live_fetch, live_fetch_columns, asked = db.fetch, db.fetch_columns, []

    def recording_fetch(con, sql, params=None):
        if isinstance(con, db.Snapshot):
            asked.append((db.result_key(sql, params) in db.stored_results(con), sql, params))
        return live_fetch(con, sql, params)

    def recording_fetch_columns(con, sql, params=None):
        if isinstance(con, db.Snapshot):
            asked.append((db.columns_key(sql, params) in db.stored_results(con), sql, params))
        return live_fetch_columns(con, sql, params)

    monkeypatch.setattr(db, "fetch", recording_fetch)
    monkeypatch.setattr(db, "fetch_columns", recording_fetch_columns)
    app = str(Path(__file__).resolve().parent.parent / "app.py")
    for _ in range(2):  # the second run is a later visit: what is read once per published file is read already
        asked.clear()
        st.cache_data.clear()
        at = AppTest.from_file(app, default_timeout=30)
        at.switch_page(f"pages/{page}.py")
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    assert asked, "the page asked no frame or columns query: the recorder is not in the path any more"
    # What depends on the day (Accountability's silent open cases, given `as_of`) cannot be stored at build time.
    missed = [(sql.split()[:12], p) for found, sql, p in asked
              if not found and not (isinstance(p, dict) and "as_of" in p)]
    assert not missed, missed
    st.cache_resource.clear()


def test_stored_columns_come_back_as_fetch_columns_gives_them(con):
    """A fetch_columns result is stored too (a Countries page reads its newest actions once, as columns): it comes
    back with the same dtypes, NULL masks and values, and is found by its own query only."""
    rows = """SELECT * FROM (VALUES (DATE '2020-01-01', 'a', 1::INTEGER, NULL::INTEGER, TRUE, 1.5, NULL::VARCHAR),
                                    (NULL, NULL, 2, 3, FALSE, NULL, NULL)) t(d, s, i, n, b, x, none)"""
    for query in (rows, rows + " LIMIT 1", rows + " LIMIT 0"):
        want = Live(con).fetch_columns(query)
        assert_same_columns(db.decode_columns(db.encode_columns(want)), want)
    with pytest.raises(db.StoredColumnsRefused):  # lists are not stored: such a query runs
        db.encode_columns(Live(con).fetch_columns("SELECT [1, 2] AS l"))
    stored = db.stored_results(con)
    page = queries.actions_sql(_params(country="Iran"), limit=200, with_rank=True)
    assert db.columns_key(page.sql, dict(page.params)) in stored
    assert db.result_key(page.sql, dict(page.params)) not in stored  # the frame of the same query is another result
    assert_same_columns(db.fetch_columns(con, page.sql, dict(page.params)),
                        Live(con).fetch_columns(page.sql, dict(page.params)))
