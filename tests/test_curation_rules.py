"""The curation rules the validator checks mechanically (docs/CURATION.md): dates stored as their
precision says, a case opening on its first event, links that predate a case by over a year carrying
a note, source quality and discovery consistent with the source's host, non-English titles kept with
their language, searches that claim a finding backed by a link, summaries free of curators' notes. Each
bad input is written the way a hurried curator would type it, and must be reported with file, line and
column."""

from __future__ import annotations

import pytest

from dashboard.curation import hosts
from dashboard.curation.validate import ValidationError, load_sources


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_after(sources, *edits) -> list[str]:
    for filename, old, new in edits:
        edit(sources / filename, old, new)
    with pytest.raises(ValidationError) as err:
        load_sources(sources)
    return [str(p) for p in err.value.problems]


def test_the_fixture_is_valid(sources):
    load_sources(sources)


BAD = [
    ("year-only date not stored as 1 January",
     [("cases.csv", "2022-10-01,day,Fixture case with two", "2022-10-01,year,Fixture case with two")],
     "cases.csv:2: opened_on: 2022-10-01 has date_precision year: store a year-only date as 1 January"),
    ("month-only date not stored as the 1st",
     [("case_events.csv", "IRN-C-0001,2022-12-08,day", "IRN-C-0001,2022-12-08,month")],
     "case_events.csv:3: date: 2022-12-08 has date_precision month: store a month-only date as the 1st"),
    ("case opened before its first event",
     [("cases.csv", "2022-10-01,day,Fixture case with two", "2022-09-01,day,Fixture case with two")],
     "cases.csv:2: opened_on: 2022-09-01 is before the case's first event (2022-10-01)"),
    ("case cited from an EU page but said to be found by an NGO",
     [("cases.csv", "https://example.org/case1,ngo,original,,ngo", "https://www.eeas.europa.eu/x,ngo,original,,ngo")],
     "cases.csv:2: discovered_via: is ngo but the case is cited from an EU text (eeas.europa.eu)"),
    ("case from an EEAS look-alike marked original",
     [("cases.csv", "https://example.org/case1,ngo,original,,ngo", "https://eeas.eu.com/x,media,original,,eu")],
     "cases.csv:2: source_quality: is original but eeas.eu.com is not the acting body's own host"),
    ("a news page about an EU action marked original",
     [("eu_actions.csv", "https://example.org/a1,official,secondary", "https://example.org/a1,media,original")],
     "eu_actions.csv:2: source_quality: is original but example.org is not the acting body's own host"),
    ("an aggregator marked a faithful copy",
     [("eu_actions.csv", "https://example.org/a1,official,secondary", "https://publicnow.com/view/1,media,faithful_copy")],
     "eu_actions.csv:2: source_quality: is faithful_copy but publicnow.com is listed as a mirror"),
    ("a French title without its original",
     [("eu_actions.csv", ",,en,Fixture statement.", ",,fr,Fixture statement.")],
     "eu_actions.csv:2: title_original: is required when title_language is fr"),
    ("a language that is not an ISO 639-1 code",
     [("eu_actions.csv", ",,en,Fixture statement.", ",,English,Fixture statement.")],
     "eu_actions.csv:2: title_language: 'English' is not one of"),
    ("an empty title language",
     [("eu_actions.csv", ",,en,Fixture statement.", ",,,Fixture statement.")],
     "eu_actions.csv:2: title_language: is required but empty"),
    ("an English title with an original",
     [("eu_actions.csv", ",,en,Fixture statement.", ",Déclaration,en,Fixture statement.")],
     "eu_actions.csv:2: title_original: is set but title_language is en"),
    ("a link to an action more than a year before the case, without a note",
     [("eu_actions.csv", "IRN-A-0003,2022-09-20", "IRN-A-0003,2021-09-20")],
     "action_cases.csv:4: note: IRN-A-0003 (2021-09-20) predates the start of IRN-C-0001 (2022-10-01) by more than a year"),
    ("a search that claims a finding with no link",
     [("response_searches.csv", "result\n", "result\nPSE-C-0001,2025-01-02,EU statement journalist Gaza,found\n")],
     "response_searches.csv:2: result: is found but PSE-C-0001 is linked to no EU action"),
    ("a search result that is neither found nor none",
     [("response_searches.csv", "result\n", "result\nPSE-C-0001,2025-01-02,EU statement journalist Gaza,nothing\n")],
     "response_searches.csv:2: result: 'nothing' is not one of: found, none"),
    ("a search for a case that does not exist",
     [("response_searches.csv", "result\n", "result\nPSE-C-0999,2025-01-02,EU statement,none\n")],
     "response_searches.csv:2: case_id: 'PSE-C-0999' does not exist in cases.csv"),
    ("a search for an original that claims a finding the action does not cite",
     [("original_searches.csv", "none,only the same report is stored", "found,")],
     "original_searches.csv:2: result: is found but IRN-A-0001 still cites a secondary page"),
    ("a search for the original of an action that does not exist",
     [("original_searches.csv", "IRN-A-0001,", "IRN-A-0999,")],
     "original_searches.csv:2: action_id: 'IRN-A-0999' does not exist in eu_actions.csv"),
    ("another source that is a tracking link",
     [("cases.csv", "https://example.org/case1,ngo,original,,", "https://example.org/case1,ngo,original,https://example.org/b https://bit.ly/x,")],
     "cases.csv:2: other_sources: 'https://bit.ly/x…' is a tracking link"),
    ("another source that is not a URL",
     [("cases.csv", "https://example.org/case1,ngo,original,,", "https://example.org/case1,ngo,original,see Amnesty 2023,")],
     "cases.csv:2: other_sources: 'see Amnesty 2023' does not match the required form"),
    ("a summary that says how its date was worked out",
     [("eu_actions.csv", ",,en,Fixture statement.,", ",,en,Fixture statement. Date inferred: the report says 'Monday'.,")],
     "eu_actions.csv:2: summary: carries a curator's note ('Date inferred"),
    ("a summary that names another page's date in brackets",
     [("eu_actions.csv", ",,en,Fixture declaration.,", ",,en,\"Fixture declaration (date per the UN's summary).\",")],
     "eu_actions.csv:3: summary: carries a curator's note ('(date per"),
    ("a case summary that says what its page leaves out",
     [("cases.csv", "Fixture case with two EU actions.", "Fixture case with two EU actions (Year not given on the page).")],
     "cases.csv:2: summary: carries a curator's note ('(Year not given"),
    ("an event description with a worked-out date",
     [("case_events.csv", "arrest,Arrested during protests.",
       "arrest,Arrested during protests (date computed from 'On Sunday').")],
     "case_events.csv:2: description: carries a curator's note ('(date computed"),
    ("a case with no discovered_via",
     [("cases.csv", "https://example.org/case1,ngo,original,,ngo", "https://example.org/case1,ngo,original,,")],
     "cases.csv:2: discovered_via: is required but empty"),
    ("a discovery outside the vocabulary",
     [("cases.csv", "https://example.org/case1,ngo,original,,ngo", "https://example.org/case1,ngo,original,,twitter")],
     "cases.csv:2: discovered_via: 'twitter' is not one of: ngo, un, media, eu"),
]


