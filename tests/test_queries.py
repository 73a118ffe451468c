"""Queries against the fixture database: filters, counts, paging and SQL-side aggregation."""

import datetime as dt
import json
import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest

from dashboard.curation import summaries
from dashboard.serving import db, queries
from dashboard.serving.filters import Filters, from_query


def f(**params):
    value, notices = from_query(params)
    assert notices == []
    return value


def test_headline_unfiltered(con):
    head = queries.headline(con, Filters())
    assert head.actions == 5 and head.cases == 4
    assert head.cases_without_action == 2  # IRN-C-0002 and PSE-C-0001
    assert head.latest_action == dt.date(2023, 10, 10)


@pytest.mark.parametrize("params,actions,cases", [
    ({"country": "IRN"}, 3, 2),
    ({"country": "Israel/OPT"}, 0, 1),
    ({"theme": "death_penalty"}, 3, 1),  # two Iranian actions and the global one
    ({"actor": "european_parliament"}, 1, 1),  # cases: those an EP action concerned
    ({"type": "declaration_eu27"}, 2, 1),
    ({"since": "2023-01-01"}, 2, 1),
    ({"until": "2021-12-31"}, 1, 1),
    ({"q": "world day"}, 1, 0),
    ({"q": "100%_"}, 0, 0),  # wildcards are literal
    ({"status": "executed"}, 3, 1),
    ({"country": "IRN", "theme": "torture"}, 1, 1),
])
def test_filters_select_the_right_rows(con, params, actions, cases):
    flt = f(**params)
    assert queries.count_actions(con, flt) == actions
    assert queries.count_cases(con, flt) == cases
    assert len(queries.actions_table(con, flt, limit=None)) == actions
    assert len(queries.cases_table(con, flt, limit=None)) == cases


def test_tables_are_paged_in_sql(con):
    first = queries.actions_table(con, Filters(), limit=2, offset=0)
    second = queries.actions_table(con, Filters(), limit=2, offset=2)
    assert len(first) == 2 and len(second) == 2
    assert set(first["ID"]).isdisjoint(second["ID"])
    assert list(first["ID"]) == ["GLB-A-0001", "IRN-A-0002"]  # newest first


def test_action_table_shows_labels_not_codes(con):
    row = queries.actions_table(con, f(country="IRN", type="declaration_eu27")).iloc[0]
    assert row["Actor"] == "EEAS / High Representative"
    assert row["Action"] == "Declaration on behalf of the EU (27)"
    assert row["Themes"] == "Death penalty; Torture"
    assert row["On behalf of EU27"] == "Yes" and row["Country"] == "Iran" and row["Cases named"] == 1


def test_withheld_name_shows_as_withheld(con):
    rows = queries.cases_table(con, f(country="IRN")).set_index("ID")
    assert rows.loc["IRN-C-0002", "Subject"] == "Name withheld"
    assert rows.loc["IRN-C-0001", "EU actions"] == 3


def test_map_values_cover_priority_countries(con):
    values = queries.map_values(con, Filters(), "actions").set_index("iso3")
    assert values.loc["IRN", "value"] == 3 and values.loc["ISR", "value"] == 0
    assert "FRA" not in values.index  # not a priority country and no actions


def test_map_rejects_unknown_measure(con):
    with pytest.raises(ValueError):
        queries.map_values(con, Filters(), "drop table")


def test_over_time_groups(con):
    by_actor = queries.actions_over_time(con, Filters(), "year", "actor")
    assert by_actor["n"].sum() == 5
    per_year = by_actor.groupby(by_actor["period"].dt.year)["n"].sum().to_dict()
    assert per_year == {2021: 1, 2022: 2, 2023: 2}
    events = queries.events_over_time(con, f(country="IRN"), "month")
    assert events["n"].sum() == 4


def test_case_timeline_merges_events_and_actions(con):
    timeline = queries.case_timeline(con, "IRN-C-0001")
    assert list(timeline["kind"]) == ["EU action", "Case event", "Case event", "EU action", "Case event", "EU action"]
    assert queries.case_detail(con, "NOPE") is None
    assert queries.case_detail(con, "EGY-C-0002") is None  # not public


