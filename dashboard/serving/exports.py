"""Exports of exactly the filtered rows, in CSV, XLSX, JSON, Parquet and a ZIP data package.

One function, `write_export`, writes every file: the download buttons (through `export_file`) and
`python -m dashboard export` call it, so both give the same bytes. Files are built only when asked
for (the buttons pass a callable). CSV, XLSX and Parquet stream from DuckDB in Arrow batches of
`BATCH_ROWS` rows, so memory stays bounded whatever the number of rows; XLSX above Excel's row limit is
refused with a message (ExportTooLarge), never cut short.

Spreadsheet safety: every CSV the project writes goes through one writer, `write_csv`: text cells that
a spreadsheet would read as a formula are neutralised the OWASP way (a leading single quote) and
control characters other than tab, line feed and carriage return (NUL…) are replaced by U+FFFD, never
written raw. XLSX is written by XlsxWriter with strings_to_formulas and strings_to_urls off, so every
text cell stays text. Numbers and dates keep their types.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from .. import config
from . import about, queries, urls
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
# Rows held in memory at once while a file is written: one DuckDB vector. At 1 M rows the CSV export peaked at
# 277 MB with 20,000 (the goal is 300 MB, and the same process reads up to 50 MB more on a busy machine), 236 MB
# with 2,048; XLSX 310 MB and 260 MB. The CPU cost of more, smaller batches was within the noise.
BATCH_ROWS = 2_048
# Excel's sheet holds 1,048,576 rows; the first is the header.
EXCEL_MAX_ROWS = 1_048_575


class ExportTooLarge(ValueError):
    """The selection does not fit the format; the message says so and what to do instead."""


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


def export_query(f: Filters, table: str, site: urls.Urls | None = None, order: str | None = None) -> queries.Clause:
    """All rows the filters select (not just the visible page), labelled, in the page's order (`order`, one of
    queries.ORDERS), with a permalink per record on the public root `site` (the visitor's, on a page)."""
    if table == "actions":
        rows, page = queries.actions_sql(f, limit=None, order=order), "action"
    elif table == "cases":
        rows, page = queries.cases_sql(f, limit=None, order=order), "case"
    else:
        raise ValueError(f"unknown table {table!r}")
    prefix = (site or urls.Urls.for_request()).record_prefix(page)
    # ids are URL-safe; the link prefix is bound like any value. The projection keeps the inner query's order.
    return queries.Clause(f'SELECT *, $permalink_prefix || "ID" AS "Permalink" FROM ({rows.sql}) x',
                          queries.merge(rows.params, {"permalink_prefix": prefix}))


def export_batches(con, f: Filters, table: str, site: urls.Urls | None = None,
                   order: str | None = None) -> Iterator[pa.RecordBatch]:
    """The export's rows from DuckDB, BATCH_ROWS at a time."""
    query = export_query(f, table, site, order)
    cur = con.cursor()
    try:
        yield from cur.sql(query.sql, params=dict(query.params)).to_arrow_reader(BATCH_ROWS)
    finally:
        cur.close()


def export_frame(con, f: Filters, table: str, site: urls.Urls | None = None, order: str | None = None) -> pd.DataFrame:
    """The export's rows as one DataFrame (for the formats that are not streamed)."""
    query = export_query(f, table, site, order)
    return queries.run(con, query.sql, query)


def export_rows(con, f: Filters, table: str) -> int:
    return queries.count_actions(con, f) if table == "actions" else queries.count_cases(con, f)


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
# Control characters a text cell must not carry raw: C0 but tab, LF and CR; DEL; C1.
CONTROL_PATTERN = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]"
CSV_OPTIONS = pa_csv.WriteOptions(include_header=True, quoting_style="needed", eol="\r\n")


def _is_text(column: pa.ChunkedArray | pa.Array) -> bool:
    return pa.types.is_string(column.type) or pa.types.is_large_string(column.type)


