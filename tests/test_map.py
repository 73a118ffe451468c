"""The map tells the truth: no figure is never drawn as 0, a priority area is one unit, every area is reachable."""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.curation.build import build
from dashboard.serving import db, figures, queries
from dashboard.serving.filters import Filters

ROOT = Path(__file__).resolve().parent.parent
EXECUTIONS = queries.MEASURES["executions"]
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def map_db(sources, tmp_path) -> Path:
    """The fixture sources plus what the issue found: China's figure a state secret, Israel and Palestine
    actions counted for one priority area, a year for each stated figure."""
    with open(sources / "countries.csv", "a", encoding="utf-8") as out:
        for iso3, name in (("RUS", "Russia"), ("SYR", "Syria"), ("TUR", "Turkey"), ("YEM", "Yemen"), ("CHN", "China"),
                           ("IND", "India"), ("BDI", "Burundi"), ("COD", "DR Congo"), ("MEX", "Mexico")):
            out.write(f"{iso3},{name},Asia,Somewhere,{name}\n")
    with open(sources / "death_penalty_figures.csv", "a", encoding="utf-8") as out:
        out.write("CHN,2024,,,no figure: data classified as a state secret,https://example.org/chn,ngo\n")
        out.write("SYR,2021,24,,some 24,https://example.org/syr,media\n")
        out.write("SYR,2024,,,no figure: suspected executions not included,https://example.org/syr2,media\n")
    actions = (sources / "eu_actions.csv").read_text(encoding="utf-8").splitlines()
    template = next(line for line in actions if line.startswith("IRN-A-0001,"))
    extra = [template.replace("IRN-A-0001", f"{iso3}-A-000{n}").replace(",IRN,", f",{iso3},")
             .replace("/a1,", f"/map{iso3}{n},") for iso3, n in (("ISR", 1), ("PSE", 1), ("PSE", 2))]
    (sources / "eu_actions.csv").write_text("\n".join(actions + extra) + "\n", encoding="utf-8")
    path = tmp_path / "map.duckdb"
    build(sources, path, show_unreviewed=True)
    return path


def _countries(svg: str) -> dict[str, dict]:
    """The map's countries by ISO3, as the browser reads figures.world_map's markup: hover text (the SVG title, its
    character references resolved), fill, outline colour and link."""
    root = ElementTree.fromstring(svg)
    out = {}
    for element in root.iter():
        if "map-country" not in element.get("class", ""):
            continue
        shape = element if element.tag.endswith("path") else element.find(f"{SVG}path")
        out[element.get("data-iso3")] = {"hover": element.find(f"{SVG}title").text, "fill": shape.get("fill"),
                                         "stroke": shape.get("stroke"), "href": element.get("href")}
    return out


def _texts(svg: str) -> str:
    """The text a reader sees in the map's markup (legends and hovers), its character references resolved."""
    return " ".join(ElementTree.fromstring(svg).itertext())


def test_no_figure_is_never_drawn_as_zero(map_db):
    con = db.connect(map_db)
    values = queries.map_values(con, Filters(), "executions")
    china = values[values["iso3"] == "CHN"].iloc[0]
    assert pd.isna(china["value"])  # NULL, not 0
    svg = figures.world_map(values, EXECUTIONS, alt="World map").markup
    rows = _countries(svg)
    assert rows["CHN"]["fill"] == figures.NO_DATA  # grey, not a colour of the scale
    assert "state secret" in rows["CHN"]["hover"] and "no figure" in rows["CHN"]["hover"]
    assert rows["CHN"]["hover"].lower().count("no figure") == 1  # the note's own "no figure: …" is not said twice
    assert figures.NO_FIGURE_MEANING in _texts(svg)  # the legend says what grey means
    # each stated figure carries its year: Syria's latest number is 2021's even though 2024 has a row
    assert "24 (2021)" in rows["SYR"]["hover"] and "(2022)" in rows["IRN"]["hover"]
    # the colour scale runs from 0 to the highest figure
    top = values["value"].max()
    assert rows["IRN"]["fill"] == figures.scale_colour(values.set_index("iso3").loc["IRN", "value"], top)
    assert figures.scale_colour(0, top) == figures.SCALE[0][1] and figures.scale_colour(top, top) == "#08306b"
    con.close()


