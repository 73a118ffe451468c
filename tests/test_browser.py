"""Real browser: Debian chromium driven by Playwright against a real Streamlit server on the fixture data."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from dashboard.serving import figures, queries

from .browser import MAP_COUNTRIES, PageWatch, settle

pytestmark = pytest.mark.browser
PAGES = ["", "countries?country=IRN", "themes?theme=torture", "timeline", "explore", "case?id=IRN-C-0001", "about"]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def test_deep_link_on_a_fresh_server_gets_the_app_navigation(server, page):
    # Runs first in this module: the server has not yet run app.py when this link is opened.
    page.goto(server + "/case?id=IRN-C-0001")
    settle(page)
    nav = page.locator("[data-testid='stSidebarNav']").inner_text()
    assert "Overview" in nav and "Explore" in nav and "overview" not in nav


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_with_no_external_request(server, page, path):
    watch = PageWatch(page)
    page.goto(f"{server}/{path}")
    seconds = settle(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stAlertContentError']").count() == 0
    assert watch.external == [], watch.external
    assert watch.errors == [], watch.errors
    assert seconds < 30


def test_map_draws_country_shapes_offline(server, page):
    watch = PageWatch(page)
    page.goto(server + "/")
    settle(page)
    page.wait_for_selector(MAP_COUNTRIES, timeout=20000)
    shapes = page.locator(f"{MAP_COUNTRIES} path")
    # the four fixture priority countries, each drawn from the local topojson and outlined in orange
    assert shapes.count() == 4
    assert all(len(shapes.nth(i).get_attribute("d") or "") > 30 for i in range(shapes.count()))  # a shape, not a dot
    assert {shapes.nth(i).get_attribute("stroke") for i in range(4)} == {figures.PRIORITY}
    # the other countries are drawn too, from the same file: the world, not four shapes in a void
    assert page.locator(".world-map svg.map-shapes > g path").count() > 150
    # drawn on the server: the page fetches no map data at all, and nothing from outside
    assert not [r for r in watch.requests if "topojson" in r] and watch.external == []


def test_map_draws_a_country_without_a_figure_grey_and_its_hover_says_why(server, page):
    """Executions: the fixture states a number for Iran only. Egypt has none: it is drawn grey (never as 0 on the
    colour scale), still outlined and clickable, and hovering it shows the tooltip saying there is no figure."""
    page.goto(server + "/?measure=" + quote(queries.MEASURES["executions"]))
    settle(page)
    page.wait_for_selector(MAP_COUNTRIES, timeout=20000)
    egypt = page.locator(f"{MAP_COUNTRIES}[aria-label^='Egypt —']")
    iran = page.locator(f"{MAP_COUNTRIES}[aria-label^='Iran —']")
    assert egypt.locator("path").get_attribute("fill") == figures.NO_DATA
    assert iran.locator("path").get_attribute("fill") != figures.NO_DATA
    # the hover is the shape's SVG title, which the browser shows as the tooltip: one line each
    assert egypt.locator("title").text_content().splitlines() == [
        "Egypt — priority area", f"{queries.MEASURES['executions']}: no data", "Click to open its page"]
    assert page.locator(".world-map svg text", has_text="Grey: no figure (hover for why)").count() == 1


def test_filter_chosen_in_the_ui_lives_in_the_url_and_reopens(server, browser, page):
    page.goto(server + "/explore")
    settle(page)
    assert page.locator("h2").filter(has_text="EU actions: 5").count() == 1
    box = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").first
    box.click()
    page.get_by_role("option", name="Iran", exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => location.search.includes('country=Iran')", timeout=10000)
    settle(page)
    assert page.locator("h2").filter(has_text="EU actions: 3").count() == 1
    copied = page.url
    other = browser.new_context().new_page()
    other.goto(copied)
    settle(other)
    assert other.locator("h2").filter(has_text="EU actions: 3").count() == 1
    chips = other.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").first.inner_text()
    assert "Iran" in chips
    other.context.close()


def test_hostile_text_renders_inert(server, page):
    watch = PageWatch(page)
    for path in ("/case?id=EGY-C-0001", "/explore?country=Egypt", "/explore?table=Cases&country=Egypt",
                 "/countries?country=Egypt", "/timeline?country=Egypt"):
        page.goto(server + path)
        settle(page)
        page.wait_for_timeout(500)
        assert page.locator("img[src='x']").count() == 0
        assert page.locator("a[href^='javascript']").count() == 0
        assert page.locator("script", has_text="alert(2)").count() == 0
    assert watch.dialogs == []
    assert watch.errors == []


@pytest.mark.parametrize("fmt,label", [("csv", "CSV"), ("xlsx", "Excel (XLSX)")])
def test_browser_download_under_a_filtered_url_equals_the_cli_export(server, page, fixture_db, tmp_path, fmt, label):
    import os
    import subprocess
    import sys

    page.goto(server + "/explore?country=Iran&theme=Death+penalty")
    settle(page)
    assert page.locator("h2").filter(has_text="EU actions: 2").count() == 1
    with page.expect_download(timeout=30000) as download_info:
        page.get_by_role("button", name=label, exact=True).click()
    downloaded = tmp_path / f"browser.{fmt}"
    download_info.value.save_as(downloaded)
    cli = tmp_path / f"cli.{fmt}"
    subprocess.run([sys.executable, "-m", "dashboard", "export", "--format", fmt, "--country", "IRN", "--theme",
                    "death_penalty", "--db", str(fixture_db), "--out", str(cli)],
                   check=True, env=dict(os.environ, DASHBOARD_BASE_URL=server))
    assert downloaded.read_bytes() == cli.read_bytes()


def test_filters_follow_the_visitor_across_pages_and_stay_in_the_url(server, page):
    page.goto(server + "/explore?country=Iran&theme=Torture")
    settle(page)
    # The Countries entry opens its list (a page's one subject is not carried), keeping the other filters;
    # the country chosen elsewhere is not forgotten.
    for name, path, heading in (("Timeline", "/timeline?country=Iran&", "Timeline"), ("Countries", "/countries?", "Countries"),
                                ("Explore", "/explore?country=Iran&", "Explore")):
        page.locator("[data-testid='stSidebarNav'] a", has_text=name).first.dispatch_event("click")
        page.wait_for_url(f"**{path}theme=Torture", timeout=15000)
        settle(page)
        assert page.locator("h1").first.inner_text() == heading
    page.locator("h2").filter(has_text="EU actions: 1").first.wait_for(timeout=15000)
    assert page.locator("h2").filter(has_text="EU actions: 1").count() == 1, page.locator("h2").all_inner_texts()
