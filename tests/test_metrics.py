"""Accountability metrics against hand-computed answers on tests/fixtures/metrics_sources.

The fixture's six cases: M1 answered after 10 days by a statement then an EU27 declaration; M2 whose only
linked action predates its first event; M3 whose one event is on its opening day answered after 30 days by a
Delegation statement and by sanctions listed under another country; M4 answered after 10 days, recently;
M5 released without action; M6 open and never answered.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard import taxonomy
from dashboard.curation import summaries
from dashboard.curation.build import build
from dashboard.serving import db, metrics, queries
from dashboard.serving.filters import Filters, from_query

AS_OF = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def mcon(tmp_path_factory):
    path = tmp_path_factory.mktemp("metrics") / "metrics.duckdb"
    build(Path(__file__).parent / "fixtures" / "metrics_sources", path)
    con = db.connect(path)
    yield con
    con.close()


def test_summary_all_cases(mcon):
    s = metrics.summary(mcon, Filters(), as_of=AS_OF)
    assert s.cases == 6 and s.responded == 3 and s.response_rate == 0.5
    assert s.median_days_to_first_response == 10.0
    assert s.time_to_first_response == {"Within a week": 0, "8–30 days": 3, "31–90 days": 0,
                                           "91–365 days": 0, "More than a year": 0}
    ladder = list(s.escalation.values())
    assert ladder == [3, 0, 1, 1, 0, 0, 1]  # none: M2 M5 M6; public statement: M4; EU27: M1; sanctions: M3
    assert s.unity == metrics.Unity(on_behalf_of_eu27=1, not_on_behalf_of_eu27=2, share_eu27=0.3333)
    assert s.silent_cases == 4


def test_action_before_first_event_is_not_a_response(mcon):
    s = metrics.summary(mcon, from_query({"q": "M2"})[0], as_of=AS_OF)
    assert s.cases == 1 and s.responded == 0 and s.median_days_to_first_response is None
    assert s.escalation["No EU action"] == 1


def test_case_without_events_starts_on_opened_on_and_counts_other_countries_actions(mcon):
    s = metrics.summary(mcon, from_query({"country": "EGY"})[0], as_of=AS_OF)
    assert s.cases == 2 and s.response_rate == 1.0
    assert s.median_days_to_first_response == 20.0  # 30 (M3, from its first event) and 10 (M4)
    assert s.escalation["Sanctions"] == 1  # the Iran-regime listing naming the Egyptian organisation
    assert s.unity.share_eu27 == 0.0


def test_silence_list_order_and_exclusions(mcon):
    silent = metrics.silence_list(mcon, Filters(), as_of=AS_OF, limit=None)
    assert list(silent["ID"]) == ["ISR-C-0001", "IRN-C-0001", "IRN-C-0002", "EGY-C-0001"]
    assert silent["Days since last EU action"].isna().iloc[0]
    assert int(silent["Days since last EU action"].iloc[1]) == (AS_OF - dt.date(2022, 2, 15)).days
    assert "PSE-C-0001" not in set(silent["ID"])  # released
    assert "EGY-C-0002" not in set(silent["ID"])  # answered within 12 months


def test_by_area_matches_the_summary_per_area(mcon):
    table = metrics.by_area(mcon, Filters(), as_of=AS_OF).set_index("Area")
    for area in ("Egypt", "Iran", "Israel/OPT"):
        s = metrics.summary(mcon, from_query({"country": area})[0], as_of=AS_OF)
        assert table.loc[area, "Cases"] == s.cases
        assert table.loc[area, "Response rate"] == s.response_rate
        assert table.loc[area, "Silent open cases"] == s.silent_cases
    assert table.loc["Iran", "Made on behalf of all 27"] == 0.5


def test_who_acts_counts_filtered_actions(mcon):
    acts = metrics.who_acts(mcon, from_query({"country": "IRN"})[0])
    assert acts["actions"].sum() == 4
    assert acts["actions"].dtype.kind == "i"  # a count, never "4.0" on screen or in `metrics --json`
    assert set(acts["actor"]) == {"EEAS / High Representative", "European Parliament", "Council of the EU"}


@pytest.mark.parametrize("days,band", [(0, "Within a week"), (7, "Within a week"), (8, "8–30 days"), (30, "8–30 days"),
                                       (31, "31–90 days"), (90, "31–90 days"), (91, "91–365 days"),
                                       (365, "91–365 days"), (366, "More than a year"), (4000, "More than a year")])
def test_time_bands_split_exactly_at_their_limits(days, band):
    con = duckdb.connect()
    sql, limits = summaries.response_band("d")
    position = con.execute(f"SELECT {sql} FROM (SELECT $d::INTEGER AS d)", {**limits, "d": days}).fetchone()[0]
    assert metrics.TIME_BUCKETS[position - 1][1] == band


@pytest.mark.parametrize("as_of,last_action,silent", [
    (dt.date(2024, 2, 29), dt.date(2023, 2, 28), False),  # a year before 29 February is 28 February
    (dt.date(2024, 2, 29), dt.date(2023, 2, 27), True),
    (dt.date(2025, 3, 1), dt.date(2024, 3, 1), False),  # exactly a year: not yet silent
    (dt.date(2025, 3, 1), dt.date(2024, 2, 29), True),
    (dt.date(2025, 2, 28), dt.date(2024, 2, 29), False),
    (dt.date(2025, 2, 28), None, True),  # never answered
])
def test_silence_is_no_action_in_the_year_before_including_29_february(as_of, last_action, silent):
    con = duckdb.connect()
    clause = metrics._silent(as_of)
    # is_open as the build computes it (summaries.case_rows): the status is not one of taxonomy.CLOSED_STATUSES
    case = ("SELECT NOT list_contains($closed, status) AS is_open, $last::DATE AS last_action "
            "FROM (SELECT $status AS status)")
    sql = f"SELECT {clause.sql} FROM ({case}) c"
    closed = list(taxonomy.CLOSED_STATUSES)
    assert queries.run_one(con, sql, clause, last=last_action, status="detained", closed=closed)[0] is silent
    # a closed case is never silent
    assert queries.run_one(con, sql, clause, last=last_action, status="released", closed=closed)[0] is False


def test_every_action_type_has_an_escalation_step():
    assert set(taxonomy.ESCALATION) == set(taxonomy.ACTION_TYPES)
    assert set(taxonomy.ESCALATION.values()) <= set(taxonomy.ESCALATION_STEPS)


# --- The one pass over case_rows (_measures) and the statement lists the build keeps per case ---

def _statements_by_definition(con, f: Filters) -> dict:
    """Unity by its definition, read directly from case_statements (the build's responding statements): the
    distinct statements responding to the selected cases, on behalf of the 27 or not, overall and per area name."""
    where = queries.case_where(f)
    rows = queries.run(con, f"""SELECT DISTINCT s.area_no, s.action_rank, s.eu27 FROM case_statements s
                                WHERE s.case_rank IN (SELECT c.rank FROM case_rows c WHERE {where.sql})""", where)
    areas = list(taxonomy.PRIORITY_AREAS)

    def counted(part) -> tuple[int, int]:
        return (part[part["eu27"] == True]["action_rank"].nunique(),  # noqa: E712 — NULL (not said) counts in neither
                part[part["eu27"] == False]["action_rank"].nunique())  # noqa: E712
    return {"all": counted(rows), **{areas[int(n) - 1]: counted(part)
                                     for n, part in rows.dropna(subset=["area_no"]).groupby("area_no")}}


def _unity_shown(con, f: Filters) -> dict:
    s, _split, areas = metrics.accountability(con, f, as_of=AS_OF)
    shown = {"all": (s.unity.on_behalf_of_eu27, s.unity.not_on_behalf_of_eu27)}
    for area, share in zip(areas["Area"], areas["Made on behalf of all 27"], strict=True):
        shown[area] = share
    return shown


@pytest.fixture(scope="module")
def shared_statement_db(tmp_path_factory):
    """The fixture data plus one EU statement (not on behalf of the 27) naming cases in two priority areas, after
    both started: one statement, counted once overall and once in each area; and one whose source does not say
    whether it was made on behalf of the 27: counted in neither."""
    from .conftest import copy_fixture_sources
    from .test_definitions import add_rows

    tmp = tmp_path_factory.mktemp("shared")
    sources = copy_fixture_sources(tmp / "sources")
    add_rows(sources / "eu_actions.csv", {"action_id": "IRN-A-0009", "date": "2024-03-01", "actor": "eeas_hrvp",
                                          "action_type": "hrvp_statement", "title": "Statement on two cases",
                                          "source_url": "https://example.org/two-cases", "on_behalf_of_eu27": "false"},
             like="IRN-A-0001")
    add_rows(sources / "eu_actions.csv", {"action_id": "IRN-A-0010", "date": "2024-04-01", "actor": "eeas_hrvp",
                                          "action_type": "spokesperson_statement", "title": "Statement, unsaid",
                                          "source_url": "https://example.org/unsaid", "on_behalf_of_eu27": ""},
             like="IRN-A-0001")
    for action_id, case_id in (("IRN-A-0009", "IRN-C-0001"), ("IRN-A-0009", "EGY-C-0001"), ("IRN-A-0010", "IRN-C-0001")):
        add_rows(sources / "action_cases.csv", {"action_id": action_id, "case_id": case_id})
    build(sources, tmp / "shared.duckdb", show_unreviewed=True)
    con = db.connect(tmp / "shared.duckdb")
    yield con
    con.close()


UNITY_FILTERS = [Filters(), from_query({"country": "Iran"})[0], from_query({"country": "Egypt"})[0],
                 from_query({"country": ["Iran", "Egypt"]})[0], from_query({"theme": "Torture"})[0],
                 from_query({"status": "Detained"})[0], from_query({"since": "2099-01-01"})[0],
                 from_query({"q": "%' OR 1=1 --"})[0], Filters().independent()]


@pytest.mark.parametrize("f", UNITY_FILTERS, ids=lambda f: f.describe())
def test_unity_counts_each_statement_once_per_selection_and_area(shared_statement_db, mcon, f):
    for con in (shared_statement_db, mcon):
        by_definition, shown = _statements_by_definition(con, f), _unity_shown(con, f)
        assert shown.pop("all") == by_definition.pop("all")
        for area, share in shown.items():  # an area without a statement has no share
            eu27, alone = by_definition.get(area, (0, 0))
            assert pd.isna(share) if eu27 + alone == 0 else share == round(eu27 / (eu27 + alone), 4)


def test_a_statement_naming_two_areas_counts_once_overall_and_once_in_each(shared_statement_db):
    whole = metrics.summary(shared_statement_db, Filters(), as_of=AS_OF).unity
    both = metrics.summary(shared_statement_db, from_query({"country": ["Iran", "Egypt"]})[0], as_of=AS_OF).unity
    iran = metrics.summary(shared_statement_db, from_query({"country": "Iran"})[0], as_of=AS_OF).unity
    egypt = metrics.summary(shared_statement_db, from_query({"country": "Egypt"})[0], as_of=AS_OF).unity
    assert egypt.not_on_behalf_of_eu27 >= 1 and iran.not_on_behalf_of_eu27 >= 1
    # the statement is in both areas' counts, but only once in theirs together and in the whole
    assert both.not_on_behalf_of_eu27 == iran.not_on_behalf_of_eu27 + egypt.not_on_behalf_of_eu27 - 1
    assert whole.not_on_behalf_of_eu27 == both.not_on_behalf_of_eu27


def test_the_statement_columns_of_case_rows_are_those_of_case_statements(shared_statement_db, mcon):
    # Each case's responding statements (case_statements) as case_rows carries them: counted when they respond
    # to that case alone, listed when they respond to other cases too; statements whose source does not say
    # whether they were made on behalf of the 27 in neither.
    for con in (shared_statement_db, mcon):
        statements = queries.run(con, "SELECT case_rank, action_rank, eu27 FROM case_statements")
        cases_per_statement = statements.groupby("action_rank")["case_rank"].nunique()
        statements["shared"] = statements["action_rank"].map(cases_per_statement) > 1
        rows = queries.run(con, """SELECT rank, own_eu27_statements, own_not_eu27_statements, shared_eu27_statements,
                                          shared_not_eu27_statements FROM case_rows ORDER BY rank""")
        for row in rows.itertuples():
            mine = statements[statements["case_rank"] == row.rank]
            for kind, eu27 in (("eu27", True), ("not_eu27", False)):
                said = mine[mine["eu27"] == eu27]  # NULL (not said) is neither
                assert getattr(row, f"own_{kind}_statements") == int((~said["shared"]).sum())
                shared = sorted(said[said["shared"]]["action_rank"])
                listed = getattr(row, f"shared_{kind}_statements")
                assert ([] if listed is None or listed is pd.NA else list(listed)) == shared
    shared_ones = queries.run(shared_statement_db, """SELECT count(*) AS n FROM case_rows
                                                      WHERE shared_not_eu27_statements IS NOT NULL""")
    assert shared_ones["n"].iloc[0] == 2  # the statement naming two areas, listed on both its cases
    unsaid = queries.run(shared_statement_db, "SELECT count(*) AS n FROM case_statements WHERE eu27 IS NULL")
    assert unsaid["n"].iloc[0] == 1  # the statement whose source does not say is in case_statements, counted nowhere


class _Asked:
    """Stands in for a connection and records every query asked of it."""

    def __init__(self, con):
        self.con, self.asked = con, []

    def cursor(self):
        return self.con.cursor()

    def fetch(self, sql, params=None):
        self.asked.append(sql)
        return db.fetch(self.con, sql, params)

    def fetch_one(self, sql, params=None):
        self.asked.append(sql)
        return db.fetch_one(self.con, sql, params)

    def fetch_columns(self, sql, params=None):
        self.asked.append(sql)
        return db.fetch_columns(self.con, sql, params)


@pytest.mark.parametrize("f", UNITY_FILTERS[:6], ids=lambda f: f.describe())
def test_the_accountability_page_asks_each_query_once_and_shows_what_each_function_gives(mcon, f):
    asked = _Asked(mcon)
    whole, split, areas = metrics.accountability(asked, f, as_of=AS_OF)
    # the measures with the silent cases (counted once, passed on to the split and the area table) and who acts; the
    # measures the build stores (no filter) apart from the silent cases, which depend on the day
    assert len(asked.asked) == len(set(asked.asked)) == (3 if f == Filters() else 2)
    assert (whole, split) == metrics.summary_and_split(mcon, f, as_of=AS_OF)
    assert whole == metrics.summary(mcon, f, as_of=AS_OF)
    assert split == metrics.discovery_split(mcon, f, as_of=AS_OF)
    pd.testing.assert_frame_equal(areas, metrics.by_area(mcon, f, as_of=AS_OF), check_exact=True)


@pytest.mark.parametrize("missing", ["own_eu27_statements, own_not_eu27_statements, shared_eu27_statements, "
                                     "shared_not_eu27_statements", "found_independently", "response_band"])
def test_a_database_built_by_older_code_says_to_rebuild_it(tmp_path, missing):
    path = tmp_path / "older.duckdb"
    build(Path(__file__).parent / "fixtures" / "metrics_sources", path)
    writer = duckdb.connect(str(path))
    writer.execute(f"CREATE OR REPLACE TABLE case_rows AS SELECT * EXCLUDE ({missing}) FROM case_rows ORDER BY rank")
    writer.close()
    con = db.connect(path)
    try:
        for f in (Filters(), from_query({"theme": "Torture"})[0]):
            for ask in (metrics.summary, metrics.discovery_split, metrics.by_area, metrics.accountability):
                with pytest.raises(metrics.OutdatedDatabase, match="built by older code.*Rebuild"):
                    ask(con, f, as_of=AS_OF)
    finally:
        con.close()


@pytest.fixture(scope="module")
def half_share_db(tmp_path_factory):
    """The metrics fixture plus cases and statements that make two shares an exact half at their fourth digit:
    Israel/OPT with 32 cases of which one has a response (1/32 = 0.03125), and Iran whose responding statements
    are one made on behalf of the 27 and 31 not (1/32 again)."""
    from .test_definitions import add_rows

    tmp = tmp_path_factory.mktemp("half")
    sources = tmp / "sources"
    shutil.copytree(Path(__file__).parent / "fixtures" / "metrics_sources", sources)
    for n in range(30):  # Israel/OPT: 2 unanswered cases + 30, one of them answered by the global declaration
        add_rows(sources / "cases.csv", {"case_id": f"ISR-C-{100 + n:04d}", "title": f"Half case {n}",
                                         "source_url": f"https://example.org/half-case-{n}"}, like="ISR-C-0001")
        add_rows(sources / "case_events.csv", {"case_id": f"ISR-C-{100 + n:04d}",
                                               "source_url": f"https://example.org/half-case-{n}"}, like="ISR-C-0001")
    add_rows(sources / "action_cases.csv", {"action_id": "GLB-A-0001", "case_id": "ISR-C-0100"})
    for n in range(30):  # Iran: M1's statement alone and its EU27 declaration, + 30 statements alone
        add_rows(sources / "eu_actions.csv", {"action_id": f"IRN-A-{100 + n:04d}", "title": f"Statement {n} on M1",
                                              "source_url": f"https://example.org/half-statement-{n}"},
                 like="IRN-A-0001")
        add_rows(sources / "action_cases.csv", {"action_id": f"IRN-A-{100 + n:04d}", "case_id": "IRN-C-0001"})
    build(sources, tmp / "half.duckdb", show_unreviewed=True)
    con = db.connect(tmp / "half.duckdb")
    yield con
    con.close()


def test_a_share_at_an_exact_half_is_the_same_in_the_summary_the_area_table_and_the_split(half_share_db):
    # A share is rounded in one place: were the summary's rounded by Python (half to even: 0.0312) and the area
    # table's by DuckDB (half away from zero: 0.0313), the same area would show two rates.
    whole, split, areas = metrics.accountability(half_share_db, Filters(), as_of=AS_OF)
    table = areas.set_index("Area")
    israel = metrics.summary(half_share_db, from_query({"country": "Israel/OPT"})[0], as_of=AS_OF)
    assert (israel.cases, israel.responded) == (32, 1)
    assert israel.response_rate == table.loc["Israel/OPT", "Response rate"] == 0.0313
    iran = metrics.summary(half_share_db, from_query({"country": "Iran"})[0], as_of=AS_OF)
    assert (iran.unity.on_behalf_of_eu27, iran.unity.not_on_behalf_of_eu27) == (1, 31)
    assert iran.unity.share_eu27 == table.loc["Iran", "Made on behalf of all 27"] == 0.0313
    for area in taxonomy.PRIORITY_AREAS:  # every area's row is its own summary's
        if area in table.index:
            s = metrics.summary(half_share_db, from_query({"country": area})[0], as_of=AS_OF)
            assert table.loc[area, "Response rate"] == s.response_rate
            shown = table.loc[area, "Made on behalf of all 27"]
            assert (pd.isna(shown) and s.unity.share_eu27 is None) or shown == s.unity.share_eu27
    independent = metrics.summary(half_share_db, Filters().independent(), as_of=AS_OF)
    assert split["independently_discovered"]["response_rate"] == independent.response_rate


def test_the_columns_case_rows_groups_by_are_their_definitions(shared_statement_db, mcon):
    # found_independently and response_band are computed at build time so the measures group by columns: each must
    # be what Filters.independent selects and the time band of the case's days to its first response.
    for con in (shared_statement_db, mcon):
        rows = queries.run(con, """SELECT discovered_via, found_independently, first_response, days_to_response,
                                          response_band FROM case_rows""")
        assert len(rows) > 0
        for row in rows.itertuples():
            assert row.found_independently == (row.discovered_via in taxonomy.INDEPENDENT_DISCOVERY)
            if pd.isna(row.first_response):
                assert row.response_band == 0
            else:
                limits = [limit for limit, _label in metrics.TIME_BUCKETS]
                assert row.response_band == next(i for i, limit in enumerate(limits, start=1)
                                                 if limit is None or row.days_to_response <= limit)


@pytest.mark.parametrize("f", UNITY_FILTERS, ids=lambda f: f.describe())
def test_the_silence_list_is_the_same_read_whole_or_cut_first(shared_statement_db, mcon, monkeypatch, f):
    # A small file's silence list is one sorted read; a larger one's cuts the ranks first and then reads the text:
    # the same rows, in the same order, with the same columns.
    for con in (shared_statement_db, mcon):
        for limit in (None, 2):
            whole = metrics.silence_list(con, f, as_of=AS_OF, limit=limit)
            with monkeypatch.context() as patched:
                patched.setattr(metrics, "SILENCE_LIST_SMALL_FILE", 0)
                cut = metrics.silence_list(con, f, as_of=AS_OF, limit=limit)
            pd.testing.assert_frame_equal(whole, cut, check_exact=True)
