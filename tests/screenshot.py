"""Refresh the README screenshot from the running app: `make screenshot`.

Starts the app on a free local port with the shipped database, opens the overview in Debian chromium at
1366 × 900, waits until the map is drawn, and writes docs/screenshot.png. Fails if the page asks anything
of a host other than this machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from dashboard import config  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, MAP_COUNTRIES, PageWatch, settle, streamlit_server  # noqa: E402


def main(out: Path = ROOT / "docs" / "screenshot.png") -> int:
    with streamlit_server(config.db_path()) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        watch = PageWatch(page)
        page.goto(base + "/")
        settle(page)
        page.wait_for_selector(MAP_COUNTRIES, timeout=30000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(out))
        browser.close()
    if watch.external or watch.errors:
        print("problems:", *watch.external, *watch.errors, sep="\n  ", file=sys.stderr)
        return 1
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
