"""Merge a filled-in spreadsheet into the source files (`python -m dashboard import FILE.xlsx|FILE.csv`).

The input is checked with exactly the rules of the build: its rows are merged into a temporary copy of the sources
directory and `validate.load_sources` reads that copy. Every problem the validator finds there is mapped back to the
sheet and row it came from (a line-to-row map kept while writing the copy), so a staff member reads
`entry.xlsx:Cases:4: country_iso3: 'XYZ' does not exist in countries.csv (iso3)`.

All or nothing: with any problem, no source file changes. A clean file replaces the changed source files together
(temporary files, then os.replace) and the database is rebuilt by the project's build; if that fails, the previous
files are put back. Every input row is reported as added, updated, unchanged, duplicate or rejected.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..schema import TABLES_BY_NAME, Table
from .spreadsheet import (
    CLEAR,
    NEW_PREFIX,
    InputProblem,
    InputRow,
    id_field,
    id_letter,
    read_input,
    record_tables,
    sheet_title,
)
from .validate import ValidationError, load_sources

# A global EU action has no country; its id starts with this prefix (the validator's rule for action ids).
GLOBAL_PREFIX = "GLB"
# Likely duplicates of a record already held, beyond its keys: reported, never added.
LIKELY_DUPLICATES: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "eu_actions": ((("source_url", "date", "actor"), "same source URL, date and actor"),),
    "cases": ((("country_iso3", "subject_name"), "same country and subject"),),
    "case_events": ((("case_id", "date", "event_type"), "same case, date and event"),),
}
ADDED, UPDATED, UNCHANGED, DUPLICATE, REJECTED = "added", "updated", "unchanged", "duplicate", "rejected"


@dataclass
class Outcome:
    """What became of one input row."""
    row: InputRow
    status: str = ADDED
    record: str = ""  # the id (or key) of the record it adds or changes
    values: dict[str, str] = field(default_factory=dict)  # the record as it would be written
    diff: list[tuple[str, str, str]] = field(default_factory=list)  # (column, before, after) for an update
    note: str = ""  # why it is a duplicate
    problems: list[str] = field(default_factory=list)
    generated_id: bool = False
    duplicate_id: str = ""  # the existing record a duplicate repeats, when it has an id
    via_duplicate: str = ""  # set when a NEW-n name this row refers to turned out to be a duplicate


@dataclass
class ImportResult:
    input_name: str
    outcomes: list[Outcome]
    problems: list[str]  # every problem, as FILE:SHEET:ROW: column: problem
    applied: bool  # the source files were replaced
    dry_run: bool
    rebuilt: Path | None = None
    changed_files: list[str] = field(default_factory=list)
    withheld_names: tuple[str, ...] = ()  # subject names no output may show

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    def summary(self) -> str:
        counts = ", ".join(f"{self.count(s)} {s}" for s in (ADDED, UPDATED, UNCHANGED, DUPLICATE, REJECTED))
        if not self.ok:
            return f"{self.input_name}: {len(self.problems)} problem(s); no source file was changed ({counts})."
        if self.dry_run:
            return f"{self.input_name}: clean; dry run, nothing was changed (would be: {counts})."
        if not self.applied:
            return f"{self.input_name}: nothing to change ({counts})."
        rebuilt = f"; database rebuilt: {self.rebuilt}" if self.rebuilt else "; database not rebuilt"
        return f"{self.input_name}: {counts}; changed {', '.join(self.changed_files)}{rebuilt}."


@dataclass
class SourceFile:
    header: list[str]
    rows: list[dict[str, str]]


def _read_source(path: Path) -> SourceFile:
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        return SourceFile(header, [dict(zip(header, r, strict=False)) for r in reader if any(c.strip() for c in r)])


def _serialize(source: SourceFile) -> tuple[bytes, list[int]]:
    """The file's bytes as the source files are written (UTF-8, minimal quoting, \\n), and each row's first line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    parts, lines, line = [], [], 1
    for values in [source.header] + [[row.get(c, "") for c in source.header] for row in source.rows]:
        writer.writerow(values)
        part = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        parts.append(part)
        lines.append(line)
        line += part.count("\n")  # a quoted value may hold line breaks
    return "".join(parts).encode("utf-8"), lines[1:]


