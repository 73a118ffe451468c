"""Exports of exactly the filtered rows, in CSV, XLSX, JSON, Parquet and a ZIP data package.

One function, `export_bytes`, serves the download buttons and `python -m dashboard export`, so both
give the same bytes. Files are built only when asked for (the buttons pass a callable).

Spreadsheet safety: CSV text cells that a spreadsheet would read as a formula are neutralised the
OWASP way (a leading single quote); XLSX is written by XlsxWriter with strings_to_formulas and
strings_to_urls off, so every text cell stays text. Numbers and dates keep their types.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import about, config, queries, urls
from .filters import Filters

# OWASP CSV injection: a cell starting with one of these is interpreted by spreadsheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
TABLES = {"actions": "EU actions", "cases": "Cases"}
FORMATS = {  # format (also the file extension) → MIME type
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
    "zip": "application/zip",
}
DATE_COLUMNS = ("Date", "Opened on", "Last EU action")


@dataclass(frozen=True)
class Provenance:
    table: str
    filters: Filters
    rows: int
    data_version: str
    built_at: str
    accessed: str
    view_url: str
    base_url: str = urls.LOCAL_BASE_URL

    @property
    def citation(self) -> str:
        return about.citation({"data_version": self.data_version}, self.base_url, view_url=self.view_url,
                              accessed=self.accessed)

    def as_dict(self) -> dict:
        return {
            "title": f"{config.PUBLISHER}: {TABLES[self.table]}",
            "dataset_version": self.data_version,
            "built_at_utc": self.built_at,
            "date_of_access": self.accessed,
            "filters": self.filters.describe(),
            "rows": self.rows,
            "licence": config.LICENCE,
            "citation": self.citation,
            "permalink": self.view_url,
        }


def export_frame(con, f: Filters, table: str, site: urls.Urls | None = None, order: str | None = None) -> pd.DataFrame:
    """All rows the filters select (not just the visible page), in the page's order, with a permalink per record."""
    if table == "actions":
        frame = queries.actions_table(con, f, limit=None, order=order)
    elif table == "cases":
        frame = queries.cases_table(con, f, limit=None, order=order)
    else:
        raise ValueError(f"unknown table {table!r}")
    frame["Permalink"] = frame["ID"].astype(str).map((site or urls.Urls.for_request()).record)
    return frame


def provenance(con, f: Filters, table: str, rows: int, accessed: dt.date | None = None,
               site: urls.Urls | None = None) -> Provenance:
    site = site or urls.Urls.for_request()
    info = queries.build_info(con)
    built = info.get("built_at")
    return Provenance(
        table=table, filters=f, rows=rows, data_version=str(info.get("data_version", "")),
        built_at=pd.Timestamp(built).isoformat(timespec="seconds") if built is not None else "",
        accessed=(accessed or dt.date.today()).isoformat(),
        view_url=site.view("explore", f, {"table": TABLES[table]} if table != "actions" else None),
        base_url=site.base,
    )


# The same characters as a regex class, for vectorised matching over whole columns.
TRIGGER_PATTERN = "^[" + "".join("\\" + c if c in "-\\" else c for c in FORMULA_TRIGGERS) + "]"


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]


# Control characters (NUL and the C0/C1 ranges except tab, line feed and carriage return) are never written raw.
CONTROL_PATTERN = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"


def to_csv(frame: pd.DataFrame) -> bytes:
    """The one CSV writer for every CSV the project emits (plain export, the export ZIP, the data package):
    cells a spreadsheet would run as a formula get a leading quote (OWASP), control characters become U+FFFD."""
    safe = frame.copy()
    for col in _text_columns(safe):
        text = safe[col].astype("string").str.replace(CONTROL_PATTERN, "\ufffd", regex=True)
        risky = text.str.contains(TRIGGER_PATTERN, regex=True, na=False)
        safe[col] = text.mask(risky, "'" + text)
    return safe.to_csv(index=False, date_format="%Y-%m-%d", quoting=csv.QUOTE_NONNUMERIC,
                       lineterminator="\r\n").encode("utf-8")