def neutralise(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Text cells made inert for spreadsheets: control characters replaced, formula triggers quoted."""
    columns = []
    for column in batch.columns:
        if _is_text(column):
            column = pc.replace_substring_regex(column.cast(pa.string()), CONTROL_PATTERN, "\ufffd")
            risky = pc.fill_null(pc.match_substring_regex(column, TRIGGER_PATTERN), False)
            column = pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)
        elif pa.types.is_timestamp(column.type) and _midnights(column):
            column = column.cast(pa.date32())  # a calendar date stored as a timestamp is written as a date
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def _midnights(column: pa.Array) -> bool:
    return bool(pc.all(pc.equal(column, pc.floor_temporal(column, unit="day"))).as_py() is not False)


def write_csv(batches: Iterable[pa.RecordBatch], out: BinaryIO, schema: pa.Schema | None = None) -> None:
    """THE CSV writer: every CSV the project emits (exports, the ZIP, the whole-dataset package) is written here."""
    writer = None
    for batch in batches:
        batch = neutralise(batch)
        if writer is None:
            writer = pa_csv.CSVWriter(out, batch.schema, write_options=CSV_OPTIONS)
        writer.write_batch(batch)
    if writer is None:  # no rows: the header alone
        if schema is None:
            raise ValueError("an empty CSV needs its schema")
        empty = neutralise(pa.RecordBatch.from_pylist([], schema=schema))
        writer = pa_csv.CSVWriter(out, empty.schema, write_options=CSV_OPTIONS)
    writer.close()


def _frame_batches(frame: pd.DataFrame) -> tuple[list[pa.RecordBatch], pa.Schema]:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata(None)
    return table.to_batches(max_chunksize=BATCH_ROWS), table.schema


def to_csv(frame: pd.DataFrame) -> bytes:
    """A DataFrame as CSV bytes, through the one neutralising writer."""
    buffer = io.BytesIO()
    batches, schema = _frame_batches(frame)
    write_csv(batches, buffer, schema)
    return buffer.getvalue()


EXCEL_EPOCH_OFFSET = 25569  # days from Excel's day 0 (1899-12-30) to 1970-01-01


# Characters XML 1.0 cannot hold; written as Excel's _xHHHH_ escapes (as XlsxWriter does), and a literal
# "_xHHHH_" in the text is itself escaped, so a reader gets back exactly the text that was exported.
_XML_CONTROL = [chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32))]


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _xml_text(column: pa.Array) -> pa.Array:
    """Strings escaped for an XML text node, the whole column at once."""
    text = column.cast(pa.string())
    text = pc.replace_substring_regex(text, "_(x[0-9A-Fa-f]{4})_", r"_x005F_\1_")
    text = pc.replace_substring(text, "&", "&amp;")
    text = pc.replace_substring(text, "<", "&lt;")
    text = pc.replace_substring(text, ">", "&gt;")
    if pc.any(pc.match_substring_regex(text, "[\x00-\x08\x0b\x0c\x0e-\x1f]")).as_py():
        for char in _XML_CONTROL:
            text = pc.replace_substring(text, char, f"_x{ord(char):04X}_")
    return text


XLSX_CHUNK_ROWS = 5000  # rows turned into sheet XML at a time


def _sheet_rows(batches: Iterable[pa.RecordBatch], first_row: int, date_style: int) -> Iterator[tuple[int, str]]:
    """The <row> elements of the data, a batch at a time, built column by column (no per-cell Python):
    strings as inline strings, numbers as numbers, dates as Excel day numbers in the date style."""
    row = first_row
    for whole in batches:
        for start in range(0, whole.num_rows, XLSX_CHUNK_ROWS):  # bounded memory, whatever the batch size
            batch = whole.slice(start, XLSX_CHUNK_ROWS)
            n = batch.num_rows
            numbers = pa.array(range(row + 1, row + n + 1), pa.int64()).cast(pa.string())
            cells = []
            for c, column in enumerate(batch.columns):
                ref = _column_letters(c)
                if pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
                    days = pc.add(column.cast(pa.date32()).cast(pa.int32()), EXCEL_EPOCH_OFFSET).cast(pa.string())
                    parts = (f'<c r="{ref}', numbers, f'" s="{date_style}"><v>', days, "</v></c>")
                elif pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
                    parts = (f'<c r="{ref}', numbers, '"><v>', column.cast(pa.string()), "</v></c>")
                else:
                    parts = (f'<c r="{ref}', numbers, '" t="inlineStr"><is><t xml:space="preserve">', _xml_text(column),
                             "</t></is></c>")
                cells.append(pc.fill_null(pc.binary_join_element_wise(*parts, "", null_handling="emit_null"), ""))
            rows = pc.binary_join_element_wise('<row r="', numbers, '">', *cells, "</row>", "")
            yield n, "".join(rows.to_pylist())
            row += n


def write_xlsx(batches: Iterable[pa.RecordBatch], out: BinaryIO, prov: Provenance, schema: pa.Schema) -> None:
    """XLSX with constant memory: XlsxWriter writes the workbook (styles, header, frozen header, filter, the About
    sheet), then the Data sheet's rows are streamed into its XML a batch at a time, each batch built by columns."""
    import xlsxwriter

    if prov.rows > EXCEL_MAX_ROWS:
        raise ExportTooLarge(f"{prov.rows:,} rows do not fit in an Excel sheet (at most {EXCEL_MAX_ROWS:,}); "
                             "choose CSV or Parquet, or narrow the filters.")
    with tempfile.TemporaryDirectory(prefix="xlsx-") as tmp:
        path = Path(tmp) / "export.xlsx"
        workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                                   "strings_to_numbers": False, "constant_memory": True,
                                                   "tmpdir": tmp})
        created = dt.datetime.fromisoformat(prov.built_at) if prov.built_at else dt.datetime(2000, 1, 1)
        workbook.set_properties({"title": prov.as_dict()["title"], "author": config.PUBLISHER, "created": created,
                                 "comments": prov.citation})
        bold = workbook.add_format({"bold": True})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        data = workbook.add_worksheet("Data")
        data.freeze_panes(1, 0)
        for c, name in enumerate(schema.names):
            data.write_string(0, c, str(name), bold)
        date_style = date_format._get_xf_index()  # noqa: SLF001 — the style number the streamed date cells name
        last_column = max(len(schema.names) - 1, 0)
        data.autofilter(0, 0, max(prov.rows, 1), last_column)
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
        data_part = f"xl/worksheets/sheet{data.index + 1}.xml"
        dimension = f'<dimension ref="A1:{_column_letters(last_column)}{prov.rows + 1}"/>'
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for info in source.infolist():
                if info.filename != data_part:
                    archive.writestr(info, source.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
                    continue
                xml = source.read(info.filename).decode("utf-8")
                head, tail = xml.split("</sheetData>", 1)
                head = re.sub(r"<dimension ref=\"[^\"]*\"/>", dimension, head, count=1)
                written = 0
                streamed = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                streamed.compress_type = zipfile.ZIP_DEFLATED
                with archive.open(streamed, "w", force_zip64=True) as part:
                    part.write(head.encode("utf-8"))
                    for n, rows in _sheet_rows(batches, 1, date_style):
                        part.write(rows.encode("utf-8"))
                        written += n
                    part.write(("</sheetData>" + tail).encode("utf-8"))
                if written != prov.rows:  # never a silent difference between what was counted and what was written
                    raise RuntimeError(f"wrote {written} rows, expected {prov.rows}")


def to_xlsx(frame: pd.DataFrame, prov: Provenance) -> bytes:
    buffer = io.BytesIO()
    batches, schema = _frame_batches(frame)
    write_xlsx(batches, buffer, prov, schema)
    return buffer.getvalue()


def to_json(frame: pd.DataFrame, prov: Provenance) -> bytes:
    records = json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False))
    for record in records:  # ISO dates without a time part
        for col in DATE_COLUMNS:
            if record.get(col):
                record[col] = record[col][:10]
    return json.dumps({"provenance": prov.as_dict(), "data": records}, ensure_ascii=False, indent=1).encode("utf-8")


