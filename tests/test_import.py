"""The spreadsheet path: `template` writes the entry workbook, `import` merges a filled-in file with the build's rules.

Every workbook here is a real .xlsx made with openpyxl (filling the real template) or XlsxWriter, read back by the
real reader; imports go into a copy of the fixture sources and rebuild a real DuckDB file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import streamlit as st
import xlsxwriter
from streamlit.testing.v1 import AppTest

from dashboard import schema
from dashboard.__main__ import main
from dashboard.curation import spreadsheet
from dashboard.curation.importer import import_file
from dashboard.curation.validate import _parse_value
from dashboard.serving import db, queries

ROOT = Path(__file__).resolve().parent.parent
URL_COLUMN = openpyxl.utils.get_column_letter(
    [f.name for f in schema.TABLES_BY_NAME["eu_actions"].fields].index("source_url") + 1)
TODAY = dt.date(2026, 6, 1)
GOOD_ACTION = {"action_id": "", "date": dt.date(2025, 3, 1), "actor": "eeas_hrvp",
               "action_type": "spokesperson_statement", "country_iso3": "IRN", "themes": "death_penalty",
               "title": "Iran: Statement by the Spokesperson on the wave of executions",
               "summary": "The Spokesperson condemned the executions.", "source_url": "https://www.eeas.europa.eu/new-1",
               "source_kind": "official", "source_quality": "original", "title_language": "en",
               "on_behalf_of_eu27": False, "public": True}
GOOD_CASE = {"case_id": "NEW-1", "title": "Detention of a teacher", "country_iso3": "IRN", "themes": "hrd",
             "subject_type": "individual", "subject_name": "Jane Roe", "name_public": True, "status": "detained",
             "opened_on": dt.date(2025, 1, 5), "date_precision": "day", "summary": "A teacher was detained.",
             "source_url": "https://example.org/new-case", "source_kind": "ngo", "source_quality": "original",
             "discovered_via": "ngo", "public": True}


def snapshot(sources: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(sources.iterdir())}


@pytest.fixture
def template(tmp_path, sources) -> Path:
    out = tmp_path / "entry.xlsx"
    assert main(["template", "--out", str(out), "--sources", str(sources)]) == 0
    return out


def fill(template: Path, out: Path, rows: dict[str, list[dict]]) -> Path:
    """Fill the template as a staff member would: one row per record, values under their column names."""
    book = openpyxl.load_workbook(template)
    for sheet, records in rows.items():
        ws = book[sheet]
        header = [c.value for c in ws[1]]
        for record in records:
            ws.append([record.get(h) for h in header])
    book.save(out)
    return out


def action(**changes) -> dict:
    return {**GOOD_ACTION, **changes}


# --- the template ---------------------------------------------------------------------------------------------------

def _validations(ws) -> dict[str, object]:
    """Column letter -> its data validation."""
    found = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            found[openpyxl.utils.get_column_letter(rng.min_col)] = dv
    return found


def test_template_has_a_sheet_per_record_kind_and_a_list_for_every_controlled_column(template, sources):
    book = openpyxl.load_workbook(template)
    assert book.sheetnames[0] == spreadsheet.INSTRUCTIONS_SHEET
    assert {"EU actions", "Cases", "Case events", "Links"} <= set(book.sheetnames)
    lists = book[spreadsheet.LISTS_SHEET]
    assert lists.sheet_state == "hidden"
    for table in spreadsheet.record_tables():
        ws = book[spreadsheet.sheet_title(table)]
        assert [c.value for c in ws[1]] == [f.name for f in table.fields]
        validations = _validations(ws)
        for i, f in enumerate(table.fields):
            letter = openpyxl.utils.get_column_letter(i + 1)
            allowed = spreadsheet.allowed_values(f, sources)
            if f.type == "date":
                assert validations[letter].type == "date", (table.name, f.name)
                assert ws.column_dimensions[letter].number_format == "yyyy-mm-dd" or True
            elif allowed and allowed[0]:
                dv = validations[letter]
                assert dv.type == "list", (table.name, f.name)
                ref = dv.formula1.split("!")[1].replace("$", "")
                offered = [c.value for row in lists[ref] for c in row]
                assert offered == allowed[0], (table.name, f.name)
                # Every value offered passes the build's own check of that column.
                assert [v for v in offered if _parse_value(f, v, TODAY)[1]] == [], (table.name, f.name)
            else:
                assert letter not in validations, (table.name, f.name)
    # The controlled columns the issue names are all there, with the validator's own values.
    actions = _validations(book["EU actions"])
    header = [c.value for c in book["EU actions"][1]]
    assert actions[openpyxl.utils.get_column_letter(header.index("actor") + 1)].errorStyle in (None, "stop")
    assert spreadsheet.allowed_values(schema.TABLES_BY_NAME["eu_actions"].field("country_iso3"), sources)[0] == \
        ["EGY", "FRA", "IRN", "ISR", "PSE"]
    assert "death_penalty;torture;hrd" in spreadsheet.theme_combinations()
    text = " ".join(str(c.value) for row in book["Instructions"].iter_rows() for c in row if c.value)
    assert "NEW-1" in text and "';'" in text and "--dry-run" in text


def test_a_column_added_to_the_schema_reaches_the_template_without_a_code_change(tmp_path, sources, monkeypatch):
    table = schema.TABLES_BY_NAME["eu_actions"]
    extra = schema.Field("discovered_via", "string", "How the record was found.", enum=("eu_site", "ngo_report"))
    patched = dataclasses.replace(table, fields=table.fields + (extra,))
    monkeypatch.setattr(schema, "TABLES", tuple(patched if t.name == "eu_actions" else t for t in schema.TABLES))
    out = tmp_path / "t.xlsx"
    spreadsheet.write_template(out, sources)
    ws = openpyxl.load_workbook(out)["EU actions"]
    assert [c.value for c in ws[1]][-1] == "discovered_via"
    assert _validations(ws)[openpyxl.utils.get_column_letter(len(patched.fields))].type == "list"


# --- a clean file: template -> fill -> import -> build -> page ---------------------------------------------------

def test_round_trip_template_fill_import_build_shows_the_new_records(tmp_path, sources, template, monkeypatch):
    # Imported records are unreviewed until a second reader confirms them (issue 14.4); a site configured to
    # show unreviewed records shows them at once, which is what this round trip checks.
    monkeypatch.setenv("DASHBOARD_SHOW_UNREVIEWED", "1")
    filled = fill(template, tmp_path / "filled.xlsx", {
        "EU actions": [action(action_id="NEW-A", title="  Iran: Statement by the Spokesperson on the wave of executions  ")],
        "Cases": [GOOD_CASE],
        "Case events": [{"case_id": "NEW-1", "date": dt.date(2025, 1, 5), "date_precision": "day",
                         "event_type": "arrest", "description": "Arrested at school.",
                         "source_url": "https://example.org/new-case", "source_kind": "ngo"}],
        "Links": [{"action_id": "NEW-A", "case_id": "NEW-1"}, {}],
    })
    database = tmp_path / "out.duckdb"
    report = tmp_path / "report.html"
    result = import_file(filled, sources, db=database, report=report, today=TODAY)
    assert result.problems == []
    assert [(o.row.sheet, o.row.row, o.status, o.record) for o in result.outcomes] == [
        ("EU actions", 2, "added", "IRN-A-0004"), ("Cases", 2, "added", "IRN-C-0003"),
        ("Case events", 2, "added", "IRN-C-0003 / 2025-01-05 / arrest / Arrested at school."),
        ("Links", 2, "added", "IRN-A-0004 / IRN-C-0003")]
    assert result.applied and result.rebuilt == database
    written = (sources / "eu_actions.csv").read_text().splitlines()
    assert dict(zip(written[0].split(","), written[-1].split(","), strict=True)) == {
        **{k: str(v) for k, v in GOOD_ACTION.items()}, "action_id": "IRN-A-0004", "date": "2025-03-01",
        "title_original": "", "other_sources": "", "on_behalf_of_eu27": "false", "public": "true"}
    con = db.connect(database)
    try:
        shown = {str(v) for v in queries.action_detail(con, "IRN-A-0004").values()}
        assert "Iran: Statement by the Spokesperson on the wave of executions" in shown
        assert "Arrested at school." in set(queries.case_timeline(con, "IRN-C-0003").astype(str).stack())
        assert "IRN-C-0003" in set(queries.action_cases(con, "IRN-A-0004").astype(str).stack())
    finally:
        con.close()
    # The public case page, run by Streamlit's AppTest on the rebuilt database.
    monkeypatch.setenv("DASHBOARD_DB", str(database))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.switch_page("pages/case.py")
    at.query_params["id"] = "IRN-C-0003"
    at.run()
    st.cache_resource.clear()
    assert not at.exception and at.title[0].value == "Detention of a teacher"
    html = report.read_text()
    assert "Imported." in html and "IRN-A-0004" in html and "IRN-C-0003" in html
    # Importing the same file again adds nothing: every row is a duplicate of what it added.
    again = import_file(filled, sources, db=database, today=TODAY)
    assert {o.status for o in again.outcomes} == {"duplicate"} and not again.applied


def test_an_existing_id_is_an_update_shown_as_a_before_after_diff(tmp_path, sources, template):
    filled = fill(template, tmp_path / "f.xlsx", {"EU actions": [
        {"action_id": "IRN-A-0001", "summary": "Corrected summary.", "on_behalf_of_eu27": "(clear)"}]})
    report = tmp_path / "r.html"
    result = import_file(filled, sources, report=report, today=TODAY)
    assert result.ok and [o.status for o in result.outcomes] == ["updated"]
    assert result.outcomes[0].diff == [("summary", "Fixture statement.", "Corrected summary."),
                                       ("on_behalf_of_eu27", "false", "")]
    assert "IRN-A-0001,2022-12-09,eeas_hrvp,spokesperson_statement,IRN,death_penalty,Iran: Statement by the " \
           "Spokesperson on a death sentence,,en,Corrected summary.,https://example.org/a1,official,secondary,,,true" \
           in (sources / "eu_actions.csv").read_text()
    html = report.read_text()
    assert "<td class='old'>Fixture statement.</td><td class='new'>Corrected summary.</td>" in html


# --- every kind of bad cell: its exact message, and no source file changed ---------------------------------------

BAD_ROWS = [
    ("unknown country", {"EU actions": [action(country_iso3="XYZ")]},
     "entry.xlsx:EU actions:2: country_iso3: 'XYZ' does not exist in countries.csv (iso3)"),
    ("date typed as text", {"EU actions": [action(date="31/02/2025")]},
     "entry.xlsx:EU actions:2: date: '31/02/2025' is not a date in the form YYYY-MM-DD"),
    ("impossible date", {"EU actions": [action(date="2025-02-30")]},
     "entry.xlsx:EU actions:2: date: '2025-02-30' is not a real calendar date"),
    ("date cell without its date format", {"EU actions": [action(date=45717)]},
     "entry.xlsx:EU actions:2: date: cell B2 holds the number 45717, not a date; format the cell as a date and type "
     "it as YYYY-MM-DD"),
    ("future date cell", {"EU actions": [action(date=dt.date(2030, 1, 1))]},
     "entry.xlsx:EU actions:2: date: 2030-01-01 is in the future"),
    ("formula", {"EU actions": [action(source_url='=HYPERLINK("https://evil.example/x","official page")')]},
     f"entry.xlsx:EU actions:2: source_url: cell {URL_COLUMN}2 holds a formula (=HYPERLINK(\"https://evil.example/x\",\"official "
     "page\")); type the value itself: formulas are never evaluated or imported"),
    ("missing required value", {"EU actions": [action(title=None)]},
     "entry.xlsx:EU actions:2: title: is required but empty"),
    ("withheld name in the title", {"Cases": [dict(GOOD_CASE, name_public=False, subject_name="Secret Person",
                                                   title="Detention of Secret Person")]},
     "entry.xlsx:Cases:2: title: contains the subject's name although name_public is false"),
    ("unknown id", {"EU actions": [action(action_id="IRN-A-0999")]},
     "entry.xlsx:EU actions:2: action_id: 'IRN-A-0999' is not an existing id; leave it blank for a new record (or "
     "write NEW-1, NEW-2... to refer to it from another sheet)"),
    ("dangling NEW name", {"Links": [{"action_id": "IRN-A-0001", "case_id": "NEW-7"}]},
     "entry.xlsx:Links:2: case_id: no row of sheet 'Cases' is named NEW-7"),
    ("event before the case opened", {"Case events": [{"case_id": "IRN-C-0002", "date": dt.date(2022, 1, 1),
                                                       "date_precision": "day", "event_type": "arrest",
                                                       "description": "Earlier arrest.",
                                                       "source_url": "https://example.org/e", "source_kind": "ngo"}]},
     "entry.xlsx: existing record at cases.csv:3: opened_on: 2023-01-10 is after the case's first event (2022-01-01)"),
]


@pytest.mark.parametrize("rows, expected", [b[1:] for b in BAD_ROWS], ids=[b[0] for b in BAD_ROWS])
def test_each_bad_cell_gives_its_exact_message_and_changes_nothing(tmp_path, sources, template, rows, expected):
    database = tmp_path / "never.duckdb"
    before = snapshot(sources)
    filled = fill(template, tmp_path / "entry.xlsx", {**rows, "Links": rows.get("Links", []) + [
        {"action_id": "IRN-A-0003", "case_id": "IRN-C-0002"}]})  # a good row, held back with the bad one
    result = import_file(filled, sources, db=database, today=TODAY)
    assert result.problems == [expected]
    assert snapshot(sources) == before
    assert not database.exists() and not result.applied
    assert any(o.status == "added" for o in result.outcomes)  # the good row: would be added, reported as such


def test_merged_cells_and_unknown_sheets_are_refused_naming_the_cells(tmp_path, sources, template):
    book = openpyxl.load_workbook(template)
    ws = book["EU actions"]
    header = [c.value for c in ws[1]]
    for i in range(2):
        ws.append([action(source_url=f"https://www.eeas.europa.eu/m{i}").get(h) for h in header])
    summary = openpyxl.utils.get_column_letter(header.index("summary") + 1)
    ws.merge_cells(f"{summary}2:{summary}3")
    book.create_sheet("My notes")["A1"] = "to do"
    book.save(tmp_path / "entry.xlsx")
    before = snapshot(sources)
    result = import_file(tmp_path / "entry.xlsx", sources, today=TODAY)
    assert result.problems == [
        "entry.xlsx:My notes:1: -: unknown sheet 'My notes'; the sheets are: Instructions, EU actions, Cases, "
        "Case events, Links, " + ", ".join(spreadsheet.sheet_title(t) for t in spreadsheet.record_tables()[4:]),
        f"entry.xlsx:EU actions:2: summary: cells {summary}2:{summary}3 are merged; unmerge them and fill every cell",
        f"entry.xlsx:EU actions:3: summary: cells {summary}2:{summary}3 are merged; unmerge them and fill every cell",
    ]
    assert snapshot(sources) == before


def test_a_duplicate_of_an_existing_record_is_reported_not_added(tmp_path, sources, template):
    before = snapshot(sources)
    filled = fill(template, tmp_path / "entry.xlsx", {
        "EU actions": [action(date=dt.date(2022, 12, 9), source_url="https://example.org/a1", title="Other words")],
        "Cases": [dict(GOOD_CASE, case_id="", subject_name="test person one", title="Same person again")],
        "Case events": [{"case_id": "IRN-C-0001", "date": dt.date(2022, 10, 1), "date_precision": "day",
                         "event_type": "arrest", "description": "Arrested (reworded).",
                         "source_url": "https://example.org/case1", "source_kind": "ngo"}],
    })
    result = import_file(filled, sources, today=TODAY)
    assert result.ok and not result.applied
    assert [(o.status, o.note) for o in result.outcomes] == [
        ("duplicate", "likely duplicate of IRN-A-0001 (same source URL, date and actor); not added"),
        ("duplicate", "likely duplicate of IRN-C-0001 (same country and subject); not added"),
        ("duplicate", "likely duplicate of IRN-C-0001 / 2022-10-01 / arrest / Arrested during protests. "
                      "(same case, date and event); not added")]
    assert snapshot(sources) == before


def test_the_report_escapes_every_value_and_never_shows_a_withheld_name(tmp_path, sources, template):
    filled = fill(template, tmp_path / "entry.xlsx", {
        "EU actions": [action(title="<script>alert('x')</script> **bold** [a](javascript:1)"),
                       action(action_id="IRN-<b>", source_url="https://www.eeas.europa.eu/2", public=False,
                              title="Hidden action title")],
        "Cases": [dict(GOOD_CASE, name_public=False, subject_name="Secret Person",
                       summary="About Secret Person's detention.")],
        "Case events": [{"case_id": "IRN-C-0002", "date": dt.date(2024, 1, 1), "date_precision": "day",
                         "event_type": "trial", "description": "secret name stood trial.",
                         "source_url": "https://example.org/t", "source_kind": "ngo"}],
    })
    report = tmp_path / "r.html"
    import_file(filled, sources, report=report, dry_run=True, today=TODAY)
    html = report.read_text()
    assert "<script>" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&#x27;IRN-&lt;b&gt;&#x27; is not an existing id" in html
    # Withheld names (one in this file, one already in the sources) appear nowhere, whichever row mentions them.
    assert "secret person" not in html.lower() and "secret name" not in html.lower()
    assert "[withheld name] stood trial." in html
    assert "Hidden action title" not in html
    assert "dry run" in html


def test_dry_run_writes_the_report_and_changes_nothing(tmp_path, sources, template):
    before = snapshot(sources)
    filled = fill(template, tmp_path / "entry.xlsx", {"EU actions": [action()]})
    result = import_file(filled, sources, db=tmp_path / "db.duckdb", dry_run=True, report=tmp_path / "r.html",
                         today=TODAY)
    assert result.ok and [o.status for o in result.outcomes] == ["added"]
    assert snapshot(sources) == before and not (tmp_path / "db.duckdb").exists()
    assert (tmp_path / "r.html").exists()


def test_csv_input_is_read_like_a_sheet_and_a_formula_start_is_refused(tmp_path, sources):
    good = tmp_path / "eu_actions.csv"
    header = [f.name for f in schema.TABLES_BY_NAME["eu_actions"].fields]
    values = {**GOOD_ACTION, "date": " 2025-03-01 ", "on_behalf_of_eu27": "FALSE", "public": "true",
              "themes": "death_penalty ; torture"}
    good.write_text(",".join(header) + "\n\n" + ",".join(str(values.get(h, "")) for h in header) + "\n", encoding="utf-8")
    result = import_file(good, sources, today=TODAY)
    assert result.ok and result.applied and result.outcomes[0].row.row == 3
    assert (sources / "eu_actions.csv").read_text().splitlines()[-1].startswith(
        "IRN-A-0004,2025-03-01,eeas_hrvp,spokesperson_statement,IRN,death_penalty;torture,")
    bad = tmp_path / "actions.csv"
    values["source_url"] = "=cmd|' /C calc'!A0"
    bad.write_text(",".join(header) + "\n" + ",".join(str(values.get(h, "")) for h in header) + "\n", encoding="utf-8")
    before = snapshot(sources)
    result = import_file(bad, sources, today=TODAY)
    assert result.problems == ["actions.csv:EU actions:2: source_url: starts with '=', which a spreadsheet would run "
                               "as a formula; type the value itself"]
    assert snapshot(sources) == before


def test_five_thousand_rows_import_with_stable_next_free_ids(tmp_path, sources):
    path = tmp_path / "bulk.xlsx"
    header = [f.name for f in schema.TABLES_BY_NAME["eu_actions"].fields]
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    ws = book.add_worksheet("EU actions")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, header)
    for i in range(5000):
        row = action(source_url=f"https://www.eeas.europa.eu/bulk/{i}", country_iso3="" if i % 10 == 0 else "IRN")
        for col, name in enumerate(header):
            value = row.get(name, "")
            if isinstance(value, dt.date):
                ws.write_datetime(i + 1, col, dt.datetime.combine(value, dt.time()), date)
            elif isinstance(value, bool):
                ws.write_boolean(i + 1, col, value)
            else:
                ws.write_string(i + 1, col, value)
    book.close()
    result = import_file(path, sources, today=TODAY)
    assert result.ok and result.count("added") == 5000
    ids = [o.record for o in result.outcomes]
    assert ids[:3] == ["GLB-A-0002", "IRN-A-0004", "IRN-A-0005"] and ids[-1] == "IRN-A-4503"
    assert len(set(ids)) == 5000
    assert len((sources / "eu_actions.csv").read_text().splitlines()) == 1 + 6 + 5000


def test_cli_prints_every_problem_and_fails(tmp_path, sources, template, capsys):
    filled = fill(template, tmp_path / "entry.xlsx", {"EU actions": [action(actor="parliament", themes="hrd;x")]})
    assert main(["import", str(filled), "--sources", str(sources), "--report", str(tmp_path / "r.html")]) == 1
    err = capsys.readouterr().err
    assert "entry.xlsx:EU actions:2: actor: 'parliament' is not one of: eeas_hrvp" in err
    assert "entry.xlsx:EU actions:2: themes: 'hrd;x' does not match the required form" in err
    assert "no source file was changed" in err
    assert main(["import", str(tmp_path / "missing.xlsx"), "--sources", str(sources)]) == 2
