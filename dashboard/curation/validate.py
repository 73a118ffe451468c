"""Read the source CSVs and check every rule; report every problem at once.

Each problem is one line `file:line: column: problem`. Nothing is fixed silently: a value that
cannot be read is a problem, never a default.

Root cause first. Problems that make a file or a row unreadable (its encoding, its header, a stray quote, a
wrong number of fields) are listed first, each followed by at most one line counting what it breaks elsewhere
(rows of other files that refer to records which could not be read); every other problem follows in file and
line order. Reading goes on after a bad row or field.

Checks run on whole columns at once (Arrow compute over the column's strings), so a large file costs little; a value a
column-wide check flags is then checked again by `_parse_value`, the one statement of each rule, which decides
and writes the message.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import ipaddress
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .. import taxonomy
from ..schema import TABLES, TABLES_BY_NAME, Field, Table
from . import hosts

# Nothing in this dataset predates the Universal Declaration of Human Rights era; an earlier
# date is a typo.
EARLIEST_DATE = dt.date(1945, 1, 1)
TRUE, FALSE = "true", "false"
# Longer than any title or summary should be: such a field is almost always a quote that swallowed rows.
MAX_FIELD_CHARS = 10_000
# Control characters (NUL, tab, line breaks, C1) and the bidirectional overrides that can make published text
# read differently from what was written. Line breaks between rows are the CSV's own and are not in a field.
CONTROL_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = "\n\r"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


@dataclass
class Row:
    line: int
    values: dict  # typed values by column name


class ValidationError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the source files")


def text_problem(raw: str) -> str | None:
    """What is wrong with a field's characters, whatever its type: control characters or an absurd length."""
    if len(raw) > MAX_FIELD_CHARS:
        return (f"is {len(raw):,} characters long; a field holds at most {MAX_FIELD_CHARS:,} "
                "(is a closing quote missing?)")
    found = CONTROL_CHARS.search(raw)
    if found:
        char = found.group()
        name = unicodedata.name(char, "control character")
        return (f"holds a control character (U+{ord(char):04X} {name}) at position {found.start() + 1}: "
                "remove it (invisible characters are not allowed in any field)")
    return None


def _parse_value(f: Field, raw: str, today: dt.date):
    """Return (value, problem message or None)."""
    problem = text_problem(raw)
    if problem:
        return None, problem
    if raw == "":
        return None, ("is required but empty" if f.required else None)
    if f.type == "date":
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            return None, f"'{raw}' is not a date in the form YYYY-MM-DD"
        try:
            value = dt.date.fromisoformat(raw)
        except ValueError:
            return None, f"'{raw}' is not a real calendar date"
        if value > today:
            return None, f"{raw} is in the future"
        if value < EARLIEST_DATE:
            return None, f"{raw} is before {EARLIEST_DATE.isoformat()}, which is impossible for this dataset"
        return value, None
    if f.type == "boolean":
        if raw not in (TRUE, FALSE):
            return None, f"'{raw}' is not true or false"
        return raw == TRUE, None
    if f.type == "integer":
        if not re.fullmatch(r"-?\d+", raw):
            return None, f"'{raw}' is not a whole number"
        return int(raw), None
    if f.enum and raw not in f.enum:
        allowed = ", ".join(f.enum)
        return None, f"'{raw}' is not one of: {allowed}"
    if f.pattern and not re.fullmatch(f.pattern, raw):
        return None, f"'{raw}' does not match the required form {f.pattern}"
    if f.fmt == "uri":
        parsed = urlparse(raw)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in raw:
            return None, f"'{raw}' is not an http(s) URL"
        tracking = tracking_part(parsed.hostname or "", parsed.query)
        if tracking:
            return None, f"'{raw[:80]}…' is a tracking link, redirect or mirror ({tracking}): cite the publisher's own address"
    if f.fmt == "uri-list":
        for url in raw.split():
            _, message = _parse_value(URL_IN_LIST, url, today)
            if message:
                return None, message
        if len(set(raw.split())) != len(raw.split()):
            return None, "lists the same URL twice"
    return raw, None


URL_IN_LIST = Field("other_sources", "string", "", fmt="uri")


# Newsletter and short links can carry a reader's identity (an lnks.gd token holds the subscriber's e-mail
# address) and hide where they lead; campaign parameters say who shared a page. A public source cites the page.
REDIRECT_HOSTS = ("lnks.gd", "page.link", "bit.ly", "t.co", "ow.ly", "tinyurl.com", "lnkd.in", "goo.gl", "buff.ly")
TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_eid", "mc_cid")


def tracking_part(host: str, query: str) -> str | None:
    """The redirect host, tracking parameter or bare IP address (an anonymous mirror) in a URL, if it has one."""
    host = host.lower()
    try:
        ipaddress.ip_address(host)
        return "an IP-address mirror"
    except ValueError:
        pass
    for redirect in REDIRECT_HOSTS:
        if host == redirect or host.endswith("." + redirect):
            return redirect
    for pair in query.split("&"):
        name = pair.partition("=")[0].lower()
        if name.startswith(TRACKING_PARAMS):
            return name
    return None


@dataclass
class SourceFile:
    """One source file as read: its valid values column by column, and what could not be read."""
    table: Table
    frame: pd.DataFrame  # typed values, one column per schema field, plus `line`; missing or invalid is NA
    roots: list[Problem] = field(default_factory=list)  # problems that lost rows or the whole file
    bad_columns: set[str] = field(default_factory=set)  # columns where at least one value was refused
    value_problems: list[Problem] = field(default_factory=list)  # values refused (their rows are kept, the value is NA)

    @property
    def complete(self) -> bool:
        return not self.roots


