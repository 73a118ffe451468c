"""The validator as a hurried curator meets it: a file saved in the wrong encoding, emptied, with a stray quote
or a pasted megabyte; a withheld name slipped into an event or a linked action; invisible characters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.curation.validate import ValidationError, load_sources, normalised

ROOT = Path(__file__).resolve().parent.parent


def problems_for(sources) -> list[str]:
    with pytest.raises(ValidationError) as err:
        load_sources(sources)
    return [str(p) for p in err.value.problems]


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_latin1_cases_file_gives_its_cause_first_and_no_follow_on_lines(sources):
    text = (sources / "cases.csv").read_text(encoding="utf-8")
    text = text.replace("Killing of a journalist", "Killing of a journalist in Gaza café")
    (sources / "cases.csv").write_bytes(text.encode("latin-1"))
    problems = problems_for(sources)
    assert problems[0].startswith("cases.csv:6: -: is not UTF-8 text (byte 0xE9"), problems
    assert len(problems) == 1, problems  # the ids were readable: nothing else is reported


def test_empty_cases_file_gives_one_cause_and_a_count(sources):
    (sources / "cases.csv").write_text("", encoding="utf-8")
    problems = problems_for(sources)
    assert problems[0] == "cases.csv:1: -: file is empty: a header row is required"
    assert problems[1].startswith("cases.csv:1: -: … and 13 rows elsewhere refer to records of this file")
    assert "7 in case_events.csv" in problems[1] and "6 in action_cases.csv" in problems[1]
    assert len(problems) == 2, problems


def test_stray_quote_is_reported_before_its_consequences(sources):
    edit(sources / "eu_actions.csv", "IRN-A-0002,2023-01-08,eeas_hrvp", 'IRN-A-0002,"2023-01-08,eeas_hrvp')
    problems = problems_for(sources)
    assert problems[0].startswith("eu_actions.csv:3: -: "), problems
    assert "quote" in problems[0]
    assert problems[1].startswith("eu_actions.csv:3: -: … and "), problems
    assert not any(p.startswith("action_cases.csv") for p in problems), problems


def test_a_megabyte_field_is_a_problem_and_reading_goes_on(sources):
    edit(sources / "eu_actions.csv", "Fixture statement.", "x" * 1_048_576)
    edit(sources / "eu_actions.csv", "2023-10-10,eeas_hrvp", "2023-10-32,eeas_hrvp")  # the last row
    problems = problems_for(sources)
    assert problems[0].startswith("eu_actions.csv:2: summary: is 1,048,576 characters long"), problems
    assert any(p.startswith("eu_actions.csv:7: date: '2023-10-32' is not a real calendar date") for p in problems)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\t", "\x85", "\u202e"])
def test_control_characters_are_refused_in_any_field(sources, char):
    edit(sources / "eu_actions.csv", "Fixture statement.", f"Fixture{char}statement.")
    problems = problems_for(sources)
    assert any(p.startswith("eu_actions.csv:2: summary: holds a control character") for p in problems), problems


@pytest.mark.parametrize("file,old,new,expected", [
    ("case_events.csv", "Arrested at home.", "Secret Name was arrested at home.",
     "case_events.csv:5: description: contains the name of the subject of IRN-C-0002"),
    ("cases.csv", "Fixture case whose name is withheld.", "Fixture case of  SECRET   name.",
     "cases.csv:3: summary: contains the subject's name"),
    ("cases.csv", "Detention of an unnamed activist", "Detention of Sécret Nâme",
     "cases.csv:3: title: contains the subject's name"),
])
def test_withheld_name_is_found_in_every_published_text(sources, file, old, new, expected):
    edit(sources / file, old, new)
    assert any(p.startswith(expected) for p in problems_for(sources))


def test_withheld_name_in_a_linked_action_title(sources):
    edit(sources / "action_cases.csv", "IRN-A-0002,IRN-C-0001", "IRN-A-0002,IRN-C-0002")
    edit(sources / "eu_actions.csv", "Iran: Declaration by the High Representative", "Iran: Declaration on secret\u00a0name")
    problems = problems_for(sources)
    assert any(p.startswith("eu_actions.csv:3: title: contains the name of the subject of IRN-C-0002") for p in problems)
    assert not any("Secret Name" in p for p in problems)  # the message names the place, not the name


def test_normalised_ignores_accents_case_and_spacing():
    assert normalised("  Nasrin\tSOTOUDEH ") == normalised("nasrin sotoudeh") == normalised("Násrin Sotoudéh")


def test_every_case_needs_an_event(sources):
    text = (sources / "case_events.csv").read_text(encoding="utf-8")
    (sources / "case_events.csv").write_text("\n".join(line for line in text.splitlines() if not line.startswith("PSE-C-0001"))
                                             + "\n", encoding="utf-8")
    assert any(p.startswith("cases.csv:6: case_id: has no event in case_events.csv") for p in problems_for(sources))


def test_ids_of_any_size_and_old_ids_stay_valid(sources):
    edit(sources / "eu_actions.csv", "GLB-A-0001,", "GLB-A-1234567,")
    load_sources(sources)
    edit(sources / "eu_actions.csv", "IRN-A-0001,", "IRN-A-001,")
    assert any(p.startswith("eu_actions.csv:2: action_id: 'IRN-A-001' does not match") for p in problems_for(sources))


def test_a_large_whole_number_is_read_as_written(sources):
    # Beyond 2**53 a number read through floating point comes back changed (…567 as …568), as it would in a column
    # where another row leaves the figure blank: a figure must never be.
    edit(sources / "death_penalty_figures.csv", "IRN,2022,576,,at least,https://example.org/f1,ngo",
         "IRN,2022,12345678901234567,,at least,https://example.org/f1,ngo\nIRN,2023,,,unknown,https://example.org/f2,ngo")
    figures = load_sources(sources)["death_penalty_figures"]
    assert [r.values["recorded_executions"] for r in figures] == [12345678901234567, None]


def test_generated_sources_validate(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate_sources.py"), "--actions", "3000",
                             "--out", str(tmp_path / "sources")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    tables = load_sources(tmp_path / "sources")
    assert len(tables["eu_actions"]) == 3000 and len(tables["cases"]) == 300
    assert all(r.values["case_id"] in {e.values["case_id"] for e in tables["case_events"]} for r in tables["cases"])


# Lines that Arrow's fast reading must either read exactly as Python's csv module does, or leave to it.
TRICKY_LINES = [
    '"quoted, with a comma"', '"a ""quote"" inside"', '""', 'a"b', '"a"b', '"unclosed', '"two\nlines"', "x\r",
    "", " ", "\u202e", "\x01", "\ufeff", '"x",', ",", ",,,,,,,,,,,,,,,,,,,,", "café", "a\rb",
]


@pytest.mark.parametrize("piece", TRICKY_LINES)
def test_fast_reading_reads_as_the_careful_reading_or_leaves_the_file_to_it(sources, monkeypatch, piece):
    import datetime as dt

    import pandas as pd

    from dashboard.curation import validate
    from dashboard.schema import TABLES_BY_NAME

    table = TABLES_BY_NAME["eu_actions"]
    path = sources / table.filename
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for n in (1, len(lines) // 2, len(lines) - 1):  # into a field at the start, in the middle, at the end of a line
        line = lines[n]
        at = line.index(",") + 1
        lines[n] = line[:at] + piece + line[at:]
    path.write_text("".join(lines), encoding="utf-8", newline="")
    today = dt.date(2026, 12, 1)
    fast = validate.read_source_file(path, table, today)
    monkeypatch.setattr(validate, "read_clean_csv", lambda text, header: None)
    careful = validate.read_source_file(path, table, today)
    pd.testing.assert_frame_equal(fast.frame, careful.frame)
    assert (fast.roots, fast.value_problems) == (careful.roots, careful.value_problems)


def test_a_clean_file_is_read_whole_by_arrow(sources):
    from dashboard.curation.validate import read_clean_csv

    text = (sources / "eu_actions.csv").read_text(encoding="utf-8")
    header = text.partition("\n")[0].split(",")
    frame = read_clean_csv(text, header)
    assert frame is not None and len(frame) == text.count("\n") - 1
    assert read_clean_csv(text.replace("\n", "\n\n", 2), header) is None  # a blank line: the careful reading