def test_the_legend_shows_grey_only_when_a_country_has_no_figure(map_db):
    con = db.connect(map_db)
    values = queries.map_values(con, Filters(), "actions")
    assert values["value"].notna().all()
    svg = figures.world_map(values, "EU actions", alt="World map").markup
    assert figures.PRIORITY_MEANING in _texts(svg) and figures.NO_FIGURE_MEANING not in _texts(svg)
    con.close()


def test_map_text_is_escaped_once_and_the_pictures_hold_no_data():
    """Text from the data reaches the map's markup as text: a reader sees it exactly as written, nothing in it
    becomes markup. The pictures shown until the markup is drawn carry no text from the data at all."""
    name, note = "<b>A&B</b> 'x\" datum.known", "</title><script>alert(1)</script>\n\n*x* :material/home: $x$"
    values = pd.DataFrame({"iso3": ["IRN", "FRA"], "name": ["Iran", name], "priority_area": ["Iran", None],
                           "value": [3.0, None], "note": [None, note]})
    figure = figures.world_map(values, "EU actions", alt=f"Map of {name}")
    rows = _countries(figure.markup)
    assert rows["FRA"]["hover"] == f"{name}\nEU actions: no figure — {note}"
    assert ElementTree.fromstring(figure.markup).find(f".//{SVG}svg[@class='map-shapes']").get("aria-label") == (
        f"Map of {name}")
    assert "<b>" not in figure.markup and "<script>" not in figure.markup and "\n\n" not in figure.markup
    assert rows["IRN"]["href"].endswith("/countries?country=Iran") and rows["FRA"]["href"] is None
    pictures = " ".join(unquote(p) for p in figure.pictures)
    assert "A&amp;B" not in pictures and "script" not in pictures and "<title>" not in pictures


def test_each_picture_is_a_whole_svg_image():
    """The pictures shown until the markup is drawn are data: URLs. A bare '#' in one (a colour, "#fff") starts the
    URL's fragment: the browser then reads a cut SVG, a broken image showing only its alt text."""
    values = pd.DataFrame({"iso3": ["IRN", "FRA"], "name": ["Iran", "France"], "priority_area": ["Iran", None],
                           "value": [3.0, None], "note": [None, None]})
    for picture in figures.world_map(values, "EU actions", alt="Map").pictures:
        parts = urlsplit(picture)
        assert parts.scheme == "data" and parts.fragment == "" and "#" not in picture
        svg = ElementTree.fromstring(unquote(parts.path.removeprefix("image/svg+xml,")))
        assert svg.tag == f"{SVG}svg" and len(svg)


def test_an_area_measure_reaches_each_of_its_countries_and_no_measure_stays_grey():
    """area_map_values (Accountability's map): an area's rate on every one of its countries, scaled once; an area
    without a row, or whose rate is unknown, has no value (grey on the map), never 0."""
    from dashboard import taxonomy
    from dashboard.serving import metrics

    table = pd.DataFrame({"Area": ["Iran", "Israel/OPT", "Egypt"], "Response rate": [0.5, 0.254, float("nan")]})
    values = metrics.area_map_values(table, "Response rate")
    assert len(values) == sum(len(m) for m in taxonomy.PRIORITY_AREAS.values())
    by_iso = dict(zip(values["iso3"], values["value"], strict=True))
    assert by_iso["IRN"] == 50.0 and by_iso["ISR"] == by_iso["PSE"] == 25.4
    assert pd.isna(by_iso["EGY"]) and pd.isna(by_iso["CHN"])  # unknown rate; no row at all
    assert values.loc[values["iso3"] == "PSE", "name"].item() == "Israel/OPT (PSE)"


def test_israel_and_palestine_are_one_priority_area_on_the_map(map_db):
    con = db.connect(map_db)
    values = queries.map_values(con, Filters(), "actions").set_index("iso3")
    assert values.loc["ISR", "value"] == values.loc["PSE", "value"] == 3
    rows = _countries(figures.world_map(values.reset_index(), "EU actions", alt="World map").markup)
    assert "one priority area" in rows["ISR"]["hover"] and "Israel/OPT" in rows["PSE"]["hover"]
    areas = figures.area_values(values.reset_index())
    assert list(areas["label"]).count("Israel/OPT") == 1 and len(areas) == 12
    con.close()


def _overview(db_path, monkeypatch, **params) -> AppTest:
    monkeypatch.setenv("DASHBOARD_DB", str(db_path))
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception and not at.error
    return at