def _decode(data: bytes, name: str, roots: list[Problem]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    bad_lines = []
    for number, raw_line in enumerate(data.split(b"\n"), start=1):
        try:
            raw_line.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad_lines.append((number, exc.start, raw_line[exc.start]))
    number, position, byte = bad_lines[0]
    more = f"; {len(bad_lines):,} lines hold such bytes" if len(bad_lines) > 1 else ""
    roots.append(Problem(name, number, "-", f"is not UTF-8 text (byte 0x{byte:02X} at position {position + 1} of "
                                            f"the line{more}): save the file as UTF-8 (in a spreadsheet, "
                                            "'CSV UTF-8'); a file saved as Latin-1 or Windows-1252 reads wrongly"))
    return data.decode("utf-8-sig", errors="replace")


def _header_problems(header: list[str], table: Table, name: str) -> list[Problem]:
    expected = [f.name for f in table.fields]
    found = []
    for col in expected:
        if col not in header:
            found.append(Problem(name, 1, col, "required column is missing from the header"))
    for col in header:
        if col not in expected:
            found.append(Problem(name, 1, col or "(blank)", "unknown column (would be dropped); "
                                 f"expected columns: {', '.join(expected)}"))
    if len(set(header)) != len(header):
        found.append(Problem(name, 1, "-", "a column name appears twice"))
    return found


def _plain_first_line(text: str) -> list[str] | None:
    """The header's fields when the first line is plain (no quote, no invisible character but its line end): then
    it is the first record whatever follows, read here without a reader over the whole text. None otherwise."""
    end = text.find("\n")
    line = text if end < 0 else text[:end]  # (partition would copy the rest of the text too)
    body = line[:-1] if line.endswith("\r") else line
    if not body.strip() or '"' in body or CONTROL_CHARS.search(body):
        return None
    return next(csv.reader([body]))


def _read_records(text: str, table: Table, name: str, roots: list[Problem]):
    """Split the text into records of the header's width; a record that cannot be read is a root problem and
    reading goes on with the next line. Returns (header, records, lines), or the records as a frame of strings
    when the file is clean CSV throughout (`read_clean_csv`), or None when there is no usable header."""
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))  # a huge field is a problem we report, not a stop
    header = _plain_first_line(text)
    reader = None  # the whole text, read record by record, made only when the file is not clean CSV throughout
    if header is None:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        try:
            header = next(reader)
        except StopIteration:
            header = []
        except csv.Error as exc:
            roots.append(Problem(name, 1, "-", f"the header row is unreadable CSV: {exc}"))
            return None
    header = [h.strip() for h in header]
    if not any(header):
        roots.append(Problem(name, 1, "-", "file is empty: a header row is required"))
        return None
    header_problems = _header_problems(header, table, name)
    if header_problems:
        if not roots:  # after an encoding problem, a garbled header says nothing more
            roots.extend(header_problems)
        else:
            roots.append(Problem(name, 1, "-", "the header does not name the expected columns either"))
        return None
    if (reader is None or reader.line_num == 1) and not roots:
        whole = read_clean_csv(text, header)
        if whole is not None:
            return whole
    if reader is None:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        next(reader)  # the header, read above from the first line
    width = len(header)
    first_line = reader.line_num + 1
    fast = _read_simple(reader, text, width, first_line)
    if fast is not None:
        return (header, *fast)
    # Something is off in this file: read it again record by record, noting where each one starts.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    next(reader)
    records: list[list[str]] = []
    lines: list[int] = []
    start = first_line
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            end = reader.line_num
            where = f" (the row runs on to line {end})" if end > start else ""
            roots.append(Problem(name, start, "-", f"unreadable CSV{where}: {exc}: a quote on this line is stray "
                                                   "or not closed (a quote inside a field is written twice: \"\")"))
            start = end + 1
            continue
        line, end = start, reader.line_num
        start = end + 1
        if end > line:
            roots.append(Problem(name, line, "-", f"a quoted field opened on this line runs on to line {end}, "
                                                  "taking the lines between into one row: a quote is stray or not "
                                                  "closed (a field cannot hold a line break)"))
            continue
        if len(record) != width:
            if not "".join(record).strip():
                continue  # blank lines carry nothing
            roots.append(Problem(name, line, "-", f"has {len(record)} fields, the header has {width}"))
            continue
        records.append(record)
        lines.append(line)
    return header, records, lines


# One CSV line as Python's csv module (strict) and Arrow's reader both read it the same way: fields unquoted
# (no quote, comma or line break in them) or quoted whole (a quote inside written twice, no line break), and at
# most a carriage return before the line's end. Fields hold no invisible character (CONTROL_CHARS, in RE2's words).
_PLAIN = r"\x00-\x1f\x7f-\x{9f}\x{202a}-\x{202e}\x{2066}-\x{2069}"
_CLEAN_FIELD = rf'(?:"(?:[^"{_PLAIN}]|"")*"|[^,"{_PLAIN}]*)'
_CLEAN_LINE = rf"^{_CLEAN_FIELD}(?:,{_CLEAN_FIELD})*\r?$"


_ASCII_VISIBLE = bytes(range(0x20, 0x7F))


def _plain_line_breaks(text: str, encoded: bytes) -> int | None:
    """How many line breaks the text holds, when every line matches _CLEAN_LINE for a reason seen in the whole text
    at once: ASCII with no quote, whose only invisible characters are line breaks and carriage returns before them
    (or at the very end). Then each line is unquoted fields, and no regex need run line by line. None says only that
    this shortcut does not apply."""
    if '"' in text or not text.isascii():
        return None
    invisible = encoded.translate(None, _ASCII_VISIBLE)  # the control characters and DEL, in order
    returns, breaks = invisible.count(b"\r"), invisible.count(b"\n")
    if len(invisible) != breaks + returns:
        return None
    if returns and returns != encoded.count(b"\r\n") + encoded.endswith(b"\r"):
        return None
    return breaks


