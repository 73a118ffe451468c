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

from . import about, config, db, exports, filters, formatting, queries, taxonomy, urls
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
    # A page's subject (the one country of Countries, the one theme of Themes) is not carried: the bare page,
    # as the navigation opens it, is its index.
    carry = {k: v for k, v in shared.items() if k in keys and k not in single and v}
    if carry:
        st.switch_page(page, query_params=carry)


CHOSEN = "_subject_chosen_on_page"


def _follow_the_url_for_the_subject(parsed: Filters, single: set[str]) -> None:
    """A one-choice widget (the page's subject) shows what the URL names: a link to another country changes it
    in one step, and the navigation's bare link empties it (so Countries returns to its list)."""
    if st.session_state.pop(CHOSEN, False):  # chosen on the page this run; the URL follows the widget
        return
    wanted = parsed.to_query()
    for key in single:
        if key in OPTIONS and st.session_state.get(key, []) != wanted.get(key, []):
            st.session_state[key] = wanted.get(key, [])


def _remember_filters(current: Filters, keys: tuple[str, ...]) -> None:
    shared = {k: v for k, v in st.session_state.get(SHARED_FILTERS, {}).items() if k not in keys}
    shared.update({k: v for k, v in current.to_query().items() if k in keys})
    st.session_state[SHARED_FILTERS] = shared


def read_url() -> tuple[Filters, list[str]]:
    raw = {p: st.query_params.get_all(p) for p in filters.PARAMS}
    return filters.from_query(raw)


# Presentation mode's look and keys: static files, no data in them (static/presentation/).
PRESENTATION_ASSETS = config.ROOT / "static" / "presentation"


def presentation_mode() -> bool:
    """`?present=1`: no sidebar or toolbar, larger type (static CSS, no data in it)."""
    if st.query_params.get("present") == "1":
        css = (PRESENTATION_ASSETS / "presentation.css").read_text(encoding="utf-8")
        js = (PRESENTATION_ASSETS / "presentation.js").read_text(encoding="utf-8")
        st.html(f"<style>{css}</style><script>{js}</script>", unsafe_allow_javascript=True)
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
    _follow_the_url_for_the_subject(parsed, single)
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
            # Text fields, not st.date_input: a typed date applies on Enter (st.date_input commits only when
            # focus leaves it, so a download clicked meanwhile got the rows of the date not yet applied).
            left, right = st.columns(2)
            date_field = dict(bind="query-params", max_chars=10, placeholder="YYYY-MM-DD",
                              help="A date written YYYY-MM-DD; press Enter to apply.")
            chosen["since"] = [left.text_input("From", key="since", **date_field)]
            chosen["until"] = [right.text_input("Until", key="until", **date_field)]
        if "q" in keys:
            chosen["q"] = [st.text_input("Search text", key="q", bind="query-params", max_chars=filters.MAX_QUERY_LENGTH,
                                         placeholder="name, title, words…")]
    current, more = filters.from_query(chosen)
    show_notices(notices + [n for n in more if n not in notices])
    # An empty subject (the Countries list) does not forget the country chosen elsewhere.
    _remember_filters(current, tuple(k for k in keys if k not in single or k in current.to_query()))
    return current


def chart(fig, alt: str, data: pd.DataFrame | None = None, key: str | None = None, height="content"):
    st.plotly_chart(fig, config=PLOTLY_CONFIG, alt=alt, key=key, height=height)
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
            st.switch_page(urls.file("countries"), query_params=urls.query({"country": area}))
    with st.expander("Data behind this map"):
        table(data)


PERCENT_COLUMNS = ("Response rate", "Made on behalf of all 27")
NEVER_COLUMNS = ("Last EU action",)  # a missing last action means there was none: "never"
SHORT_TABLE = 25  # rows shown whole, without an inner scroll box
TITLE_LINK = r"^[^#]*#(.*)$"  # the title travels after '#' in its record's address; shown as the link text


def _content_width(frame: pd.DataFrame, col: str, cap: int) -> int:
    """Pixels for a column: its longest value (or header), capped; a rough 7.5 px per character."""
    values = frame[col].astype("string").str.len().max() if not frame.empty else 0
    chars = max(len(str(col)), 0 if pd.isna(values) else int(values))
    return int(min(cap, max(70, 7.5 * chars + 28)))


def table(frame: pd.DataFrame, *, record_links: bool = True, height: int | str | None = None, key: str | None = None,
          complete: bool = True):
    """A data table: the title links to its record, sources as links, shares and dates formatted once
    (dashboard/formatting.py), columns sized to their content, short tables shown whole.
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
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            column_config[col] = st.column_config.DateColumn(col, format="YYYY-MM-DD")
        elif col not in ("Source", "Title"):
            column_config[col] = st.column_config.Column(col, width=_content_width(frame, col, 320))
    if "Source" in frame.columns:
        column_config["Source"] = st.column_config.LinkColumn("Source", display_text="Open source ↗", width=110)
    order = list(frame.columns)
    if record_links and "ID" in frame.columns and "Title" in frame.columns and not frame.empty:
        width = _content_width(frame, "Title", 560)
        addresses = frame["ID"].astype(str).map(site().record)
        frame["Title"] = addresses + "#" + frame["Title"].fillna("").astype(str)
        column_config["Title"] = st.column_config.LinkColumn("Title", display_text=TITLE_LINK, width=width,
                                                             help="Open the record's page")
        order = ["Title"] + [c for c in order if c != "Title"]
    elif "Title" in frame.columns:
        column_config["Title"] = st.column_config.Column("Title", width=_content_width(frame, "Title", 560))
    if height is None:
        height = "content" if len(frame) <= SHORT_TABLE else "auto"
    options: dict = {}
    if not complete:  # a column selection switches Streamlit's client-side header sort off
        options = {"on_select": "rerun", "selection_mode": "single-column"}
    st.dataframe(frame, hide_index=True, column_config=column_config, column_order=order, height=height, key=key,
                 placeholder=formatting.MISSING, **options)


def metric_row(items: list[tuple[str, object, str | None]]) -> None:
    cols = st.columns(len(items))
    for col, (label, value, help_text) in zip(cols, items):
        col.metric(label, shown(value), help=help_text)


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
            st.download_button(label, data=lambda fmt=fmt: exports.export_bytes(con, f, table, fmt, site=here,
                                                                         order=order),
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
