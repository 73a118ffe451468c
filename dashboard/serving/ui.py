"""The thin widget layer: shared widgets, the connection to the published database, and small render
helpers. Pages call these; the numbers come from queries.py and metrics.py, the figures from figures.py,
the filter state from url_state.py. Only this module and url_state.py import Streamlit inside dashboard/.

All data and URL text is rendered as text: plain-text elements (st.text, st.dataframe, st.code), or
`formatting.text` in every element that renders Markdown. Raw HTML reaches the page in one place only,
`raw_markup` (st.markdown with unsafe_allow_html), for markup built in dashboard/ (the world map's SVG) whose every
text from the data went through `formatting.markup`, the one HTML escaping function (html.escape, quote=True);
st.html shows static files only, never data.
"""

from __future__ import annotations

import datetime as dt
import logging
import pickle
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Literal

import pandas as pd
import streamlit as st

from .. import config
from . import about, db, exports, figures, filters, formatting, queries, urls
from .filters import Filters
from .formatting import excerpt, shown, text  # noqa: F401 — pages call ui.text / ui.shown / ui.excerpt
from .url_state import (  # noqa: F401 — pages call these through ui
    ALL_FILTERS,
    CHOSEN,
    LABELS,
    OPTIONS,
    PRESENTATION_ASSETS,
    check_choice,
    filter_sidebar,
    presentation_mode,
    show_notices,
    url_filters,
)

LOG = logging.getLogger("dashboard")
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
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

    def once(self, name: str, compute):
        return self.snapshot.once(name, compute)

    def fetch(self, sql: str, params=None) -> pd.DataFrame:
        return _cached_query(self.data_version, sql, _params_key(params), "all", _snapshot=self.snapshot)

    def fetch_one(self, sql: str, params=None):
        return _cached_query(self.data_version, sql, _params_key(params), "one", _snapshot=self.snapshot)

    def fetch_columns(self, sql: str, params=None):
        return _cached_query(self.data_version, sql, _params_key(params), "columns", _snapshot=self.snapshot)

    def fetch_record(self, sql: str, params=None):
        return _cached_query(self.data_version, sql, _params_key(params), "record", _snapshot=self.snapshot)


def _params_key(params) -> bytes:
    """A hashable, exact stand-in for the bound values (a date and its ISO string must not collide)."""
    if isinstance(params, dict):
        return pickle.dumps(("named", sorted(params.items())))
    return pickle.dumps(("positional", list(params or [])))


@st.cache_data(max_entries=5000, show_spinner=False)
def _cached_query(data_version: str, sql: str, params: bytes, shape: str, _snapshot: db.Snapshot):
    kind, values = pickle.loads(params)  # noqa: S301 — bytes made by _params_key in this process, never from outside
    bound = dict(values) if kind == "named" else values
    return {"all": db.fetch, "one": db.fetch_one, "record": db.fetch_record,
            "columns": db.fetch_columns}[shape](_snapshot, sql, bound)


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


def chart(fig, alt: str, data: pd.DataFrame | None = None, key: str | None = None, height="content"):
    st.plotly_chart(fig, config=PLOTLY_CONFIG, alt=alt, key=key, height=height)
    if data is not None:
        with st.expander("Data behind this chart"):
            table(data)


def clickable_map(figure: figures.MapFigure, data: pd.DataFrame, key: str) -> None:
    """A world map (figures.world_map) whose priority countries link to their Countries page. Its pictures first,
    drawn as soon as the page's messages arrive; the map's markup, once the browser can draw it, takes their place.
    Under it, the map's figures as a table for screen readers and keyboard users: a closed expander that draws the
    table only once opened (a rerun), so the data grid's scripts (about 1.2 MB) are not loaded alongside the map on
    every visit."""
    with st.container(key=f"{key}_frame", gap=None):
        shapes = len(figure.pictures) - 2  # the legends above and below it are pictures of text the markup has
        st.markdown("  \n".join(f"![{text(figure.alt) if n == shapes else ''}](<{picture}>)"
                                 for n, picture in enumerate(figure.pictures)))
        raw_markup(figure.markup)
    figures_box = on_demand("Data behind this map", key=f"{key}_data")
    if figures_box is not None:
        with figures_box:
            table(data)