def read_clean_csv(text: str, header: list[str]) -> pd.DataFrame | None:
    """The records after the header line, as strings, read by Arrow at C speed: the common case, where every line
    is one record of clean CSV (see _CLEAN_LINE), no line is blank and no field holds an invisible character.
    Returns None for anything else (the same reading as Python's csv module is then not certain, or there is a
    problem to report): the caller then reads the file record by record, which words every problem."""
    encoded = text.encode("utf-8")
    breaks = _plain_line_breaks(text, encoded)
    if breaks is not None:
        count = breaks + (1 if text and not text.endswith("\n") else 0)  # lines, less the empty one after a last break
    else:
        lines = pc.split_pattern(pa.array([text], type=pa.large_string()), "\n").flatten()
        if len(lines) and lines[-1].as_py() == "":
            lines = lines.slice(0, len(lines) - 1)  # the file's last line break
        if len(lines) < 2 or not pc.all(pc.match_substring_regex(lines, _CLEAN_LINE)).as_py():
            return None
        count = len(lines)
    if count < 2 or text.startswith(("\n", "\r\n")):
        return None  # no record, or a blank first line
    try:
        table = pacsv.read_csv(
            io.BytesIO(encoded),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, use_threads=False),
            # Arrow skips a blank line (empty, or a carriage return alone), so a file holding one reads fewer rows
            # than it has lines and is left to the careful reading, which keeps every record's line number.
            parse_options=pacsv.ParseOptions(newlines_in_values=False, double_quote=True, ignore_empty_lines=True),
            # The bytes are a Python string's own UTF-8, so Arrow need not check them again.
            convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header}, check_utf8=False,
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowException:
        return None  # e.g. a row of the wrong width: the careful reading says which
    if table.num_rows != count - 1:
        return None
    return pd.DataFrame({name: pd.Series(table.column(name), dtype="str") for name in header})


def isin(values: pd.Series, allowed) -> pd.Series:
    """values.isin(allowed) through Arrow (pandas' own loops over `allowed` in Python); missing is False."""
    array = pa.array(values, from_pandas=True)
    if len(array) == 0:
        return pd.Series([], dtype=bool, index=values.index)
    value_set = pa.array(allowed if isinstance(allowed, pd.Series) else list(allowed), from_pandas=True)
    if value_set.type != array.type:
        value_set = value_set.cast(array.type)
    found = pc.fill_null(pc.is_in(array, value_set=value_set, skip_nulls=True), False)
    return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index)


def _read_simple(reader, text: str, width: int, first_line: int):
    """The common case at C speed: every record is one line of the header's width (blank lines aside). Returns
    (records, lines), or None when the file needs the careful reading."""
    try:
        records = list(reader)
    except csv.Error:
        return None
    physical = text.count("\n") + (0 if text.endswith("\n") else 1) - (first_line - 1)
    if len(records) != physical:
        return None  # a record spans lines
    lines = list(range(first_line, first_line + len(records)))
    if all(len(record) == width for record in records):
        return records, lines
    kept = [(record, line) for record, line in zip(records, lines, strict=True) if len(record) == width]
    if len(kept) + sum(1 for record in records if not "".join(record).strip()) != len(records):
        return None  # a row of the wrong width: reported by the careful reading
    return [record for record, _ in kept], [line for _, line in kept]


def _fullmatch(values: pa.Array, pattern: str) -> pa.Array:
    """Which values the regular expression (RE2) matches whole."""
    return pc.match_substring_regex(values, f"^(?:{pattern})$")


def _cast_dates(strings) -> pa.Array | None:
    """The strings (or nulls) as Arrow dates, or None when one is not a date Arrow reads."""
    try:
        return pc.cast(strings, pa.date32())
    except pa.ArrowException:
        return None


def _nullable(values: pa.Array, array_type, fill) -> pd.Series:
    """An Arrow column holding nulls as pandas' nullable column of `array_type` (IntegerArray, BooleanArray): its
    values with `fill` where null, and the nulls as the mask."""
    return pd.Series(array_type(pc.fill_null(values, fill).to_numpy(zero_copy_only=False),
                                pc.is_null(values).to_numpy(zero_copy_only=False)))


