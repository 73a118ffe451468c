"""Every page file under AppTest, with default and with filtered URL parameters: no exception, the
expected elements present, bad URL values turned into a notice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overview", "countries", "themes", "timeline", "explore", "accountability", "brief", "case", "action", "about",
         "accessibility"]


@pytest.fixture(autouse=True)
def use_fixture_db(fixture_db, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB", str(fixture_db))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()


def run(page: str, **params) -> AppTest:
    # Run through app.py so st.navigation is in place (page links need it), then open the page file.
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.switch_page(f"pages/{page}.py")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [t.value for t in at.title] + [h.value for h in at.header]
    parts += [s.value for s in at.subheader] + [c.value for c in at.caption] + [t.value for t in at.text]
    return "\n".join(map(str, parts))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_by_default(page):
    run(page)


def test_overview_has_figures_map_and_latest_actions():
    at = run("overview")
    labels = [m.label for m in at.metric]
    assert labels[:2] == ["EU actions", "Cases"] and at.metric[0].value == "5"
    svg = _world_map(at)
    assert 'class="map-shapes"' in svg and '/countries?country=Iran" target="_self"' in svg
    assert 'aria-label="World map of EU actions per country' in svg
    assert "Iran (3)" in svg  # the main finding, in the alt text


def test_overview_lists_the_latest_actions_as_links_and_loads_no_table_until_asked(con):
    """The latest EU actions are a list of links (date · country · title → the action's page), newest first, as
    the query returns them; no data grid is drawn on the overview until a visitor opens the map's figures."""
    from dashboard.serving import queries
    from dashboard.serving.filters import Filters

    at = run("overview")
    expected = queries.actions_table(con, Filters(), limit=8)
    assert 0 < len(expected) <= 8
    links = [p.proto for p in at.get("page_link") if p.proto.page == "action"]
    assert [link.query_string for link in links] == [f"id={i}" for i in expected["ID"]]
    for link, row in zip(links, expected.itertuples(), strict=True):  # as a reader sees the escaped text
        place = row.Country if isinstance(row.Country, str) else "Global"  # an action of no one country
        assert link.label.replace("\\", "") == f"{row.Date:%Y-%m-%d} · {place} · {row.Title}"
    assert not at.dataframe  # neither the list nor the closed map table draws a grid
    figures_box = next(e for e in at.expander if e.label == "Data behind this map")
    assert not figures_box.proto.expanded and not figures_box.children
    at.session_state["overview_map_data"] = True  # what opening it (mouse or keyboard) sends
    at.run()
    table = at.dataframe[0].value
    assert {"Country", "EU actions"} <= set(table.columns) and "Iran" in set(table["Country"])


def test_overview_map_measure_switches_to_cases():
    at = run("overview", measure="Cases")
    assert ">Cases</text>" in _world_map(at)  # the colour scale's title


def _world_map(at) -> str:
    """The map's markup, as the page hands it to the browser (ui.raw_markup)."""
    return next(m.value for m in at.markdown if m.value.startswith('<div class="world-map">'))


def test_country_page_for_one_area():
    at = run("countries", country="IRN")
    assert at.title[0].value == "Iran"
    assert at.metric[0].value == "3" and at.metric[1].value == "2"
    assert at.get("plotly_chart"), "timeline chart missing"


def test_country_page_lists_its_sources_only_once_asked(con, monkeypatch):
    """The sources of a country's view are a closed box: no query until a visitor opens it, then the list
    queries.sources_list gives, each source with how many of the view's records it supports."""
    from dashboard.serving import queries
    from dashboard.serving.filters import from_query

    asked = []
    live = queries.sources_list
    monkeypatch.setattr(queries, "sources_list", lambda c, f, *a, **k: asked.append(f) or live(c, f, *a, **k))
    at = run("countries", country="Iran", since="2020-01-01")  # a filter no build stores: every query runs
    box = next(e for e in at.expander if e.label.startswith("The sources of this view"))
    assert not box.proto.expanded and not box.children
    assert asked == []
    at.session_state["country_sources"] = True  # what opening it sends
    at.run()
    assert len(asked) == 1  # asked once the box is open
    expected = live(con, from_query({"country": "Iran", "since": "2020-01-01"})[0])
    assert not expected.empty
    shown = at.dataframe[-1].value
    assert list(shown["Publisher"]) == list(expected["Publisher"]) and list(shown["Records"]) == list(expected["Records"])


def test_theme_page_for_one_theme():
    at = run("themes", theme="torture")
    assert at.title[0].value == "Torture"


def test_explore_filters_and_counts():
    at = run("explore", country="Iran", theme="Death penalty")
    assert "EU actions: 2" in texts(at)
    at = run("explore", table="Cases", country="IRN")
    assert "Cases: 2" in texts(at)


def test_bad_url_values_give_a_notice_not_a_traceback():
    at = run("explore", country="Narnia", since="not-a-date")
    warnings = re.sub(r"\\(.)", r"\1", " ".join(w.value for w in at.warning))  # as the visitor reads it
    assert "Narnia" in warnings and "YYYY-MM-DD" in warnings
    assert "EU actions: 5" in texts(at)  # defaults apply


def test_case_page_shows_one_case():
    at = run("case", id="IRN-C-0001")
    assert at.title[0].value == "Death sentence of a named protester"
    assert at.metric[0].value == "Executed"


def test_a_case_page_rerun_that_changes_nothing_asks_the_database_nothing(monkeypatch):
    """Every query of the case page (its record, and its timeline and answers read in one) is kept by the page's
    cache: the second run of the same page reads nothing from the file."""
    from dashboard.serving import db

    read, asked = db._read, []
    monkeypatch.setattr(db, "_read", lambda con, sql, params, fn: asked.append(sql) or read(con, sql, params, fn))
    at = run("case", id="IRN-C-0001")
    assert asked, "the first run read nothing: the count is not counting"
    asked.clear()
    at.run()
    assert not at.exception and at.title[0].value == "Death sentence of a named protester"
    assert asked == []


def test_unknown_case_gives_notice_and_list():
    at = run("case", id="NOPE-1")
    assert r"NOPE\-1" in at.warning[0].value


def test_about_shows_build_and_definitions():
    at = run("about")
    assert "Death penalty (`death_penalty`)" in texts(at)
    assert [m.label for m in at.metric][0] == "Data version"


def test_hostile_text_is_escaped_in_markdown_elements():
    at = run("case", id="EGY-C-0001")
    assert at.title[0].value == r"\<img src=x onerror=alert\(1\)\>"
    subject = next(m.value for m in at.markdown if m.value.startswith("**Subject**"))
    assert subject.endswith(r"\[click\]\(javascript\:alert\(1\)\)")


def test_accountability_page_shows_the_cli_numbers(fixture_db):
    import json
    import subprocess
    import sys

    at = run("accountability", country="Iran")
    cli = json.loads(subprocess.run([sys.executable, "-m", "dashboard", "metrics", "--country", "IRN", "--db",
                                     str(fixture_db), "--json"], capture_output=True, text=True, check=True).stdout)
    shown = {m.label: m.value for m in at.metric}
    assert cli["filters"] == "country: Iran" and shown["Cases"] == str(cli["cases"])
    assert shown["Response rate"] == f"{cli['response_rate']:.0%}"
    assert shown["Silent open cases"] == str(cli["silent_cases"])


def test_brief_page_and_presentation_mode():
    at = run("brief", country="IRN")
    assert at.title[0].value == "Country brief: Iran"
    assert at.get("download_button")
    at = run("brief", country="IRN", present="1")
    assert not at.get("download_button")
    assert not at.sidebar.multiselect and not at.sidebar.selectbox


# Every page with filters, a filtered address, and what "Clear all" keeps: a page's subject (the one
# country of Countries, the one theme of Themes) is not a filter of it; the rest are.
FILTERED = [
    ("overview", {"theme": "Torture", "since": "2020-01-01"}, "theme: Torture", {}),
    ("countries", {"country": "Iran", "theme": "Torture", "since": "2020-01-01"}, "theme: Torture", {"country": ["Iran"]}),
    ("themes", {"theme": "Torture", "country": "Iran", "until": "2030-01-01"}, "country: Iran", {"theme": ["Torture"]}),
    ("timeline", {"country": "Iran", "actor": "Council"}, "country: Iran", {}),
    ("explore", {"country": "Iran", "q": "death"}, "country: Iran", {}),
    ("accountability", {"country": "Iran", "status": "Open"}, "country: Iran", {}),
]


@pytest.mark.parametrize("page, params, shown, kept", FILTERED, ids=[p for p, *_ in FILTERED])
def test_every_filtered_page_says_what_is_filtered_at_the_top_and_clears_it(page, params, shown, kept):
    at = run(page, **params)
    captions = [c.value.replace("\\", "") for c in at.main.caption]  # as a reader sees the escaped text
    line = next((c for c in captions if c.startswith("Active filters: ")), None)
    assert line is not None and shown in line, captions
    for subject, values in kept.items():  # the subject is the page's title, not one of its filters
        assert f"{subject}: {values[0]}" not in line
    # at the top: before any figure, chart or table
    order = [(n.type, str(getattr(n, "value", "")).replace("\\", "")) for n in at.main]
    first_content = next(i for i, (kind, _) in enumerate(order) if kind in ("metric", "plotly_chart", "dataframe"))
    assert ("caption", line) in order[:first_content], order[:first_content]
    at.button(key="clear-filters").click().run()
    assert not at.exception
    assert not any(c.value.startswith("Active filters: ") for c in at.main.caption)
    for key in set(params) - set(kept):
        assert at.session_state[key] in ([], ""), key
    for subject, values in kept.items():
        assert at.session_state[subject] == values


@pytest.mark.parametrize("page, noun, table", [("case", "case", "cases_table"), ("action", "EU action", "actions_table")])
def test_case_and_action_without_a_public_id_show_one_kind_of_searchable_index(con, page, noun, table):
    """Both record pages fall back to the same index (ui.record_index_page): the notice, a search bound to the
    URL, a count equal to the query's, one group per country holding every record found."""
    from dashboard.serving import queries
    from dashboard.serving.filters import from_query

    at = run(page, id="NOPE-1", q="death")
    assert at.warning[0].value.replace("\\", "") == f"No public {noun} has the id “NOPE-1”. Choose one below."
    assert at.text_input(key="q").value == "death"
    expected = getattr(queries, table)(con, from_query({"q": ["death"]})[0], limit=None)
    assert 0 < len(expected)
    assert any(c.value.replace("\\", "").startswith(f"{len(expected):,} ") for c in at.caption)
    groups = {e.label.rsplit(" · ", 1)[0]: int(e.label.rsplit(" · ", 1)[1]) for e in at.expander}
    assert sum(groups.values()) == len(expected)
    assert set(groups) == set(expected["Country"].fillna("Global"))
