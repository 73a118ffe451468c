"""Build the DuckDB file from validated source files, atomically.

The database is written to a temporary file beside the target, checkpointed, closed and moved into
place with os.replace, so a failed build never touches an existing database and a running app never
sees half a file. Privacy rules are enforced here, not in the UI: records with public = false never
reach the file, and subject names are blanked unless name_public is true.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from . import summaries, taxonomy
from .schema import TABLES, TABLES_BY_NAME
from .validate import Row, load_sources

SCHEMA_SQL = """
CREATE TABLE countries (iso3 VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, region VARCHAR, subregion VARCHAR,
                        priority_area VARCHAR);
CREATE TABLE themes (theme_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, description VARCHAR);
CREATE TABLE cases (case_id VARCHAR PRIMARY KEY, title VARCHAR NOT NULL, country_iso3 VARCHAR NOT NULL,
                    themes VARCHAR NOT NULL, subject_type VARCHAR, subject_name VARCHAR, name_public BOOLEAN,
                    status VARCHAR NOT NULL, opened_on DATE NOT NULL, date_precision VARCHAR, summary VARCHAR,
                    source_url VARCHAR NOT NULL, source_kind VARCHAR, source_quality VARCHAR, other_sources VARCHAR,
                    discovered_via VARCHAR NOT NULL);
CREATE TABLE case_themes (case_id VARCHAR NOT NULL, theme_id VARCHAR NOT NULL);
CREATE TABLE case_events (event_no INTEGER PRIMARY KEY, case_id VARCHAR NOT NULL, date DATE NOT NULL,
                          date_precision VARCHAR, event_type VARCHAR NOT NULL, description VARCHAR,
                          source_url VARCHAR NOT NULL, source_kind VARCHAR);
CREATE TABLE eu_actions (action_id VARCHAR PRIMARY KEY, date DATE NOT NULL, actor VARCHAR NOT NULL,
                         action_type VARCHAR NOT NULL, country_iso3 VARCHAR, themes VARCHAR NOT NULL,
                         title VARCHAR NOT NULL, title_original VARCHAR, title_language VARCHAR, summary VARCHAR,
                         source_url VARCHAR NOT NULL, source_kind VARCHAR, source_quality VARCHAR, other_sources VARCHAR,
                         on_behalf_of_eu27 BOOLEAN);
CREATE TABLE action_themes (action_id VARCHAR NOT NULL, theme_id VARCHAR NOT NULL);
CREATE TABLE action_cases (action_id VARCHAR NOT NULL, case_id VARCHAR NOT NULL, note VARCHAR);
CREATE TABLE response_searches (case_id VARCHAR NOT NULL, searched_on DATE NOT NULL, queries VARCHAR NOT NULL,
                                result VARCHAR NOT NULL);
CREATE TABLE commitments (commitment_id VARCHAR PRIMARY KEY, title VARCHAR, adopted_on DATE, date_precision VARCHAR,
                          instrument_type VARCHAR,
                          themes VARCHAR, summary VARCHAR, source_url VARCHAR, source_kind VARCHAR);
CREATE TABLE death_penalty_figures (country_iso3 VARCHAR, year INTEGER, recorded_executions INTEGER,
                                    death_sentences INTEGER, figure_note VARCHAR, source_url VARCHAR,
                                    source_kind VARCHAR);
CREATE TABLE labels (kind VARCHAR NOT NULL, code VARCHAR NOT NULL, label VARCHAR NOT NULL, sort_order INTEGER);
CREATE TABLE escalation (action_type VARCHAR PRIMARY KEY, step INTEGER NOT NULL);
CREATE TABLE escalation_steps (step INTEGER PRIMARY KEY, label VARCHAR NOT NULL);
CREATE TABLE build_info (built_at TIMESTAMP, source_digest VARCHAR, data_version VARCHAR, cases INTEGER,
                         eu_actions INTEGER, case_events INTEGER, action_cases INTEGER);