def _vector_suspects(f: Field, values: pa.Array, today: dt.date) -> tuple[pa.Array, pd.Series | None]:
    """Values a column-wide check cannot pass (a superset of the bad ones), and the typed column for the rest.
    `values` are the column's stripped strings (Arrow, no nulls); the suspects are Arrow booleans, never null."""
    present = pc.not_equal(values, "")
    if f.fmt not in (None, "uri"):
        return present, None  # a format with no column-wide check here: every value gets the per-value rule
    if f.type == "date":
        # Arrow's cast reads only the form YYYY-MM-DD (ASCII digits) and only real calendar dates: when it reads every
        # value given, none needs the shape check.
        null = pa.scalar(None, values.type)
        days = _cast_dates(pc.if_else(present, values, null))
        if days is None:
            candidates = pc.if_else(pc.and_(present, _fullmatch(values, "[0-9]{4}-[0-9]{2}-[0-9]{2}")), values, null)
            days = _cast_dates(candidates)
            if days is None:  # an impossible date (a 30 February): pandas marks just that value NaT
                parsed = pd.to_datetime(pd.Series(candidates, dtype="str"), format="%Y-%m-%d", errors="coerce")
                days = pa.array(parsed.dt.date, type=pa.date32(), from_pandas=True)
        ok = pc.and_kleene(pc.less_equal(days, pa.scalar(today, pa.date32())),
                           pc.greater_equal(days, pa.scalar(EARLIEST_DATE, pa.date32())))
        typed = pd.Series(days.cast(pa.timestamp("s")).to_numpy(zero_copy_only=False))
        return pc.and_(present, pc.invert(pc.fill_null(ok, False))), typed
    if f.type == "boolean":
        ok = pc.is_in(values, value_set=pa.array([TRUE, FALSE], type=values.type))
        flags = pc.if_else(ok, pc.equal(values, TRUE), pa.scalar(None, pa.bool_()))
        typed = _nullable(flags, pd.arrays.BooleanArray, False)
        return pc.and_(present, pc.invert(ok)), typed
    if f.type == "integer":
        ok = _fullmatch(values, "-?[0-9]{1,18}")
        numbers = pc.cast(pc.if_else(ok, values, pa.scalar(None, values.type)), pa.int64())
        typed = _nullable(numbers, pd.arrays.IntegerArray, 0)
        return pc.and_(present, pc.invert(ok)), typed
    if f.enum:
        return pc.and_(present, pc.invert(pc.is_in(values, value_set=pa.array(f.enum, type=values.type)))), None
    if f.pattern:
        return pc.and_(present, pc.invert(_fullmatch(values, f.pattern))), None
    if f.fmt == "uri":
        plain = _fullmatch(values, r"(?i)https?://[A-Za-z0-9.-]*[A-Za-z-][A-Za-z0-9.-]*(:[0-9]+)?([/?#][^ ]*)?")
        tracking = "|".join(re.escape(h) for h in REDIRECT_HOSTS) + "|" + "|".join(TRACKING_PARAMS)
        tracked = pc.match_substring_regex(values, tracking, ignore_case=True)
        return pc.and_(present, pc.or_(pc.invert(plain), tracked)), None
    return pa.repeat(False, len(values)), None


def read_table(path: Path, table: Table, today: dt.date, problems: list[Problem]) -> list[Row]:
    """Read one source file into rows (problems are appended). See `read_source_file` for the fast form."""
    source = read_source_file(path, table, today)
    problems.extend(source.roots)
    problems.extend(source.value_problems)
    return rows_of(source.frame)


def read_source_file(path: Path, table: Table, today: dt.date) -> SourceFile:
    name = path.name
    columns = [f.name for f in table.fields]
    roots: list[Problem] = []
    value_problems: list[Problem] = []
    read = None
    if not path.exists():
        roots.append(Problem(name, 0, "-", "file is missing"))
    else:
        text = _decode(path.read_bytes(), name, roots)
        read = _read_records(text, table, name, roots)
    if read is None:
        empty = pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})
        return _typed(table, empty, [], today, roots, value_problems, ascii_text=True)
    if isinstance(read, pd.DataFrame):  # read whole by Arrow: every record one clean line, no invisible characters
        return _typed(table, read[columns], np.arange(2, len(read) + 2), today, roots, value_problems,
                      ascii_text=text.isascii())
    header, records, lines = read
    raw = pd.DataFrame(records, columns=header, dtype="str") if records else \
        pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})
    raw = raw[columns]
    if CONTROL_CHARS.search(text.replace("\r\n", "").replace("\n", "")):
        # The rare file with invisible characters: find them field by field (line breaks inside a field were
        # reported above, with the rows they swallowed).
        keep = []
        for record, line in zip(records, lines, strict=True):
            bad = False
            for col, value in zip(header, record, strict=True):
                message = text_problem(value) if CONTROL_CHARS.search(value) else None
                if message:
                    value_problems.append(Problem(name, line, col, message))
                    bad = True
            keep.append(not bad)
        # Such a row is refused whole: its other fields may be as wrong as the one we saw.
        raw = raw.loc[keep]  # (a list of no booleans would pick no columns with [])
        lines = [line for line, k in zip(lines, keep, strict=True) if k]
    return _typed(table, raw, lines, today, roots, value_problems, ascii_text=text.isascii())


def _typed(table: Table, raw: pd.DataFrame, lines: list[int] | np.ndarray, today: dt.date, roots: list[Problem],
           value_problems: list[Problem], ascii_text: bool) -> SourceFile:
    """Check every column of the raw strings at once (in Arrow) and convert it to its type; only a column where a
    column-wide check flags a value goes through pandas, value by value, for its messages. `ascii_text` says the
    file is ASCII: no field here holds a control character (a row holding one was refused), so the only white space
    is the space, which the ASCII trim strips as the Unicode one does, at half the cost."""
    trim = pc.ascii_trim_whitespace if ascii_text else pc.utf8_trim_whitespace
    name = table.filename
    line_numbers = np.asarray(lines, dtype="int64")
    columns: dict[str, pd.Series] = {"line": pd.Series(line_numbers)}
    source = SourceFile(table, pd.DataFrame(), roots)
    for f in table.fields:
        values = trim(pa.array(raw[f.name], type=pa.large_string()))
        blank = pc.equal(values, "")
        # Characters are counted only when some value is longer than that in bytes (a character is a byte or more).
        too_long = None
        if len(values) and pc.max(pc.binary_length(values)).as_py() > MAX_FIELD_CHARS:
            too_long = pc.greater(pc.utf8_length(values), MAX_FIELD_CHARS)
        checked = values if too_long is None else pc.if_else(too_long, "", values)
        suspects, converted = _vector_suspects(f, checked, today)
        if too_long is not None:
            suspects = pc.or_(suspects, too_long)
        if f.required:
            suspects = pc.or_(suspects, blank)
        if converted is not None:
            typed = converted
        elif pc.any(blank).as_py():
            typed = pd.Series(pc.if_else(blank, pa.scalar(None, values.type), values), dtype="str")
        else:
            typed = pd.Series(values, dtype="str")
        if pc.any(suspects).as_py():
            typed = typed.copy()
            rows = np.flatnonzero(suspects.to_numpy(zero_copy_only=False))
            for row, raw_value in zip(rows, pc.take(values, rows).to_pylist(), strict=True):
                value, message = _parse_value(f, raw_value, today)
                if message:
                    value_problems.append(Problem(name, int(line_numbers[row]), f.name, message))
                    source.bad_columns.add(f.name)
                    value = None
                typed.iat[row] = _typed_scalar(f, value)
        columns[f.name] = typed
    source.frame = pd.DataFrame(columns)
    source.value_problems = value_problems
    return source


