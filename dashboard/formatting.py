"""Pure formatting for everything shown on screen or in a file: no Streamlit here, so it is unit-tested.

Every number, share and date a page, brief or export shows goes through one of these, so two pages can never
format the same value two ways ("None" on one, "never" on another; 0 decimals here, 2 there).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

MISSING = "—"


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def text(value) -> str:
    """A data value as plain text for markdown contexts (st.caption, st.markdown): markdown and HTML made inert."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    s = str(value)
    for ch in "\\`*_{}[]()#+-.!|<>~$":
        s = s.replace(ch, "\\" + ch)
    return s


def shown(value) -> str:
    """A value for a markdown-rendering element (metric, caption): dates as ISO, text made inert."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (int, float)):
        return f"{value:,}".replace(",", " ") if isinstance(value, int) else f"{value:.1f}"
    return text(value)


def percent(share) -> str:
    """A share in 0..1 as a whole percentage ("42%"), or the missing mark."""
    return MISSING if _missing(share) else f"{float(share):.0%}"


def date_or_never(value) -> str:
    """The date of a last EU action, or "never" when there was none."""
    if _missing(value):
        return "never"
    return value.date().isoformat() if isinstance(value, (pd.Timestamp, dt.datetime)) else str(value)[:10]
