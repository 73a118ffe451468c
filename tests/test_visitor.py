"""The visitor's task in a real browser: from the map to a country to one of its cases (issue 13's "three clicks")."""

from __future__ import annotations

import pytest

from .browser import PageWatch, click_country_on_map, settle

pytestmark = pytest.mark.browser


def test_map_then_country_then_case(server, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    watch = PageWatch(page)
    page.goto(server + "/")
    settle(page)
    click_country_on_map(page, "Iran")  # click 1
    # Click 2: the Cases table's first column is the case title, a link to the case's own page. The grid is drawn
    # on a canvas; its accessible copy carries the same link, which is what the title opens.
    # The grid fills its cells after the page settles: wait for the first case link rather than read too early.
    address = page.wait_for_function("""() => [...document.querySelectorAll("[data-testid='stDataFrame'] [role='gridcell']")]
        .map(c => c.textContent.trim()).find(t => t.includes('/case?id='))""", timeout=20000).json_value()
    title = address.split("#", 1)[1]
    assert address.startswith(server + "/case?id=IRN-C-")
    page.goto(address)
    settle(page)
    assert page.locator("h1").first.inner_text() == title
    assert "Iran" in page.locator("[data-testid='stCaptionContainer']").first.inner_text()
    assert watch.external == [] and watch.errors == []
    page.close()


def test_latest_action_on_the_overview_opens_its_page(server, browser, con):
    """The overview's latest EU actions are links: the newest one, clicked, opens that action's page."""
    from dashboard.serving import queries
    from dashboard.serving.filters import Filters

    newest = queries.actions_table(con, Filters(), limit=1).iloc[0]
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    watch = PageWatch(page)
    page.goto(server + "/")
    settle(page)
    link = page.locator("[class*='_record_links'] [data-testid='stPageLink'] a").first
    assert link.inner_text().startswith(f"{newest['Date']:%Y-%m-%d} · ") and newest["Title"] in link.inner_text()
    link.click()
    page.wait_for_url(f"**/action?id={newest['ID']}", timeout=15000)
    settle(page)
    assert page.locator("h1").first.inner_text() == newest["Title"]
    assert watch.external == [] and watch.errors == []
    page.close()