def _typed_scalar(f: Field, value):
    if value is None:
        return pd.NA if f.type in ("boolean", "integer") else (pd.NaT if f.type == "date" else None)
    if f.type == "date":
        return pd.Timestamp(value)
    return value


def rows_of(frame: pd.DataFrame) -> list[Row]:
    """Typed rows as the rest of the curation tools use them: dates as datetime.date, empty as None."""
    if frame.empty:
        return []
    out = frame.drop(columns="line").copy()
    for col in out.columns:
        if str(out[col].dtype).startswith("datetime"):
            out[col] = out[col].dt.date
    out = out.astype(object).where(out.notna(), None)
    return [Row(int(line), values) for line, values in zip(frame["line"], out.to_dict("records"), strict=True)]


def _check_keys(source: SourceFile, problems: list[Problem]) -> None:
    table, frame = source.table, source.frame
    for key in (table.primary_key, *table.unique):
        if frame[key[0]].is_unique:
            continue  # its first column holds no value twice (nor two blanks): no two rows share the key
        keyed = frame[[*key, "line"]].dropna(subset=list(key))  # the key's columns alone: no copy of the rest
        duplicated = keyed.duplicated(subset=list(key), keep=False)
        if not duplicated.any():
            continue
        dups = keyed[duplicated]
        first = dups.groupby(list(key), sort=False)["line"].transform("min")
        for index in dups.index[dups["line"] != first]:
            values = ", ".join(_shown(dups.at[index, c]) for c in key)
            problems.append(Problem(table.filename, int(dups.at[index, "line"]), "+".join(key),
                                    f"duplicate of line {int(first[index])} ({values})"))


def _shown(value) -> str:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def _check_foreign_keys(sources: dict[str, SourceFile], problems: list[Problem],
                        consequences: dict[str, dict[str, int]]) -> None:
    """A reference to a record that does not exist is a problem, unless the file it points into lost rows or
    refused ids: then it is counted as a consequence of that file's problem, not listed."""
    for source in sources.values():
        for f in source.table.fields:
            if not f.foreign:
                continue
            target_name, target_col = f.foreign
            target = sources[target_name]
            values = source.frame[f.name]
            missing = values.notna() & ~isin(values, target.frame[target_col].dropna())
            if not missing.any():
                continue
            if not target.complete or target_col in target.bad_columns:
                counts = consequences.setdefault(target_name, {})
                counts[source.table.filename] = counts.get(source.table.filename, 0) + int(missing.sum())
                continue
            for line, value in zip(source.frame["line"][missing], values[missing], strict=True):
                problems.append(Problem(source.table.filename, int(line), f.name,
                                        f"'{value}' does not exist in {target_name}.csv ({target_col})"))


