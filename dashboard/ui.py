"""The thin widget layer: shared widgets, the connection to the published database, and small render
helpers. Pages call these; the numbers come from queries.py and metrics.py, the figures from figures.py,
the filter state from url_state.py. Only this module and url_state.py import Streamlit inside dashboard/.

All data and URL text is rendered as text: plain-text elements (st.text, st.dataframe, st.code), or
`formatting.text` in every element that renders Markdown; never unsafe_allow_html or st.html with data.
"""

from __future__ import annotations

import datetime as dt
import logging
import pickle
import threading
from collections.abc import Callable, Iterable

import pandas as pd
import streamlit as st

from . import about, config, db, exports, queries, taxonomy
from .filters import Filters
from .formatting import excerpt, shown, text  # noqa: F401 — pages call ui.text / ui.shown / ui.excerpt
from .url_state import (  # noqa: F401 — pages call these through ui
    ALL_FILTERS,
    LABELS,
    OPTIONS,
    check_choice,
    filter_sidebar,
    presentation_mode,
    show_notices,
    url_filters,
)

LOG = logging.getLogger("dashboard")
TOPOJSON_URL = "app/static/topojson/"
PLOTLY_CONFIG = {"topojsonURL": TOPOJSON_URL, "displaylogo": False, "responsive": True,
                 "modeBarButtonsToRemove": ["sendDataToCloud", "lasso2d", "select2d"]}
OUTAGE = ("The data is unavailable at the moment. The problem has been logged and is being looked at; "
          "please come back later.")


class DataUnavailable(Exception):
    """The database could not be opened; the message is safe to show."""


class CachedSnapshot:
    """The published snapshot as the pages see it: every query result is kept by Streamlit's cache under
    the snapshot's data version, so a rerun that changes nothing runs no query, and a republished file
    (a new data version) never serves an old result. `queries`, `metrics` and `exports` stay pure: they
    call `db.fetch(con, ...)`, which hands the query to `fetch` here."""

    def __init__(self, snapshot: db.Snapshot):
        self.snapshot = snapshot
        self.data_version = snapshot.data_version

    def cursor(self):
        return self.snapshot.cursor()

    def fetch(self, sql: str, params=None) -> pd.DataFrame:
        return _cached_query(self.data_version, sql, _params_key(params), "all", _snapshot=self.snapshot)

    def fetch_one(self, sql: str, params=None):
        return _cached_query(self.data_version, sql, _params_key(params), "one", _snapshot=self.snapshot)


def _params_key(params) -> bytes:
    """A hashable, exact stand-in for the bound values (a date and its ISO string must not collide)."""
    if isinstance(params, dict):
        return pickle.dumps(("named", sorted(params.items())))
    return pickle.dumps(("positional", list(params or [])))


@st.cache_data(max_entries=5000, show_spinner=False)
def _cached_query(data_version: str, sql: str, params: bytes, shape: str, _snapshot: db.Snapshot):
    kind, values = pickle.loads(params)  # noqa: S301 — bytes made by _params_key in this process, never from outside
    bound = dict(values) if kind == "named" else values
    return (db.fetch if shape == "all" else db.fetch_one)(_snapshot, sql, bound)


_PUBLISHED: dict[str, db.Published] = {}
_PUBLISHED_LOCK = threading.Lock()


def _published() -> db.Published:
    path = str(config.db_path())
    with _PUBLISHED_LOCK:
        if path not in _PUBLISHED:
            _PUBLISHED[path] = db.Published(config.db_path())
        return _PUBLISHED[path]


def snapshot() -> db.Snapshot:
    """The file the path names now; a republished file is picked up here, at the start of the next page run."""
    try:
        return _published().current()
    except db.DatabaseMissing as err:
        LOG.error("database unavailable: %s. Staff: run `make build` (or `python -m dashboard build`).", err)
        raise DataUnavailable(OUTAGE) from err
    except Exception as err:  # noqa: BLE001 — a damaged file: log it, tell the visitor plainly
        LOG.exception("database could not be opened")
        raise DataUnavailable(OUTAGE) from err


def connection() -> CachedSnapshot:
    """What pages pass to queries, metrics and exports: the current snapshot, with cached results."""
    return CachedSnapshot(snapshot())


def database_download() -> None:
    """About's "DuckDB database" button: the very file the pages read, or a plain message why not."""
    snap = snapshot()
    try:
        size = snap.file_size()
    except db.DatabaseMissing as err:
        LOG.error("database download unavailable: %s", err)
        st.info("The database file cannot be downloaded at the moment; the problem has been logged. "
                "The data package above holds the same published records.", icon=":material/info:")
        return
    st.download_button(f"DuckDB database ({size / 1e6:.1f} MB)", icon=":material/download:",
                       data=snap.file_bytes, file_name="eu-hr-monitor.duckdb", mime="application/octet-stream",
                       on_click="ignore")


def package_download() -> None:
    """About's "Data package" button: the published tables, the same bytes as `python -m dashboard package`."""
    from . import package

    snap = snapshot()
    st.download_button("Data package (ZIP of CSV files + datapackage.json)", icon=":material/download:",
                       data=lambda: package.package_bytes(snap), file_name=package.FILE_NAME,
                       mime="application/zip", on_click="ignore")


def notice(message: str) -> None:
    """A warning whose text may quote data or the URL: always rendered inert."""
    show_notices([message])


def _leave_legacy_multipage_mode() -> None:
    """Work around Streamlit's legacy multipage detection (Streamlit 1.67, streamlit/runtime/pages_manager.py).

    Upstream behaviour: `PagesManager.uses_pages_directory` starts as "is there a `pages/` folder beside the
    main script"; while it is true, the script runner runs a requested page file alone (`_mpa_v1`) instead of
    app.py, and only `st.navigation` sets it to False. So a deep link opened first on a fresh server would
    run pages/case.py without app.py's navigation. No public option turns the legacy mode off (checked in
    1.67: no config option, no API besides st.navigation itself), and the folder must be called `pages/`.
    Here: clear the class flag and rerun through app.py. Fail-safe: if Streamlit renames or drops the
    attribute, nothing happens (the page still renders; only the first deep link lacks the navigation),
    and tests/test_security.py fails so the work-around is revisited."""
    try:
        from streamlit.runtime.pages_manager import PagesManager

        legacy = getattr(PagesManager, "uses_pages_directory", None)
    except ImportError:
        LOG.warning("streamlit.runtime.pages_manager is gone; legacy multipage work-around skipped")
        return
    if legacy:
        PagesManager.uses_pages_directory = False
        st.rerun()


def guarded(render: Callable[[], None]) -> None:
    """Run a page; a failure shows a plain message to the visitor and the details go to the server log."""
    try:
        _leave_legacy_multipage_mode()
        render()
    except DataUnavailable as err:
        st.error(str(err))
    except Exception:  # noqa: BLE001 — a visitor must never see a traceback
        LOG.exception("page failed")
        st.error("Sorry, this view could not be shown. The problem has been logged and is being looked at; "
                 "please reload the page or come back later.")


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
        col.metric(text(label), shown(value), help=help_text)


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
            st.download_button(label, data=lambda fmt=fmt: exports.export_bytes(con, f, table, fmt),
                               file_name=exports.file_name(table, fmt), mime=exports.FORMATS[fmt],
                               icon=":material/download:", on_click="ignore", key=f"{key}-{table}-{fmt}")
