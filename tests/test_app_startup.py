"""The app never builds its database while serving a visitor (`make run` and `python -m dashboard build` do):
a missing or damaged database file gives a plain outage message, never a traceback or "try removing filters"."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import config

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overview", "countries", "explore", "case", "about"]


def run(page: str) -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page(f"pages/{page}.py")
    at.run()
    return at


def assert_outage(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(e.value for e in at.error)
    assert "data is unavailable" in errors and "being looked at" in errors
    assert "filters" not in errors and "Traceback" not in errors


@pytest.mark.parametrize("page", PAGES)
def test_missing_database_is_not_built_on_a_visit(page, tmp_path, monkeypatch):
    from .conftest import FIXTURE_SOURCES

    target = tmp_path / "missing.duckdb"
    monkeypatch.setenv("DASHBOARD_DB", str(target))
    monkeypatch.setattr(config, "SOURCES_DIR", FIXTURE_SOURCES)
    assert_outage(run(page))
    assert not target.exists(), "a visit must not build the database"


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100, b"\0" * 4096])
def test_damaged_database_gives_the_outage_message(content, tmp_path, monkeypatch):
    target = tmp_path / "damaged.duckdb"
    target.write_bytes(content)
    monkeypatch.setenv("DASHBOARD_DB", str(target))
    assert_outage(run("overview"))
