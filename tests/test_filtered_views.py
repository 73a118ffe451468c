"""Filtered views no build stores (Countries, Themes, Explore with any filter) read build-time copies of what a
filter needs (summaries.event_rows' case columns, summaries.source_records): they must give the very answers of
the live definition, the joins over case_rows and source_rows that a file built without those copies answers by.
On the shipped data, which has shared sources, global actions, same-day points and every priority area."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace

import duckdb
import pandas as pd
import pytest

from dashboard import taxonomy
from dashboard.config import SOURCES_DIR
from dashboard.curation.build import build
from dashboard.serving import db, queries
from dashboard.serving.filters import Filters, from_query


def _params(**kw) -> Filters:
    return from_query(kw)[0]


FILTERS = [
    Filters(),
    *(_params(country=place) for place in (*taxonomy.PRIORITY_AREAS, "Israel", "Palestine (OPT)")),
    *(_params(theme=theme) for theme in taxonomy.THEMES),
    *(_params(country="Iran", status=status) for status in taxonomy.CASE_STATUSES),
    _params(country="Iran", since="2020-01-01"),
    _params(country="Israel/OPT", since="2019-01-01", until="2023-12-31"),
    _params(country="Russia", theme="torture"),
    _params(country=["Iran", "Egypt"], theme="death_penalty"),
    _params(theme="torture", since="2020-01-01"),
    _params(country="Iran", source="Official EU source"),
    _params(until="2010-12-31"),
    _params(country="Iran", q="death"),  # text, actor and instrument: only case_rows and action_rows hold them
    _params(country="Iran", actor="European Parliament"),
    _params(q="_' OR 1=1 --"),
    _params(country="Burundi", since="2099-01-01"),  # nothing
    Filters(discovery=taxonomy.INDEPENDENT_DISCOVERY),
    Filters(places=("Iran",), themes=("torture",), since=dt.date(2000, 1, 1), until=dt.date(2000, 1, 1)),
]


@pytest.fixture(scope="module")
def shipped_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("shipped") / "dashboard.duckdb"
    build(SOURCES_DIR, path)
    return path


@pytest.fixture(scope="module")
def built(shipped_db):
    snapshot = db.connect(shipped_db)
    yield snapshot
    snapshot.close()


@pytest.fixture(scope="module")
def older(shipped_db, tmp_path_factory):
    """The same data in a file built before the copies: no case columns on event_rows (neither those a filter reads
    nor the case's id and the timeline's text), no source_records."""
    path = tmp_path_factory.mktemp("older") / "dashboard.duckdb"
    shutil.copy(shipped_db, path)
    writer = duckdb.connect(str(path))
    writer.execute("DROP TABLE source_records")
    for column in ("case_country_iso3", "case_theme_mask", "case_status", "case_source_quality",
                   "case_discovered_via", "case_opened_on", "case_id", "timeline_text"):
        writer.execute(f"ALTER TABLE event_rows DROP COLUMN {column}")
    writer.execute("CHECKPOINT")
    writer.close()
    snapshot = db.connect(path)
    yield snapshot
    snapshot.close()


def test_the_copies_are_read_where_they_exist(built, older):
    assert queries.built_with(built, "source_records", "row_no")
    assert queries.built_with(built, "event_rows", "case_opened_on")
    assert not queries.built_with(older, "source_records", "row_no")
    assert not queries.built_with(older, "event_rows", "case_opened_on")
    assert queries.built_with(built, "event_rows", "timeline_text")  # a Countries timeline reads its events alone
    assert not queries.built_with(older, "event_rows", "timeline_text")
    iran = _params(country="Iran")
    assert "case_rows" not in queries.events_where(built, iran).sql
    assert "case_rows" in queries.events_where(older, iran).sql


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: f.describe())
def test_filtered_views_equal_the_live_definition(built, older, f):
    for ask in (lambda con: queries.sources_list(con, f), lambda con: queries.combined_timeline(con, f),
                lambda con: queries.combined_timeline(con, f, limit=7),
                lambda con: queries.events_over_time(con, f, "month")):
        pd.testing.assert_frame_equal(ask(built), ask(older), check_exact=True)


def test_a_filter_that_reads_every_record_alike_is_one_condition():
    """Countries, themes, source quality and dates read the same columns of an EU action, a case and a case event
    (dates: an action's own, a case's opening): the sources list filters source_records with one condition, no
    branch per kind of record. Case statuses and how a case was found are read otherwise for an action (those of
    the cases it concerned), so each kind keeps its branch. The answers are the live definition's (above)."""
    for f in (_params(country="Iran", since="2020-01-01"), _params(country="Israel/OPT", until="2023-12-31"),
              _params(theme="torture", since="2010-01-01"), _params(country="Iran", source="Official EU source"),
              Filters()):
        assert "r.kind" not in queries._record_where(f).sql.replace("CASE WHEN r.kind = 0 THEN", "")
    for f in (_params(country="Iran", status="detained"), Filters(discovery=taxonomy.INDEPENDENT_DISCOVERY)):
        assert "(r.kind = 0 AND" in queries._record_where(f).sql


