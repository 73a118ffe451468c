"""The app builds its database when it is missing, and a broken source shows a plain message, not a traceback."""

from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import config

ROOT = Path(__file__).resolve().parent.parent


def run_overview() -> AppTest:
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/overview.py")
    at.run()
    st.cache_resource.clear()
    return at


def test_missing_database_is_built_on_first_visit(tmp_path, monkeypatch):
    from .conftest import FIXTURE_SOURCES

    target = tmp_path / "fresh.duckdb"
    monkeypatch.setenv("DASHBOARD_DB", str(target))
    monkeypatch.setattr(config, "SOURCES_DIR", FIXTURE_SOURCES)
    at = run_overview()
    assert target.exists()
    assert not at.exception and not at.error
    assert at.metric[0].value == "5"


def test_unbuildable_sources_give_a_plain_message(sources, tmp_path, monkeypatch):
    (sources / "eu_actions.csv").write_text("action_id\nbroken\n", encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "never.duckdb"))
    monkeypatch.setattr(config, "SOURCES_DIR", sources)
    at = run_overview()
    assert not at.exception
    assert "could not be built" in at.error[0].value
    assert not (tmp_path / "never.duckdb").exists()
