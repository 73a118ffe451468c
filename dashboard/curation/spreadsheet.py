"""The staff's spreadsheet: the entry template (`python -m dashboard template`) and the reader for filled-in files.

Everything a sheet contains is derived from `schema.TABLES`: one sheet per record kind, one column per field, a
drop-down list for every field with a closed set of values (an `enum`, a boolean, a country, the theme list). A column
added to the schema appears in the next template and is read by the importer without a change here, so the template
can never disagree with the validator.

The reader returns every row as plain strings, the form the source CSV files hold, so that the importer can validate
them with exactly the rules of the build. It refuses what a spreadsheet can hold but a source file cannot: formulas,
merged cells, error values, sheets it does not know.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import schema, taxonomy
from ..schema import Field, Table

# Tables the project maintains itself; staff records go in every other table.
REFERENCE_TABLES = ("countries", "themes")
# Sheet titles for the record kinds staff enter most; any other table gets a title made from its name.
SHEET_TITLES = {"eu_actions": "EU actions", "cases": "Cases", "case_events": "Case events", "action_cases": "Links"}
INSTRUCTIONS_SHEET = "Instructions"
LISTS_SHEET = "Lists"  # hidden: the values behind the drop-down lists
# A row that names a new record with this prefix (NEW-1, NEW-2...) can be referred to from another sheet of the same
# file; the importer replaces the name by the id it assigns.
NEW_PREFIX = "NEW"
# Written in a cell of an existing record's row, empties that (optional) cell; a blank cell keeps the current value.
CLEAR = "(clear)"
FIRST_DATA_ROW = 2  # row 1 holds the column names
TEMPLATE_ROWS = 5000  # rows that carry the drop-down lists and date formats


def record_tables() -> list[Table]:
    """The tables staff enter records into, the common kinds first."""
    tables = [t for t in schema.TABLES if t.name not in REFERENCE_TABLES]
    order = list(SHEET_TITLES)
    return sorted(tables, key=lambda t: order.index(t.name) if t.name in order else len(order))


def sheet_title(table: Table) -> str:
    return SHEET_TITLES.get(table.name) or table.name.replace("_", " ").capitalize()[:31]


def is_theme_list(f: Field) -> bool:
    return f.pattern == schema.THEME_LIST_PATTERN


def theme_combinations() -> list[str]:
    """Every non-empty set of themes written as the validator expects it: ids joined by ';' in taxonomy order."""
    ids = list(taxonomy.THEMES)
    return [";".join(combo) for n in range(1, len(ids) + 1) for combo in itertools.combinations(ids, n)]


def _source_column(sources: Path, table_name: str, column: str) -> list[str]:
    path = Path(sources) / f"{table_name}.csv"
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8-sig") as f:
        return sorted({(row.get(column) or "").strip() for row in csv.DictReader(f)} - {""})


def allowed_values(f: Field, sources: Path) -> tuple[list[str], bool] | None:
    """The values offered in a column's drop-down list, and whether the list is closed (anything else refused by
    Excel), or None for a free column. Ids of other records are offered but not enforced: a row may refer to a
    record added in the same file (NEW-1)."""
    if f.enum:
        return list(f.enum), True
    if f.type == "boolean":
        return ["true", "false"], True
    if is_theme_list(f):
        return theme_combinations(), True
    if f.foreign:
        table, column = f.foreign
        return _source_column(sources, table, column), table in REFERENCE_TABLES
    return None


def id_field(table: Table) -> Field | None:
    """The single-column id of a table whose ids the importer assigns (COUNTRY-LETTER-NUMBER), else None."""
    if len(table.primary_key) != 1:
        return None
    f = table.field(table.primary_key[0])
    return f if id_letter(f) else None


def id_letter(f: Field) -> str | None:
    match = re.match(r"^\^\[A-Z\]\{3\}-([A-Z])-\[0-9\]", f.pattern or "")
    return match.group(1) if match else None


# --- the template -------------------------------------------------------------------------------------------------

def _column_note(table: Table, f: Field) -> str:
    parts = [f.description, "Required." if f.required else "Optional."]
    if f.type == "date":
        parts.append("A date cell (type it as YYYY-MM-DD).")
    if id_field(table) is f:
        parts.append(f"Leave blank for a new record (or write {NEW_PREFIX}-1, {NEW_PREFIX}-2... to refer to it "
                     "from another sheet); write an existing id to correct that record.")
    return " ".join(parts)


def _format_hint(table: Table, f: Field, values: tuple[list[str], bool] | None) -> str:
    if id_field(table) is f:
        return f"blank or {NEW_PREFIX}-n for a new record; an existing id to correct it"
    if f.type == "date":
        return "date YYYY-MM-DD"
    if is_theme_list(f):
        return "pick from the list: one theme or several joined by ';'"
    if values is not None:
        closed, kind = values[1], "pick from the list"
        return kind if closed else "an existing id (list) or a NEW-n name from this file"
    if f.fmt == "uri":
        return "http(s) address of the public page"
    if f.type == "integer":
        return "whole number"
    return "text"


def write_template(out: Path, sources: Path) -> None:
    """Write the entry workbook: instructions, one sheet per record kind, hidden lists behind the drop-downs."""
    import xlsxwriter

    # strings_to_formulas off: nothing written here is ever a live formula.
    book = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    required = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    heading = book.add_format({"bold": True, "font_size": 14})

    tables = record_tables()
    instructions = book.add_worksheet(INSTRUCTIONS_SHEET)
    sheets = {t.name: book.add_worksheet(sheet_title(t)) for t in tables}
    lists = book.add_worksheet(LISTS_SHEET)
    lists.hide()

    list_ranges: dict[tuple[str, str], str] = {}
    list_col = 0
    for table in tables:
        for f in table.fields:
            values = allowed_values(f, sources)
            if not values or not values[0]:
                continue
            lists.write(0, list_col, f"{table.name}.{f.name}")
            for i, value in enumerate(values[0], start=1):
                lists.write_string(i, list_col, value)
            letter = xlsxwriter.utility.xl_col_to_name(list_col)
            list_ranges[(table.name, f.name)] = f"='{LISTS_SHEET}'!${letter}$2:${letter}${len(values[0]) + 1}"
            list_col += 1

    last = FIRST_DATA_ROW - 1 + TEMPLATE_ROWS - 1  # zero-based index of the last prepared row
    for table in tables:
        sheet = sheets[table.name]
        sheet.freeze_panes(1, 0)
        for col, f in enumerate(table.fields):
            sheet.write_string(0, col, f.name, required if f.required else bold)
            sheet.write_comment(0, col, _column_note(table, f), {"x_scale": 2, "y_scale": 2})
            width = 12 if f.type in ("date", "boolean") else 28 if f.name in ("title", "summary", "description") else 18
            sheet.set_column(col, col, width, date if f.type == "date" else None)
            values = allowed_values(f, sources)
            if f.type == "date":
                sheet.data_validation(1, col, last, col, {
                    "validate": "date", "criteria": "between",
                    "minimum": dt.datetime(1945, 1, 1), "maximum": "=TODAY()",
                    "error_title": f.name, "error_message": "A real date, not in the future, typed as YYYY-MM-DD.",
                    "input_title": f.name[:32], "input_message": "YYYY-MM-DD",
                })
            elif (table.name, f.name) in list_ranges:
                assert values is not None
                sheet.data_validation(1, col, last, col, {
                    "validate": "list", "source": list_ranges[(table.name, f.name)],
                    "error_type": "stop" if values[1] else "information",
                    "error_title": f.name[:32],
                    "error_message": "Pick a value from the list." if values[1]
                    else "Not an existing id: fine for a NEW-n record of this file, otherwise check it.",
                })

    instructions.set_column(0, 0, 26, wrap)
    instructions.set_column(1, 1, 10, wrap)
    instructions.set_column(2, 2, 44, wrap)
    instructions.set_column(3, 3, 80, wrap)
    lines = [
        ("How to add or correct records", heading),
        ("1. Fill one row per record in the sheet of its kind. Row 1 holds the column names: do not change them. "
         "Orange columns are required.", None),
        ("2. Type dates as YYYY-MM-DD: the cells are date cells. Give the date the source states for the act itself.", None),
        ("3. Pick controlled values (country, theme, actor, type, status...) from the drop-down list of the cell.", None),
        ("4. Themes: pick the one theme, or the combination of themes, from the list (combinations are written "
         "death_penalty;torture). In a file you type yourself, join theme ids with ';'.", None),
        (f"5. New record: leave its id blank and the import gives it the next free id. To link a new case to its "
         f"events or to an EU action in the same file, write {NEW_PREFIX}-1, {NEW_PREFIX}-2... in its id cell and the "
         "same name in the other sheet's case_id or action_id cell.", None),
        (f"6. Correction: write the existing id of the record and only the cells to change; blank cells keep the "
         f"current value, and {CLEAR} empties an optional cell.", None),
        ("7. Type values, never formulas; do not merge cells; do not add sheets.", None),
        ("8. Check the file: python -m dashboard import FILE.xlsx --dry-run --report report.html, and open the "
         "report in a browser. Then import it: python -m dashboard import FILE.xlsx. A file with any problem "
         "changes nothing.", None),
        ("Every record needs a public source (source_url) and names a person only when that source names them "
         "(name_public).", None),
    ]
    row = 0
    for text, fmt in lines:
        if fmt is None:
            instructions.merge_range(row, 0, row, 3, text, wrap)
            instructions.set_row(row, 30)
        else:
            instructions.write_string(row, 0, text, fmt)
        row += 1
    for table in tables:
        row += 1
        instructions.write_string(row, 0, f"Sheet '{sheet_title(table)}'", heading)
        instructions.write_string(row, 2, table.description, wrap)
        row += 1
        for col, head in enumerate(("column", "required", "what to enter", "meaning")):
            instructions.write_string(row, col, head, bold)
        for f in table.fields:
            row += 1
            values = allowed_values(f, sources)
            hint = _format_hint(table, f, values)
            if values and values[1] and len(values[0]) <= 25:
                hint += ": " + ", ".join(values[0])
            instructions.write_string(row, 0, f.name)
            instructions.write_string(row, 1, "yes" if f.required else "")
            instructions.write_string(row, 2, hint)
            instructions.write_string(row, 3, f.description)
    instructions.activate()
    book.close()


# --- reading a filled-in file ---------------------------------------------------------------------------------------

@dataclass
class InputRow:
    """One non-empty row of the input, its values as the source files would hold them."""
    sheet: str
    row: int
    table: Table
    values: dict[str, str]
    cells: dict[str, str] = field(default_factory=dict)  # column name -> cell reference (B7), for messages


@dataclass(frozen=True)
class InputProblem:
    sheet: str
    row: int
    column: str
    message: str


def _as_text(f: Field | None, value) -> str:
    """A cell's value as the source files write it: dates ISO, booleans true/false, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if f is not None and f.type == "date" else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if f is not None and f.type == "boolean" and text.lower() in ("true", "false"):
        return text.lower()
    if f is not None and f.pattern and ";" in f.pattern:
        text = re.sub(r"\s*;\s*", ";", text)
    return text