def _area_links(at: AppTest) -> list[str]:
    """The list beside the map: the links into a country page that carry a figure ("Iran · 3")."""
    return [p.proto.label for p in at.get("page_link") if p.proto.page == "countries" and "·" in p.proto.label]


def test_overview_lists_the_12_areas_with_counts_and_says_the_map_is_clickable(map_db, monkeypatch):
    at = _overview(map_db, monkeypatch)
    links = _area_links(at)
    assert len(links) == 12
    assert any(label.startswith("Israel/OPT · 3") for label in links)
    assert any("Click a country" in c.value for c in at.caption)
    svg = _map_markup(at)
    assert figures.PRIORITY_MEANING in _texts(svg)
    rows = _countries(svg)
    assert {rows[iso]["stroke"] for iso in ("IRN", "ISR", "PSE", "CHN")} == {figures.PRIORITY}
    assert rows["ISR"]["href"].endswith("/countries?country=Israel%2FOPT")


def test_overview_executions_view_shows_china_as_no_figure(map_db, monkeypatch):
    at = _overview(map_db, monkeypatch, measure=EXECUTIONS)
    links = _area_links(at)
    assert "China · no figure" in links and "Syria · 24 (2021)" in links
    assert not any(label.startswith("China · 0") for label in links)
    rows = _countries(_map_markup(at))
    assert rows["CHN"]["fill"] == figures.NO_DATA  # drawn grey, not on the colour scale
    assert "state secret" in rows["CHN"]["hover"]


def _map_markup(at: AppTest) -> str:
    """The map's markup, as the page hands it to the browser (ui.raw_markup)."""
    return next(m.value for m in at.markdown if m.value.startswith('<div class="world-map">'))


# A source's note written as an attacker would: Markdown, Streamlit's directives, maths, a link, a bare address and
# a way out of the SVG title into a script. (A line break, which could end the raw HTML block around the map, is
# refused by the build; test_map_text_is_escaped_once_and_the_pictures_hold_no_data checks the map's side.)
HOSTILE_NOTE = ("*x* :red[x] $x$ [a](b) https://example.org/x :material/home: `code` "
                "</title><script>window.pwned = 1</script><b>bold</b> &amp; &lt;i&gt;")


@pytest.mark.browser
def test_a_hostile_note_is_shown_on_the_map_as_written_and_a_country_opens_in_the_same_tab(map_db, sources, tmp_path,
                                                                                          browser):
    """In chromium: the hover of a country whose source's note is hostile reads exactly as the note is written,
    and nothing in it became markup, a link, maths or a script. A priority country's link opens its page in the same
    tab (Streamlit's Markdown opens links in a new one unless they say otherwise)."""
    from urllib.parse import quote

    from .browser import settle, streamlit_server

    with open(sources / "death_penalty_figures.csv", "a", encoding="utf-8", newline="") as out:
        csv.writer(out).writerow(["CHN", "2025", "", "", HOSTILE_NOTE, "https://example.org/chn2025", "ngo"])
    path = tmp_path / "hostile.duckdb"
    build(sources, path, show_unreviewed=True)
    with streamlit_server(path) as base:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.goto(f"{base}/?measure={quote(EXECUTIONS)}")
        settle(page)
        china = page.locator(".world-map a.map-country[data-iso3='CHN']")
        china.wait_for(timeout=20000)
        assert china.locator("title").text_content() == (
            f"China — priority area\n{EXECUTIONS}: no figure — {HOSTILE_NOTE}\nClick to open its page")
        map_frame = page.locator("[class*='_map_frame']")
        assert map_frame.locator("script, b, em, strong, .katex, [style*='color'], a[href='b']").count() == 0
        assert map_frame.locator("a:not(.map-country)").count() == 0  # no link but the priority countries'
        assert page.evaluate("window.pwned") is None
        # The pictures shown before the markup (hidden once it is drawn) decode: none is a broken image.
        pictures = page.evaluate("""Promise.all(Array.from(document.querySelectorAll("[class*='_map_frame'] img"))
            .map(p => p.decode().then(() => p.naturalWidth, () => 0)))""")
        assert len(pictures) == 3 and all(width > 0 for width in pictures), pictures
        assert china.get_attribute("target") == "_self"
        china.click()
        page.wait_for_url("**/countries?country=China", timeout=15000)
        assert context.pages == [page]  # the same tab, no new one
        context.close()
