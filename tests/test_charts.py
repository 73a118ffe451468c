"""Charts: one fixed swatch per category on every page, none shared; aligned stacked timelines; the partial year."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import taxonomy
from dashboard.serving import figures, queries
from dashboard.serving.filters import Filters, from_query

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("kind, vocabulary", [("actor", taxonomy.ACTORS), ("action_type", taxonomy.ACTION_TYPES),
                                              ("event_type", taxonomy.EVENT_TYPES)])
def test_no_two_categories_share_a_swatch(kind, vocabulary):
    swatches = [figures.swatch(kind, label) for label in vocabulary.values()]
    assert len({(s.colour, s.pattern) for s in swatches}) == len(vocabulary)  # bars
    assert len({(s.colour, s.symbol) for s in swatches}) == len(vocabulary)  # points


def test_actor_and_event_markers_never_look_alike_on_one_timeline():
    actors = {(s.colour, s.symbol) for s in figures.PALETTE["actor"].values()}
    events = {(s.colour, s.symbol) for s in figures.PALETTE["event_type"].values()}
    assert not actors & events
    assert figures.swatch("event_type", "Trial") != figures.swatch("event_type", "Death sentence")


def _bar_styles(spec: dict) -> dict[str, tuple]:
    return {t["name"]: (t["marker"]["color"], t["marker"]["pattern"].get("shape", ""))
            for t in spec["data"] if t.get("type") == "bar"}


def _page_specs(fixture_db, monkeypatch, script: str, query: dict) -> list[dict]:
    import json

    import streamlit as st
    monkeypatch.setenv("DASHBOARD_DB", str(fixture_db))
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page(script)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.exception] + [e.value for e in at.error]
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_an_actor_has_the_same_swatch_on_the_timeline_and_theme_pages(fixture_db, monkeypatch):
    timeline = _bar_styles(_page_specs(fixture_db, monkeypatch, "pages/timeline.py", {})[0])
    themes = {}
    for theme in ("death_penalty", "torture", "hrd"):
        for spec in _page_specs(fixture_db, monkeypatch, "pages/themes.py", {"theme": theme}):
            themes.update(_bar_styles(spec))
    shared = set(timeline) & set(themes)
    assert len(shared) >= 2  # the test compares something
    for actor in shared:
        assert timeline[actor] == themes[actor], actor
        assert timeline[actor] == (figures.swatch("actor", actor).colour, figures.swatch("actor", actor).pattern)


def test_stacked_timelines_share_one_x_range_and_mark_the_partial_year(fixture_db, monkeypatch):
    specs = _page_specs(fixture_db, monkeypatch, "pages/timeline.py", {})
    assert len(specs) == 2
    ranges = [s["layout"]["xaxis"]["range"] for s in specs]
    assert ranges[0] == ranges[1]
    margins = [s["layout"]["margin"]["l"] for s in specs]
    assert margins[0] == margins[1]


def test_the_current_year_is_marked_as_partial():
    today = dt.date(2026, 5, 1)
    frame = pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2026-01-01"]), "group": ["Council of the EU"] * 2,
                          "n": [4, 2]})
    fig = figures.counts_over_time(frame, "t", today=today, kind="actor")
    assert [a.text for a in fig.layout.annotations] == ["2026: so far"]
    # ends on the last bar: centred on it, the label ran past the chart's right edge on a phone
    assert fig.layout.annotations[0].xanchor == "right"
    # no x-axis title for the legend's rows (below the axis) to cover on a phone
    assert not fig.layout.xaxis.title.text
    assert list(fig.data[0].marker.opacity) == [1.0, 0.45]
    rng = figures.period_range([frame], "year", today=dt.date(2030, 1, 2))
    assert rng[1] > pd.Timestamp("2030-01-01")  # the axis reaches today even without data this year


def test_case_timeline_joins_each_action_to_the_event_it_answered(con):
    points = queries.case_timeline(con, "IRN-C-0001")
    answered = queries.answered_events(con, case_id="IRN-C-0001")
    assert not answered.empty and (answered["days"] >= 0).all()
    fig = figures.response_timeline(points, answered, label_gaps=True)
    lines = [t for t in fig.data if t.mode == "lines"]
    assert lines and "answered" in lines[0].text[0]
    assert any(a.text.startswith("+") and a.text.endswith(" d") for a in fig.layout.annotations)


@pytest.mark.parametrize("days", [["2025-09-25"], ["2025-09-25", "2025-09-25"], ["2025-09-20", "2025-09-26"]])
def test_a_timeline_of_one_day_or_a_few_shows_dates_not_fractions_of_a_second(days):
    """A case with a single event (or all its events within days): the axis spans at least MIN_TIMELINE_DAYS around
    them, so its ticks are dates; Plotly's own range for one point is a millisecond wide."""
    points = pd.DataFrame({"date": pd.to_datetime(days), "kind": ["Case event"] * len(days),
                           "category": ["Arrest"] * len(days), "text": ["x"] * len(days)})
    fig = figures.response_timeline(points)
    low, high = (pd.Timestamp(v) for v in fig.layout.xaxis.range)
    assert (high - low).days >= figures.MIN_TIMELINE_DAYS - 1
    assert low <= pd.Timestamp(days[0]) and pd.Timestamp(days[-1]) <= high
    assert fig.layout.showlegend and fig.data[0].name == "Arrest"  # the one kind of point is named


