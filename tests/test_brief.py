"""The country brief: one self-contained HTML file, the same from the CLI and the page; presentation mode."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys

import pytest

from dashboard.serving import brief as briefing
from dashboard.serving.filters import from_query

from .browser import PageWatch, settle


def make_brief(con, place="Egypt"):
    return briefing.brief_data(con, from_query({"country": place})[0], as_of=dt.date(2026, 11, 28))


def test_brief_html_references_nothing_outside_the_file(con):
    page = briefing.brief_html(make_brief(con))
    assert not re.search(r"<script[^>]+src=", page, re.I)
    assert not re.search(r"<link[^>]+href=", page, re.I)
    assert "@import" not in page and not re.search(r"url\(\s*['\"]?https?:", page)
    assert page.count("<script") >= 2  # plotly.js inline, then the figure


def test_brief_html_escapes_data_and_links_sources(con):
    page = briefing.brief_html(make_brief(con))
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert 'href="javascript' not in page
    assert "Country brief: Egypt" in page and "How to cite" in page


def test_brief_needs_one_place(con):
    with pytest.raises(ValueError):
        briefing.brief_data(con, from_query({})[0])


def test_cli_brief_writes_the_same_content(fixture_db, tmp_path):
    out = tmp_path / "brief.html"
    result = subprocess.run([sys.executable, "-m", "dashboard", "brief", "--country", "EGY", "--db", str(fixture_db),
                             "--out", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>") and "Country brief: Egypt" in text


def test_cli_rejects_unknown_filter_values(fixture_db):
    result = subprocess.run([sys.executable, "-m", "dashboard", "metrics", "--country", "XXX", "--db", str(fixture_db),
                             "--json"], capture_output=True, text=True)
    assert result.returncode != 0 and "XXX" in result.stderr


@pytest.mark.browser
def test_brief_file_opens_offline_in_chromium(con, tmp_path, browser):
    path = tmp_path / "brief.html"
    path.write_text(briefing.brief_html(make_brief(con, "Iran")), encoding="utf-8")
    page = browser.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None)
    page.goto(path.as_uri())
    page.wait_for_selector(".js-plotly-plot .scatterlayer .point", timeout=20000)
    assert requests == []
    page.close()


@pytest.mark.browser
def test_presentation_mode_hides_sidebar_and_toolbar(server, browser):
    for width, height in ((1920, 1080), (1366, 768)):
        page = browser.new_page(viewport={"width": width, "height": height})
        watch = PageWatch(page)
        page.goto(server + "/brief?country=IRN&present=1")
        settle(page)
        page.wait_for_selector(".js-plotly-plot", timeout=20000)
        assert page.locator("h1").first.inner_text().startswith("Country brief: Iran")
        assert not page.locator("[data-testid='stSidebar']").is_visible()
        assert not page.locator("[data-testid='stToolbar']").is_visible()
        # one screen: nothing below the fold, on a meeting-room screen and on a laptop
        assert page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight") <= height
        assert watch.external == [] and watch.errors == []
        page.close()
    page = browser.new_page()
    page.goto(server + "/brief?country=IRN")
    settle(page)
    assert page.locator("[data-testid='stSidebar']").is_visible()
    page.close()