def _norm(value: str) -> str:
    return " ".join(value.split()).casefold().rstrip("/")


class _Merger:
    def __init__(self, sources: Path):
        self.sources = Path(sources)
        self.files = {t.name: _read_source(self.sources / t.filename) for t in record_tables()
                      if (self.sources / t.filename).exists()}
        self.changed: set[str] = set()
        self.new_names: dict[tuple[str, str], Outcome] = {}  # (table, NEW-1) -> the row that names it
        self.next_number: dict[str, int] = {}
        self.dup_index: dict[tuple, tuple[str, str]] = {}  # (table, rule no, values) -> (what it repeats, its id)
        self.row_of_record: dict[tuple[str, int], Outcome] = {}  # (table, index in file) -> input row
        self.updated: dict[tuple[str, int], Outcome] = {}
        for name, source in self.files.items():
            table = TABLES_BY_NAME[name]
            for row in source.rows:
                self._index(table, row, self._label(table, row), self._label(table, row))

    # --- ids and duplicates -----------------------------------------------------------------------------------

    def _label(self, table: Table, row: dict[str, str]) -> str:
        return " / ".join(row.get(c, "") for c in table.primary_key)

    def _rules(self, table: Table):
        rules = [(table.primary_key, "same " + ", ".join(table.primary_key))]
        rules += [(u, "same " + ", ".join(u)) for u in table.unique]
        rules += list(LIKELY_DUPLICATES.get(table.name, ()))
        return rules

    def _keys(self, table: Table, row: dict[str, str]):
        for n, (columns, reason) in enumerate(self._rules(table)):
            values = tuple(_norm(row.get(c, "")) for c in columns)
            if all(values):
                yield (table.name, n, values), reason

    def _index(self, table: Table, row: dict[str, str], label: str, record_id: str) -> None:
        for key, _ in self._keys(table, row):
            self.dup_index.setdefault(key, (label, record_id))

    def _duplicate_of(self, table: Table, row: dict[str, str]) -> tuple[str, str] | None:
        """(why the row is a likely duplicate, the id of the record it repeats) or None."""
        for key, reason in self._keys(table, row):
            if key in self.dup_index:
                label, record_id = self.dup_index[key]
                return f"likely duplicate of {label} ({reason}); not added", record_id
        return None

    def _new_id(self, table: Table, row: dict[str, str]) -> str:
        f = id_field(table)
        assert f is not None
        country = row.get("country_iso3", "")
        prefix = country or ("" if "country_iso3" not in row or table.field("country_iso3").required
                             else GLOBAL_PREFIX)
        if not re.fullmatch(r"[A-Z]{3}", prefix):
            return ""  # the country's own problem is reported; no id can be made from it
        stem = f"{prefix}-{id_letter(f)}-"
        if stem not in self.next_number:
            numbers = [int(r[f.name][len(stem):]) for r in self.files[table.name].rows
                       if r.get(f.name, "").startswith(stem) and r[f.name][len(stem):].isdigit()]
            self.next_number[stem] = max(numbers, default=0) + 1
        number = self.next_number[stem]
        self.next_number[stem] += 1
        return f"{stem}{number:04d}"

    # --- merging ------------------------------------------------------------------------------------------------

    def merge(self, rows: list[InputRow]) -> list[Outcome]:
        outcomes = [Outcome(r) for r in rows]
        with_ids = [o for o in outcomes if id_field(o.row.table)]
        # Records with ids first, so that NEW-n names are known before the rows that refer to them.
        for o in with_ids:
            self._merge_with_id(o)
        for o in outcomes:
            self._resolve_new_names(o)
        for o in outcomes:
            if not id_field(o.row.table) and o.status != REJECTED:
                self._merge_by_key(o)
        return outcomes

    def _file(self, table: Table) -> SourceFile:
        return self.files.setdefault(table.name, SourceFile([f.name for f in table.fields], []))

    def _add(self, o: Outcome, values: dict[str, str]) -> None:
        table = o.row.table
        source = self._file(table)
        source.rows.append(values)
        self.row_of_record[(table.name, len(source.rows) - 1)] = o
        self.changed.add(table.name)
        o.values = values
        self._index(table, values, f"{o.row.sheet} row {o.row.row} of this file",
                    " / ".join(values.get(c, "") for c in table.primary_key))

    def _update(self, o: Outcome, index: int) -> None:
        table = o.row.table
        key = (table.name, index)
        if key in self.updated:
            first = self.updated[key].row
            o.status, o.problems = REJECTED, [f"{first.sheet} row {first.row} already changes this record"]
            return
        before = self._file(table).rows[index]
        after = dict(before)
        for column, value in o.row.values.items():
            if value == CLEAR:
                after[column] = ""
            elif value != "":
                after[column] = value
        o.diff = [(c, before.get(c, ""), after.get(c, "")) for c in self._file(table).header
                  if before.get(c, "") != after.get(c, "")]
        o.values = after
        o.status = UPDATED if o.diff else UNCHANGED
        self.updated[key] = o
        if o.diff:
            self._file(table).rows[index] = after
            self.row_of_record[key] = o
            self.changed.add(table.name)

    def _merge_with_id(self, o: Outcome) -> None:
        table, f = o.row.table, id_field(o.row.table)
        assert f is not None
        given = o.row.values.get(f.name, "")
        if given == "" or given.upper().startswith(NEW_PREFIX):
            if given:
                name = (table.name, given.upper())
                if name in self.new_names:
                    first = self.new_names[name].row
                    o.status, o.problems = REJECTED, [f"{given} already names {first.sheet} row {first.row}"]
                    return
                self.new_names[name] = o
            values = {c: ("" if v == CLEAR else v) for c, v in o.row.values.items()}
            duplicate = self._duplicate_of(table, values)
            if duplicate:
                o.status, (o.note, o.duplicate_id), o.record = DUPLICATE, duplicate, given
                return
            values[f.name] = self._new_id(table, values)
            o.record, o.generated_id = values[f.name], True
            self._add(o, values)
            return
        index = next((i for i, r in enumerate(self._file(table).rows) if r.get(f.name) == given), None)
        o.record = given
        if index is None:
            o.status = REJECTED
            o.problems = [f"{f.name}: '{given}' is not an existing id; leave it blank for a new record (or write "
                          f"{NEW_PREFIX}-1, {NEW_PREFIX}-2... to refer to it from another sheet)"]
            return
        self._update(o, index)

    def _resolve_new_names(self, o: Outcome) -> None:
        """Replace NEW-n in a reference to another record by the id given to the row that the name belongs to."""
        for f in o.row.table.fields:
            value = o.row.values.get(f.name, "")
            if not (f.foreign and value.upper().startswith(NEW_PREFIX)):
                continue
            named = self.new_names.get((f.foreign[0], value.upper()))
            target = sheet_title(TABLES_BY_NAME[f.foreign[0]])
            if named is None:
                problem = f"{f.name}: no row of sheet '{target}' is named {value}"
            elif named.status == DUPLICATE and named.duplicate_id:
                # The same file imported twice: its rows then repeat what the first import added.
                o.row.values[f.name] = named.duplicate_id
                o.via_duplicate = (f"{f.name}: {value} is {target} row {named.row.row}, a likely duplicate of "
                                   f"{named.duplicate_id}; write {named.duplicate_id} if that is the record meant")
                continue
            elif named.status != ADDED or not named.record:
                problem = f"{f.name}: {value} is {target} row {named.row.row}, which is not added ({named.status})"
            else:
                o.row.values[f.name] = named.record
                if o.values:
                    o.values[f.name] = named.record
                continue
            o.status = REJECTED
            o.problems.append(problem)

    def _merge_by_key(self, o: Outcome) -> None:
        table = o.row.table
        values = {c: ("" if v == CLEAR else v) for c, v in o.row.values.items()}
        key = tuple(values.get(c, "") for c in table.primary_key)
        o.record = " / ".join(key)
        index = None
        if all(key):
            index = next((i for i, r in enumerate(self._file(table).rows)
                          if tuple(r.get(c, "") for c in table.primary_key) == key), None)
        if index is not None:
            before = self._file(table).rows[index]
            if all(v == "" or before.get(c, "") == v for c, v in o.row.values.items()):
                o.status, o.note = DUPLICATE, f"already recorded ({table.filename}); not added"
                return
            self._update(o, index)
            return
        duplicate = self._duplicate_of(table, values)
        if duplicate:
            o.status, (o.note, o.duplicate_id) = DUPLICATE, duplicate
            return
        if o.via_duplicate:
            o.status, o.problems = REJECTED, [o.via_duplicate]
            return
        self._add(o, values)