def on_demand(label: str, key: str):
    """A closed expander whose content is fetched and drawn only once a visitor opens it (opening it reruns the
    page), or None while it is closed: what most visits never open costs them neither a query nor the browser's
    work. The caller fills the box it gets."""
    box = st.expander(label, key=key, on_change="rerun")
    return box if box.open else None


def raw_markup(markup: str) -> None:
    """The one place raw HTML reaches the page: markup built by dashboard/ (figures.world_map), every text from the
    data in it escaped by formatting.markup. One block of HTML (`<div>` ... `</div>`, no blank line), so CommonMark
    hands it over whole as raw HTML and parses no Markdown inside it."""
    if not markup.startswith("<div") or "\n\n" in markup:
        raise ValueError("raw_markup takes one block of HTML: a <div> without a blank line")
    st.markdown(markup, unsafe_allow_html=True)


PERCENT_COLUMNS = ("Response rate", "Made on behalf of all 27")
NEVER_COLUMNS = ("Last EU action",)  # a missing last action means there was none: "never"
SHORT_TABLE = 25  # rows shown whole, without an inner scroll box
TITLE_LINK = r"^[^#]*#(.*)$"  # the title travels after '#' in its record's address; shown as the link text


def _content_width(column: pd.Series, cap: int) -> int:
    """Pixels for a column: its longest value (or header), capped; a rough 7.5 px per character."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):  # as pandas writes a date ("2024-05-01"), not a Timestamp
        values = column.astype("string").str.len().max() if not column.empty else 0
        longest = 0 if pd.isna(values) else int(values)
    elif isinstance(column.dtype, pd.StringDtype):  # text: every value a str, or missing
        longest = max((len(v) for v in column.tolist() if isinstance(v, str)), default=0)
    else:  # one page of rows: a loop over Python values beats a column conversion
        longest = max((len(str(v)) for v in column.tolist() if not _missing(v)), default=0)
    chars = max(len(str(column.name)), longest)
    return int(min(cap, max(70, 7.5 * chars + 28)))


def _missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def table(frame: pd.DataFrame, *, record_links: bool = True, height: int | Literal["content", "auto"] | None = None,
          key: str | None = None, complete: bool = True):
    """A data table: the title links to its record, sources as links, shares and dates formatted once
    (dashboard/serving/formatting.py), columns sized to their content, short tables shown whole.
    `complete=False` when the table is one page of a longer result: the header sort is then switched off
    (it would sort only that page); the page offers a sort control that sorts in SQL instead."""
    frame = frame.copy()
    column_config: dict = {}
    for col in PERCENT_COLUMNS:
        if col in frame.columns:
            frame[col] = frame[col].map(formatting.percent)
    for col in NEVER_COLUMNS:
        if col in frame.columns:
            frame[col] = frame[col].map(formatting.date_or_never)
    for col, column in frame.items():
        if pd.api.types.is_datetime64_any_dtype(column.dtype):
            column_config[col] = st.column_config.DateColumn(col, format="YYYY-MM-DD")
        elif col not in ("Source", "Title"):
            column_config[col] = st.column_config.Column(col, width=_content_width(column, 320))
    if "Source" in frame.columns:
        column_config["Source"] = st.column_config.LinkColumn("Source", display_text="Open source ↗", width=110)
    order = list(frame.columns)
    if record_links and "ID" in frame.columns and "Title" in frame.columns and not frame.empty:
        width = _content_width(frame["Title"], 560)
        addresses = site().records(frame["ID"].astype(str).tolist())
        titles = frame["Title"].fillna("").astype(str).tolist()
        frame["Title"] = pd.Series([f"{a}#{t}" for a, t in zip(addresses, titles, strict=True)], index=frame.index,
                                   dtype="str")
        column_config["Title"] = st.column_config.LinkColumn("Title", display_text=TITLE_LINK, width=width,
                                                             help="Open the record's page")
        order = ["Title"] + [c for c in order if c != "Title"]
    elif "Title" in frame.columns:
        column_config["Title"] = st.column_config.Column("Title", width=_content_width(frame["Title"], 560))
    if height is None:
        height = "content" if len(frame) <= SHORT_TABLE else "auto"
    options: dict = {}
    if not complete:  # a column selection switches Streamlit's client-side header sort off
        options = {"on_select": "rerun", "selection_mode": "single-column"}
    st.dataframe(frame, hide_index=True, column_config=column_config, column_order=order, height=height, key=key,
                 placeholder=formatting.MISSING, **options)


LIST_TITLE_LENGTH = 140  # characters of a title in a list of links; the record's page shows it whole


def record_links(frame: pd.DataFrame, key: str, date_column: str = "Date") -> None:
    """A short list of records as links, newest first as given: "date · country · title", each opening the
    record's page (case or EU action by its ID). Every part is data, so each goes through `text` (the date
    through `shown`: ISO, or text); a long title is cut at a word with "…". Lighter than a table where a few
    rows are enough: no data grid to load. A long line wraps (record_links.css) rather than being cut."""
    with st.container(key=f"{key}_record_links", gap="small"):
        st.html(PRESENTATION_ASSETS / "record_links.css")  # static, no data
        for date, country, title, record_id in frame[[date_column, "Country", "Title", "ID"]].itertuples(index=False):
            title = formatting.plain(title)
            if len(title) > LIST_TITLE_LENGTH:
                cut = title[:LIST_TITLE_LENGTH]
                title = (cut.rsplit(" ", 1)[0] if " " in cut[LIST_TITLE_LENGTH // 2:] else cut).rstrip() + "…"
            place = country if isinstance(country, str) and country else "Global"
            st.page_link(urls.file(urls.record_page(record_id)), query_params=urls.query({"id": record_id}),
                         label=f"{shown(date)} · {text(place)} · {text(title)}")  # shown: an ISO date, or text


def metric_row(items: list[tuple[str, object, str | None]]) -> None:
    """Numbers, dates and short labels in large type, side by side. A metric shows its value on one line and cuts
    what does not fit with "…": text of any length goes to `text_facts`."""
    cols = st.columns(len(items))
    for col, (label, value, help_text) in zip(cols, items, strict=True):
        col.metric(text(label), shown(value), help=help_text)


def text_facts(items: list[tuple[str, object, str | None]]) -> None:
    """Facts whose values are text of any length (a case's subject, an action's actor and instrument), side by
    side, each value wrapping onto as many lines as it needs. As metrics they were cut to one line: "European P…",
    and of a case naming seven people, the first one and a half names."""
    cols = st.columns(len(items))
    for col, (label, value, help_text) in zip(cols, items, strict=True):
        col.markdown(f"**{text(label)}**  \n{shown(value)}", help=help_text)


def page_links_to(page: str, places: Iterable[str], param: str = "country") -> None:
    """A grid of links into a page (a key of urls.PATHS), one per option (e.g. one per priority area)."""
    places = list(places)
    cols = st.columns(4)
    for i, place in enumerate(places):
        # A page file path is still accepted from callers not yet moved to page keys.
        target = urls.file(page) if page in urls.PATHS else page
        cols[i % 4].page_link(target, label=place, query_params=urls.query({param: place}))


def cite_this_view(page: str, f: Filters | None = None, extra: dict | None = None) -> None:
    """The citation with the permalink to exactly this view, ready to select and copy. A read-only text area,
    not st.code: text stays inert, and no page loads the code highlighter (1.5 MB) to show one line of text."""
    here = site()
    url = here.view(page, f, extra)
    info = queries.build_info(connection())
    with st.expander("Cite this view", icon=":material/format_quote:"):
        st.text_area("Citation (select all and copy)", about.citation(info, here.base, view_url=url,
                                                                     accessed=dt.date.today().isoformat()),
                     height=110)  # no key: a new citation (other filters) replaces the text shown


def export_buttons(con, f: Filters, table: str, rows: int, key: str = "export", order: str | None = None) -> None:
    """Downloads of exactly the filtered rows, in the page's order; each file is built only when its button is
    pressed, from the filters of the run that drew the button (so a file always matches the count above it)."""
    here = site()
    st.caption(f"Download all {rows:,} filtered rows (not just this page), with sources and permalinks. "
               "The ZIP holds the CSV with datapackage.json and CITATION.txt.")
    labels = {"csv": "CSV", "xlsx": "Excel (XLSX)", "json": "JSON", "parquet": "Parquet", "zip": "ZIP data package"}
    with st.container(horizontal=True):
        for fmt, label in labels.items():
            if fmt == "xlsx" and rows > exports.EXCEL_MAX_ROWS:  # a message instead of a cut-short file
                st.caption(f"Excel holds at most {exports.EXCEL_MAX_ROWS:,} rows: use CSV or Parquet, or narrow "
                           "the filters.")
                continue
            st.download_button(label, data=partial(exports.export_file, con, f, table, fmt, site=here, order=order),
                               file_name=exports.file_name(table, fmt), mime=exports.FORMATS[fmt],
                               icon=":material/download:", on_click="ignore", key=f"{key}-{table}-{fmt}")


def site() -> urls.Urls:
    """Public addresses for this visitor: DASHBOARD_BASE_URL when set, else the address their browser used."""
    try:
        browser_url = st.context.url
    except Exception:  # noqa: BLE001 — no browser (AppTest, bare script run): the local default
        browser_url = None
    return urls.Urls.for_request(browser_url)


def record_index(frame: pd.DataFrame, group: str = "Country") -> None:
    """A long list of records, one collapsed group per country with its count, each a linked table."""
    if frame.empty:
        st.info("Nothing matches this search.", icon=":material/info:")
        return
    expand = len(frame) <= SHORT_TABLE
    for name, rows in frame.groupby(group, sort=True, dropna=False):
        label = formatting.text(name if isinstance(name, str) else "Global")
        with st.expander(f"{label} · {len(rows)}", expanded=expand):
            table(rows.drop(columns=[group]))


# What /case and /action list when no (or no public) id is given: one index, two kinds of record.
@dataclass(frozen=True)
class RecordIndex:
    """How the index page of one kind of record is titled, searched and tabled."""
    title: str
    noun: str
    plural: str
    table: Callable[..., pd.DataFrame]
    order: str
    placeholder: str
    columns: list[str]


RECORD_INDEXES = {
    "case": RecordIndex(title="Case", noun="case", plural="cases", table=queries.cases_table, order="",
                        placeholder="name, title, words…",
                        columns=["Title", "ID", "Country", "Status", "Opened on", "Last EU action"]),
    "action": RecordIndex(title="EU action", noun="EU action", plural="EU actions", table=queries.actions_table,
                          order=", newest first", placeholder="title, summary, words…",
                          columns=["Title", "ID", "Country", "Date", "Actor", "Action"]),
}


def record_index_page(con, kind: str, record_id: str = "") -> None:
    """The index of one kind of record ("case" or "action"): a search box bound to the URL and the records
    grouped by country; a notice first when the address named an id that is not public."""
    spec = RECORD_INDEXES[kind]
    st.title(spec.title)
    if record_id:
        notice(f"No public {spec.noun} has the id {excerpt(record_id)}. Choose one below.")
    query = st.text_input(f"Search {spec.plural}", key="q", bind="query-params", max_chars=filters.MAX_QUERY_LENGTH,
                          placeholder=spec.placeholder)
    found, notices = filters.from_query({"q": [query]})
    show_notices(notices)
    rows = spec.table(con, found, limit=None, order="country")
    st.caption(f"{len(rows):,} {spec.plural} by country{spec.order}. Open a title to see its {spec.noun}.")
    record_index(rows[spec.columns])


def active_filters(f: Filters, keys: Iterable[str] = ALL_FILTERS) -> None:
    """At the top of the main area (so a phone, with the sidebar closed, sees it too): what is filtered, and a
    button that clears it all. Nothing shows when nothing is filtered."""
    if f == Filters():
        return
    keys = tuple(keys)

    def clear() -> None:
        for key in keys:
            st.session_state[key] = [] if key in OPTIONS else ""

    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption("Active filters: " + text(f.describe()))
        st.button("Clear all", icon=":material/filter_alt_off:", on_click=clear, type="tertiary", key="clear-filters")
