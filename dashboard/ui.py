"""The one module in dashboard/ that imports Streamlit: shared widgets, the cached connection, and
small render helpers. Pages call these; the numbers come from queries.py and figures.py.

All data text is rendered as text: st.text, st.dataframe, st.caption with escaped markdown; never
unsafe_allow_html or st.html.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable

import pandas as pd
import streamlit as st

from . import about, config, db, exports, filters, queries, taxonomy
from .build import build
from .filters import PLACES, Filters
from .validate import ValidationError
from .formatting import shown, text  # noqa: F401 — pages call ui.text / ui.shown

LOG = logging.getLogger("dashboard")
TOPOJSON_URL = "app/static/topojson/"
PLOTLY_CONFIG = {"topojsonURL": TOPOJSON_URL, "displaylogo": False, "responsive": True,
                 "modeBarButtonsToRemove": ["sendDataToCloud", "lasso2d", "select2d"]}
ALL_FILTERS = ("country", "theme", "actor", "type", "status", "since", "until", "q")
OPTIONS = {
    "country": list(PLACES),
    "theme": list(taxonomy.THEMES.values()),
    "actor": list(taxonomy.ACTORS.values()),
    "type": list(taxonomy.ACTION_TYPES.values()),
    "status": list(taxonomy.CASE_STATUSES.values()),
    "source": list(taxonomy.SOURCE_QUALITIES.values()),
}
LABELS = {"country": "Country or priority area", "theme": "Theme", "actor": "EU actor", "type": "Action type",
          "status": "Case status", "source": "Source quality"}


class DataUnavailable(Exception):
    """The database could not be opened or built; the message is safe to show."""


@st.cache_resource(show_spinner="Opening the data…")
def connection():
    path = config.db_path()
    if not path.exists():  # `make run` rebuilds a stale file; the app only fills a missing one
        try:
            build(config.SOURCES_DIR, path)
        except ValidationError as err:
            LOG.error("build failed:\n%s", "\n".join(map(str, err.problems)))
            raise DataUnavailable("The data could not be built from its source files. "
                                  "Staff: run `python -m dashboard validate` for the list of problems.") from err
    return db.connect(path)


def _leave_legacy_multipage_mode() -> None:
    # Streamlit treats a `pages/` folder beside the main script as a v1 multipage app until app.py has
    # called st.navigation once in this process: a deep link opened first on a fresh server would run
    # the page file alone, with the wrong navigation. Clear the flag and rerun through app.py.
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def guarded(render: Callable[[], None]) -> None:
    """Run a page; a failure shows a plain message to the visitor and the details go to the server log."""
    _leave_legacy_multipage_mode()
    try:
        render()
    except DataUnavailable as err:
        st.error(str(err))
    except Exception:  # noqa: BLE001 — a visitor must never see a traceback
        LOG.exception("page failed")
        st.error("Sorry, this view could not be shown. The problem has been logged; try removing filters or "
                 "reloading the page.")


def _canonicalise_url_values(raw: dict[str, list[str]], parsed: Filters, keys: Iterable[str]) -> None:
    """Links may carry codes (?country=IRN&theme=torture); bound widgets only know labels, so seed them."""
    canonical = parsed.to_query()
    for key in keys:
        if key in OPTIONS and raw.get(key) and key not in st.session_state:
            values = canonical.get(key, [])
            if values and values != raw[key]:
                st.session_state[key] = values


SHARED_FILTERS = "_shared_filters"  # the URL parameters of the filters last set, on any page
LAST_PAGE = "_last_filter_page"


def _carry_filters_here(page: str, keys: tuple[str, ...], single: set[str], raw: dict[str, list[str]]) -> None:
    """Filters are shared across pages: arriving without any in the URL, reopen this page with the filters
    last set elsewhere, so the address bar (and a copied link) shows what the page shows."""
    arrived = st.session_state.get(LAST_PAGE) != page
    st.session_state[LAST_PAGE] = page
    if not arrived or any(raw.get(k) for k in keys):
        return
    shared: dict[str, list[str]] = st.session_state.get(SHARED_FILTERS, {})
    carry = {k: (v[:1] if k in single else v) for k, v in shared.items() if k in keys and v}
    if carry:
        st.switch_page(page, query_params=carry)


def _remember_filters(current: Filters, keys: tuple[str, ...]) -> None:
    shared = {k: v for k, v in st.session_state.get(SHARED_FILTERS, {}).items() if k not in keys}
    shared.update({k: v for k, v in current.to_query().items() if k in keys})
    st.session_state[SHARED_FILTERS] = shared


def read_url() -> tuple[Filters, list[str]]:
    raw = {p: st.query_params.get_all(p) for p in filters.PARAMS}
    return filters.from_query(raw)


PRESENTATION_CSS = """
<style>
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stSidebar"],
[data-testid="stSidebarCollapsedControl"], [data-testid="stDecoration"] {display: none !important;}
[data-testid="stMainBlockContainer"] {padding: 1.2rem 2.5rem 0 2.5rem !important; max-width: 100% !important;}
html {font-size: 19px;}
[data-testid="stMetricValue"] {font-size: 2.6rem;}
/* laptop screens: the same one screen, tighter */
@media (max-height: 820px) {
  html {font-size: 15px;}
  [data-testid="stMainBlockContainer"] {padding-top: 0.6rem !important;}
  [data-testid="stMetricValue"] {font-size: 1.9rem;}
  h1 {font-size: 2rem !important; padding-bottom: 0.2rem !important;}
  h2 {font-size: 1.35rem !important; padding: 0.2rem 0 !important;}
}
</style>
"""


def presentation_mode() -> bool:
    """`?present=1`: no sidebar or toolbar, larger type (static CSS, no data in it)."""
    if st.query_params.get("present") == "1":
        st.html(PRESENTATION_CSS)
        return True
    return False


def url_filters() -> Filters:
    """Filters read from the URL without widgets (presentation mode), with the same notices."""
    parsed, notices = read_url()
    show_notices(notices)
    return parsed


def show_notices(notices: list[str]) -> None:
    for notice in notices:
        st.warning(notice, icon=":material/info:")


def filter_sidebar(page: str, keys: Iterable[str] = ALL_FILTERS, single: Iterable[str] = ()) -> Filters:
    """Filter widgets bound to the URL, shared across pages. `single` names those chosen one at a time."""
    keys, single = tuple(keys), set(single)
    raw = {p: st.query_params.get_all(p) for p in filters.PARAMS}
    _carry_filters_here(page, keys, single, raw)
    parsed, notices = filters.from_query(raw)
    _canonicalise_url_values(raw, parsed, keys)
    chosen: dict[str, list[str]] = {}
    with st.sidebar:
        st.header("Filters")
        for key in keys:
            if key in OPTIONS:
                # One widget type per key on every page (a one-choice multiselect where a page shows one
                # place or theme), so a value carried from another page always fits.
                chosen[key] = st.multiselect(LABELS[key], OPTIONS[key], key=key, bind="query-params",
                                             max_selections=1 if key in single else None,
                                             placeholder="Choose one" if key in single else "All")
        if "since" in keys or "until" in keys:
            left, right = st.columns(2)
            bounds = dict(min_value=dt.date(1945, 1, 1), max_value=dt.date.today(), format="YYYY-MM-DD")
            since = left.date_input("From", value=None, key="since", bind="query-params", **bounds)
            until = right.date_input("Until", value=None, key="until", bind="query-params", **bounds)
            chosen["since"] = [since.isoformat()] if since else []
            chosen["until"] = [until.isoformat()] if until else []
        if "q" in keys:
            chosen["q"] = [st.text_input("Search text", key="q", bind="query-params", max_chars=filters.MAX_QUERY_LENGTH,
                                         placeholder="name, title, words…")]
    current, more = filters.from_query(chosen)
    show_notices(notices + [n for n in more if n not in notices])
    _remember_filters(current, keys)
    return current


def chart(fig, alt: str, data: pd.DataFrame | None = None, key: str | None = None):
    st.plotly_chart(fig, config=PLOTLY_CONFIG, alt=alt, key=key)
    if data is not None:
        with st.expander("Data behind this chart"):
            table(data)


def clickable_map(fig, alt: str, data: pd.DataFrame, key: str) -> None:
    """A world map whose countries open their priority area's country page when clicked."""
    event = st.plotly_chart(fig, config=PLOTLY_CONFIG, alt=alt + " Select a priority country to open its page.",
                            key=key, on_select="rerun", selection_mode="points")
    points = (event or {}).get("selection", {}).get("points", [])
    for point in points:
        area = taxonomy.area_of(str(point.get("location", "")))
        if area:
            st.switch_page("pages/countries.py", query_params={"country": area})
    with st.expander("Data behind this map"):
        table(data)