def _check(merger: _Merger, outcomes: list[Outcome], tmp: Path, today: dt.date | None,
           reader_problems: list[InputProblem], name: str) -> tuple[list[str], dict[str, bytes]]:
    """Write the merged copy, validate it, and hang every problem on its input row. Returns (general problems,
    the new bytes of every changed file)."""
    new_bytes: dict[str, bytes] = {}
    line_owner: dict[tuple[str, int], Outcome] = {}
    for table_name in merger.changed:
        table = TABLES_BY_NAME[table_name]
        data, lines = _serialize(merger.files[table_name])
        new_bytes[table.filename] = data
        (tmp / table.filename).write_bytes(data)
        for index, line in enumerate(lines):
            owner = merger.row_of_record.get((table_name, index))
            if owner is not None:
                line_owner[(table.filename, line)] = owner

    by_cell = {(p.sheet, p.row): p for p in reader_problems}
    reader_cells = {(p.sheet, p.row, p.column) for p in reader_problems}
    general: list[str] = []
    try:
        load_sources(tmp, today=today)
    except ValidationError as err:
        for problem in err.problems:
            owner = line_owner.get((problem.file, problem.line))
            message = _with_line_names(line_owner, problem.file, problem.message)
            if owner is None:
                general.append(f"{name}: existing record at {problem.file}:{problem.line}: {problem.column}: {message}")
                continue
            if (owner.row.sheet, owner.row.row, problem.column) in reader_cells:
                continue  # the cell's own problem (a formula, an error value) is already reported
            owner.problems.append(f"{problem.column}: {message}")
    for o in outcomes:
        if o.generated_id and len(o.problems) > 1:
            # An id made from a bad country is a consequence; the country's problem is the cause.
            id_name = id_field(o.row.table).name  # type: ignore[union-attr]
            o.problems = [m for m in o.problems if not m.startswith(id_name + ":")] or o.problems
        for p in reader_problems:
            if (p.sheet, p.row) == (o.row.sheet, o.row.row):
                o.problems.insert(0, f"{p.column}: {p.message}")
        if o.problems:
            o.status = REJECTED
    owned = {(o.row.sheet, o.row.row) for o in outcomes}
    for p in reader_problems:
        if (p.sheet, p.row) not in owned:
            general.append(f"{name}:{p.sheet}:{p.row}: {p.column}: {p.message}")
    del by_cell
    return general, new_bytes


