"""The shipped data: it builds, and it keeps the coverage the curation issue set (a later edit that loses
data fails here)."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict
from urllib.parse import urlparse

import pytest

from dashboard.config import SOURCES_DIR
from dashboard.curation.build import build
from dashboard.taxonomy import PRIORITY_AREAS, THEMES, area_of


def rows(name: str) -> list[dict]:
    with open(SOURCES_DIR / f"{name}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    counts = build(SOURCES_DIR, tmp_path_factory.mktemp("shipped") / "dashboard.duckdb")
    return counts


def test_shipped_sources_build(shipped):
    # The build runs the validator: dates not in the future, codes from the taxonomy, every case with an event...
    # so those rules are tested once, in tests/test_build.py and tests/test_validate.py, not re-checked here.
    assert shipped["eu_actions"] > 0 and shipped["cases"] > 0


def test_every_url_is_well_formed():
    for name in ("eu_actions", "cases", "case_events", "commitments", "death_penalty_figures"):
        for r in rows(name):
            url = urlparse(r["source_url"])
            assert url.scheme in ("http", "https") and "." in url.netloc and " " not in r["source_url"], r


def test_no_duplicate_action_records():
    keys = Counter((r["source_url"], r["date"], r["title"], r["actor"]) for r in rows("eu_actions"))
    assert [k for k, n in keys.items() if n > 1] == []


def test_coverage_targets():
    actions, cases = rows("eu_actions"), rows("cases")
    assert len(actions) >= 700 and len(cases) >= 340
    assert len(rows("case_events")) >= 1000 and len(rows("action_cases")) >= 580
    per_area_actions = Counter(area_of(r["country_iso3"]) for r in actions if r["country_iso3"])
    per_area_cases = Counter(area_of(r["country_iso3"]) for r in cases)
    for area in PRIORITY_AREAS:  # issue 11: every area at least 25 EU actions and 20 cases
        assert per_area_actions[area] >= 25, area
        assert per_area_cases[area] >= 20, area
    cells = defaultdict(int)
    for r in actions:
        if r["country_iso3"]:
            for theme in r["themes"].split(";"):
                cells[(area_of(r["country_iso3"]), theme)] += 1
    assert sum(1 for a in PRIORITY_AREAS for t in THEMES if cells[(a, t)]) >= 33


def test_mostly_recent():
    years = [int(r["date"][:4]) for r in rows("eu_actions")]
    assert sum(y >= 2015 for y in years) / len(years) >= 0.75


def test_instruments_named_by_the_mission_appear():
    types = {r["action_type"] for r in rows("eu_actions")}
    for needed in ("demarche", "summoning", "spokesperson_statement", "declaration_eu27", "local_statement", "trial_observation",
                   "prison_visit", "hrd_meeting", "resolution", "urgency_resolution", "council_conclusions",
                   "sanctions", "dialogue", "un_statement", "prize"):
        assert needed in types, needed


def test_reference_files_are_present():
    assert len(rows("commitments")) >= 5
    assert len(rows("death_penalty_figures")) >= 10


def test_coverage_file_matches_the_sources():
    from dashboard.config import DATA_DIR
    from dashboard.serving.coverage import updated_document

    document = (DATA_DIR / "COVERAGE.md").read_text(encoding="utf-8")
    assert updated_document(document, SOURCES_DIR) == document, "run `python -m dashboard coverage --write`"


def test_every_record_has_passed_a_review():
    """Each action and case has been re-checked against its source (data/review_log.csv, docs/CURATION.md), and its
    latest verdict is ok or fix: a record added without review, or left unverifiable, fails here."""
    with open(SOURCES_DIR.parent / "review_log.csv", newline="", encoding="utf-8") as f:
        latest = {r["record_id"]: r["verdict"] for r in csv.DictReader(f)}
    ids = [r["action_id"] for r in rows("eu_actions")] + [r["case_id"] for r in rows("cases")]
    assert [i for i in ids if i not in latest] == []
    assert [(i, latest[i]) for i in ids if latest[i] not in ("ok", "fix")] == []


def test_every_shipped_record_is_published(shipped):
    """The build publishes reviewed records only: all shipped records are reviewed, so none is held back."""
    assert shipped["eu_actions"] == len(rows("eu_actions")) and shipped["cases"] == len(rows("cases"))


# Issue 11: how cases were found, how close each source is to the act, titles in English.
ENGLISH = "en"


def test_other_is_under_three_percent_of_actions():
    actions = rows("eu_actions")
    other = [a["action_id"] for a in actions if a["action_type"] == "other"]
    assert len(other) < 0.03 * len(actions), f"{len(other)} of {len(actions)} actions typed other: {other}"


def test_every_title_has_its_language_and_a_non_english_one_keeps_its_original():
    for a in rows("eu_actions"):
        assert a["title_language"], a["action_id"]
        if a["title_language"] != ENGLISH:
            assert a["title_original"].strip(), a["action_id"]
            assert a["title"].startswith("[") or a["title"] != a["title_original"], a["action_id"]


def test_no_title_shown_to_english_readers_is_in_a_language_with_its_own_letters():
    # A title in Cyrillic, Arabic, Greek or Hebrew script marked English is a title left untranslated.
    import unicodedata
    for a in rows("eu_actions"):
        scripts = {unicodedata.name(ch, "").split(" ")[0] for ch in a["title"] if ch.isalpha() and ord(ch) > 0x24F}
        assert not scripts & {"CYRILLIC", "ARABIC", "GREEK", "HEBREW"}, (a["action_id"], a["title"])


def test_every_area_has_ten_cases_found_independently_of_the_eu():
    """Issue 11: cases found where the EU's silence would show (NGO, UN or news sources), at least 10 per area."""
    independent = Counter(area_of(c["country_iso3"]) for c in rows("cases") if c["discovered_via"] != "eu")
    assert {area: independent[area] for area in PRIORITY_AREAS if independent[area] < 10} == {}


