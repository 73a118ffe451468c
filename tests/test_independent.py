"""The accountability measures for cases found independently of the EU, beside those for all cases,
against hand-computed answers on tests/fixtures/metrics_sources.

discovered_via in the fixture: M1 (IRN-C-0001) eu, M2 (IRN-C-0002) ngo, M3 (EGY-C-0001) eu,
M4 (EGY-C-0002) media, M5 (PSE-C-0001) ngo, M6 (ISR-C-0001) un. Independently found: M2, M4, M5, M6.
- M2: its only linked action predates its first event, so no response; open and silent.
- M4: answered after 10 days by a spokesperson statement on 2026-06-11, within 12 months of AS_OF.
- M5: released, never answered, not silent (closed).
- M6: open, never answered, silent.
So: 4 cases, 1 responded (25 %), median 10 days, 2 silent (M6 first: never answered, then M2).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.curation.build import build
from dashboard.serving import brief, db, metrics
from dashboard.serving.filters import Filters, from_query

AS_OF = dt.date(2026, 11, 28)
FIXTURE = Path(__file__).parent / "fixtures" / "metrics_sources"


@pytest.fixture(scope="module")
def mcon(tmp_path_factory):
    path = tmp_path_factory.mktemp("independent") / "metrics.duckdb"
    build(FIXTURE, path)
    con = db.connect(path)
    yield con
    con.close()


def test_independent_cases_by_hand(mcon):
    s = metrics.summary(mcon, Filters().independent(), as_of=AS_OF)
    assert s.cases == 4 and s.responded == 1 and s.response_rate == 0.25
    assert s.median_days_to_first_response == 10.0
    assert s.silent_cases == 2
    assert list(s.escalation.values()) == [3, 0, 1, 0, 0, 0, 0]  # none: M2 M5 M6; public statement: M4
    assert s.as_dict()["unity"] == {"on_behalf_of_eu27": 0, "not_on_behalf_of_eu27": 1, "share_eu27": 0.0}


def test_split_puts_both_side_by_side_and_all_cases_unchanged(mcon):
    split = metrics.discovery_split(mcon, Filters(), as_of=AS_OF)
    every, independent = split["all_cases"], split["independently_discovered"]
    assert (every["cases"], every["responded"], every["response_rate"], every["silent_cases"]) == (6, 3, 0.5, 4)
    assert (independent["cases"], independent["responded"], independent["response_rate"]) == (4, 1, 0.25)
    assert set(every) == set(independent) == set(metrics.SPLIT_MEASURES)


def test_split_respects_the_other_filters(mcon):
    split = metrics.discovery_split(mcon, from_query({"country": "Egypt"})[0], as_of=AS_OF)
    assert split["all_cases"]["cases"] == 2 and split["all_cases"]["response_rate"] == 1.0
    assert split["independently_discovered"]["cases"] == 1  # M4 only; M3 was found through the EU
    assert split["independently_discovered"]["median_days_to_first_response"] == 10.0


def test_the_caveat_is_a_number(mcon):
    note = metrics.selection_note(metrics.discovery_split(mcon, Filters(), as_of=AS_OF))
    assert note.startswith("2 of the 6 selected cases were found through an EU text")
    assert "all 6 cases: 50%" in note and "the 4 cases found independently of the EU" in note and ": 25%." in note


def test_silence_list_says_how_each_case_was_found(mcon):
    silent = metrics.silence_list(mcon, Filters().independent(), as_of=AS_OF, limit=None)
    assert list(silent["ID"]) == ["ISR-C-0001", "IRN-C-0002"]
    assert list(silent["Found via"]) == ["UN or other intergovernmental human-rights body", "NGO report"]
    every = metrics.silence_list(mcon, Filters(), as_of=AS_OF, limit=None)
    assert dict(zip(every["ID"], every["Found via"], strict=True))["IRN-C-0001"] == "EU text"


def test_actions_follow_the_cases_they_concern(mcon):
    # Who acts for independently found cases: only the statement on M4 and the resolution on M2.
    acts = metrics.who_acts(mcon, Filters().independent())
    assert acts["actions"].sum() == 2


def test_describe_names_the_subset():
    assert "cases found via: NGO report, UN or other intergovernmental human-rights body, News report" \
        in Filters().independent().describe()


def test_brief_carries_the_split(mcon):
    b = brief.brief_data(mcon, from_query({"country": "Egypt"})[0], as_of=AS_OF)
    assert b.split["independently_discovered"]["cases"] == 1
    assert b.independent_note in brief.brief_html(b)


def test_metrics_json_reports_both(tmp_path):
    out = tmp_path / "m.duckdb"
    build(FIXTURE, out)
    run = subprocess.run([sys.executable, "-m", "dashboard", "metrics", "--json", "--db", str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["by_discovery"]["all_cases"]["cases"] == result["cases"] == 6
    assert result["by_discovery"]["independently_discovered"]["cases"] == 4
