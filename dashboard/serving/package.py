"""The whole-dataset data package (About → "Data package", `python -m dashboard package`), built from what
the build PUBLISHES — the database the pages read — never from the raw source files, which hold records
marked `public=false` and names that are withheld.

Inside the ZIP:
- `data/<table>.csv` for every published table, written by the project's one CSV writer (`exports.to_csv`,
  formula-neutralised);
- `datapackage.json`, a Frictionless descriptor of those files, with the data version;
- `review_log.csv`, the review log reduced to the published records; for a case whose subject's name is
  withheld the finding text is left out (it may quote the name), the verdict stays;
- `COVERAGE.md`, the coverage notes with their count tables recomputed from the published records.

The bytes depend only on the database and those two documents: fixed entry dates, fixed order, so the
button and the command give identical files.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from pathlib import Path

import pandas as pd

from .. import config, schema
from . import coverage, exports
from .db import fetch

FILE_NAME = "eu-hr-monitor-data-package.zip"
ZIP_DATE = (2000, 1, 1, 0, 0, 0)
# The published tables, in the order of the descriptor. Derived tables (case_themes, action_themes, labels,
# escalation) are left out: they restate what these hold.
TABLES = ("cases", "case_events", "eu_actions", "action_cases", "countries", "themes", "commitments",
          "death_penalty_figures", "build_info")
FRICTIONLESS_TYPES = {"VARCHAR": "string", "DATE": "date", "INTEGER": "integer", "BIGINT": "integer",
                      "BOOLEAN": "boolean", "TIMESTAMP": "datetime", "DOUBLE": "number"}
REVIEW_COLUMNS = ("record_id", "review_round", "reviewed_on", "verdict", "finding")


def _columns(con, table: str) -> list[tuple[str, str]]:
    frame = fetch(con, "SELECT column_name, data_type FROM information_schema.columns "
                       "WHERE table_name = $table AND table_catalog = current_database() ORDER BY ordinal_position",
                  {"table": table})
    return list(frame.itertuples(index=False, name=None))


def _table(con, table: str, columns: list[tuple[str, str]]) -> pd.DataFrame:
    # Identifiers from the fixed TABLES list and the database's own catalogue, never from input.
    order = ", ".join(f'"{name}"' for name, _ in columns)
    frame = fetch(con, f'SELECT {order} FROM "{table}" ORDER BY ALL')
    for name, kind in columns:
        if FRICTIONLESS_TYPES.get(kind) == "integer":
            frame[name] = frame[name].astype("Int64")  # no "12.0" for a column with gaps
        elif kind == "BOOLEAN":
            frame[name] = frame[name].map({True: "true", False: "false"}).astype("string")
        elif kind == "TIMESTAMP":
            frame[name] = frame[name].map(lambda v: "" if pd.isna(v) else pd.Timestamp(v).isoformat())
    return frame


def _descriptions() -> dict[tuple[str, str], str]:
    return {(t.name, f.name): f.description for t in schema.TABLES for f in t.fields}


def descriptor(con, frames: dict[str, tuple[pd.DataFrame, list[tuple[str, str]]]]) -> dict:
    info = fetch(con, "SELECT data_version, built_at FROM build_info LIMIT 1")
    version = str(info.iloc[0]["data_version"]) if not info.empty else ""
    built = pd.Timestamp(info.iloc[0]["built_at"]).isoformat(timespec="seconds") + "Z" if not info.empty else ""
    described = _descriptions()
    resources = []
    for table, (_, columns) in frames.items():
        fields = []
        for name, kind in columns:
            spec: dict = {"name": name, "type": FRICTIONLESS_TYPES.get(kind, "string")}
            if described.get((table, name)):
                spec["description"] = described[(table, name)]
            if kind == "BOOLEAN":
                spec["trueValues"], spec["falseValues"] = ["true"], ["false"]
            fields.append(spec)
        resources.append({"name": table, "path": f"data/{table}.csv", "profile": "tabular-data-resource",
                          "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                          "schema": {"fields": fields, "missingValues": [""]}})
    return {
        "name": "eu-human-rights-action-monitor",
        "title": "EU Human Rights Action Monitor: published cases and EU actions",
        "description": ("The records the monitor publishes (records not marked public, and names that are "
                        "withheld, are not included). Every record carries the public source it is taken from. "
                        "Text cells a spreadsheet would run as a formula start with a single quote."),
        "version": version,
        "created": built,
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                      "title": "Creative Commons Attribution 4.0"}],
        "resources": resources,
    }


def review_log(con, path: Path) -> bytes:
    """The review log, reduced to published records; findings about withheld-name cases left out."""
    published = fetch(con, "SELECT case_id AS id, NOT coalesce(name_public, false) AS withheld FROM cases "
                           "UNION ALL SELECT action_id, false FROM eu_actions")
    withheld = dict(zip(published["id"], published["withheld"], strict=True))
    if not Path(path).exists():
        return exports.to_csv(pd.DataFrame(columns=list(REVIEW_COLUMNS)))
    with open(path, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r.get("record_id") in withheld]
    frame = pd.DataFrame.from_records([{c: r.get(c, "") for c in REVIEW_COLUMNS} for r in rows],
                                      columns=list(REVIEW_COLUMNS))
    hide = frame["record_id"].map(withheld).astype(bool) if not frame.empty else []
    if len(frame):
        frame.loc[hide, "finding"] = ""
    return exports.to_csv(frame.astype("string"))


def coverage_notes(con, path: Path) -> bytes:
    """COVERAGE.md with its count tables computed from the published records only."""
    if not Path(path).exists():
        return b""
    with tempfile.TemporaryDirectory() as tmp:
        for table, columns in (("eu_actions", "action_id, country_iso3, themes, action_type, source_kind"),
                               ("cases", "case_id, country_iso3, themes, source_kind"),
                               ("case_events", "case_id"), ("action_cases", "action_id, case_id")):
            fetch(con, f"SELECT {columns} FROM {table} ORDER BY ALL").fillna("").to_csv(
                Path(tmp) / f"{table}.csv", index=False)
        text = coverage.updated_document(Path(path).read_text(encoding="utf-8"), Path(tmp))
    return text.encode("utf-8")


def package_bytes(con, review_path: Path | None = None, coverage_path: Path | None = None) -> bytes:
    """The data package of the database `con` reads."""
    review_path = review_path or config.DATA_DOCUMENTS[0]
    coverage_path = coverage_path or config.DATA_DOCUMENTS[1]
    frames = {}
    for table in TABLES:
        columns = _columns(con, table)
        frames[table] = (_table(con, table, columns), columns)
    entries = [("datapackage.json", (json.dumps(descriptor(con, frames), indent=2, ensure_ascii=False) + "\n")
                .encode("utf-8"))]
    entries += [(f"data/{table}.csv", exports.to_csv(frame)) for table, (frame, _) in frames.items()]
    entries += [("review_log.csv", review_log(con, review_path)), ("COVERAGE.md", coverage_notes(con, coverage_path))]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, payload)
    return buffer.getvalue()