def test_events_hold_the_columns_of_their_case(built):
    differing = db.fetch_one(built, """
        SELECT count(*) FROM event_rows e JOIN case_rows c ON c.rank = e.case_rank
        WHERE (e.case_country_iso3, e.case_theme_mask, e.case_status, e.case_source_quality, e.case_discovered_via,
               e.case_opened_on)
              IS DISTINCT FROM (c.country_iso3, c.theme_mask, c.status, c.source_quality, c.discovered_via, c.opened_on)
    """)[0]
    assert differing == 0
    assert db.fetch_one(built, "SELECT count(*) FROM event_rows")[0] == db.fetch_one(built, "SELECT count(*) FROM case_events")[0]


def test_source_records_hold_every_record_once_with_its_source(built):
    per_kind = dict(db.fetch(built, "SELECT kind, count(*) AS n FROM source_records GROUP BY kind").values.tolist())
    assert per_kind == {0: db.fetch_one(built, "SELECT count(*) FROM eu_actions")[0],
                        1: db.fetch_one(built, "SELECT count(*) FROM cases")[0],
                        2: db.fetch_one(built, "SELECT count(*) FROM case_events")[0]}
    # numbered in the order they are stored, with the text of their own source
    assert db.fetch_one(built, "SELECT count(*) FROM source_records WHERE row_no <> rowid + 1")[0] == 0
    assert db.fetch_one(built, """
        SELECT count(*) FROM source_records r JOIN source_rows s USING (source_no)
        WHERE (r.source_url, r.publisher, r.source_shared) IS DISTINCT FROM (s.source_url, s.publisher, s.shared)""")[0] == 0
    assert db.fetch_one(built, "SELECT count(*) FROM source_records WHERE source_no IS NULL")[0] == 0
    # each record's date as the sources list shows it (an action's, a case's opening, an event's) and its filter
    # columns, from the published tables themselves
    from_base = """
        SELECT 0 AS kind, a.action_id AS id, a.date, a.source_url, a.country_iso3, a.source_quality, a.actor,
               a.action_type, NULL AS status, NULL AS discovered_via, NULL::DATE AS opened_on FROM eu_actions a
        UNION ALL
        SELECT 1, c.case_id, c.opened_on, c.source_url, c.country_iso3, c.source_quality, NULL, NULL, c.status,
               c.discovered_via, c.opened_on FROM cases c
        UNION ALL
        SELECT 2, e.case_id, e.date, e.source_url, c.country_iso3, c.source_quality, NULL, NULL, c.status,
               c.discovered_via, c.opened_on FROM case_events e JOIN cases c USING (case_id)"""
    stored = """SELECT kind, date, source_url, country_iso3, source_quality, actor, action_type, status, discovered_via,
                       opened_on FROM source_records"""
    base = f"SELECT * EXCLUDE (id) FROM ({from_base})"
    assert db.fetch_one(built, f"SELECT count(*) FROM (({base}) EXCEPT ALL ({stored}))")[0] == 0
    assert db.fetch_one(built, f"SELECT count(*) FROM (({stored}) EXCEPT ALL ({base}))")[0] == 0
    assert db.fetch_one(built, "SELECT count(*) FROM source_rows WHERE shared")[0] > 0  # the grouped branch is tried