PERCENT_COLUMNS = ("Response rate", "Share of statements by EU27")


def table(frame: pd.DataFrame, *, record_links: bool = True, height: int | str = "auto", key: str | None = None):
    """A data table: sources as links, record ids linking to their page, shares as percentages."""
    frame = frame.copy()
    column_config = {}
    for col in PERCENT_COLUMNS:
        if col in frame.columns:
            column_config[col] = st.column_config.NumberColumn(col, format="percent")
    if "Source" in frame.columns:
        column_config["Source"] = st.column_config.LinkColumn("Source", display_text="Open source ↗")
    if record_links and "ID" in frame.columns and not frame.empty:
        ids = frame["ID"].astype(str)
        frame["Page"] = (ids.where(~ids.str.contains("-A-"), "action?id=" + ids)
                         .where(ids.str.contains("-A-"), "case?id=" + ids))
        column_config["Page"] = st.column_config.LinkColumn("Page", display_text="Open record")
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            column_config[col] = st.column_config.DateColumn(col, format="YYYY-MM-DD")
    st.dataframe(frame, hide_index=True, column_config=column_config, height=height, key=key)


def metric_row(items: list[tuple[str, object, str | None]]) -> None:
    cols = st.columns(len(items))
    for col, (label, value, help_text) in zip(cols, items):
        col.metric(label, shown(value), help=help_text)