def write_parquet(batches: Iterable[pa.RecordBatch], out: BinaryIO, prov: Provenance, schema: pa.Schema) -> None:
    metadata = {b"provenance": json.dumps(prov.as_dict(), ensure_ascii=False).encode("utf-8")}
    fields = [pa.field(n, pa.date32()) if n in DATE_COLUMNS else schema.field(n) for n in schema.names]
    target = pa.schema(fields, metadata=metadata)  # calendar dates, not timestamps
    with pq.ParquetWriter(out, target) as writer:
        for batch in batches:
            writer.write_batch(pa.RecordBatch.from_arrays(
                [col.cast(target.field(i).type) for i, col in enumerate(batch.columns)], schema=target))


def to_parquet(frame: pd.DataFrame, prov: Provenance) -> bytes:
    buffer = io.BytesIO()
    batches, schema = _frame_batches(frame)
    write_parquet(batches, buffer, prov, schema)
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


def _schema(con, f: Filters, table: str, site: urls.Urls | None, order: str | None) -> pa.Schema:
    query = export_query(f, table, site, order)
    cur = con.cursor()
    try:
        return cur.sql(f"SELECT * FROM ({query.sql}) LIMIT 0", params=dict(query.params)).to_arrow_table().schema
    finally:
        cur.close()


