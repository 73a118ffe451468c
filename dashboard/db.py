"""Read-only access to the DuckDB file.

One connection per process, opened read-only with external access off, so no query can read or
write anything but this file. Each query runs on its own cursor, which makes concurrent Streamlit
sessions safe on the shared connection.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(
        str(path), read_only=True, config={"enable_external_access": False, "autoinstall_known_extensions": False,
                                           "autoload_known_extensions": False},
    )


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None) -> pd.DataFrame:
    """Run one parameterized query on a fresh cursor and return its rows."""
    cur = con.cursor()
    try:
        return cur.execute(sql, params or []).df()
    finally:
        cur.close()


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None):
    cur = con.cursor()
    try:
        return cur.execute(sql, params or []).fetchone()
    finally:
        cur.close()
