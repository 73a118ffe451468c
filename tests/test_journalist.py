"""The journalist's task in a real browser: set every filter with the keyboard (Enter, no click away),
download every format, read each file back with a real reader, and find exactly the rows on screen, the
rows an independent SQL query selects, and permalinks to the address the app was opened on."""

from __future__ import annotations

import io
import json
import re
import zipfile

import duckdb
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from .browser import settle, streamlit_server

pytestmark = pytest.mark.browser
FORMATS = ("csv", "xlsx", "json", "parquet", "zip")


@pytest.fixture(scope="module")
def bare_server(fixture_db):
    """The app on a free port (never 8501) with no DASHBOARD_BASE_URL: addresses come from the browser."""
    with streamlit_server(fixture_db, set_base_url=False) as base:
        yield base


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    yield pg
    context.close()


def shown_count(page) -> int:
    heading = page.locator("[data-testid='stMainBlockContainer'] h2").filter(has_text=re.compile(r": \d")).first
    return int(heading.inner_text().rsplit(":", 1)[1].replace(",", "").strip())


def wait_for_count(page, expected: int) -> None:
    page.wait_for_function(
        """n => [...document.querySelectorAll("[data-testid='stMainBlockContainer'] h2")]
                 .some(h => h.innerText.trim().endsWith(': ' + n))""", arg=expected, timeout=15000)
    settle(page)


def type_and_enter(page, label: str, text: str) -> None:
    """Focus a sidebar field without clicking, type, press Enter: nothing else."""
    field = page.locator(f"[data-testid='stSidebar'] input[aria-label='{label}']")
    field.focus()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def read_back(fmt: str, payload: bytes) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(io.BytesIO(payload), keep_default_na=False)
    if fmt == "xlsx":
        rows = list(openpyxl.load_workbook(io.BytesIO(payload), read_only=True)["Data"].values)
        return pd.DataFrame(rows[1:], columns=rows[0])
    if fmt == "json":
        return pd.DataFrame(json.loads(payload)["data"])
    if fmt == "parquet":
        return pq.read_table(io.BytesIO(payload)).to_pandas()
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        assert {"datapackage.json", "CITATION.txt"} <= set(archive.namelist())
        name = json.loads(archive.read("datapackage.json"))["resources"][0]["path"]
        return pd.read_csv(archive.open(name), keep_default_na=False)


def download(page, fmt: str) -> bytes:
    labels = {"csv": "CSV", "xlsx": "Excel (XLSX)", "json": "JSON", "parquet": "Parquet", "zip": "ZIP data package"}
    button = page.locator("[data-testid='stDownloadButton'] button").filter(has_text=labels[fmt]).first
    button.focus()
    with page.expect_download(timeout=20000) as info:
        page.keyboard.press("Enter")
    return open(info.value.path(), "rb").read()


def test_keyboard_filters_then_every_download_equals_the_screen_and_sql(bare_server, page, fixture_db):
    page.goto(bare_server + "/explore")
    settle(page)
    everything = shown_count(page)
    # Country: type into the multiselect and choose with Enter; then the dates, each applied by Enter alone.
    box = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect'] input").first
    box.focus()
    page.keyboard.type("Iran")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    with duckdb.connect(str(fixture_db), read_only=True) as sql:
        iran = sql.execute("SELECT count(*) FROM eu_actions WHERE country_iso3 = 'IRN'").fetchone()[0]
        wait_for_count(page, iran)
        type_and_enter(page, "From", "2022-10-01")
        expected = sorted(r[0] for r in sql.execute(
            "SELECT action_id FROM eu_actions WHERE country_iso3 = 'IRN' AND date >= DATE '2022-10-01'").fetchall())
    assert 0 < len(expected) < iran < everything  # each filter changed the result
    wait_for_count(page, len(expected))  # on Enter, with focus still in the field
    assert "since=2022-10-01" in page.url and "country=Iran" in page.url
    on_screen = shown_count(page)
    for fmt in FORMATS:
        frame = read_back(fmt, download(page, fmt))
        assert len(frame) == on_screen == len(expected), fmt
        assert sorted(frame["ID"]) == expected, fmt
        assert frame["Permalink"].str.startswith(bare_server + "/action?id=").all(), fmt


def test_permalinks_follow_the_address_the_app_was_opened_on(bare_server, page):
    assert ":8501" not in bare_server
    page.goto(bare_server + "/explore?country=DR+Congo")
    settle(page)
    page.get_by_text("Cite this view").click()
    # The citation is a read-only text area (no code highlighter is loaded to show it).
    citation = page.locator("[data-testid='stExpander'] textarea").last.input_value()
    assert f"{bare_server}/explore?country=DR+Congo" in citation
    assert "localhost:8501" not in citation
    page.goto(bare_server + "/about")
    settle(page)
    about_citation = page.get_by_label("Citation (select all and copy)").first.input_value()
    assert "dataset version" in about_citation and bare_server in about_citation


def test_clear_all_and_one_step_country_change(bare_server, page):
    page.goto(bare_server + "/explore?country=Iran&since=2022-10-01")
    settle(page)
    assert "Active filters" in page.locator("[data-testid='stMainBlockContainer']").inner_text()
    page.locator("[data-testid='stMainBlockContainer']").get_by_role("button", name="Clear all").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => !location.search.includes('country=')", timeout=10000)
    settle(page)
    assert "Active filters" not in page.locator("[data-testid='stMainBlockContainer']").inner_text()
    page.goto(bare_server + "/countries?country=Iran")
    settle(page)
    change = page.locator("[data-testid='stMainBlockContainer'] [data-testid='stSelectbox'] input").first
    change.focus()
    page.keyboard.type("Egypt")
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.search.includes('country=Egypt')", timeout=10000)
    settle(page)
    assert page.locator("h1").first.inner_text() == "Egypt"
    page.locator("[data-testid='stSidebarNav'] a", has_text="Explore").click()
    settle(page)
    page.locator("[data-testid='stSidebarNav'] a", has_text="Countries").click()
    page.wait_for_function("() => document.querySelector('h1') && document.querySelector('h1').innerText === 'Countries'",
                           timeout=10000)