def _tables_by_sheet() -> dict[str, Table]:
    names: dict[str, Table] = {}
    for table in record_tables():
        names[sheet_title(table).casefold()] = table
        names[table.name.casefold()] = table
    return names


def _header(sheet: str, table: Table, header: list[str], problems: list[InputProblem]) -> bool:
    known = {f.name for f in table.fields}
    ok = True
    for i, name in enumerate(header):
        if name and name not in known:
            problems.append(InputProblem(sheet, 1, name, f"unknown column in cell {_col(i)}1; the columns of this "
                                                          f"sheet are: {', '.join(f.name for f in table.fields)}"))
            ok = False
    for name in [n for n in header if n]:
        if header.count(name) > 1:
            problems.append(InputProblem(sheet, 1, name, "column appears twice in the header"))
            ok = False
            break
    for f in table.fields:
        if f.required and f.name not in header:
            problems.append(InputProblem(sheet, 1, f.name, "required column is missing from the header row"))
            ok = False
    return ok


def _col(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _merged_ranges(ws) -> list:
    """The merged ranges of a read-only sheet, from the <mergeCell ref="H2:H3"/> elements of its XML part (the
    read-only reader, which streams the cells, does not collect them)."""
    from xml.etree.ElementTree import iterparse

    from openpyxl.worksheet.cell_range import CellRange

    ranges = []
    with ws.parent._archive.open(ws._worksheet_path) as part:
        for _, element in iterparse(part):
            if element.tag.endswith("}mergeCell") and element.get("ref"):
                ranges.append(CellRange(element.get("ref")))
            elif element.tag.endswith("}row"):
                element.clear()  # cells are read by openpyxl; keep memory flat here
    return ranges


def read_workbook(path: Path) -> tuple[list[InputRow], list[InputProblem]]:
    import openpyxl
    from openpyxl.cell.cell import TYPE_ERROR, TYPE_FORMULA

    rows: list[InputRow] = []
    problems: list[InputProblem] = []
    try:
        # Read-only mode streams the cells (a 5,000-row sheet in a second); data_only=False keeps formulas visible.
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InputFileError(f"{Path(path).name}: cannot be read as an Excel workbook (.xlsx): {exc}") from None
    try:
        by_sheet = _tables_by_sheet()
        for ws in book.worksheets:
            if ws.title in (INSTRUCTIONS_SHEET, LISTS_SHEET):
                continue
            table = by_sheet.get(ws.title.strip().casefold())
            if table is None:
                expected = ", ".join(sheet_title(t) for t in record_tables())
                problems.append(InputProblem(ws.title, 1, "-", f"unknown sheet '{ws.title}'; the sheets are: "
                                                               f"{INSTRUCTIONS_SHEET}, {expected}"))
                continue
            grid = ws.iter_rows()
            header = [_as_text(None, getattr(c, "value", None)) for c in next(grid, ())]
            for merged in _merged_ranges(ws):
                name = header[merged.min_col - 1] if merged.min_col <= len(header) and header[merged.min_col - 1] \
                    else _col(merged.min_col - 1)
                for row_no in range(merged.min_row, merged.max_row + 1):  # each row it spans loses the value
                    problems.append(InputProblem(ws.title, row_no, name,
                                                 f"cells {merged.coord} are merged; unmerge them and fill every cell"))
            if not _header(ws.title, table, header, problems):
                continue
            fields = [table.field(h) if h else None for h in header]
            for row_no, cells in enumerate(grid, start=2):
                if not any(getattr(c, "value", None) is not None and str(c.value).strip() for c in cells):
                    continue  # a fully empty row carries nothing
                values: dict[str, str] = {}
                refs: dict[str, str] = {}
                for i, cell in enumerate(cells):
                    value = getattr(cell, "value", None)
                    if value is None:
                        continue
                    ref = f"{_col(i)}{row_no}"
                    f = fields[i] if i < len(fields) else None
                    if f is None:
                        if str(value).strip():
                            problems.append(InputProblem(ws.title, row_no, "-", f"cell {ref} holds a value in a "
                                                                                "column without a name"))
                        continue
                    if cell.data_type == TYPE_FORMULA:
                        formula = str(getattr(value, "text", value))
                        shown = formula if len(formula) <= 60 else formula[:60] + "…"
                        problems.append(InputProblem(ws.title, row_no, f.name,
                                                     f"cell {ref} holds a formula ({shown}); type the value itself: "
                                                     "formulas are never evaluated or imported"))
                        values[f.name] = ""
                    elif cell.data_type == TYPE_ERROR:
                        problems.append(InputProblem(ws.title, row_no, f.name,
                                                     f"cell {ref} holds the error value {value}"))
                        values[f.name] = ""
                    elif f.type == "date" and isinstance(value, (int, float)) and not isinstance(value, bool):
                        # A date whose cell lost its date format reads as Excel's day count; never guess the date.
                        problems.append(InputProblem(ws.title, row_no, f.name,
                                                     f"cell {ref} holds the number {_as_text(None, value)}, not a "
                                                     "date; format the cell as a date and type it as YYYY-MM-DD"))
                        values[f.name] = ""
                    else:
                        values[f.name] = _as_text(f, value)
                    refs[f.name] = ref
                rows.append(InputRow(ws.title, row_no, table, values, refs))
    finally:
        book.close()
    return rows, problems


def read_csv(path: Path) -> tuple[list[InputRow], list[InputProblem]]:
    """A CSV file holds one record kind, named by the file (eu_actions.csv) or recognised by its header."""
    name = Path(path).name
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{name}: is not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    tables = {t.name: t for t in record_tables()}
    table = tables.get(Path(path).stem)
    if table is None:
        table = next((t for t in tables.values() if set(header) == {f.name for f in t.fields}), None)
    sheet = Path(path).stem
    if table is None:
        raise InputFileError(f"{name}:{sheet}:1: -: cannot tell which record kind this file holds; name it after "
                             f"one of {', '.join(f'{t}.csv' for t in tables)} or use that file's header row")
    problems: list[InputProblem] = []
    sheet = sheet_title(table)
    if not _header(sheet, table, header, problems):
        return [], problems
    rows: list[InputRow] = []
    start = 2
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > len(header) and any(c.strip() for c in record[len(header):]):
                problems.append(InputProblem(sheet, line, "-", f"has {len(record)} fields, the header has "
                                                               f"{len(header)}"))
                continue
            values = {}
            for col, raw in zip(header, record, strict=False):  # a short row leaves the rest empty
                f = table.field(col)
                if raw.strip().startswith("="):
                    problems.append(InputProblem(sheet, line, col, "starts with '=', which a spreadsheet would run "
                                                                   "as a formula; type the value itself"))
                    raw = ""
                values[col] = _as_text(f, raw)
            rows.append(InputRow(sheet, line, table, values))
    except csv.Error as exc:
        problems.append(InputProblem(sheet, reader.line_num, "-", f"unreadable CSV: {exc}"))
    return rows, problems


class InputFileError(Exception):
    """The input file cannot be read at all."""


def read_input(path: Path) -> tuple[list[InputRow], list[InputProblem]]:
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_workbook(path)
    if suffix == ".csv":
        return read_csv(path)
    raise InputFileError(f"{path.name}: unsupported file type '{suffix}'; import an .xlsx workbook or a .csv file")
