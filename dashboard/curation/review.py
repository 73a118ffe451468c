"""Apply a reviewer's verdicts to the source files (`python -m dashboard apply-review VERDICTS.csv`).

A verdicts file has the columns id, verdict, problem, correction. `fix` rows carry corrections written as
`field=value | field=value`; `drop` rows remove the record with its links (and, for a case, its events); `ok` and
`unverifiable` rows change nothing. Besides action and case ids, an id may name
- a case event as `CASE_ID#N`, the case's N-th event in file order (as numbered in the review batch), to fix or drop;
- a link as `ACTION_ID>CASE_ID`, to drop when the action's source does not name the case.
Every change is returned as a line for the reviewer to read, and the sources are validated afterwards by the usual
build. With a log file, every verdict is also appended to it (`data/review_log.csv`).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path


def _load(path: Path) -> tuple[list[dict], list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader), list(reader.fieldnames or [])


def _save(path: Path, rows: list[dict], columns: list[str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def apply_verdicts(verdicts_path: Path, sources: Path, log: Path | None = None, review_round: str = "",
                   reviewed_on: str = "") -> list[str]:
    tables = {name: _load(sources / f"{name}.csv") for name in ("eu_actions", "cases", "action_cases", "case_events")}
    verdicts, _ = _load(verdicts_path)
    # Event numbers refer to the file as the reviewer saw it, so they are fixed before any drop.
    events_by_number: dict[str, dict] = {}
    events_seen: Counter[str] = Counter()
    for event in tables["case_events"][0]:
        events_seen[event["case_id"]] += 1
        events_by_number[f"{event['case_id']}#{events_seen[event['case_id']]}"] = event
    changes: list[str] = []
    for verdict in verdicts:
        record_id, kind = verdict["id"].strip(), verdict["verdict"].strip()
        if kind not in ("fix", "drop"):
            continue
        if ">" in record_id:
            changes.append(_drop_link(record_id, kind, tables["action_cases"][0]))
            continue
        if "#" in record_id:
            key, rows, row = "", tables["case_events"][0], events_by_number.get(record_id)
            if row is not None and row not in rows:
                row = None  # its case was dropped earlier in this file
        else:
            name, key = ("eu_actions", "action_id") if "-A-" in record_id else ("cases", "case_id")
            rows = tables[name][0]
            row = next((r for r in rows if r[key] == record_id), None)
        if row is None:
            changes.append(f"NOT FOUND {record_id}")
            continue
        if kind == "drop":
            rows.remove(row)
            for linked in ("action_cases", "case_events"):
                if key in tables[linked][1]:  # an event has no key: nothing hangs off it
                    tables[linked][0][:] = [r for r in tables[linked][0] if r[key] != record_id]
            changes.append(f"DROP {record_id}")
            continue
        for part in verdict["correction"].split(" | "):
            field, sep, value = part.partition("=")
            field = field.strip()
            if not sep or field not in row:
                changes.append(f"SKIPPED {record_id}: cannot read correction {part.strip()!r}")
                continue
            changes.append(f"FIX {record_id} {field}: {row[field]!r} -> {value.strip()!r}")
            row[field] = value.strip()
    for name, (rows, columns) in tables.items():
        _save(sources / f"{name}.csv", rows, columns)
    if log is not None:
        _append_to_log(log, verdicts, events_by_number, review_round, reviewed_on)
    return changes


def _append_to_log(log: Path, verdicts: list[dict], events_by_number: dict[str, dict], review_round: str,
                   reviewed_on: str) -> None:
    """Append every verdict to the review log. An event's number only means something in its review batch, so the
    log names it by case, date and type instead (as they stand after the fix)."""
    with open(log, "a", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        for verdict in verdicts:
            record_id = verdict["id"].strip()
            event = events_by_number.get(record_id)
            if event is not None:
                record_id = f"{event['case_id']}#{event['date']}/{event['event_type']}"
            writer.writerow([record_id, review_round, reviewed_on, verdict["verdict"].strip(),
                             " ".join(verdict.get("problem", "").split())])


def _drop_link(link_id: str, kind: str, links: list[dict]) -> str:
    action_id, _, case_id = (part.strip() for part in link_id.partition(">"))
    if kind != "drop":
        return f"SKIPPED {link_id}: a link can only be dropped"
    link = next((r for r in links if r["action_id"] == action_id and r["case_id"] == case_id), None)
    if link is None:
        return f"NOT FOUND {link_id}"
    links.remove(link)
    return f"DROP {link_id}"
