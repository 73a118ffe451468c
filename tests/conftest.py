"""Shared fixtures: a small fixture database built from tests/fixtures/sources by the real build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dashboard.curation.build import build
from dashboard.serving import db, default_views

FIXTURE_SOURCES = Path(__file__).parent / "fixtures" / "sources"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("db") / "fixture.duckdb"
    build(FIXTURE_SOURCES, path, finish=default_views.write)  # as `python -m dashboard build` does
    return path


@pytest.fixture(scope="session")
def con(fixture_db):
    connection = db.connect(fixture_db)
    yield connection
    connection.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests (marked `long`) first, the order otherwise kept: the Makefile runs each stage on two workers that
    take over tests the other has not started (pytest-xdist's worksteal), so a test of a minute begun last no longer
    keeps one worker busy while the other waits."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)  # (a stable sort)


def copy_fixture_sources(target: Path, review_log: bool = False) -> Path:
    """A writable copy of the fixture sources at `target` (with `review_log`, the review log beside it, as in
    data/), for tests that add hostile, private or broken records and build from them."""
    shutil.copytree(FIXTURE_SOURCES, target)
    if review_log:
        shutil.copy(FIXTURE_SOURCES.parent / "review_log.csv", target.parent / "review_log.csv")
    return target


@pytest.fixture
def sources(tmp_path) -> Path:
    """A writable copy of the fixture sources (and the review log beside them), for tests that break them."""
    return copy_fixture_sources(tmp_path / "sources", review_log=True)


@pytest.fixture(scope="module")
def server(fixture_db):
    """A real Streamlit server on the fixture database, one per test module."""
    from .browser import streamlit_server

    with streamlit_server(fixture_db) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    """Debian chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    from .browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