def test_a_long_timeline_keeps_plotlys_own_range(con):
    fig = figures.response_timeline(queries.combined_timeline(con, from_query({"country": "Iran"})[0]))
    assert fig.layout.xaxis.range is None


def test_the_timeline_needs_no_validation(con):
    """response_timeline skips Plotly's validation: validating its figure must change nothing that is sent."""
    iran = from_query({"country": "Iran"})[0]
    figs = [figures.response_timeline(queries.case_timeline(con, "IRN-C-0001"),
                                      queries.answered_events(con, case_id="IRN-C-0001"), label_gaps=True),
            figures.response_timeline(queries.combined_timeline(con, iran), queries.answered_events(con, iran, limit=200),
                                      height=400),
            figures.response_timeline(queries.combined_timeline(con, iran), queries.answered_events(con, iran),
                                      height=380, font_size=20)]
    for fig in figs:
        assert len(fig.data) > 1
        sent = json.loads(pio.to_json(fig, validate=False))
        assert json.loads(pio.to_json(go.Figure(fig.to_dict()), validate=False)) == sent


def test_the_bar_charts_need_no_validation(con):
    """counts_over_time and escalation_bars skip Plotly's validation: validating them must not change one byte sent
    (text as text, keys in Plotly's order)."""
    from dashboard.serving import metrics

    figs = [figures.counts_over_time(queries.actions_over_time(con, Filters(), grain, group), "T <b>", grain,
                                     kind=group, today=dt.date(2026, 5, 1))
            for grain in ("year", "month") for group in ("actor", "action_type")]
    figs.append(figures.counts_over_time(queries.events_over_time(con, Filters(), "year"), "E", kind="event_type"))
    figs.append(figures.escalation_bars(metrics.summary(con, Filters()).escalation))
    for fig in figs:
        assert len(fig.data) >= 1
        spec = fig.to_dict()
        del spec["layout"]["template"]  # the default template, as both ways of building the figure add it
        assert pio.to_json(go.Figure(spec), validate=False) == pio.to_json(fig, validate=False)


def test_each_line_joins_an_answered_event_to_its_action(con):
    """Every answer whose action and event are both drawn gets one line, from the event's marker to the action's."""
    iran = from_query({"country": "Iran"})[0]
    points, answered = queries.combined_timeline(con, iran), queries.answered_events(con, iran)
    fig = figures.response_timeline(points, answered)
    markers = {kind: {(pd.Timestamp(x), y) for t in fig.data if t.mode == "markers" and t.legendgroup == kind
                      for x, y in zip(t.x, t.y, strict=True)} for kind in ("Case event", "EU action")}
    line = next(t for t in fig.data if t.mode == "lines")
    segments = [(line.x[i], line.y[i], line.x[i + 1], line.y[i + 1], line.text[i]) for i in range(0, len(line.x), 3)]
    drawn = {(r.kind, r.ref, r.date) for r in points.itertuples()}
    expected = [r for r in answered.itertuples() if ("EU action", r.action_id, r.action_date) in drawn
                and ("Case event", r.case_id, r.event_date) in drawn]
    assert len(expected) >= 2 and len(segments) == len(expected)
    for (ex, ey, ax, ay, text), r in zip(segments, expected, strict=True):
        assert (pd.Timestamp(ex), ey) in markers["Case event"] and (pd.Timestamp(ax), ay) in markers["EU action"]
        assert (pd.Timestamp(ex), pd.Timestamp(ax)) == (r.event_date, r.action_date)
        assert text.startswith(f"{r.action_id} answered") and f"of {r.case_id} after {r.days} days" in text