def normalised(text: str) -> str:
    """Text as a reader would recognise it: no accents, no case, single spaces (for the withheld-name check)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def _published_text_fields(table_name: str) -> list[str]:
    return [f.name for f in TABLES_BY_NAME[table_name].fields if f.free_text and f.name != "subject_name"]


def _check_withheld_names(sources: dict[str, SourceFile], problems: list[Problem]) -> None:
    """A subject whose name is withheld must not be named in any published text about the case: the case's own
    fields, its events, and the EU actions linked to it. Compared without accents, case or extra spaces."""
    cases = sources["cases"].frame
    if cases.empty:
        return
    names = cases["subject_name"].fillna("").str.strip()
    withheld = cases[(cases["name_public"] == False) & (names.str.len() > 3)]  # noqa: E712 (NA-aware)
    if withheld.empty:
        return
    wanted = {cid: normalised(name) for cid, name in zip(withheld["case_id"], withheld["subject_name"], strict=True)}
    public_case = dict(zip(withheld["case_id"], withheld["public"].fillna(False), strict=True))
    places = []  # (file, frame, case_id column, text fields, rows wanted)
    own_cases = withheld[withheld["public"].fillna(False).astype(bool)]
    places.append(("cases.csv", own_cases, own_cases["case_id"], _published_text_fields("cases")))
    events = sources["case_events"].frame
    events = events[events["case_id"].isin([c for c, p in public_case.items() if p])]
    places.append(("case_events.csv", events, events["case_id"], _published_text_fields("case_events")))
    links = sources["action_cases"].frame
    links = links[links["case_id"].isin(list(wanted))][["action_id", "case_id"]]
    actions = sources["eu_actions"].frame.merge(links, on="action_id")
    actions = actions[actions["public"].fillna(False).astype(bool)]
    places.append(("eu_actions.csv", actions, actions["case_id"], _published_text_fields("eu_actions")))
    for filename, frame, case_ids, text_fields in places:
        for col in text_fields:
            for line, cid, text in zip(frame["line"], case_ids, frame[col], strict=True):
                if isinstance(text, str) and wanted[cid] in normalised(text):
                    what = "the subject's name" if filename == "cases.csv" else f"the name of the subject of {cid}"
                    problems.append(Problem(filename, int(line), col,
                                            f"contains {what} although name_public is false"))


def _check_cross_rules(sources: dict[str, SourceFile], problems: list[Problem]) -> None:
    cases, events = sources["cases"].frame, sources["case_events"].frame
    first_event = events.dropna(subset=["case_id", "date"]).groupby("case_id", as_index=False)["date"].min()
    opened = cases["opened_on"]
    first = cases[["case_id"]].merge(first_event, on="case_id", how="left")["date"].set_axis(cases.index)
    late = opened.notna() & first.notna() & (opened > first)
    for line, day, first_day in zip(cases["line"][late], opened[late], first[late], strict=True):
        problems.append(Problem("cases.csv", int(line), "opened_on",
                                f"{_shown(day)} is after the case's first event ({_shown(first_day)})"))
    if sources["case_events"].complete:
        no_event = cases["case_id"].notna() & ~isin(cases["case_id"], events["case_id"].dropna())
        for line in cases["line"][no_event]:
            problems.append(Problem("cases.csv", int(line), "case_id",
                                    "has no event in case_events.csv: every case needs at least the event its "
                                    "source reports first"))
    known = cases["case_id"].notna() & cases["country_iso3"].notna()
    wrong = known & (cases["case_id"].str.slice(0, 3) != cases["country_iso3"])
    for line, cid, iso in zip(cases["line"][wrong], cases["case_id"][wrong], cases["country_iso3"][wrong], strict=True):
        if not cid.startswith(iso):
            problems.append(Problem("cases.csv", int(line), "case_id", f"id should start with the country code {iso}"))
    _check_withheld_names(sources, problems)
    actions = sources["eu_actions"].frame
    declared = (actions["action_type"] == "declaration_eu27") & (actions["on_behalf_of_eu27"] == False)  # noqa: E712
    for line in actions["line"][declared.fillna(False).astype(bool)]:
        problems.append(Problem("eu_actions.csv", int(line), "on_behalf_of_eu27",
                                "a declaration on behalf of the EU must not be marked false"))
    prefix = actions["country_iso3"].fillna("GLB")
    ids = actions["action_id"]
    wrong = ids.notna() & (ids.str.slice(0, 4) != prefix + "-")
    for line, iso in zip(actions["line"][wrong], actions["country_iso3"][wrong], strict=True):
        problems.append(Problem("eu_actions.csv", int(line), "action_id",
                                f"id should start with {iso if isinstance(iso, str) else 'GLB'}- "
                                f"(country_iso3 is {iso if isinstance(iso, str) else 'blank'})"))
    themes = sources["themes"].frame
    for line, tid, name in zip(themes["line"], themes["theme_id"], themes["name"], strict=True):
        if isinstance(tid, str) and isinstance(name, str) and name != taxonomy.THEMES.get(tid):
            problems.append(Problem("themes.csv", int(line), "name",
                                    f"must be '{taxonomy.THEMES.get(tid)}' as defined in dashboard/taxonomy.py"))


# A link may predate its case's start by up to this many days without a note (a statement on a
# trial often precedes the verdict the case is dated by only by weeks, never by years).
LINK_LEAD_DAYS = 365
DATED_TABLES = (("cases", "opened_on"), ("case_events", "date"), ("commitments", "adopted_on"))


@functools.lru_cache(maxsize=65536)
def _host_answer(fn, origin: str, *args):
    return fn(origin, *args)


def _by_origin(fn, url: str, *args):
    """dashboard/curation/hosts.py answers from a URL's host alone, so ask once per scheme://host, not once per URL."""
    return _host_answer(fn, "/".join(url.split("/", 3)[:3]), *args)


def _flag(mask: pd.Series) -> pd.Series:
    """A condition over a column as plain booleans (a missing value never matches)."""
    return mask.fillna(False).astype(bool)