@pytest.fixture(scope="module")
def crowded_case_db(tmp_path_factory):
    """The fixture data plus what a case page must also get right: two EU actions of one day on one case (a tie
    in the timeline's order, IRN-A-0002 and IRN-A-0009 on 2023-01-08), and an action on the day of an event
    (2022-12-08, the death sentence). (A case without an event is refused by the build.)"""
    from dashboard.curation.build import build

    from .conftest import copy_fixture_sources
    from .test_definitions import add_rows

    sources = copy_fixture_sources(tmp_path_factory.mktemp("src") / "sources")
    add_rows(sources / "eu_actions.csv", {"action_id": "IRN-A-0009", "title": "Iran: a second text that day",
                                          "source_url": "https://example.org/a9"}, like="IRN-A-0002")
    add_rows(sources / "eu_actions.csv", {"action_id": "IRN-A-0008", "date": "2022-12-08",
                                          "source_url": "https://example.org/a8"}, like="IRN-A-0001")
    for action_id in ("IRN-A-0009", "IRN-A-0008"):
        add_rows(sources / "action_cases.csv", {"action_id": action_id, "case_id": "IRN-C-0001"})
    path = tmp_path_factory.mktemp("db") / "crowded.duckdb"
    build(sources, path, show_unreviewed=True)
    connection = db.connect(path)
    yield connection
    connection.close()


# A case's timeline worked out afresh from the published links (action_cases) and the rows of its events and actions,
# not read from the timeline the build stored on case_rows: oldest first, an action before an event of its day, then
# events by number and actions by rank.
LIVE_TIMELINE_SQL = """
    SELECT * FROM (
      SELECT e.date, e.date_precision AS precision, 'Case event' AS kind, e.event_label AS category,
             e.description AS text, e.source_url AS source, $id AS ref, e.event_no AS tie
      FROM event_rows e WHERE e.case_id = $id
      UNION ALL
      SELECT a.date, 'day', 'EU action', a.actor_label || ' — ' || a.type_label, a.title, a.source_url, a.action_id,
             a.rank
      FROM action_cases l JOIN action_rows a ON a.action_id = l.action_id WHERE l.case_id = $id
    ) ORDER BY date, kind DESC, tie"""


def test_a_case_page_cuts_its_timeline_and_answers_from_one_query(crowded_case_db):
    """case_timeline_and_answers reads a case's stored timeline once: its timeline is the frame `fetch` gives for
    the same rows worked out afresh (LIVE_TIMELINE_SQL), and its answers are the rows answered_events gives for every
    action (the answers table), of that case: frame for frame, dtypes, order and index included; by id alone or
    with the rank case_detail holds; for every case, and for ids no case has."""
    con = crowded_case_db
    every_answer = queries.answered_events(con, Filters())
    no_answer = queries.answered_events(con, f(q="no action says this"))  # what the database gives for none
    case_ids = list(queries.run(con, "SELECT case_id FROM case_rows")["case_id"])
    assert "IRN-C-0001" in case_ids
    for case_id in case_ids + ["NOPE", "", "%", "irn-c-0001", "' OR 1=1 --", "IRN-C-0001'; DROP TABLE cases; --"]:
        case = queries.case_detail(con, case_id)
        rank = case["rank"] if case else 0
        timeline, answered = queries.case_timeline_and_answers(con, case_id)
        assert_same_frames = pd.testing.assert_frame_equal
        live = db.fetch(con, LIVE_TIMELINE_SQL, {"id": case_id})
        assert_same_frames(timeline, live[list(queries.TIMELINE_COLUMNS)], check_exact=True)
        want = every_answer[every_answer["case_id"] == case_id].reset_index(drop=True)
        assert_same_frames(answered, want if len(want) else no_answer, check_exact=True)
        if case:
            with_rank = queries.case_timeline_and_answers(con, case_id, case_rank=rank)
            assert_same_frames(with_rank[0], timeline, check_exact=True)
            assert_same_frames(with_rank[1], answered, check_exact=True)
            assert_same_frames(queries.case_timeline(con, case_id, case_rank=rank), timeline, check_exact=True)
            assert_same_frames(queries.answered_events(con, case_id=case_id, case_rank=rank), answered,
                               check_exact=True)
    timeline, answered = queries.case_timeline_and_answers(con, "IRN-C-0001")
    assert list(answered["action_id"]) == ["IRN-A-0008", "IRN-A-0001", "IRN-A-0002", "IRN-A-0009"]
    assert list(timeline["ref"]).count("IRN-A-0009") == 1 and len(timeline) == 8