def test_a_line_ends_at_the_event_its_action_answered_among_events_of_one_day():
    """Of two events of a case on one day, an action answers the one recorded later (metrics.DEFINITIONS["Answered
    event"]; the timeline lists it second): the line starts at that event's marker, not at the other one's."""
    day, later = pd.Timestamp("2020-02-07"), pd.Timestamp("2020-02-10")
    points = pd.DataFrame({"date": [day, day, later], "kind": ["Case event", "Case event", "EU action"],
                           "category": ["Arrest", "Torture allegation", "EEAS — Statement"], "text": ["a", "b", "c"],
                           "ref": ["EGY-C-0003", "EGY-C-0003", "EGY-A-0023"]})
    answered = pd.DataFrame({"action_id": ["EGY-A-0023"], "action_date": [later], "case_id": ["EGY-C-0003"],
                             "event_date": [day], "event_category": ["Torture allegation"], "days": [3]})
    fig = figures.response_timeline(points, answered)
    marker_y = {t.name: y for t in fig.data if t.mode == "markers" for y in t.y}  # (one marker per category)
    assert marker_y["Arrest"] != marker_y["Torture allegation"]
    line = next(t for t in fig.data if t.mode == "lines")
    assert line.y[0] == marker_y["Torture allegation"] and "torture allegation" in line.text[0]


def test_points_on_the_same_day_do_not_sit_on_top_of_each_other():
    day = pd.Timestamp("2024-03-01")
    points = pd.DataFrame({"date": [day] * 3, "kind": ["Case event"] * 3, "category": ["Arrest", "Trial", "Verdict"],
                           "text": ["a", "b", "c"], "ref": ["X"] * 3})
    fig = figures.response_timeline(points)
    ys = [y for t in fig.data for y in t.y]
    assert len(set(ys)) == 3


def test_country_timeline_answers_follow_the_filter(con):
    f = from_query({"country": "Iran"})[0]
    answered = queries.answered_events(con, f)
    assert set(answered["action_id"].str[:3]) <= {"IRN"}


# Every kind of point a timeline draws: each event type and each actor, as (kind, category).
EVERY_KIND = ([("Case event", label) for label in taxonomy.EVENT_TYPES.values()]
              + [("EU action", label) for label in taxonomy.ACTORS.values()])


def _points_of(kinds: list[tuple[str, str]]) -> pd.DataFrame:
    """A timeline's points, one per (kind, category), all on one day."""
    return pd.DataFrame({"date": [pd.Timestamp("2024-03-01")] * len(kinds), "kind": [k for k, _ in kinds],
                         "category": [c for _, c in kinds], "text": ["t"] * len(kinds), "ref": ["X"] * len(kinds)})


def _drawn(browser, charts: dict[str, go.Figure]):
    """A chromium page with each figure drawn by plotly.js in a 900 px wide div of its id; the caller closes it."""
    plotly_js = Path(go.__file__).parent.parent / "package_data" / "plotly.min.js"
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.set_content("".join(f'<div id="{div}" style="width:900px"></div>' for div in charts))
    page.add_script_tag(path=str(plotly_js))
    for div, fig in charts.items():
        page.evaluate("([div, spec]) => Plotly.newPlot(div, spec.data, spec.layout)", [div, json.loads(fig.to_json())])
    return page


@pytest.mark.browser
def test_a_timeline_legend_of_every_kind_needs_no_scroll_bar_of_its_own(browser):
    """Plotly gives a legend taller than it may be a scroll bar inside the chart, hiding entries (Iran's nine kinds of
    case event did, on a laptop). Drawn by plotly.js in chromium, with every kind of event and every actor."""
    page = _drawn(browser, {"chart": figures.response_timeline(_points_of(EVERY_KIND), height=400)})
    bars = page.evaluate("""() => [...document.querySelectorAll('#chart .legend .scrollbar')]
        .map(bar => bar.getBoundingClientRect().height)""")
    entries = set(page.locator("#chart .legend .legendtext").all_text_contents())
    page.close()
    assert {label for _, label in EVERY_KIND} <= entries
    assert all(height == 0 for height in bars), f"the legend scrolls: scroll bar {bars} px high"


@pytest.mark.browser
def test_a_timeline_keeps_its_lanes_tall_however_long_its_legend(browser):
    """The legend sits above the lanes; a country with every kind of event and actor once had lanes squeezed under
    it (Egypt: a legend of twelve rows over lanes a third of the chart). Drawn by plotly.js in chromium: the lanes
    of a timeline of one kind of point and of one with every kind have the same height."""
    charts = {div: figures.response_timeline(_points_of(kinds), height=400)
              for div, kinds in (("few", EVERY_KIND[:1]), ("all", EVERY_KIND))}
    page = _drawn(browser, charts)
    lanes = {div: page.evaluate(f"() => document.querySelector('#{div} .nsewdrag').getBoundingClientRect().height")
             for div in charts}
    page.close()
    assert lanes["all"] == pytest.approx(lanes["few"], abs=1), lanes
    assert lanes["few"] >= 300, lanes  # of the 400 px asked for, the axis and margins take the rest
