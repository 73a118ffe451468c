"""Every address the app builds: page paths, query strings, permalinks. No other module spells one.

Modelled on Datasette's `Urls`: a small value holding the site's public root, with one method per
kind of address. Pages are named by a key (`"explore"`); their file is `pages/<key>.py` and their
path is `PATHS[key]` (the navigation in app.py is built from the same table).

The public root comes from `DASHBOARD_BASE_URL` when it is set (a deployment behind a proxy sets it);
otherwise the UI layer takes it from the address the visitor's browser used (`st.context.url`), so a
permalink copied from an app on port 8600 points at port 8600. Commands without a browser (the CLI)
fall back to `LOCAL_BASE_URL`, the address `make run` serves by default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote_plus, urlencode, urlsplit, urlunsplit

from .. import config
from .filters import Filters

# Page key → its path under the site root. The overview is the root itself.
PATHS: dict[str, str] = {
    "overview": "",
    "countries": "countries",
    "themes": "themes",
    "timeline": "timeline",
    "explore": "explore",
    "accountability": "accountability",
    "brief": "brief",
    "case": "case",
    "action": "action",
    "about": "about",
    "accessibility": "accessibility",
}
LOCAL_BASE_URL = "http://localhost:8501"

QueryValue = str | int | Sequence[str]


def file(page: str) -> str:
    """The page's script, as st.Page, st.page_link and st.switch_page take it."""
    if page not in PATHS:
        raise KeyError(f"unknown page {page!r}")
    return f"pages/{page}.py"


def record_page(record_id: str) -> str:
    """The page that shows a record: EU action ids contain "-A-", case ids "-C-"."""
    return "action" if "-A-" in str(record_id) else "case"


def query(params: Mapping[str, QueryValue | None] | None) -> dict[str, str | list[str]]:
    """Query parameters as st.page_link / st.switch_page take them: empty values left out."""
    out: dict[str, str | list[str]] = {}
    for key, value in (params or {}).items():
        if value is None or value == "" or (isinstance(value, (list, tuple)) and not value):
            continue
        out[key] = [str(v) for v in value] if isinstance(value, (list, tuple)) else str(value)
    return out


def query_string(params: Mapping[str, QueryValue | None] | None) -> str:
    """`?a=1&b=2`, URL-encoded ("DR Congo" → "DR+Congo"), or "" when there are none."""
    encoded = urlencode(query(params), doseq=True)
    return f"?{encoded}" if encoded else ""


def site_root(browser_url: str | None) -> str | None:
    """The site root from the address a browser shows for a page (query and page path removed)."""
    if not browser_url:
        return None
    parts = urlsplit(browser_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    path = parts.path.rstrip("/")
    for page_path in sorted((p for p in PATHS.values() if p), key=len, reverse=True):
        if path == f"/{page_path}" or path.endswith(f"/{page_path}"):
            path = path[: -len(page_path) - 1]
            break
    return urlunsplit((parts.scheme, parts.netloc, path, "", "")).rstrip("/")


def configured_base() -> str | None:
    """The public root set by DASHBOARD_BASE_URL, or None."""
    return config.PUBLIC_BASE_URL or None


@dataclass(frozen=True)
class Urls:
    """Absolute addresses under one site root."""

    base: str

    @classmethod
    def for_request(cls, browser_url: str | None = None) -> Urls:
        """The configured root, else the one the visitor's browser used, else the local default."""
        return cls(configured_base() or site_root(browser_url) or LOCAL_BASE_URL)

    def page(self, page: str, params: Mapping[str, QueryValue | None] | None = None) -> str:
        file(page)  # unknown pages fail here, not as a broken link
        path = PATHS[page]
        return f"{self.base.rstrip('/')}/{path}" + query_string(params)

    def view(self, page: str, f: Filters | None = None, extra: Mapping[str, QueryValue | None] | None = None) -> str:
        """Permalink to a page with these filters (the same parameters the widgets keep in the URL)."""
        return self.page(page, {**(f or Filters()).to_query(), **(extra or {})})

    def record_prefix(self, page: str) -> str:
        """The start of every record permalink of one record page: the id is appended (ids are URL-safe), which
        lets an export add a permalink per row in SQL."""
        return self.page(page) + "?id="

    def record(self, record_id: str) -> str:
        """Permalink to one case or EU action."""
        return self.page(record_page(record_id), {"id": record_id})

    def records(self, record_ids: Iterable[str]) -> list[str]:
        """Permalinks to many records (a table's rows), each exactly as `record` writes it: the id encoded as
        urlencode encodes a value, after its page's address, which is built once per page rather than per row."""
        prefixes = {page: self.record_prefix(page) for page in ("action", "case")}
        return [prefixes[record_page(i)] + quote_plus(i) if i else self.record(i) for i in map(str, record_ids)]