def _older_copy(con, tmp_path, *statements: str):
    """A copy of `con`'s file changed by `statements` into what an older build wrote, opened as the app opens it."""
    older_path = tmp_path / "older.duckdb"
    shutil.copy(con.path, older_path)
    writer = duckdb.connect(str(older_path))
    for statement in statements:
        writer.execute(statement)
    writer.execute("CHECKPOINT")
    writer.close()
    return db.connect(older_path)


def _same_case_page(got, want) -> None:
    if want is None:
        assert got is None
        return
    assert got is not None
    _same_record(got[0], want[0])
    pd.testing.assert_frame_equal(got[1], want[1], check_exact=True)
    pd.testing.assert_frame_equal(got[2], want[2], check_exact=True)


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _timeline_in_page_order(con, case_id: str) -> str:
    """The `timeline` text the build wrote before it stored the entries' ties: the stored rows (in the page's order)
    as lists of JSON values, dates as ISO text."""
    stored = queries.run_one(con, "SELECT timeline FROM case_rows WHERE case_id = $id", id=case_id)
    rows = queries._stored_timeline(stored[0] if stored else "[]")
    lists = {}
    for name in queries.TIMELINE_DTYPES:
        if name == "tie":
            continue
        lists[name] = [value.isoformat()[:10] if hasattr(value, "isoformat") else value
                       for value in rows[name].tolist()]  # (Python values; None where masked)
    return json.dumps(lists)


def test_a_case_page_is_one_row_the_build_stored(crowded_case_db, tmp_path):
    """case_page reads a case's record and timeline from its one row of case_rows: for every case and for ids no case
    has, the record case_detail gives and the timeline and answers case_timeline_and_answers gives (frames, dtypes and
    order included); same-day entries in one order (an action before an event, then by event number or action rank:
    IRN-A-0002 before IRN-A-0009, both of 2023-01-08). A file built without the stored timeline gives the same
    pages."""
    con = crowded_case_db
    assert queries.built_with(con, "case_rows", "timeline")
    case_ids = list(queries.run(con, "SELECT case_id FROM case_rows")["case_id"])
    # a build before the stored timelines: no timeline, and the links it is made of stored as action_links, each with
    # what the timeline shows of its action
    links = summaries.ACTION_LINKS_SQL.split(" AS\n", 1)[1]
    older = _older_copy(con, tmp_path, "CREATE OR REPLACE TABLE case_rows AS SELECT * EXCLUDE (timeline) FROM case_rows "
                                       "ORDER BY rank",
                        f"CREATE TABLE action_links AS SELECT k.*, a.actor_label, a.type_label, a.title, a.source_url "
                        f"FROM ({links}) k JOIN action_rows a ON a.rank = k.action_rank ORDER BY k.case_rank, k.action_rank")
    # an older build still: each timeline stored in the page's order, without the entries' ties
    in_order = [f"UPDATE case_rows SET timeline = {_sql_text(_timeline_in_page_order(con, case_id))} "
                f"WHERE case_id = {_sql_text(case_id)}" for case_id in case_ids]
    (tmp_path / "untied").mkdir()
    untied = _older_copy(con, tmp_path / "untied", *in_order)
    try:
        assert not queries.built_with(older, "case_rows", "timeline")
        assert all("tie" not in json.loads(text) for (text,) in
                   untied.cursor().execute("SELECT timeline FROM case_rows").fetchall())
        for case_id in case_ids + ["NOPE", "", "%", "irn-c-0001", "EGY-C-0002", "' OR 1=1 --"]:
            case = queries.case_detail(con, case_id)
            want = None if case is None else (case, *queries.case_timeline_and_answers(con, case_id))
            _same_case_page(queries.case_page(con, case_id), want)
            _same_case_page(queries.case_page(older, case_id), want)
            _same_case_page(queries.case_page(untied, case_id), want)
    finally:
        older.close()
        untied.close()
    _, timeline, _ = queries.case_page(con, "IRN-C-0001")
    same_day = timeline[timeline["date"] == pd.Timestamp("2023-01-08")]
    assert list(same_day["ref"]) == ["IRN-A-0002", "IRN-A-0009"]


