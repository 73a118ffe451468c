"""Exports of exactly the filtered rows. Built only when asked for (the download button calls these).

CSV text cells that a spreadsheet would read as a formula are neutralised the OWASP way: a leading
single quote, so `=HYPERLINK(...)` arrives as text.
"""

from __future__ import annotations

import pandas as pd

from . import config, queries
from .filters import Filters

# OWASP CSV injection: cells starting with these characters are interpreted by spreadsheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
TABLES = {"actions": "EU actions", "cases": "Cases"}


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def export_frame(con, f: Filters, table: str) -> pd.DataFrame:
    """All rows the filters select, with a permalink to each record's page."""
    if table == "actions":
        frame = queries.actions_table(con, f, limit=None)
    elif table == "cases":
        frame = queries.cases_table(con, f, limit=None)
        frame["Permalink"] = config.PUBLIC_BASE_URL + "/case?id=" + frame["ID"].astype(str)
    else:
        raise ValueError(f"unknown table {table!r}")
    return frame


def to_csv(frame: pd.DataFrame) -> bytes:
    safe = frame.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(neutralise)
    return safe.to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8")
