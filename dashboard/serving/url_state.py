"""Filter state: the URL, the session and the sidebar widgets, kept in step. Imports Streamlit.

Where a filter value lives, and how it moves:

1. **URL → notices.** Every run reads the page's query parameters and parses them with
   `filters.from_query` (the same parser the command line uses). Every value that is ignored or changed
   (unknown, badly written, out of range, repeated, one too many on a one-choice page) gives one notice
   per parameter, quoting at most a short excerpt, rendered inert by `formatting.text`.
2. **URL → widgets.** Each filter widget is bound to its parameter (`bind="query-params"`): on arrival the
   URL seeds it; afterwards the widget writes its value back to the URL, dropping defaults. Values the
   widget cannot show as written (codes such as `?country=IRN`) are seeded into the session first as the
   labels the widget shows.
3. **Widgets → Filters.** What the page queries is read from the widgets, not from the URL, so the table
   always matches the sidebar. If the widgets ended up with something other than what the URL asked for
   (Streamlit has its own rules for values it refuses), a notice says what is shown instead.
4. **Page → page.** The filters last set are kept in the session (`SHARED_FILTERS`). Arriving on a page
   whose URL names none of its filters reopens it with the shared ones in the URL, so a copied link
   always shows what the page shows.
5. **Other parameters** a page reads (`table`, `measure`, `grain`, `by`, `page`, `present`) are checked with
   `check_choice`: a value that is not one of the offered choices gives a notice, never a silent fallback.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from .. import config, taxonomy
from . import filters
from .filters import PLACES, Filters
from .formatting import excerpt, text

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
SHARED_FILTERS = "_shared_filters"  # the URL parameters of the filters last set, on any page
LAST_PAGE = "_last_filter_page"
CHECKED_URL = "_checked_url"  # the page and URL whose widget values were last compared with the URL


def raw_params(keys: Iterable[str] = filters.PARAMS) -> dict[str, list[str]]:
    return {p: st.query_params.get_all(p) for p in keys}


def show_notices(notices: Iterable[str]) -> None:
    """Each notice once, as inert text (a URL value can never become a link, image or styling)."""
    seen: set[str] = set()
    for notice in notices:
        if notice not in seen:
            seen.add(notice)
            st.warning(text(notice), icon=":material/info:")


def check_choice(param: str, options: Iterable[str]) -> None:
    """A notice when the URL gives `param` a value that is not one of `options` (the widget then shows its default)."""
    options = [str(o) for o in options]
    values = st.query_params.get_all(param)
    if not values:
        return
    if len(values) > 1:
        show_notices([f"{param} was given {len(values)} times; only one value is used."])
    bad = [v for v in values if v not in options]
    if bad:
        shown = ", ".join(options[:6]) + (" …" if len(options) > 6 else "")
        show_notices([f"Ignored {param} {excerpt(bad[0])}: choose one of {shown}."])


def _canonicalise_url_values(raw: dict[str, list[str]], parsed: Filters, keys: Iterable[str]) -> None:
    """Links may carry codes (?country=IRN&theme=torture); bound widgets only know labels, so seed them."""
    canonical = parsed.to_query()
    for key in keys:
        if key in OPTIONS and raw.get(key) and key not in st.session_state:
            values = canonical.get(key, [])
            if values and values != raw[key]:
                st.session_state[key] = values


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


def _differences(asked: Filters, shown: Filters, keys: Iterable[str]) -> list[str]:
    """Notices for the filters whose widget shows something other than what the URL asked for."""
    want, got = asked.to_query(), shown.to_query()
    out = []
    for key in keys:
        if want.get(key, []) != got.get(key, []):
            showing = ", ".join(got.get(key, [])) or "no limit"
            out.append(f"The address asked for {key} {excerpt(', '.join(want.get(key, [])) or 'none')}; "
                       f"the page shows {excerpt(showing)}.")
    return out


# Presentation mode's look and keys: static files, no data in them (static/presentation/).
PRESENTATION_ASSETS = config.ROOT / "static" / "presentation"


def presentation_mode() -> bool:
    """`?present=1`: no sidebar or toolbar, larger type (static CSS, no data in it)."""
    values = st.query_params.get_all("present")
    if values and values[-1] == "1":
        css = (PRESENTATION_ASSETS / "presentation.css").read_text(encoding="utf-8")
        js = (PRESENTATION_ASSETS / "presentation.js").read_text(encoding="utf-8")
        st.html(f"<style>{css}</style><script>{js}</script>", unsafe_allow_javascript=True)
        return True
    if values:
        show_notices([f"Ignored present {excerpt(values[-1])}: use present=1 for presentation mode."])
    return False


def url_filters(single: Iterable[str] = ()) -> Filters:
    """Filters read from the URL without widgets (presentation mode), with the same notices."""
    parsed, notices = filters.from_query(raw_params(), single=single)
    show_notices(notices)
    return parsed


def filter_sidebar(page: str, keys: Iterable[str] = ALL_FILTERS, single: Iterable[str] = ()) -> Filters:
    """Filter widgets bound to the URL, shared across pages. `single` names those chosen one at a time."""
    keys, single = tuple(keys), set(single)
    raw = raw_params()
    _carry_filters_here(page, keys, single, raw)
    parsed, notices = filters.from_query({k: v for k, v in raw.items() if k in keys}, single=single)
    ignored = [k for k in filters.PARAMS if k not in keys and raw.get(k)]
    if ignored:
        notices.append(f"This page has no {', '.join(ignored)} filter; ignored.")
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
            # The parser checks them (form, range) and says what it ignored.
            left, right = st.columns(2)
            date_help = "A date written YYYY-MM-DD; press Enter to apply."
            chosen["since"] = [left.text_input("From", key="since", bind="query-params", max_chars=10,
                                               placeholder="YYYY-MM-DD", help=date_help)]
            chosen["until"] = [right.text_input("Until", key="until", bind="query-params", max_chars=10,
                                                placeholder="YYYY-MM-DD", help=date_help)]
        if "q" in keys:
            chosen["q"] = [st.text_input("Search text", key="q", bind="query-params", max_chars=filters.MAX_QUERY_LENGTH,
                                         placeholder="name, title, words…")]
    current, more = filters.from_query(chosen, single=single)
    notices += [n for n in more if n not in notices]
    checked = (page, tuple(sorted((k, tuple(v)) for k, v in raw.items() if v)))
    if st.session_state.get(CHECKED_URL) != checked:  # once per address: later runs follow the widgets
        st.session_state[CHECKED_URL] = checked
        notices += _differences(parsed, current, keys)
    show_notices(notices)
    # An empty subject (the Countries list) does not forget the country chosen elsewhere.
    _remember_filters(current, tuple(k for k in keys if k not in single or k in current.to_query()))
    return current