def test_an_action_page_reads_the_case_ids_the_build_stored_on_its_row(tmp_path):
    """action_rows holds the ids of the cases each action's source names (case_ids_text), which action_detail reads
    with the action's row instead of looking them up: for every action of the shipped data they are the live
    definition's (CASE_IDS_OF_ACTION, a lookup in action_cases), in its order, and none where it names none (actions
    naming none, one and several cases are among them). A file built without them gives the same records by the
    lookup."""
    from dashboard.config import SOURCES_DIR
    from dashboard.curation.build import build

    build(SOURCES_DIR, tmp_path / "shipped.duckdb")
    con = db.connect(tmp_path / "shipped.duckdb")
    assert queries.built_with(con, "action_rows", "case_ids_text")
    action_ids = list(queries.run(con, "SELECT action_id FROM action_rows")["action_id"])
    named = {}
    for action_id in action_ids:
        live = queries.run_one(con, f"SELECT {queries.CASE_IDS_OF_ACTION}", id=action_id)[0]
        got = queries.action_detail(con, action_id)["case_ids"]
        assert (got is None and live is None) or list(got) == list(live), action_id
        named[action_id] = 0 if got is None else len(got)
    assert 0 in named.values() and max(named.values()) >= 2
    older = _older_copy(con, tmp_path, "DROP INDEX action_rows_id",  # (a column of an indexed table is dropped with
                        "ALTER TABLE action_rows DROP COLUMN case_ids_text",  # its index off)
                        "CREATE INDEX action_rows_id ON action_rows(action_id)")
    try:
        assert not queries.built_with(older, "action_rows", "case_ids_text")
        for action_id in action_ids:
            _same_record(queries.action_detail(con, action_id), queries.action_detail(older, action_id))
        assert queries.action_detail(con, "IRN-A-9999") is None and queries.action_detail(older, "IRN-A-9999") is None
    finally:
        older.close()
        con.close()


def duckdb_frame(con, sql: str) -> pd.DataFrame:
    """The frame DuckDB's own df() gives for a query (db.fetch builds most frames itself)."""
    cur = con.cursor()
    try:
        return cur.execute(sql).df()
    finally:
        cur.close()


def test_fetch_gives_the_frame_duckdb_gives(con):
    """db.fetch builds the frame of text, dates, numbers and flags from DuckDB's numpy arrays: it is the frame DuckDB's
    df() gives, dtypes included, with NULLs anywhere (nullable integers and flags, text NULL in every row as None), no
    rows, one row, and any other type (lists, structs, decimals, timestamps) left to df()."""
    columns = {"text": ("'a'", "'é'"), "day": ("DATE '2020-01-02'", "DATE '1999-12-31'"), "n": ("7", "8"),
               "big": ("7::BIGINT", "-8::BIGINT"), "small": ("7::SMALLINT", "8::SMALLINT"), "tiny": ("1::TINYINT", "2::TINYINT"),
               "share": ("1.5", "2.5"), "single": ("1.5::FLOAT", "2::FLOAT"), "flag": ("true", "false"),
               "list": ("[1, 2]", "[3]"), "struct": ("{'x': 1}", "{'x': 2}"), "money": ("1.25::DECIMAL(9,2)", "2::DECIMAL(9,2)"),
               "moment": ("TIMESTAMP '2020-01-02 03:04:05'", "TIMESTAMP '2021-01-01 00:00:00'")}
    for name, (one, two) in columns.items():
        for rows in ((one, two), (one, "NULL"), ("NULL", "NULL"), ("NULL", two), (one,)):
            sql = " UNION ALL ".join(f"SELECT {value} AS {name}, {i} AS i" for i, value in enumerate(rows))
            sql = f"SELECT * FROM ({sql}) ORDER BY i"
            want = duckdb_frame(con, sql)
            for query in (sql, sql + " LIMIT 0"):
                pd.testing.assert_frame_equal(db.fetch(con, query), duckdb_frame(con, query), check_exact=True)
            assert list(db.fetch(con, sql).dtypes) == list(want.dtypes)
    for sql in (f"SELECT {queries.CASE_DETAIL_COLUMNS} FROM case_rows ORDER BY rank",
                f"SELECT {queries.ACTION_COLUMNS} FROM action_rows a ORDER BY rank", "SELECT 1 AS x, 2 AS x"):
        pd.testing.assert_frame_equal(db.fetch(con, sql), duckdb_frame(con, sql), check_exact=True)


