"""Read the source CSVs and check every rule; report every problem at once.

Each problem is one line `file:line: column: problem`. Nothing is fixed silently: a value that
cannot be read is a problem, never a default.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from . import hosts, taxonomy
from .schema import TABLES, Field, Table

# Nothing in this dataset predates the Universal Declaration of Human Rights era; an earlier
# date is a typo.
EARLIEST_DATE = dt.date(1945, 1, 1)
TRUE, FALSE = "true", "false"


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


def _parse_value(f: Field, raw: str, today: dt.date):
    """Return (value, problem message or None)."""
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


def read_table(path: Path, table: Table, today: dt.date, problems: list[Problem]) -> list[Row]:
    name = path.name
    if not path.exists():
        problems.append(Problem(name, 0, "-", "file is missing"))
        return []
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        problems.append(Problem(name, line, "-", f"is not UTF-8 text (byte {exc.start})"))
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        problems.append(Problem(name, 1, "-", "file is empty: a header row is required"))
        return []
    header = [h.strip() for h in header]
    expected = [f.name for f in table.fields]
    for col in expected:
        if col not in header:
            problems.append(Problem(name, 1, col, "required column is missing from the header"))
    for col in header:
        if col not in expected:
            problems.append(Problem(name, 1, col or "(blank)", "unknown column (would be dropped); "
                                    f"expected columns: {', '.join(expected)}"))
    if len(set(header)) != len(header):
        problems.append(Problem(name, 1, "-", "a column name appears twice"))
    if any(p.file == name and p.line == 1 for p in problems):
        return []

    rows: list[Row] = []
    start = 2
    try:
        for record in reader:
            line = start
            start = reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue  # blank lines carry nothing
            if len(record) != len(header):
                problems.append(Problem(name, line, "-", f"has {len(record)} fields, the header has {len(header)}"))
                continue
            values = {}
            for col, raw in zip(header, record):
                f = table.field(col)
                value, message = _parse_value(f, raw.strip(), today)
                if message:
                    problems.append(Problem(name, line, col, message))
                values[col] = value
            rows.append(Row(line, values))
    except csv.Error as exc:
        problems.append(Problem(name, reader.line_num, "-", f"unreadable CSV: {exc}"))
    return rows


def _check_keys(table: Table, rows: list[Row], problems: list[Problem]) -> None:
    for key in (table.primary_key, *table.unique):
        seen: dict[tuple, int] = {}
        for row in rows:
            value = tuple(row.values.get(c) for c in key)
            if any(v is None for v in value):
                continue
            if value in seen:
                problems.append(Problem(table.filename, row.line, "+".join(key),
                                        f"duplicate of line {seen[value]} ({', '.join(map(str, value))})"))
            else:
                seen[value] = row.line


def _check_foreign_keys(tables: dict[str, list[Row]], problems: list[Problem]) -> None:
    for table in TABLES:
        for f in table.fields:
            if not f.foreign:
                continue
            target_table, target_col = f.foreign
            known = {r.values.get(target_col) for r in tables.get(target_table, [])}
            for row in tables.get(table.name, []):
                value = row.values.get(f.name)
                if value is not None and value not in known:
                    problems.append(Problem(table.filename, row.line, f.name,
                                            f"'{value}' does not exist in {target_table}.csv ({target_col})"))


def _check_cross_rules(tables: dict[str, list[Row]], problems: list[Problem]) -> None:
    first_event: dict[str, dt.date] = {}
    for ev in tables["case_events"]:
        cid, date = ev.values.get("case_id"), ev.values.get("date")
        if cid and date and (cid not in first_event or date < first_event[cid]):
            first_event[cid] = date
    for case in tables["cases"]:
        v = case.values
        cid = v.get("case_id")
        opened = v.get("opened_on")
        if cid in first_event and opened and opened > first_event[cid]:
            problems.append(Problem("cases.csv", case.line, "opened_on",
                                    f"{opened} is after the case's first event ({first_event[cid]})"))
        if cid and v.get("country_iso3") and not cid.startswith(v["country_iso3"]):
            problems.append(Problem("cases.csv", case.line, "case_id",
                                    f"id should start with the country code {v['country_iso3']}"))
        name = (v.get("subject_name") or "").strip()
        if v.get("name_public") is False and len(name) > 3:
            for col in ("title", "summary"):
                if name.lower() in (v.get(col) or "").lower():
                    problems.append(Problem("cases.csv", case.line, col,
                                            "contains the subject's name although name_public is false"))
    for action in tables["eu_actions"]:
        v = action.values
        if v.get("action_type") == "declaration_eu27" and v.get("on_behalf_of_eu27") is False:
            problems.append(Problem("eu_actions.csv", action.line, "on_behalf_of_eu27",
                                    "a declaration on behalf of the EU must not be marked false"))
        aid, iso = v.get("action_id") or "", v.get("country_iso3")
        prefix = iso or "GLB"
        if aid and not aid.startswith(prefix + "-"):
            problems.append(Problem("eu_actions.csv", action.line, "action_id",
                                    f"id should start with {prefix}- (country_iso3 is {iso or 'blank'})"))
    for theme in tables["themes"]:
        tid = theme.values.get("theme_id")
        if tid and theme.values.get("name") and theme.values["name"] != taxonomy.THEMES.get(tid):
            problems.append(Problem("themes.csv", theme.line, "name",
                                    f"must be '{taxonomy.THEMES.get(tid)}' as defined in dashboard/taxonomy.py"))


# A link may predate its case's start by up to this many days without a note (a statement on a
# trial often precedes the verdict the case is dated by only by weeks, never by years).
LINK_LEAD_DAYS = 365
DATED_TABLES = (("cases", "opened_on"), ("case_events", "date"), ("commitments", "adopted_on"))


def _check_curation_rules(tables: dict[str, list[Row]], problems: list[Problem]) -> None:
    """Rules from docs/CURATION.md that can be checked mechanically."""
    for name, column in DATED_TABLES:
        for row in tables.get(name, []):
            day, precision = row.values.get(column), row.values.get("date_precision")
            if day and precision == "year" and (day.month, day.day) != (1, 1):
                problems.append(Problem(f"{name}.csv", row.line, column,
                                        f"{day} has date_precision year: store a year-only date as 1 January"))
            if day and precision == "month" and day.day != 1:
                problems.append(Problem(f"{name}.csv", row.line, column,
                                        f"{day} has date_precision month: store a month-only date as the 1st"))
    first_event: dict[str, dt.date] = {}
    for ev in tables["case_events"]:
        cid, date = ev.values.get("case_id"), ev.values.get("date")
        if cid and date and (cid not in first_event or date < first_event[cid]):
            first_event[cid] = date
    start: dict[str, dt.date] = {}
    for case in tables["cases"]:
        v = case.values
        cid, opened = v.get("case_id"), v.get("opened_on")
        if cid and opened:
            start[cid] = min(opened, first_event.get(cid, opened))
        if cid in first_event and opened and opened < first_event[cid]:
            problems.append(Problem("cases.csv", case.line, "opened_on",
                                    f"{opened} is before the case's first event ({first_event[cid]}): opened_on is "
                                    "the date of the first event"))
        url = v.get("source_url")
        if url and v.get("discovered_via") not in (None, "eu") and hosts.is_eu_text(url):
            problems.append(Problem("cases.csv", case.line, "discovered_via",
                                    f"is {v['discovered_via']} but the case is cited from an EU text ({hosts.host_of(url)}): "
                                    "a case found on an EU page was discovered via eu"))
    for name, record in (("cases", "case"), ("eu_actions", "action")):
        for row in tables[name]:
            url, quality = row.values.get("source_url"), row.values.get("source_quality")
            if not url or not quality:
                continue
            derived = hosts.source_quality(url, record)
            if quality == "original" and derived != "original":
                problems.append(Problem(f"{name}.csv", row.line, "source_quality",
                                        f"is original but {hosts.host_of(url)} is not the acting body's own host "
                                        f"(dashboard/hosts.py says {derived}): cite the original page or mark it {derived}"))
            elif quality != "secondary" and derived == "secondary" and hosts.is_secondary_host(url):
                problems.append(Problem(f"{name}.csv", row.line, "source_quality",
                                        f"is {quality} but {hosts.host_of(url)} is listed as a mirror, repost or "
                                        "aggregator in dashboard/hosts.py: mark it secondary or cite the original page"))
    for action in tables["eu_actions"]:
        v = action.values
        language, original = v.get("title_language"), v.get("title_original")
        if language and language != "en" and not original:
            problems.append(Problem("eu_actions.csv", action.line, "title_original",
                                    f"is required when title_language is {language}: keep the document's own title "
                                    "here and put the English title (or a translation in [square brackets]) in title"))
        if language == "en" and original and original != v.get("title"):
            problems.append(Problem("eu_actions.csv", action.line, "title_original",
                                    "is set but title_language is en: leave it blank for an English title"))
    action_dates = {a.values.get("action_id"): a.values.get("date") for a in tables["eu_actions"]}
    linked_cases = set()
    for link in tables["action_cases"]:
        aid, cid = link.values.get("action_id"), link.values.get("case_id")
        linked_cases.add(cid)
        acted, began = action_dates.get(aid), start.get(cid)
        if acted and began and (began - acted).days > LINK_LEAD_DAYS and not link.values.get("note"):
            problems.append(Problem("action_cases.csv", link.line, "note",
                                    f"{aid} ({acted}) predates the start of {cid} ({began}) by more than a year: "
                                    "say in note why the action concerns this case, or remove the link"))
    for search in tables.get("response_searches", []):
        cid = search.values.get("case_id")
        if search.values.get("result") == "found" and cid and cid in start and cid not in linked_cases:
            problems.append(Problem("response_searches.csv", search.line, "result",
                                    f"is found but {cid} is linked to no EU action in action_cases.csv"))


def load_sources(sources: Path, today: dt.date | None = None) -> dict[str, list[Row]]:
    """Read and check every source file. Raises ValidationError listing every problem."""
    today = today or dt.date.today()
    problems: list[Problem] = []
    tables: dict[str, list[Row]] = {}
    for table in TABLES:
        rows = read_table(Path(sources) / table.filename, table, today, problems)
        _check_keys(table, rows, problems)
        tables[table.name] = rows
    _check_foreign_keys(tables, problems)
    _check_cross_rules(tables, problems)
    _check_curation_rules(tables, problems)
    if problems:
        raise ValidationError(sorted(problems, key=lambda p: (p.file, p.line, p.column)))
    return tables