def write_export(con, f: Filters, table: str, fmt: str, out: BinaryIO, accessed: dt.date | None = None,
                 site: urls.Urls | None = None, order: str | None = None) -> None:
    """Write the file a download button or `python -m dashboard export` produces to `out`: the rows the page
    shows, in its order. `site` is the public root permalinks are built on (the visitor's, on a page)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}")
    if fmt == "csv":
        return write_csv(export_batches(con, f, table, site, order), out, _schema(con, f, table, site, order))
    if fmt in ("xlsx", "parquet"):
        prov = provenance(con, f, table, export_rows(con, f, table), accessed, site)
        writer = write_xlsx if fmt == "xlsx" else write_parquet
        return writer(export_batches(con, f, table, site, order), out, prov, _schema(con, f, table, site, order))
    frame = export_frame(con, f, table, site, order)
    prov = provenance(con, f, table, len(frame), accessed, site)
    out.write({"json": to_json, "zip": to_zip}[fmt](frame, prov))


def export_bytes(con, f: Filters, table: str, fmt: str, accessed: dt.date | None = None,
                 site: urls.Urls | None = None, order: str | None = None) -> bytes:
    buffer = io.BytesIO()
    write_export(con, f, table, fmt, buffer, accessed, site, order)
    return buffer.getvalue()


def export_file(con, f: Filters, table: str, fmt: str, accessed: dt.date | None = None,
                site: urls.Urls | None = None, order: str | None = None) -> BinaryIO:
    """The export written to an anonymous temporary file, returned as a reader at its start (for a download
    button: Streamlit accepts a BufferedReader, not the BufferedRandom a temporary file is)."""
    with tempfile.TemporaryFile() as handle:
        write_export(con, f, table, fmt, handle, accessed, site, order)
        handle.flush()
        reader = open(os.dup(handle.fileno()), "rb")  # noqa: SIM115 — the caller reads and closes it
    reader.seek(0)
    return reader


def save_export(con, f: Filters, table: str, fmt: str, path: Path, accessed: dt.date | None = None,
                site: urls.Urls | None = None, order: str | None = None) -> int:
    """Write the export to `path` atomically (a failed export leaves no file); returns its size in bytes."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            write_export(con, f, table, fmt, handle, accessed, site, order)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path.stat().st_size


def file_name(table: str, fmt: str) -> str:
    return f"eu-hr-monitor-{table}.{fmt}"


