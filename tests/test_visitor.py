"""The visitor's task in a real browser: from the map to a country to one of its cases (issue 13's "three clicks")."""

from __future__ import annotations

import pytest

from .browser import PageWatch, settle

pytestmark = pytest.mark.browser


def test_map_then_country_then_case(server, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    watch = PageWatch(page)
    page.goto(server + "/")
    settle(page)
    # Click 1: Iran on the map (fixture priority countries in ISO3 order: EGY, IRN, ISR, PSE).
    page.wait_for_selector(".js-plotly-plot .choroplethlocation", timeout=20000)
    shape = page.locator(".js-plotly-plot .choropleth").first.locator(".choroplethlocation").nth(1)
    box = shape.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/countries?country=Iran", timeout=15000)
    settle(page)
    assert page.locator("h1").first.inner_text() == "Iran"
    # Click 2: the Cases table's first column is the case title, a link to the case's own page. The grid is drawn
    # on a canvas; its accessible copy carries the same link, which is what the title opens.
    address = page.evaluate("""() => [...document.querySelectorAll("[data-testid='stDataFrame'] [role='gridcell']")]
        .map(c => c.textContent.trim()).find(t => t.includes('/case?id='))""")
    title = address.split("#", 1)[1]
    assert address.startswith(server + "/case?id=IRN-C-")
    page.goto(address)
    settle(page)
    assert page.locator("h1").first.inner_text() == title
    assert "Iran" in page.locator("[data-testid='stCaptionContainer']").first.inner_text()
    assert watch.external == [] and watch.errors == []
    page.close()
