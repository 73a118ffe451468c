"""Explore: the table sorts in SQL across every filtered row (sort= in the URL), pages follow that order,
downloads hold the rows and order the page shows, and the header sort is off where only a page is shown."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.serving import exports, queries
from dashboard.serving.filters import Filters

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def use_fixture_db(fixture_db, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB", str(fixture_db))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()


def explore(**params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.switch_page("pages/explore.py")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def shown_ids(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["ID"])


def test_oldest_first_starts_with_the_earliest_filtered_row_not_the_earliest_of_a_page(con, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)  # the fixture's actions on three pages
    at = explore(sort="Oldest first")
    earliest = con.cursor().execute("SELECT action_id FROM eu_actions ORDER BY date, action_id LIMIT 2").fetchall()
    assert shown_ids(at) == [r[0] for r in earliest]
    at = explore(sort="Oldest first", page="3")
    last = con.cursor().execute("SELECT action_id FROM eu_actions ORDER BY date, action_id OFFSET 4").fetchall()
    assert shown_ids(at) == [r[0] for r in last]


def test_pages_in_every_order_cover_every_row_once(con):
    total = queries.count_actions(con, Filters())
    for order in queries.ORDERS["actions"]:
        seen = [*queries.actions_table(con, Filters(), limit=4, order=order)["ID"],
                *queries.actions_table(con, Filters(), limit=4, offset=4, order=order)["ID"]]
        assert len(seen) == len(set(seen)) == total, order


def test_header_sort_is_off_only_where_part_of_the_result_is_shown(monkeypatch):
    whole = explore()
    assert not whole.dataframe[0].proto.selection_mode  # all six rows on screen: the header may sort them
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    paged = explore()
    assert paged.dataframe[0].proto.selection_mode  # a column selection switches the header sort off


def test_the_sort_lives_in_the_url_and_a_bad_value_falls_back_to_newest(con):
    at = explore(sort="Title (A to Z)", table="Cases")
    titles = list(at.dataframe[0].value["Title"])
    cases = con.cursor().execute("SELECT title FROM cases ORDER BY lower(title), case_id").fetchall()
    assert [t.split("#", 1)[1] for t in titles] == [r[0] for r in cases]
    at = explore(sort="1; DROP TABLE cases")
    newest = con.cursor().execute("SELECT action_id FROM eu_actions ORDER BY date DESC, action_id").fetchall()
    assert shown_ids(at) == [r[0] for r in newest]


@pytest.mark.parametrize("order", ["date", "a.date; DROP TABLE eu_actions", "", "NEWEST"])
def test_order_is_an_allow_listed_name(con, order):
    if order == "":
        assert not queries.actions_table(con, Filters(), order=order).empty  # empty means the default
        return
    with pytest.raises(ValueError):
        queries.actions_table(con, Filters(), order=order)


def test_a_download_holds_the_rows_in_the_order_the_page_shows(con):
    shown = queries.actions_table(con, Filters(), order="oldest")
    csv = pd.read_csv(io.BytesIO(exports.export_bytes(con, Filters(), "actions", "csv", order="oldest")))
    assert list(csv["ID"]) == list(shown["ID"])


def test_dates_are_typed_fields_that_a_bad_value_cannot_break():
    at = explore(since="2023-01-01")
    assert at.text_input(key="since").value == "2023-01-01"
    assert at.header[0].value.endswith(": 3") or "EU actions" in at.header[0].value
    at = explore(since="yesterday")
    assert any("YYYY-MM-DD" in w.value.replace("\\", "") for w in at.warning)  # notices are escaped text