def _with_line_names(line_owner: dict[tuple[str, int], Outcome], file: str, message: str) -> str:
    """The message with every "line N" of `file` named as the record the import put there."""
    return re.sub(r"\bline (\d+)\b", lambda m: _line_name(line_owner, file, int(m.group(1))), message)


def _line_name(line_owner: dict[tuple[str, int], Outcome], file: str, line: int) -> str:
    owner = line_owner.get((file, line))
    return f"{owner.row.sheet} row {owner.row.row} of this file" if owner else f"{file} line {line}"


def _replace_sources(sources: Path, new_bytes: dict[str, bytes]) -> dict[str, bytes | None]:
    """Write every changed file beside its target, then move them all into place. Returns the previous bytes."""
    previous: dict[str, bytes | None] = {}
    temps: dict[str, Path] = {}
    try:
        for filename, data in new_bytes.items():
            target = sources / filename
            previous[filename] = target.read_bytes() if target.exists() else None
            fd, tmp_name = tempfile.mkstemp(prefix=f".{filename}.", suffix=".tmp", dir=sources)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            temps[filename] = Path(tmp_name)
        for filename, tmp in temps.items():
            os.replace(tmp, sources / filename)
    finally:
        for tmp in temps.values():
            if tmp.exists():
                tmp.unlink()
    return previous


