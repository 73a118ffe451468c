"""Accountability metrics against hand-computed answers on tests/fixtures/metrics_sources.

The fixture's six cases: M1 answered after 10 days by a statement then an EU27 declaration; M2 whose only
linked action predates its first event; M3 whose one event is on its opening day answered after 30 days by a
Delegation statement and by sanctions listed under another country; M4 answered after 10 days, recently;
M5 released without action; M6 open and never answered.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from dashboard import taxonomy
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
    clause = metrics._band("d")
    position = queries.run_one(con, f"SELECT {clause.sql} FROM (SELECT $d::INTEGER AS d)", clause, d=days)[0]
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