def test_frame_of_gives_the_frame_fetch_gives(con):
    """db.frame_of(db.fetch_columns(...)) is the frame db.fetch(...) gives: text, dates, numbers and flags, with
    and without NULLs where fetch keeps the dtype, and no rows; a column whose NULLs fetch would turn into a
    nullable dtype is refused, never given another one."""
    values = """SELECT * FROM (VALUES ('a', DATE '2020-01-02', TIMESTAMP '2020-01-02 03:04:05', 1.5, 7, true, 'x'),
                                      ('b', DATE '2021-02-03', NULL, NULL, 8, false, NULL),
                                      ('é', NULL, TIMESTAMP '2022-01-01 00:00:00', 2.5, 9, true, 'z'))
                       t(text, day, moment, share, n, flag, maybe)"""
    for sql in (values, values + " WHERE false", values + " WHERE n >= 8",
                f"SELECT {queries.CASE_DETAIL_COLUMNS} FROM case_rows ORDER BY rank"):
        pd.testing.assert_frame_equal(db.frame_of(db.fetch_columns(con, sql)), duckdb_frame(con, sql), check_exact=True)
    for column in ("NULL::DATE", "NULL::DOUBLE"):  # NULL in every row
        sql = f"SELECT {column} AS x UNION ALL SELECT {column}"
        pd.testing.assert_frame_equal(db.frame_of(db.fetch_columns(con, sql)), duckdb_frame(con, sql), check_exact=True)
    for value in ("1", "true", "[1]", "NULL::VARCHAR"):  # beside a NULL
        with pytest.raises(TypeError, match="NULLs"):
            db.frame_of(db.fetch_columns(con, f"SELECT {value} AS x UNION ALL SELECT NULL"))


def test_sources_list_counts_records(con):
    sources = queries.sources_list(con, f(country="IRN")).set_index("Source")
    assert sources.loc["https://example.org/case1", "Records"] == 4  # the case and its three events


def test_map_can_show_recorded_executions_as_context(con):
    values = queries.map_values(con, Filters(), "executions").set_index("iso3")
    # a country with no stated number has no value (drawn as "no figure"), never 0
    assert values.loc["IRN", "value"] == 576 and values.loc["IRN", "year"] == 2022
    assert pd.isna(values.loc["EGY", "value"])
    figures = queries.death_penalty_figures(con, ("IRN",))
    assert figures.iloc[0]["Note"] == "at least" and figures.iloc[0]["Year"] == 2022


def test_clauses_bind_by_name_and_refuse_a_clash():
    a = queries.Clause("x = $country", {"country": "IRN"})
    b = queries.Clause("y = $country", {"country": "IRN"})
    assert (a & b).params == {"country": "IRN"}  # the same value under one name is one binding
    with pytest.raises(ValueError, match=r"\$country"):
        a & queries.Clause("z = $country", {"country": "EGY"})


def test_filter_clauses_carry_no_value_in_their_sql():
    hostile = "x' OR 1=1 --"
    flt = f(country="IRN", theme="torture", actor="council", type="sanctions", status="detained",
            since="2020-01-01", until="2024-12-31", q=hostile)
    for clause in (queries.action_where(flt), queries.case_where(flt)):
        assert hostile not in clause.sql and "IRN" not in clause.sql and "2020" not in clause.sql
        assert "'" + "%" not in clause.sql


def test_actor_and_type_select_cases_through_one_action(con):
    # IRN-C-0001 is named by an EEAS declaration and by an EP action, never by an EP declaration.
    assert queries.count_cases(con, f(actor="european_parliament", type="declaration_eu27")) == 0
    assert queries.count_cases(con, f(actor="eeas_hrvp", type="declaration_eu27")) == 1