def to_xlsx(frame: pd.DataFrame, prov: Provenance) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False, "in_memory": True})
    created = dt.datetime.fromisoformat(prov.built_at) if prov.built_at else dt.datetime(2000, 1, 1)
    workbook.set_properties({"title": prov.as_dict()["title"], "author": config.PUBLISHER, "created": created,
                             "comments": prov.citation})
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    data = workbook.add_worksheet("Data")
    for c, name in enumerate(frame.columns):
        data.write_string(0, c, str(name), bold)
    for r, row in enumerate(frame.itertuples(index=False), start=1):
        for c, value in enumerate(row):
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                continue
            if isinstance(value, dt.date):  # pandas Timestamps are datetimes too
                data.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date_format)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                data.write_number(r, c, value)
            else:
                data.write_string(r, c, str(value))
    data.freeze_panes(1, 0)
    data.autofilter(0, 0, max(len(frame), 1), max(len(frame.columns) - 1, 0))
    sheet = workbook.add_worksheet("About this export")
    for r, (key, value) in enumerate(prov.as_dict().items()):
        sheet.write_string(r, 0, key.replace("_", " ").capitalize(), bold)
        if isinstance(value, int):
            sheet.write_number(r, 1, value)
        else:
            sheet.write_string(r, 1, str(value))
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 1, 100)
    workbook.close()
    return buffer.getvalue()


def to_json(frame: pd.DataFrame, prov: Provenance) -> bytes:
    records = json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False))
    for record in records:  # ISO dates without a time part
        for col in DATE_COLUMNS:
            if record.get(col):
                record[col] = record[col][:10]
    return json.dumps({"provenance": prov.as_dict(), "data": records}, ensure_ascii=False, indent=1).encode("utf-8")


def to_parquet(frame: pd.DataFrame, prov: Provenance) -> bytes:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for col in DATE_COLUMNS:  # calendar dates, not timestamps
        if col in table.column_names:
            table = table.set_column(table.column_names.index(col), col, table[col].cast(pa.date32()))
    metadata = dict(table.schema.metadata or {})
    metadata[b"provenance"] = json.dumps(prov.as_dict(), ensure_ascii=False).encode("utf-8")
    buffer = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(metadata), buffer)
    return buffer.getvalue()


def export_datapackage(frame: pd.DataFrame, prov: Provenance, filename: str) -> dict:
    """A Frictionless descriptor for one exported CSV."""
    def field(col: str) -> dict:
        kind = "string"
        if col in DATE_COLUMNS:
            kind = "date"
        elif pd.api.types.is_integer_dtype(frame[col]):
            kind = "integer"
        return {"name": col, "type": kind}

    return {
        "name": f"eu-hr-monitor-{prov.table}-export",
        "title": prov.as_dict()["title"],
        "description": f"Rows selected by: {prov.filters.describe()}. {prov.citation}",
        "version": prov.data_version,
        "created": f"{prov.accessed}T00:00:00Z",
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "sources": [{"title": config.PUBLISHER, "path": prov.view_url}],
        "resources": [{"name": prov.table, "path": filename, "format": "csv", "mediatype": "text/csv",
                       "encoding": "utf-8", "profile": "tabular-data-resource",
                       "schema": {"fields": [field(c) for c in frame.columns], "missingValues": [""]}}],
    }


def to_zip(frame: pd.DataFrame, prov: Provenance) -> bytes:
    """The CSV with its datapackage.json and CITATION.txt. Entry dates are fixed, so the bytes are reproducible."""
    filename = f"{prov.table}.csv"
    # The CSV inside is neutralised like every CSV the project writes: a hostile cell stays text in a spreadsheet.
    plain = to_csv(frame)  # the same neutralising writer as the plain CSV
    citation = "\n".join([prov.citation, "", *(f"{k}: {v}" for k, v in prov.as_dict().items())]) + "\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in ((filename, plain),
                              ("datapackage.json", json.dumps(export_datapackage(frame, prov, filename), indent=2,
                                                              ensure_ascii=False).encode("utf-8")),
                              ("CITATION.txt", citation.encode("utf-8"))):
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, payload)
    return buffer.getvalue()


def export_bytes(con, f: Filters, table: str, fmt: str, accessed: dt.date | None = None,
                 site: urls.Urls | None = None, order: str | None = None) -> bytes:
    """The file a download button or `python -m dashboard export` produces: the rows the page shows, in its
    order. `site` is the public root permalinks are built on (the visitor's, on a page)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    frame = export_frame(con, f, table, site, order)
    if fmt == "csv":
        return to_csv(frame)
    prov = provenance(con, f, table, len(frame), accessed, site)
    return {"xlsx": to_xlsx, "json": to_json, "parquet": to_parquet, "zip": to_zip}[fmt](frame, prov)


def file_name(table: str, fmt: str) -> str:
    return f"eu-hr-monitor-{table}.{fmt}"


def whole_dataset_zip(sources_dir, datapackage_path, documents=()) -> bytes:
    """The source CSVs with data/datapackage.json: the whole dataset as a Frictionless data package, plus
    `documents` (the review log, the coverage notes) at the top level so a reuser can see how it was checked."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(datapackage_path, "datapackage.json")
        for path in documents:
            archive.write(path, path.name)
        for path in sorted(sources_dir.glob("*.csv")):
            archive.write(path, f"sources/{path.name}")
    return buffer.getvalue()