@pytest.mark.parametrize("edits,expected", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_reported_with_file_line_and_column(sources, edits, expected):
    problems = problems_after(sources, *edits)
    assert any(p.startswith(expected) for p in problems), problems


def test_a_note_lets_an_early_link_stand(sources):
    edit(sources / "eu_actions.csv", "IRN-A-0003,2022-09-20", "IRN-A-0003,2021-09-20")
    edit(sources / "action_cases.csv", "IRN-A-0003,IRN-C-0001,", 'IRN-A-0003,IRN-C-0001,"The resolution names the '
         'same prosecution, begun before the first recorded event."')
    load_sources(sources)


def test_a_search_that_found_nothing_needs_no_link(sources):
    edit(sources / "response_searches.csv", "result\n",
         "result\nPSE-C-0001,2025-01-02,EU statement journalist Gaza | EEAS Gaza journalist killed,none\n")
    tables = load_sources(sources)
    assert tables["response_searches"][0].values["queries"].count(" | ") == 1


@pytest.mark.parametrize("url,record,quality", [
    ("https://www.eeas.europa.eu/eeas/statement_en", "action", "original"),
    ("https://oeil.secure.europarl.europa.eu/oeil/popups/summary.do?id=1", "action", "original"),
    ("https://eeas.eu.com/statement", "action", "secondary"),           # look-alike of the EEAS
    ("https://EEAS.EU.COM/statement", "case", "secondary"),             # hosts are case-insensitive
    ("https://europa.eu.example.com/x", "action", "secondary"),         # not an EU host, whatever it starts with
    ("https://evil-europa.eu.com/x", "action", "secondary"),
    ("https://collections.internetmemory.org/haeu/x", "action", "faithful_copy"),
    ("https://www.amnesty.org/en/documents/x", "action", "secondary"),  # an NGO report of an EU action
    ("https://www.amnesty.org/en/documents/x", "case", "original"),     # an NGO's own documentation of a case
    ("https://publicnow.com/view/1", "case", "secondary"),
    ("https://someone.blogspot.com/2020/x", "case", "secondary"),
    ("https://www.ohchr.org/en/press-releases/x", "case", "original"),
])
def test_source_quality_from_the_host(url, record, quality):
    assert hosts.source_quality(url, record) == quality


def test_discovery_rule_for_existing_cases():
    linked = {"https://www.politico.eu/article/x"}
    assert hosts.discovered_via("https://www.politico.eu/article/x", "media", linked) == "eu"
    assert hosts.discovered_via("https://www.europarl.europa.eu/doceo/x", "official", set()) == "eu"
    assert hosts.discovered_via("https://south.euneighbours.eu/news/x", "official", set()) == "eu"
    assert hosts.discovered_via("https://www.ohchr.org/en/x", "official", set()) == "un"
    assert hosts.discovered_via("https://www.hrw.org/news/x", "ngo", set()) == "ngo"
    assert hosts.discovered_via("https://www.bbc.com/news/x", "media", set()) == "media"
    with pytest.raises(ValueError):
        hosts.discovered_via("https://www.gov.uk/x", "official", set())