def test_every_independently_found_case_was_searched_for_an_eu_response():
    searched = {s["case_id"] for s in rows("response_searches")}
    linked = {link["case_id"] for link in rows("action_cases")}
    unsearched = [c["case_id"] for c in rows("cases")
                  if c["discovered_via"] != "eu" and c["case_id"] not in searched | linked]
    assert unsearched == [], (f"{len(unsearched)} cases not found through the EU have neither a linked EU action nor "
                              "a row in response_searches.csv (docs/CURATION.md, step 5)")


def test_every_action_cited_from_a_secondary_page_was_searched_for_its_original():
    """Issue 11: replace reposts with the original wherever it can be found, so every action still cited from a
    secondary page has a recorded search that found no original (original_searches.csv)."""
    searched = {s["action_id"] for s in rows("original_searches") if s["result"] == "none"}
    unsearched = [a["action_id"] for a in rows("eu_actions")
                  if a["source_quality"] == "secondary" and a["action_id"] not in searched]
    assert unsearched == [], (f"{len(unsearched)} actions cited from a secondary page have no search for their "
                              "original in original_searches.csv (docs/CURATION.md, section 2)")


# Reviewed dates that really are 1 January to the day (the source states that day).
TRUE_FIRST_OF_JANUARY = {("case_events", "PSE-C-0010", "2018-01-01"),
                         # killed on the night of 1 January 2025, as the police investigation team dated it (review round 9)
                         ("case_events", "IND-C-0023", "2025-01-01"), ("cases", "IND-C-0023", "2025-01-01")}


def test_a_first_of_january_to_the_day_is_a_reviewed_exception():
    found = set()
    for name, key, col in (("cases", "case_id", "opened_on"), ("case_events", "case_id", "date"),
                           ("commitments", "commitment_id", "adopted_on")):
        for r in rows(name):
            if r[col].endswith("-01-01") and r["date_precision"] == "day":
                found.add((name, r[key], r[col]))
    assert found <= TRUE_FIRST_OF_JANUARY, ("a year-only date stored as 1 January must carry date_precision=year",
                                            found - TRUE_FIRST_OF_JANUARY)


# Cases whose own page does report a later event that another page is cited for (review rounds 12 and 13): the
# summary may name its date.
LATER_DATE_ON_THE_CASES_OWN_PAGE = {
    # the ESW page reports the 13 February 2024 appeal sentence (also cited from The Moscow Times for the event)
    "RUS-C-0034",
    # the TASR page of 12 December 2020 reports the execution that day and the EU's condemnation (review round 13)
    "IRN-C-0010",
}


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def _named_later_days(case: dict, events: list[dict]) -> list[str]:
    """The days (or months) a case's summary names of its events that only other pages are cited for, later than
    every event its own page is cited for: a page cannot report what happened after it was written, so such a
    summary says more than its cited page (docs/CURATION.md: a summary says only what its cited page says)."""
    own = [e["date"] for e in events if e["source_url"] == case["source_url"]]
    if not own:
        return []
    last_own = max(own)
    named = []
    for e in events:
        if e["source_url"] == case["source_url"] or e["date"] <= last_own or e["date_precision"] == "year":
            continue
        day = dt.date.fromisoformat(e["date"])
        month = f"{MONTHS[day.month - 1]} {day.year}"  # as the summaries write dates, in any locale
        shown = f"{day.day} {month}" if e["date_precision"] == "day" else month
        if shown in case["summary"]:
            named.append(shown)
    return named


def test_a_summary_names_no_later_day_that_only_another_page_reports():
    """The curation rule, checked where a machine can: a summary that names the day of a later sentence, release or
    death reported by another page has blended that page into it (review round 12 found 19 such summaries)."""
    events = defaultdict(list)
    for e in rows("case_events"):
        events[e["case_id"]].append(e)
    found = {c["case_id"]: named for c in rows("cases") if (named := _named_later_days(c, events[c["case_id"]]))}
    blended = {case_id: named for case_id, named in found.items() if case_id not in LATER_DATE_ON_THE_CASES_OWN_PAGE}
    assert blended == {}, ("these summaries name the date of a later event that only another page is cited for: say only "
                           "what the case's source_url says (docs/CURATION.md)", blended)


def test_the_later_day_check_finds_a_blended_summary():
    case = {"source_url": "https://ngo.example/appeal", "summary": "Arrested on 2 March 2020; released on 9 May 2021."}
    events = [{"date": "2020-03-02", "date_precision": "day", "source_url": "https://ngo.example/appeal"},
              {"date": "2021-05-09", "date_precision": "day", "source_url": "https://news.example/released"}]
    assert _named_later_days(case, events) == ["9 May 2021"]
    assert _named_later_days(dict(case, source_url="https://news.example/released"), events) == []