def _restore(sources: Path, previous: dict[str, bytes | None]) -> None:
    for filename, data in previous.items():
        target = sources / filename
        if data is None:
            target.unlink(missing_ok=True)
        else:
            tmp = target.with_name(f".{filename}.restore")
            tmp.write_bytes(data)
            os.replace(tmp, target)


def import_file(path: Path, sources: Path, *, db: Path | None = None, dry_run: bool = False,
                report: Path | None = None, today: dt.date | None = None, finish=None) -> ImportResult:
    """Check the input against the sources and, if it is clean and not a dry run, merge it and rebuild `db`
    (`finish`: as in build.write_database)."""
    path, sources = Path(path), Path(sources)
    name = path.name
    rows, reader_problems = read_input(path)
    merger = _Merger(sources)
    outcomes = merger.merge(rows)
    with tempfile.TemporaryDirectory(prefix="import-") as tmp_dir:
        tmp = Path(tmp_dir)
        for item in sources.iterdir():
            if item.is_file():
                shutil.copyfile(item, tmp / item.name)
        general, new_bytes = _check(merger, outcomes, tmp, today, reader_problems, name)
    withheld = _withheld_names(merger, outcomes)
    problems = _redacted(withheld, general)
    for o in outcomes:
        if o.status == REJECTED:
            problems += [f"{name}:{o.row.sheet}:{o.row.row}: {m}" for m in _redacted(withheld, o.problems)]
    result = ImportResult(name, outcomes, problems, applied=False, dry_run=dry_run, withheld_names=withheld)
    if result.ok and not dry_run and new_bytes:
        previous = _replace_sources(sources, new_bytes)
        try:
            if db is not None:
                from .build import build

                build(sources, db, today=today, finish=finish)
                result.rebuilt = db
        except BaseException:
            _restore(sources, previous)
            raise
        result.applied = True
        result.changed_files = sorted(new_bytes)
    if report is not None:
        Path(report).write_text(report_html(result), encoding="utf-8")
    return result


# --- the report ---------------------------------------------------------------------------------------------------

def _hidden(o: Outcome) -> bool:
    """A record that is not public: its content may not reach the report."""
    return (o.values or o.row.values).get("public", "").lower() == "false"


def _withheld_names(merger: _Merger, outcomes: list[Outcome]) -> tuple[str, ...]:
    """Every subject name held back (name_public not true), in the sources or the input: no row of the report, about
    any record, may show one."""
    rows = list(merger.files.get("cases", SourceFile([], [])).rows)
    rows += [o.row.values for o in outcomes if o.row.table.name == "cases"]
    names = {r.get("subject_name", "").strip() for r in rows if r.get("name_public", "").lower() != "true"}
    return tuple(sorted((n for n in names if len(n) > 3), key=len, reverse=True))


def _redacted(names: tuple[str, ...], texts: list[str]) -> list[str]:
    if not names:
        return texts
    pattern = re.compile("|".join(re.escape(n) for n in names), re.IGNORECASE)
    return [pattern.sub("[withheld name]", t) for t in texts]


def _e(value) -> str:
    """Every value in the report passes here: data text is never markup."""
    return html.escape(str(value), quote=True)


