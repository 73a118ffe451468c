"""The map tells the truth: no figure is never drawn as 0, a priority area is one unit, every area is reachable."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
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


def test_no_figure_is_never_drawn_as_zero(map_db):
    con = db.connect(map_db)
    values = queries.map_values(con, Filters(), "executions")
    china = values[values["iso3"] == "CHN"].iloc[0]
    assert pd.isna(china["value"])  # NULL, not 0
    fig = figures.world_map(values, EXECUTIONS)
    coloured, grey = fig.data[0], fig.data[1]
    assert "CHN" not in list(coloured.locations) and "CHN" in list(grey.locations)
    hover = dict(zip(grey.locations, grey.text, strict=True))
    assert "state secret" in hover["CHN"] and "no figure" in hover["CHN"]
    assert grey.showlegend and "no figure" in grey.name.lower()
    # each stated figure carries its year: Syria's latest number is 2021's even though 2024 has a row
    shown = dict(zip(coloured.locations, coloured.text, strict=True))
    assert "24 (2021)" in shown["SYR"] and "(2022)" in shown["IRN"]
    con.close()


def test_israel_and_palestine_are_one_priority_area_on_the_map(map_db):
    con = db.connect(map_db)
    values = queries.map_values(con, Filters(), "actions").set_index("iso3")
    assert values.loc["ISR", "value"] == values.loc["PSE", "value"] == 3
    fig = figures.world_map(values.reset_index(), "EU actions")
    hover = dict(zip(fig.data[0].locations, fig.data[0].text, strict=True))
    assert "one priority area" in hover["ISR"] and "Israel/OPT" in hover["PSE"]
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


def test_overview_lists_the_12_areas_with_counts_and_says_the_map_is_clickable(map_db, monkeypatch):
    at = _overview(map_db, monkeypatch)
    links = [p.proto.label for p in at.get("page_link") if "·" in p.proto.label]
    assert len(links) == 12
    assert any(label.startswith("Israel/OPT · 3") for label in links)
    assert any("Click a country" in c.value for c in at.caption)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert any(t.get("name", "").startswith("Priority area") for t in spec["data"])


def test_overview_executions_view_shows_china_as_no_figure(map_db, monkeypatch):
    at = _overview(map_db, monkeypatch, measure=EXECUTIONS)
    links = [p.proto.label for p in at.get("page_link") if "·" in p.proto.label]
    assert "China · no figure" in links and "Syria · 24 (2021)" in links
    assert not any(label.startswith("China · 0") for label in links)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    for trace in spec["data"]:
        if "CHN" in trace.get("locations", []):
            assert trace.get("showscale") is False  # drawn in the grey trace, not on the colour scale
