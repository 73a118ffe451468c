"""The presenter's task: a prepared link fits the visible window of an ordinary browser, with large text, an as-of
footer and keys; the silent list says how much it shows; the offline brief keeps its axis labels."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from dashboard.serving import brief as briefing
from dashboard.serving.filters import from_query

from .browser import PageWatch, settle

WINDOWS = [(1920, 960), (1366, 650)]


def test_silent_open_cases_say_how_many_of_how_many(con):
    b = briefing.brief_data(con, from_query({"country": "Iran"})[0], as_of=dt.date(2030, 1, 1))
    total = b.summary.silent_cases
    assert b.open_cases_heading.endswith(f"{len(b.open_cases)} of {total}" if len(b.open_cases) < total else str(total))
    assert "as of 2030-01-01" in b.footer and "data version" in b.footer


def test_offline_brief_chart_has_room_for_its_axis_labels(con):
    b = briefing.brief_data(con, from_query({"country": "Iran"})[0], as_of=dt.date(2030, 1, 1))
    page = briefing.brief_html(b)
    assert '"responsive": false' in page.replace("'", '"') or '"responsive":false' in page.replace(" ", "")
    # the box is the figure's own size (its lanes and the legend above them), so nothing is clipped
    layout_height = int(re.search(r'"height":\s*(\d+)', page.split('"layout":', 1)[1]).group(1))
    assert layout_height > 300
    assert "width:1040px" in page.replace(" ", "") and f"height:{layout_height}px" in page.replace(" ", "")


@pytest.mark.browser
@pytest.mark.parametrize("width, height", WINDOWS)
def test_prepared_link_fits_the_visible_window(server, browser, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    watch = PageWatch(page)
    page.goto(server + "/brief?country=IRN&present=1")
    settle(page)
    page.wait_for_selector(".js-plotly-plot .scatterlayer .point", timeout=20000)
    page.wait_for_timeout(800)
    # nothing below the fold: the page does not scroll and the last table row ends above the footer
    assert page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight") <= height
    footer_top = page.locator(".st-key-present_footer").bounding_box()["y"]
    last_rows = page.locator(".st-key-present_tables tbody tr")
    assert last_rows.count() >= 2
    box = last_rows.last.bounding_box()
    assert box["y"] + box["height"] <= footer_top + 1
    chart = page.locator(".st-key-present_chart .js-plotly-plot").bounding_box()
    assert chart["y"] + chart["height"] <= footer_top + 1
    # text sizes: chart text and table text at least 14 px, the footer states the as-of date and data version
    sizes = page.evaluate("""[...document.querySelectorAll('.st-key-present_chart .main-svg text')]
        .filter(t => t.textContent.trim()).map(t => parseFloat(getComputedStyle(t).fontSize))""")
    assert sizes and min(sizes) >= 14, sizes
    cell = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.st-key-present_tables td p')).fontSize)")
    assert cell >= 14
    footer = page.locator(".st-key-present_footer").inner_text()
    assert "as of" in footer and "data version" in footer
    assert page.locator(".st-key-present_tables h2").first.inner_text().startswith("Silent open cases: ")
    assert watch.external == [] and watch.errors == []
    page.close()


def footer_leads_to(page, which: str, country: str) -> None:
    """Wait until the footer's previous/next link is the one of the country shown: the run that replaces the footer
    can end after the heading and the address have changed, and a key pressed before then follows the old link."""
    page.wait_for_function(
        "([which, country]) => { const a = document.querySelector('.st-key-present_' + which + ' a');"
        " return !!a && new URL(a.href).searchParams.get('country') === country; }",
        arg=[which, country], timeout=20000)


@pytest.mark.browser
def test_keys_switch_country_and_leave_presentation(server, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 650})
    page.goto(server + "/brief?country=Iran&present=1")
    settle(page)
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelector('h1') && document.querySelector('h1').innerText.includes('Russia')",
                           timeout=20000)
    settle(page)
    # The address bar follows the country shown: copied now, it is a prepared link to Russia.
    assert page.url.endswith("/brief?country=Russia&present=1"), page.url
    footer_leads_to(page, "next", "Syria")  # as a presenter sees the footer name the next area before pressing
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelector('h1').innerText.includes('Syria')", timeout=20000)
    settle(page)
    assert page.url.endswith("/brief?country=Syria&present=1"), page.url
    footer_leads_to(page, "prev", "Russia")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("document.querySelector('h1').innerText.includes('Russia')", timeout=20000)
    settle(page)
    assert page.url.endswith("/brief?country=Russia&present=1"), page.url
    reopened = browser.new_page(viewport={"width": 1366, "height": 650})
    reopened.goto(page.url)
    settle(reopened)
    assert "Russia" in reopened.locator("h1").first.inner_text()
    reopened.close()
    page.keyboard.press("Escape")
    page.wait_for_selector("[data-testid='stSidebar']", state="visible", timeout=20000)
    page.close()


def test_presentation_assets_hold_no_data():
    """The injected CSS/JS are static files: the hostile fixture title never appears inside them."""
    from dashboard.serving import ui
    for name in ("presentation.css", "presentation.js"):
        text = (ui.PRESENTATION_ASSETS / name).read_text(encoding="utf-8")
        assert "Iran" not in text and "http" not in text