CREATE INDEX eu_actions_country ON eu_actions(country_iso3);
CREATE INDEX eu_actions_date ON eu_actions(date);
CREATE INDEX case_events_case ON case_events(case_id);
CREATE INDEX action_cases_case ON action_cases(case_id);
CREATE INDEX action_cases_action ON action_cases(action_id);
"""


def source_digest(sources: Path) -> str:
    digest = hashlib.sha256()
    for table in TABLES:
        path = Path(sources) / table.filename
        digest.update(table.filename.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def publishable(tables: dict[str, list[Row]]) -> dict[str, list[dict]]:
    """Apply the privacy rules: drop non-public records and everything hanging off them; blank withheld names."""
    cases = []
    for row in tables["cases"]:
        v = dict(row.values)
        if not v.pop("public"):
            continue
        if not v["name_public"]:
            v["subject_name"] = None
        cases.append(v)
    case_ids = {c["case_id"] for c in cases}
    actions = []
    for row in tables["eu_actions"]:
        v = dict(row.values)
        if v.pop("public"):
            actions.append(v)
    action_ids = {a["action_id"] for a in actions}
    events = [dict(r.values) for r in tables["case_events"] if r.values["case_id"] in case_ids]
    links = [dict(r.values) for r in tables["action_cases"]
             if r.values["action_id"] in action_ids and r.values["case_id"] in case_ids]
    out = {name: [dict(r.values) for r in rows] for name, rows in tables.items()}
    searches = [dict(r.values) for r in tables.get("response_searches", []) if r.values["case_id"] in case_ids]
    out.update(cases=cases, eu_actions=actions, case_events=events, action_cases=links, response_searches=searches)
    return out


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records([{c: r.get(c) for c in columns} for r in rows], columns=columns)


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    columns = ", ".join(frame.columns)
    con.register("incoming", frame)
    con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming")  # names from schema.py
    con.unregister("incoming")


def write_database(data: dict[str, list[dict]], out: Path, digest: str, built_at: dt.datetime) -> None:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # DuckDB must create the file itself
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute(SCHEMA_SQL)
            for name in ("countries", "themes", "cases", "eu_actions", "action_cases", "commitments",
                         "death_penalty_figures", "response_searches"):
                cols = [f.name for f in TABLES_BY_NAME[name].fields if f.name != "public"]
                _insert(con, name, _frame(data[name], cols))
            events = [dict(e, event_no=i) for i, e in enumerate(data["case_events"], start=1)]
            _insert(con, "case_events", _frame(events, ["event_no"] + [f.name for f in TABLES_BY_NAME["case_events"].fields]))
            for table, key, rows in (("case_themes", "case_id", data["cases"]),
                                     ("action_themes", "action_id", data["eu_actions"])):
                pairs = [{key: r[key], "theme_id": t} for r in rows for t in sorted(set(r["themes"].split(";")))]
                _insert(con, table, _frame(pairs, [key, "theme_id"]))
            labels = [{"kind": kind, "code": code, "label": text, "sort_order": i}
                      for kind, mapping in taxonomy.LOOKUPS.items() for i, (code, text) in enumerate(mapping.items())]
            _insert(con, "labels", _frame(labels, ["kind", "code", "label", "sort_order"]))
            _insert(con, "escalation", pd.DataFrame(list(taxonomy.ESCALATION.items()), columns=["action_type", "step"]))
            _insert(con, "escalation_steps",
                    pd.DataFrame(list(taxonomy.ESCALATION_STEPS.items()), columns=["step", "label"]))
            con.execute(
                "INSERT INTO build_info VALUES (?, ?, ?, ?, ?, ?, ?)",
                [built_at, digest, f"{built_at:%Y.%m.%d}-{digest[:8]}", len(data["cases"]), len(data["eu_actions"]),
                 len(data["case_events"]), len(data["action_cases"])],
            )
            summaries.write(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
        wal = tmp.with_name(tmp.name + ".wal")
        if wal.exists():
            wal.unlink()


def build(sources: Path, out: Path, today: dt.date | None = None) -> dict[str, int]:
    """Validate the sources and write the database. Raises ValidationError; then `out` is untouched."""
    tables = load_sources(sources, today=today)
    data = publishable(tables)
    write_database(data, out, source_digest(sources), dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
    return {name: len(rows) for name, rows in data.items()}