def page_links_to(page: str, places: Iterable[str], param: str = "country") -> None:
    """A grid of links into a page, one per option (e.g. one per priority area)."""
    places = list(places)
    cols = st.columns(4)
    for i, place in enumerate(places):
        cols[i % 4].page_link(page, label=place, query_params={param: place})


def cite_this_view(page: str, f: Filters | None = None, extra: dict | None = None) -> None:
    """The citation with the permalink to exactly this view, ready to copy (st.code has a copy button)."""
    url = exports.view_url(page, f or Filters(), extra)
    info = queries.build_info(connection())
    with st.expander("Cite this view", icon=":material/format_quote:"):
        st.code(about.citation(info, config.PUBLIC_BASE_URL, view_url=url, accessed=dt.date.today().isoformat()),
                language=None, wrap_lines=True)


def export_buttons(con, f: Filters, table: str, rows: int, key: str = "export") -> None:
    """Downloads of exactly the filtered rows; each file is built only when its button is pressed."""
    st.caption(f"Download all {rows:,} filtered rows (not just this page), with sources and permalinks. "
               "The ZIP holds the CSV with datapackage.json and CITATION.txt.")
    labels = {"csv": "CSV", "xlsx": "Excel (XLSX)", "json": "JSON", "parquet": "Parquet", "zip": "ZIP data package"}
    with st.container(horizontal=True):
        for fmt, label in labels.items():
            if fmt == "xlsx" and rows > exports.EXCEL_MAX_ROWS:  # a message instead of a cut-short file
                st.caption(f"Excel holds at most {exports.EXCEL_MAX_ROWS:,} rows: use CSV or Parquet, or narrow "
                           "the filters.")
                continue
            st.download_button(label, data=lambda fmt=fmt: exports.export_file(con, f, table, fmt),
                               file_name=exports.file_name(table, fmt), mime=exports.FORMATS[fmt],
                               icon=":material/download:", on_click="ignore", key=f"{key}-{table}-{fmt}")