def test_same_day_points_keep_one_order_and_the_cut_takes_the_first(built):
    f = _params(country="Iran")
    points = queries.combined_timeline(built, f, limit=10_000)
    assert points["date"].duplicated().any(), "the shipped data has points on the same day"
    order = points.assign(part=(points["kind"] != "EU action").astype(int))
    assert order.sort_values(["date", "part"], ascending=[False, True], kind="stable").index.equals(order.index)
    for limit in (1, 7, 50, 200):
        pd.testing.assert_frame_equal(queries.combined_timeline(built, f, limit=limit), points.head(limit))


# What a Countries page shows of a filter's newest EU actions, each as one statement of its own: the timeline (its
# newest actions and events as points, newest first; on one date EU actions by rank, then events by case and event)
# and the answers of those actions. queries.timeline_answers_and_actions reads the actions once for both and for the
# actions table, and merges the points itself: it must give these frames exactly.
TIMELINE_ONE_STATEMENT = """
    WITH shown AS (SELECT a.rank FROM action_rows a WHERE {aw} ORDER BY a.rank LIMIT $limit)
    SELECT date, kind, category, text, source, ref FROM (
      SELECT a.date, 'EU action' AS kind, a.actor_label AS category, a.title AS text,
             a.source_url AS source, a.action_id AS ref, 0 AS part, a.rank AS n1, 0 AS n2
      FROM action_rows a SEMI JOIN shown p ON p.rank = a.rank
      UNION ALL
      SELECT e.date, 'Case event', e.event_label, c.title || ': ' || e.description, e.source_url, c.case_id,
             1, e.case_rank, e.event_no
      FROM (SELECT e.date, e.event_label, e.description, e.source_url, e.case_rank, e.event_no FROM event_rows e
            WHERE {ew} AND {dates} ORDER BY e.date DESC, e.case_rank, e.event_no LIMIT $limit) e
      JOIN case_rows c ON c.rank = e.case_rank
    ) ORDER BY date DESC, part, n1, n2 LIMIT $limit"""
ANSWERS_ONE_STATEMENT = """
    SELECT k.action_id, k.action_date, k.case_id, k.answered_date AS event_date,
           k.answered_label AS event_category, k.answered_days AS days
    FROM answers k SEMI JOIN (SELECT a.rank FROM action_rows a WHERE {aw} ORDER BY a.rank LIMIT $limit) p
         ON p.rank = k.action_rank
    ORDER BY k.action_date, k.action_id, k.case_id"""


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: f.describe())
def test_a_country_page_reads_its_newest_actions_once(built, older, f):
    for con in (built, older):
        aw = queries.action_where(f)
        ew, dates = queries.events_where(con, replace(f, since=None, until=None)), queries.event_dates(f)
        for limit in (1, 7, 200, 10_000):
            timeline, answered, actions = queries.timeline_answers_and_actions(con, f, limit)
            params = queries.merge(aw.params, ew.params, dates.params, {"limit": limit})
            want = db.fetch(con, TIMELINE_ONE_STATEMENT.format(aw=aw.sql, ew=ew.sql, dates=dates.sql), params)
            pd.testing.assert_frame_equal(timeline, want, check_exact=True)
            want = db.fetch(con, ANSWERS_ONE_STATEMENT.format(aw=aw.sql), queries.merge(aw.params, {"limit": limit}))
            pd.testing.assert_frame_equal(answered, want, check_exact=True)
            pd.testing.assert_frame_equal(actions, queries.actions_table(con, f, limit=limit), check_exact=True)
            pd.testing.assert_frame_equal(queries.combined_timeline(con, f, limit), timeline, check_exact=True)
            pd.testing.assert_frame_equal(queries.answered_events(con, f, limit=limit), answered, check_exact=True)
