"""Applying a reviewer's verdicts: fixes change exactly the named fields, drops take links and events along."""

import csv

from dashboard.curation.review import apply_verdicts
from dashboard.curation.validate import load_sources


def write_verdicts(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["id", "verdict", "problem", "correction"])
        writer.writeheader()
        writer.writerows(rows)


def test_fix_drop_and_ignore(sources, tmp_path):
    verdicts = tmp_path / "verdicts.csv"
    write_verdicts(verdicts, [
        {"id": "IRN-A-0001", "verdict": "fix", "problem": "date", "correction": "date=2022-12-10 | title=[Described]"},
        {"id": "EGY-C-0001", "verdict": "drop", "problem": "unsupported", "correction": ""},
        {"id": "IRN-A-0002", "verdict": "ok", "problem": "", "correction": "date=1999-01-01"},
        {"id": "IRN-A-0003", "verdict": "fix", "problem": "", "correction": "nonsense"},
        {"id": "XXX-A-0001", "verdict": "fix", "problem": "", "correction": "date=2020-01-01"},
    ])
    changes = apply_verdicts(verdicts, sources)
    assert "FIX IRN-A-0001 date: '2022-12-09' -> '2022-12-10'" in changes
    assert "DROP EGY-C-0001" in changes and "NOT FOUND XXX-A-0001" in changes
    assert any(c.startswith("SKIPPED IRN-A-0003") for c in changes)
    tables = load_sources(sources)  # still valid
    actions = {r.values["action_id"]: r.values for r in tables["eu_actions"]}
    assert str(actions["IRN-A-0001"]["date"]) == "2022-12-10" and actions["IRN-A-0001"]["title"] == "[Described]"
    assert str(actions["IRN-A-0002"]["date"]) == "2023-01-08"  # ok rows change nothing
    assert all(r.values["case_id"] != "EGY-C-0001" for name in ("cases", "case_events", "action_cases")
               for r in tables[name])


def test_event_fix_and_drop_and_link_drop(sources, tmp_path):
    verdicts = tmp_path / "verdicts.csv"
    write_verdicts(verdicts, [
        {"id": "IRN-C-0001#2", "verdict": "fix", "problem": "date", "correction": "date=2022-12-09"},
        {"id": "IRN-C-0001#3", "verdict": "drop", "problem": "not in source", "correction": ""},
        {"id": "IRN-A-0002>IRN-C-0001", "verdict": "drop", "problem": "source names nobody", "correction": ""},
        {"id": "IRN-A-0009>IRN-C-0001", "verdict": "drop", "problem": "", "correction": ""},
        {"id": "IRN-C-0001#9", "verdict": "fix", "problem": "", "correction": "date=2020-01-01"},
    ])
    changes = apply_verdicts(verdicts, sources)
    assert "FIX IRN-C-0001#2 date: '2022-12-08' -> '2022-12-09'" in changes
    assert "DROP IRN-C-0001#3" in changes and "DROP IRN-A-0002>IRN-C-0001" in changes
    assert "NOT FOUND IRN-A-0009>IRN-C-0001" in changes and "NOT FOUND IRN-C-0001#9" in changes
    tables = load_sources(sources)
    events = [(str(r.values["date"]), r.values["event_type"]) for r in tables["case_events"]
              if r.values["case_id"] == "IRN-C-0001"]
    assert events == [("2022-10-01", "arrest"), ("2022-12-09", "death_sentence")]
    links = {(r.values["action_id"], r.values["case_id"]) for r in tables["action_cases"]}
    assert ("IRN-A-0002", "IRN-C-0001") not in links and ("IRN-A-0001", "IRN-C-0001") in links


def test_verdicts_are_logged_with_stable_event_names(sources, tmp_path):
    verdicts, log = tmp_path / "verdicts.csv", tmp_path / "review_log.csv"
    log.write_text("record_id,review_round,reviewed_on,verdict,finding\n", encoding="utf-8")
    write_verdicts(verdicts, [
        {"id": "IRN-A-0001", "verdict": "ok", "problem": "Page found,\n date fits.", "correction": ""},
        {"id": "IRN-C-0001#2", "verdict": "fix", "problem": "date", "correction": "date=2022-12-09"},
        {"id": "IRN-A-0002>IRN-C-0001", "verdict": "drop", "problem": "names nobody", "correction": ""},
    ])
    apply_verdicts(verdicts, sources, log, "5", "2026-11-28")
    with open(log, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["record_id"], r["review_round"], r["verdict"]) for r in rows] == [
        ("IRN-A-0001", "5", "ok"),
        ("IRN-C-0001#2022-12-09/death_sentence", "5", "fix"),
        ("IRN-A-0002>IRN-C-0001", "5", "drop"),
    ]
    assert rows[0]["finding"] == "Page found, date fits." and rows[0]["reviewed_on"] == "2026-11-28"
