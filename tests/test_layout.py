"""Every page fits a laptop (1366 × 900, sidebar open) and a phone (390 × 844): no figure, label or link cut short,
no chart text outside its chart, nothing wider than the screen. Measured in Debian chromium, as a visitor sees it."""

from __future__ import annotations

import pytest

from .browser import PageWatch, settle

pytestmark = pytest.mark.browser
PAGES = ["", "countries", "countries?country=Iran&theme=Torture", "themes", "themes?theme=Death+penalty", "timeline",
         "explore", "accountability", "brief", "brief?country=Iran", "brief?country=Iran&present=1", "case",
         "case?id=IRN-C-0001", "case?id=EGY-C-0001", "action", "action?id=IRN-A-0001", "about", "accessibility"]
SIZES = [(1366, 900), (390, 844)]

# Metric labels and values Streamlit cuts with an ellipsis when their column is too narrow (a value is one line: an
# actor's name, or a case's list of subjects, was cut to its first words).
CUT_LABELS = """() => [...document.querySelectorAll('[data-testid="stMetricLabel"], [data-testid="stMetricValue"]')]
    .filter(l => [l, ...l.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1))
    .map(l => l.innerText)"""
# Links whose text Streamlit cuts at their box's edge (a page link is one line; a list of records wraps its lines).
CUT_LINKS = """() => [...document.querySelectorAll('[data-testid="stPageLink"] a')]
    .filter(a => [a, ...a.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1))
    .map(a => a.innerText)"""
# Chart text (axis ticks and titles, bar numbers, legends) drawn outside its chart's box is cut off.
# (Plotly's charts, and the world map's SVGs)
TEXT_OUTSIDE_CHARTS = """() => [...document.querySelectorAll('.js-plotly-plot, .world-map svg')].flatMap(plot => {
    const box = plot.getBoundingClientRect();
    return [...plot.querySelectorAll('.main-svg text, .world-map svg text')].filter(t => t.textContent.trim()).filter(t => {
        const r = t.getBoundingClientRect();
        return r.width && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1);
    }).map(t => t.textContent.trim());
})"""
TOO_WIDE = """() => { const main = document.querySelector('[data-testid="stMain"]');
    return [main.scrollWidth - main.clientWidth, document.documentElement.scrollWidth - window.innerWidth]; }"""


@pytest.mark.long
@pytest.mark.parametrize("width, height", SIZES, ids=["laptop", "phone"])
def test_every_page_fits_the_screen(server, browser, width, height):
    problems = []
    # One browser context for every page: its cache keeps the app's scripts between pages, as a visitor's browser
    # does (a fresh context per page loaded them again: about a tenth of this test's time); each page is new.
    context = browser.new_context(viewport={"width": width, "height": height})
    for path in PAGES:
        if width < 640 and "present=1" in path:
            continue  # presentation mode is for a meeting room's screen (tests/test_presenting.py), not a phone
        page = context.new_page()
        watch = PageWatch(page)
        page.goto(f"{server}/{path}")
        settle(page)
        if page.locator(".js-plotly-plot").count():
            page.wait_for_selector(".js-plotly-plot .main-svg text", timeout=20000)
            page.wait_for_timeout(500)
        if page.locator("[class*='_map_frame']").count():
            page.wait_for_selector(".world-map svg text", timeout=20000)
        cut = page.evaluate(CUT_LABELS)
        cut_links = page.evaluate(CUT_LINKS)
        outside = page.evaluate(TEXT_OUTSIDE_CHARTS)
        wide = page.evaluate(TOO_WIDE)
        if cut:
            problems.append(f"/{path}: metric labels or values cut: {cut}")
        if cut_links:
            problems.append(f"/{path}: link text cut: {cut_links[:3]}")
        if outside:
            problems.append(f"/{path}: chart text outside its chart: {outside[:5]}")
        if max(wide) > 1:
            problems.append(f"/{path}: {max(wide)} px wider than the screen")
        if watch.errors or page.locator("[data-testid='stException']").count():
            problems.append(f"/{path}: errors {watch.errors}")
        page.close()
    context.close()
    assert problems == [], "\n".join(problems)
