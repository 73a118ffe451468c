"""One definition per number: every metric a page shows is named in metrics.DEFINITIONS, and a number shown
under one name is the same on every page, in the CLI and in the ladder it is part of."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.curation.build import build
from dashboard.serving import db, metrics
from dashboard.serving.filters import Filters

from .conftest import copy_fixture_sources

ROOT = Path(__file__).resolve().parent.parent
# Every page with the parameters that make it show its numbers.
VIEWS = [("overview", {}), ("countries", {}), ("countries", {"country": "Iran"}), ("themes", {}),
         ("themes", {"theme": "Torture"}), ("timeline", {}), ("explore", {}), ("accountability", {}),
         ("brief", {"country": "Iran"}), ("about", {}), ("accessibility", {})]
# Pages about one record show that record's fields as its source states them, not computed numbers; and
# About's build facts are facts of the file, not measures.
RECORD_VIEWS = [("case", {"id": "IRN-C-0001"}), ("action", {"id": "IRN-A-0001"})]
BUILD_FACTS = {"Data version", "Built at (UTC)"}


def add_rows(path: Path, values: dict, like: str | None = None) -> None:
    """Append a row to a source CSV in whatever columns it has; `like` copies the other fields from that id."""
    import csv

    with open(path, encoding="utf-8", newline="") as f:
        existing = list(csv.DictReader(f))
    fields = list(existing[0])
    row = dict(next(r for r in existing if like in r.values())) if like else dict.fromkeys(fields, "")
    row.update(values)
    with open(path, "a", encoding="utf-8", newline="") as out:
        csv.DictWriter(out, fieldnames=fields, lineterminator="\n").writerow(row)


@pytest.fixture(scope="module")
def early_action_db(tmp_path_factory):
    """The fixture data plus one link the old overview miscounted: an action dated before the case it names
    began (IRN-A-0001, 2022-12-09, names IRN-C-0002, whose first event is 2023-01-10)."""
    sources = copy_fixture_sources(tmp_path_factory.mktemp("src") / "sources")
    add_rows(sources / "action_cases.csv", {"action_id": "IRN-A-0001", "case_id": "IRN-C-0002"})
    path = tmp_path_factory.mktemp("db") / "early.duckdb"
    build(sources, path, show_unreviewed=True)
    return path


@pytest.fixture
def use_db(early_action_db, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB", str(early_action_db))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield early_action_db
    st.cache_resource.clear()


def run(page: str, params: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.switch_page(f"pages/{page}.py")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown_metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    """Metric labels as a reader sees them: the escaping backslashes (metric labels render Markdown) removed."""
    return {re.sub(r"\\(.)", r"\1", m.label).replace("\u2060", ""): (m.value, m.proto.help) for m in at.metric}


@pytest.mark.parametrize(("page", "params"), VIEWS, ids=[f"{p}-{'-'.join(q.values())}" for p, q in VIEWS])
def test_every_metric_shown_has_its_one_definition(use_db, page, params):
    at = run(page, params)
    for label, (_, help_text) in shown_metrics(at).items():
        if label in BUILD_FACTS:
            continue
        assert label in metrics.DEFINITIONS, f"{page}: '{label}' has no definition"
        assert help_text, f"{page}: '{label}' shows no definition"
        assert help_text == metrics.DEFINITIONS[label], f"{page}: '{label}' explains itself differently"


@pytest.mark.parametrize(("page", "params"), RECORD_VIEWS)
def test_record_pages_show_no_computed_number(use_db, page, params):
    at = run(page, params)
    assert not set(shown_metrics(at)) & set(metrics.DEFINITIONS)


def test_every_number_in_the_area_table_is_defined(use_db):
    con = db.connect(use_db)
    table = metrics.by_area(con, Filters())
    assert [c for c in table.columns if c not in ("Area",) and c not in metrics.DEFINITIONS] == []
    assert "Average escalation step" not in table.columns


def test_cases_without_eu_action_agree_on_every_page_the_ladder_and_the_cli(use_db):
    con = db.connect(use_db)
    summary = metrics.summary(con, Filters())
    ladder = dict(zip(*metrics.escalation_frame(summary).to_dict("list").values(), strict=True))
    expected = summary.cases - summary.responded
    assert expected == 2  # IRN-C-0002 (its only action predates it) and PSE-C-0001 (none)
    assert ladder["No EU action"] == expected == summary.cases_without_action
    assert shown_metrics(run("overview", {}))["Cases without EU action"][0] == str(expected)
    assert shown_metrics(run("accountability", {}))["Cases without EU action"][0] == str(expected)
    iran = metrics.summary(con, Filters(places=("Iran",)))
    assert shown_metrics(run("countries", {"country": "Iran"}))["Cases without EU action"][0] == \
        str(iran.cases_without_action) == "1"
    out = subprocess.run([sys.executable, "-m", "dashboard", "metrics", "--json", "--db", str(use_db)],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    assert json.loads(out.stdout)["cases_without_action"] == expected


def test_median_step_is_a_step_of_the_ladder(use_db):
    con = db.connect(use_db)
    steps = metrics.by_area(con, Filters())["Median escalation step"].dropna()
    assert set(steps) <= set(metrics.taxonomy.ESCALATION_STEPS)


def test_on_behalf_of_all_27_reads_the_column_the_label_promises(tmp_path):
    # A statement at the UN delivered on behalf of all 27 (as its source says) responds to IRN-C-0001: the
    # label "Made on behalf of all 27" must count it, though its type is not a Brussels declaration.
    sources = copy_fixture_sources(tmp_path / "sources")
    add_rows(sources / "eu_actions.csv", {"action_id": "IRN-A-0009", "date": "2023-02-01", "actor": "eu_at_un",
                                          "action_type": "un_statement", "title": "EU statement at the UN",
                                          "source_url": "https://example.org/a9", "on_behalf_of_eu27": "true"},
             like="IRN-A-0002")
    add_rows(sources / "action_cases.csv", {"action_id": "IRN-A-0009", "case_id": "IRN-C-0001"})
    build(sources, tmp_path / "unity.duckdb", show_unreviewed=True)
    con = db.connect(tmp_path / "unity.duckdb")
    unity = metrics.summary(con, Filters()).unity
    assert unity.on_behalf_of_eu27 == 2  # the declaration IRN-A-0002 and the UN statement
    assert unity.share_eu27 == round(2 / (2 + unity.not_on_behalf_of_eu27), 4)
    iran = metrics.by_area(con, Filters()).set_index("Area").loc["Iran", "Made on behalf of all 27"]
    assert iran == unity.share_eu27