def test_a_record_by_id_reads_labels_and_links(con):
    action = queries.action_detail(con, "IRN-A-0002")
    assert action["Themes"] and action["Actor"] and action["Cases named"] >= 0
    assert queries.action_detail(con, "IRN-A-9999") is None
    assert set(queries.action_cases(con, "IRN-A-0002")["ID"]) <= {"IRN-C-0001", "IRN-C-0002"}


def test_typed_headline_has_the_json_form(con):
    head = queries.headline(con, Filters())
    assert head.as_dict() == {"actions": 5, "cases": 4, "countries_with_actions": head.countries_with_actions,
                              "latest_action": dt.date(2023, 10, 10), "cases_without_action": 2}


def _same_record(got: dict | None, want: dict | None) -> None:
    assert (got is None) == (want is None)
    if want is None:
        return
    assert list(got) == list(want)
    for name, value in want.items():
        assert type(got[name]) is type(value), (name, got[name], value)
        if isinstance(value, np.ndarray):
            assert value.dtype == got[name].dtype and list(value) == list(got[name]), name
        else:
            assert got[name] == value or (pd.isna(value) and pd.isna(got[name])), name


def test_a_record_reads_the_same_row_as_a_frame_would(con):
    """fetch_record (the record pages) gives every field with the value and type the row of a frame gives:
    every case and action of the fixture, with and without names, cases, original titles; and unknown ids."""
    case_ids = list(queries.run(con, "SELECT case_id FROM case_rows")["case_id"]) + ["NOPE", "EGY-C-0002", "", "%"]
    for case_id in case_ids:
        frame = queries.run(con, f"SELECT {queries.CASE_DETAIL_COLUMNS} FROM case_rows WHERE case_id = $id", id=case_id)
        _same_record(queries.case_detail(con, case_id), None if frame.empty else frame.iloc[0].to_dict())
    action_ids = list(queries.run(con, "SELECT action_id FROM action_rows")["action_id"]) + ["IRN-A-9999", "' OR 1=1"]
    for action_id in action_ids:
        frame = queries.run(con, f"""SELECT {queries.ACTION_COLUMNS}, a.date AS date_value,
                                            {queries.CASE_IDS_OF_ACTION} AS case_ids
                                     FROM action_rows a WHERE a.action_id = $id""", id=action_id)
        _same_record(queries.action_detail(con, action_id), None if frame.empty else frame.iloc[0].to_dict())


def test_an_action_answers_the_latest_event_recorded_on_or_before_it(tmp_path):
    """metrics.DEFINITIONS["Answered event"]: the latest event of the case dated on or before the action; of two on
    that day, the one recorded later (the higher event number, the last of its day on the case's timeline). The
    shipped data holds such days (EGY-C-0003: an arrest and a torture allegation, both of 2020-02-07, answered by
    actions of later days): every link's answered event is the one this definition picks, worked out here row by row."""
    from dashboard.config import SOURCES_DIR
    from dashboard.curation.build import build

    build(SOURCES_DIR, tmp_path / "shipped.duckdb")
    con = db.connect(tmp_path / "shipped.duckdb")
    try:
        events = queries.run(con, "SELECT case_id, date, event_no, event_label FROM event_rows")
        # every link, with its answer where the build found one (answers holds the links that answered an event)
        links = queries.run(con, """
            SELECT l.case_id, l.action_id, a.date AS action_date, k.answered_date, k.answered_label, k.answered_days
            FROM action_cases l JOIN action_rows a ON a.action_id = l.action_id
            LEFT JOIN answers k ON k.action_id = l.action_id AND k.case_id = l.case_id""")
    finally:
        con.close()
    by_case = {case_id: group.sort_values(["date", "event_no"]) for case_id, group in events.groupby("case_id")}
    tied = 0
    for link in links.itertuples():
        earlier = by_case[link.case_id][by_case[link.case_id]["date"] <= link.action_date]
        if earlier.empty:
            assert pd.isna(link.answered_date) and pd.isna(link.answered_label), link.action_id
            continue
        latest = earlier.iloc[-1]
        assert (link.answered_date, link.answered_label) == (latest["date"], latest["event_label"]), link.action_id
        assert link.answered_days == (link.action_date - latest["date"]).days
        same_day = earlier[earlier["date"] == latest["date"]]
        tied += same_day["event_label"].nunique() > 1
    assert tied >= 5  # the rule was put to the test: answered days holding events of different kinds