def _origins(urls: pd.Series) -> pa.DictionaryArray:
    """scheme://host of each URL, as `_by_origin` takes it ("/".join(url.split("/", 3)[:3])), column-wide: each
    origin once in the dictionary, its index for each URL (null for a missing URL)."""
    array = pa.array(urls, type=pa.string(), from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()  # one dictionary for the whole column
    origin = pc.struct_field(pc.extract_regex(array, r"^(?P<origin>[^/]*(?:/[^/]*){0,2})"), [0])
    return origin.dictionary_encode()


def _host_answers(fn, urls: pd.Series, *args) -> pd.Series:
    """`fn` (from dashboard/curation/hosts.py, which answers from a URL's host alone) for every URL, asked once per
    origin; missing for a missing URL."""
    origins = _origins(urls)
    answers = pa.array([_host_answer(fn, origin, *args) for origin in origins.dictionary.to_pylist()])
    each = answers.take(origins.indices)
    # Strings (a source quality) as a string column, yes/no answers as nullable booleans: compared at C speed.
    return pd.Series(each, dtype="boolean" if pa.types.is_boolean(answers.type) else "str", index=urls.index)


def _dates_of(keys: pd.Series, by_key: pd.Series) -> pd.Series:
    """The date `by_key` holds for each key (NaT where it holds none), aligned with `keys`."""
    found = by_key.reindex(pd.Index(keys)) if len(by_key) else pd.Series(pd.NaT, index=pd.Index(keys))
    return pd.Series(pd.to_datetime(found.to_numpy()), index=keys.index)


def _day(value) -> str:
    return _shown(value) if isinstance(value, pd.Timestamp) else str(value)


# A curator's note inside a summary (how its date was worked out, what other pages give, that the page gives no date):
# the text a page shows would say more than its cited page says (docs/CURATION.md, section 2). Such notes belong in
# the review log's problem text. The forms found in the sources so far: "Date inferred: ...", "Year inferred: ...",
# "(date from ...)", "(date per ...)", "(date not given)", "(date computed from ...)", "Date taken from ...".
CURATOR_NOTE = (r"\b(?:date|year)s? (?:inferred|computed|taken from)\b"
                r"|\((?:date|year)s? (?:not given|not recorded|not stated|from|per|computed|inferred)\b")
NOTED_TEXT = (("eu_actions", "summary"), ("cases", "summary"), ("case_events", "description"))


def _check_summaries(frames: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    """No summary or event description carries a curator's note (CURATOR_NOTE); one pass per column."""
    for name, column in NOTED_TEXT:
        frame = frames.get(name)
        if frame is None or frame.empty:
            continue
        texts = pa.array(frame[column], type=pa.string(), from_pandas=True)
        noted = pc.fill_null(pc.match_substring_regex(texts, CURATOR_NOTE, ignore_case=True), False)
        if not pc.any(noted).as_py():
            continue
        mask = pd.Series(noted.to_numpy(zero_copy_only=False), index=frame.index)
        for line, text in zip(frame["line"][mask], frame[column][mask], strict=True):
            found = re.search(CURATOR_NOTE, text, re.IGNORECASE)
            problems.append(Problem(f"{name}.csv", int(line), column,
                                    f"carries a curator's note ('{found.group(0) if found else ''}...'): a {column} says "
                                    "only what its cited page says; say how the date was worked out, or what other "
                                    "pages give, in the review log (docs/CURATION.md)"))


def _check_curation_rules(frames: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    """Rules from docs/CURATION.md that can be checked mechanically, column by column over the typed frames
    (each row's file line in `line`); only the rows found wrong are visited, to word their messages."""
    _check_summaries(frames, problems)
    for name, column in DATED_TABLES:
        frame = frames.get(name)
        if frame is None or frame.empty:
            continue
        day, precision = frame[column], frame["date_precision"]
        dated = day.notna()
        not_jan_1 = _flag(dated & (precision == "year") & ~((day.dt.month == 1) & (day.dt.day == 1)))
        not_1st = _flag(dated & (precision == "month") & (day.dt.day != 1))
        for line, value in zip(frame["line"][not_jan_1], day[not_jan_1], strict=True):
            problems.append(Problem(f"{name}.csv", int(line), column,
                                    f"{_day(value)} has date_precision year: store a year-only date as 1 January"))
        for line, value in zip(frame["line"][not_1st], day[not_1st], strict=True):
            problems.append(Problem(f"{name}.csv", int(line), column,
                                    f"{_day(value)} has date_precision month: store a month-only date as the 1st"))
    events, cases = frames["case_events"], frames["cases"]
    first_event = events.dropna(subset=["case_id", "date"]).groupby("case_id")["date"].min()
    case_first = _dates_of(cases["case_id"], first_event)
    opened = cases["opened_on"]
    known = cases["case_id"].notna() & opened.notna()
    # A case's start: its first event, or opened_on when that is earlier or there is no event.
    start = opened.where(case_first.isna() | (opened <= case_first), case_first)[known]
    start.index = cases["case_id"][known]
    start = start[~start.index.duplicated(keep="last")]
    early = _flag(known & case_first.notna() & (opened < case_first))
    url, via = cases["source_url"], cases["discovered_via"]
    eu_text = _flag(url.notna() & via.notna() & (via != "eu"))
    if eu_text.any():
        eu_text &= _flag(_host_answers(hosts.is_eu_text, url.where(eu_text)))
    either = early | eu_text
    for line, day, first, too_early, wrong_way, address, found in zip(
            cases["line"][either], opened[either], case_first[either], early[either], eu_text[either], url[either],
            via[either], strict=True):
        if too_early:
            problems.append(Problem("cases.csv", int(line), "opened_on",
                                    f"{_day(day)} is before the case's first event ({_day(first)}): opened_on is "
                                    "the date of the first event"))
        if wrong_way:
            problems.append(Problem("cases.csv", int(line), "discovered_via",
                                    f"is {found} but the case is cited from an EU text ({hosts.host_of(address)}): "
                                    "a case found on an EU page was discovered via eu"))
    for name, record in (("cases", "case"), ("eu_actions", "action")):
        frame = frames[name]
        url, quality = frame["source_url"], frame["source_quality"]
        given = _flag(url.notna() & quality.notna())
        if not given.any():
            continue
        derived = _host_answers(hosts.source_quality, url.where(given), record)
        not_original = _flag(given & (quality == "original") & (derived != "original"))
        maybe_mirror = _flag(given & (quality != "original") & (quality != "secondary") & (derived == "secondary"))
        if maybe_mirror.any():
            maybe_mirror &= _flag(_host_answers(hosts.is_secondary_host, url.where(maybe_mirror)))
        for line, address, stated, said, original, mirror in zip(frame["line"][not_original | maybe_mirror],
                                                                  url[not_original | maybe_mirror],
                                                                  quality[not_original | maybe_mirror],
                                                                  derived[not_original | maybe_mirror],
                                                                  not_original[not_original | maybe_mirror],
                                                                  maybe_mirror[not_original | maybe_mirror], strict=True):
            if original:
                problems.append(Problem(f"{name}.csv", int(line), "source_quality",
                                        f"is original but {hosts.host_of(address)} is not the acting body's own host "
                                        f"(dashboard/curation/hosts.py says {said}): cite the original page or mark it {said}"))
            elif mirror:
                problems.append(Problem(f"{name}.csv", int(line), "source_quality",
                                        f"is {stated} but {hosts.host_of(address)} is listed as a mirror, repost or "
                                        "aggregator in dashboard/curation/hosts.py: mark it secondary or cite the original page"))
    actions = frames["eu_actions"]
    language, original, title = actions["title_language"], actions["title_original"], actions["title"]
    missing_original = _flag(language.notna() & (language != "en") & original.isna())
    needless_original = _flag((language == "en") & original.notna() & (original != title))
    for line, lang in zip(actions["line"][missing_original], language[missing_original], strict=True):
        problems.append(Problem("eu_actions.csv", int(line), "title_original",
                                f"is required when title_language is {lang}: keep the document's own title "
                                "here and put the English title (or a translation in [square brackets]) in title"))
    for line in actions["line"][needless_original]:
        problems.append(Problem("eu_actions.csv", int(line), "title_original",
                                "is set but title_language is en: leave it blank for an English title"))
    links = frames["action_cases"]
    dated_actions = actions[["action_id", "date", "source_quality"]].dropna(subset=["action_id"]).drop_duplicates(
        "action_id", keep="last")
    acted = _dates_of(links["action_id"], dated_actions.set_index("action_id")["date"])
    began = _dates_of(links["case_id"], start)
    lead = _flag(acted.notna() & began.notna() & ((began - acted).dt.days > LINK_LEAD_DAYS) & links["note"].isna())
    for line, aid, cid, action_day, case_day in zip(links["line"][lead], links["action_id"][lead],
                                                    links["case_id"][lead], acted[lead], began[lead], strict=True):
        problems.append(Problem("action_cases.csv", int(line), "note",
                                f"{aid} ({_day(action_day)}) predates the start of {cid} ({_day(case_day)}) by more "
                                "than a year: say in note why the action concerns this case, or remove the link"))
    originals = frames.get("original_searches")
    if originals is not None and not originals.empty:
        stated = originals["action_id"].map(dated_actions.set_index("action_id")["source_quality"])
        still_secondary = _flag((originals["result"] == "found") & (stated == "secondary"))
        for line, action_id in zip(originals["line"][still_secondary], originals["action_id"][still_secondary],
                                   strict=True):
            problems.append(Problem("original_searches.csv", int(line), "result",
                                    f"is found but {action_id} still cites a secondary page in eu_actions.csv: "
                                    "cite the page found, or record the search as none"))
    searches = frames.get("response_searches")
    if searches is not None and not searches.empty:
        cid = searches["case_id"]
        unlinked = _flag((searches["result"] == "found") & cid.notna() & isin(cid, pd.Series(start.index))
                         & ~isin(cid, links["case_id"].dropna()))
        for line, case_id in zip(searches["line"][unlinked], cid[unlinked], strict=True):
            problems.append(Problem("response_searches.csv", int(line), "result",
                                    f"is found but {case_id} is linked to no EU action in action_cases.csv"))



@dataclass
class CheckedSources:
    """Every source file read and checked: typed frames (with each row's line) and every problem, in order."""
    files: dict[str, SourceFile]
    problems: list[Problem]

    def frames(self) -> dict[str, pd.DataFrame]:
        return {name: source.frame for name, source in self.files.items()}


def check_sources(sources: Path, today: dt.date | None = None) -> CheckedSources:
    """Read and check every source file without raising: the build's fast path (frames, not rows)."""
    today = today or dt.date.today()
    files = {table.name: read_source_file(Path(sources) / table.filename, table, today) for table in TABLES}
    others: list[Problem] = []
    for source in files.values():
        others.extend(source.value_problems)
        _check_keys(source, others)
    consequences: dict[str, dict[str, int]] = {}
    _check_foreign_keys(files, others, consequences)
    _check_cross_rules(files, others)
    _check_curation_rules({name: source.frame for name, source in files.items()}, others)
    others.sort(key=lambda p: (p.file, p.line, p.column))
    ordered: list[Problem] = []
    for name, source in files.items():
        roots = list(source.roots)
        if name in consequences and not roots:
            # No row was lost, so the cause is a refused id: the first one leads, the rest stay in order.
            cause = next((p for p in others if p.file == source.table.filename and p.column in _key_columns(name)),
                         None)
            if cause is not None:
                others.remove(cause)
                roots.append(cause)
        ordered.extend(roots)
        if name in consequences and roots:
            counts = consequences[name]
            total = sum(counts.values())
            where = ", ".join(f"{n:,} in {filename}" for filename, n in counts.items())
            ordered.append(Problem(source.table.filename, roots[0].line, "-",
                                   f"… and {total:,} rows elsewhere refer to records of this file that could not be "
                                   f"read ({where}); they are checked again once the problem above is fixed"))
    return CheckedSources(files, ordered + others)


def _key_columns(table_name: str) -> set[str]:
    return {f.foreign[1] for t in TABLES for f in t.fields if f.foreign and f.foreign[0] == table_name}


def load_sources(sources: Path, today: dt.date | None = None) -> dict[str, list[Row]]:
    """Read and check every source file. Raises ValidationError listing every problem, root causes first."""
    checked = check_sources(sources, today)
    if checked.problems:
        raise ValidationError(checked.problems)
    return {name: rows_of(source.frame) for name, source in checked.files.items()}