STATUS_WORDS = {ADDED: "added", UPDATED: "updated", UNCHANGED: "no change", DUPLICATE: "duplicate, not added",
                REJECTED: "rejected"}
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1a1a1a; max-width: 70rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
.verdict { padding: .8rem 1rem; border-radius: .3rem; font-weight: 600; }
.fail { background: #fde2e1; border: 1px solid #b42318; } .pass { background: #dcfae6; border: 1px solid #067647; }
table { border-collapse: collapse; width: 100%; margin-top: .5rem; }
th, td { border: 1px solid #c8c8c8; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef2f6; }
.rejected { background: #fff4f3; } .duplicate { background: #fffaeb; }
td.old { color: #7a271a; text-decoration: line-through; } td.new { color: #05603a; }
ul.problems li { font-family: ui-monospace, monospace; margin: .2rem 0; }
"""


def _row_details(o: Outcome, names: tuple[str, ...]) -> str:
    hidden = _hidden(o)
    parts: list[str] = []
    if o.note:
        parts.append(f"<p>{_e(o.note)}</p>")
    if o.problems:
        items = "".join(f"<li>{_e(m)}</li>" for m in _redacted(names, o.problems))
        parts.append(f"<ul>{items}</ul>")
    if hidden and o.status in (ADDED, UPDATED, UNCHANGED):
        parts.append("<p>Not a public record: its content is not shown here.</p>")
    elif o.status == UPDATED:
        cells = "".join(
            f"<tr><th>{_e(c)}</th><td class='old'>{_e(b)}</td><td class='new'>{_e(a)}</td></tr>"
            for c, b, a in (_redacted(names, [c, b, a]) for c, b, a in o.diff))
        parts.append(f"<table><tr><th>column</th><th>before</th><th>after</th></tr>{cells}</table>")
    elif o.status == ADDED:
        values = o.values or o.row.values
        title = next((values[c] for c in ("title", "description", "summary") if values.get(c)), "")
        if title:
            parts.append(f"<p>{_e(_redacted(names, [title])[0])}</p>")
    return "".join(parts)


def _record_name(o: Outcome, result: ImportResult) -> str:
    if o.generated_id and (o.status == REJECTED or not result.applied):
        return "new record"  # its id is given only when the file is imported
    return _redacted(result.withheld_names, [o.record])[0]


def report_html(result: ImportResult) -> str:
    if not result.ok:
        verdict = (f"<p class='verdict fail'>{len(result.problems)} problem(s) found: no source file was changed. "
                   "Correct the cells listed below in the spreadsheet and import it again.</p>")
    elif result.dry_run:
        verdict = "<p class='verdict pass'>No problems found. This was a check only (dry run): nothing was changed.</p>"
    elif result.applied:
        rebuilt = " The database was rebuilt." if result.rebuilt else ""
        verdict = (f"<p class='verdict pass'>Imported. Changed source files: {_e(', '.join(result.changed_files))}."
                   f"{rebuilt}</p>")
    else:
        verdict = "<p class='verdict pass'>No problems found, and nothing to change.</p>"
    counts = "".join(f"<tr><th>{_e(STATUS_WORDS[s])}</th><td>{result.count(s)}</td></tr>"
                     for s in (ADDED, UPDATED, UNCHANGED, DUPLICATE, REJECTED))
    problems = "".join(f"<li>{_e(p)}</li>" for p in result.problems) or "<li>none</li>"
    rows = "".join(
        f"<tr class='{_e(o.status)}'><td>{_e(o.row.sheet)}</td><td>{o.row.row}</td>"
        f"<td>{_e(STATUS_WORDS[o.status] if result.ok or o.status == REJECTED else 'not imported: ' + STATUS_WORDS[o.status])}"
        "</td>"
        f"<td>{_e(_record_name(o, result))}</td><td>{_row_details(o, result.withheld_names)}</td></tr>"
        for o in result.outcomes)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Import report: {_e(result.input_name)}</title>
<style>{STYLE}</style></head><body>
<h1>Import report: {_e(result.input_name)}</h1>
<p>Made {_e(dt.datetime.now().strftime('%Y-%m-%d %H:%M'))}{' as a check only (dry run)' if result.dry_run else ''}.
Each row of the file is listed below with what became of it.</p>
{verdict}
<h2>Rows</h2><table>{counts}</table>
<h2>Problems</h2><p>Each problem reads: file:sheet:row: column: what is wrong.</p>
<ul class="problems">{problems}</ul>
<h2>Every row</h2>
<table><tr><th>sheet</th><th>row</th><th>result</th><th>record</th><th>details</th></tr>{rows}</table>
</body></html>
"""
