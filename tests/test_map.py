"""The map tells the truth: no figure is never drawn as 0, a priority area is one unit, every area is reachable."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.curation.build import build
from dashboard.serving import db, figures, queries
from dashboard.serving.filters import Filters

ROOT = Path(__file__).resolve().parent.parent
EXECUTIONS = queries.MEASURES["executions"]


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


def _layer(spec: dict, name: str) -> dict:
    return next(layer for layer in spec["layer"] if layer.get("name") == name)


def _rows(spec: dict) -> dict[str, dict]:
    """The map's rows by ISO3, as figures.world_map hands them to the chart."""
    return {row["iso3"]: row for row in spec["datasets"]["values"]}


def test_no_figure_is_never_drawn_as_zero(map_db):
    con = db.connect(map_db)
    values = queries.map_values(con, Filters(), "executions")
    china = values[values["iso3"] == "CHN"].iloc[0]
    assert pd.isna(china["value"])  # NULL, not 0
    spec = figures.world_map(values, EXECUTIONS)
    rows = _rows(spec)
    assert rows["CHN"]["value"] is None and rows["CHN"]["known"] is False
    assert "state secret" in rows["CHN"]["hover"] and "no figure" in rows["CHN"]["hover"]
    assert rows["CHN"]["hover"].lower().count("no figure") == 1  # the note's own "no figure: …" is not said twice
    # an unknown value is drawn grey, not by the colour scale, and the legend says what grey means
    colour = _layer(spec, "countries")["encoding"]["color"]
    assert colour["condition"] == {"test": "!datum.known", "value": figures.NO_DATA}
    fill = _layer(spec, "meaning")["encoding"]["fill"]["scale"]
    assert dict(zip(fill["domain"], fill["range"], strict=True))[figures.NO_FIGURE_MEANING] == figures.NO_DATA
    # each stated figure carries its year: Syria's latest number is 2021's even though 2024 has a row
    assert "24 (2021)" in rows["SYR"]["hover"] and "(2022)" in rows["IRN"]["hover"]
    con.close()


def test_the_legend_shows_grey_only_when_a_country_has_no_figure(map_db):
    con = db.connect(map_db)
    values = queries.map_values(con, Filters(), "actions")
    assert values["value"].notna().all()
    meanings = _layer(figures.world_map(values, "EU actions"), "meaning")["encoding"]["stroke"]["scale"]["domain"]
    assert meanings == [figures.PRIORITY_MEANING]
    con.close()


def test_map_text_is_plain_and_the_chart_gets_no_markup():
    """The tooltip and the shapes' labels show data as text (Vega's tooltip escapes it): nothing is pre-escaped
    into entities a visitor would read, and a name cannot smuggle an expression into the spec."""
    values = pd.DataFrame({"iso3": ["IRN", "XXX"], "name": ["Iran", "<b>A&B</b> 'x' datum.known"],
                           "priority_area": ["Iran", None], "value": [3.0, None],
                           "note": [None, "<script>alert(1)</script>"]})
    spec = figures.world_map(values, "EU actions")
    rows = _rows(spec)
    assert rows["XXX"]["hover"].startswith("<b>A&B</b> 'x' datum.known\n")
    assert "<script>alert(1)</script>" in rows["XXX"]["hover"] and "&lt;" not in rows["XXX"]["hover"]
    assert "<b>" not in json.dumps({k: v for k, v in spec.items() if k != "datasets"})


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
    rows = _rows(figures.world_map(values.reset_index(), "EU actions"))
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
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    stroke = _layer(spec, "meaning")["encoding"]["stroke"]["scale"]
    assert dict(zip(stroke["domain"], stroke["range"], strict=True))[figures.PRIORITY_MEANING] == figures.PRIORITY


def test_overview_executions_view_shows_china_as_no_figure(map_db, monkeypatch):
    at = _overview(map_db, monkeypatch, measure=EXECUTIONS)
    links = _area_links(at)
    assert "China · no figure" in links and "Syria · 24 (2021)" in links
    assert not any(label.startswith("China · 0") for label in links)
    chart = at.get("vega_lite_chart")[0].proto
    rows = pa.ipc.open_stream(chart.datasets[0].data.data).read_all().to_pandas().set_index("iso3")
    assert not rows.loc["CHN", "known"] and pd.isna(rows.loc["CHN", "value"])  # drawn grey, not on the colour scale
    assert "state secret" in rows.loc["CHN", "hover"]
