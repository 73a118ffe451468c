"""The build: every kind of bad input is reported with file, line and column; a failed build leaves the
existing database byte-for-byte unchanged; private records and withheld names never reach the file."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from dashboard.curation.build import build
from dashboard.curation.validate import ValidationError, load_sources


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_for(sources) -> list[str]:
    with pytest.raises(ValidationError) as err:
        load_sources(sources)
    return [str(p) for p in err.value.problems]


BAD_INPUTS = [
    ("eu_actions.csv", "2022-12-09,eeas_hrvp", "2022-13-09,eeas_hrvp", "eu_actions.csv:2: date: '2022-13-09' is not a real calendar date"),
    ("eu_actions.csv", "2022-12-09,eeas_hrvp", "09/12/2022,eeas_hrvp", "eu_actions.csv:2: date: '09/12/2022' is not a date in the form YYYY-MM-DD"),
    ("eu_actions.csv", "2022-12-09,eeas_hrvp", "2999-12-09,eeas_hrvp", "eu_actions.csv:2: date: 2999-12-09 is in the future"),
    ("eu_actions.csv", "2022-12-09,eeas_hrvp", "1901-12-09,eeas_hrvp", "eu_actions.csv:2: date: 1901-12-09 is before 1945-01-01"),
    ("eu_actions.csv", "eeas_hrvp,spokesperson_statement", "nobody,spokesperson_statement", "eu_actions.csv:2: actor: 'nobody' is not one of"),
    ("eu_actions.csv", ",spokesperson_statement,IRN,", ",tweet,IRN,", "eu_actions.csv:2: action_type: 'tweet' is not one of"),
    ("eu_actions.csv", "https://example.org/a1", "ftp://example.org/a1", "eu_actions.csv:2: source_url: 'ftp://example.org/a1' is not an http(s) URL"),
    ("eu_actions.csv", "https://example.org/a1", "", "eu_actions.csv:2: source_url: is required but empty"),
    ("eu_actions.csv", "https://example.org/a1", "https://lnks.gd/l/eyJhbGciOiJIUzI1NiJ9", "eu_actions.csv:2: source_url: 'https://lnks.gd/l/eyJhbGciOiJIUzI1NiJ9…' is a tracking link, redirect or mirror (lnks.gd)"),
    ("eu_actions.csv", "https://example.org/a1", "https://example.org/a1?id=4&utm_source=rss", "eu_actions.csv:2: source_url: 'https://example.org/a1?id=4&utm_source=rss…' is a tracking link, redirect or mirror (utm_source)"),
    ("case_events.csv", "https://example.org/case1", "http://222.178.203.72:19005/doceo/document/B-10-2024-0101_FR.html", "case_events.csv:2: source_url: 'http://222.178.203.72:19005/doceo/document/B-10-2024-0101_FR.html…' is a tracking link, redirect or mirror (an IP-address mirror)"),
    ("case_events.csv", "https://example.org/case1", "https://zeemedia.page.link/?link=https://example.org", "case_events.csv:2: source_url: 'https://zeemedia.page.link/?link=https://example.org…' is a tracking link, redirect or mirror (page.link)"),
    ("eu_actions.csv", "IRN,death_penalty,Iran: Statement", "XXX,death_penalty,Iran: Statement", "eu_actions.csv:2: country_iso3: 'XXX' does not exist in countries.csv"),
    ("eu_actions.csv", "IRN,death_penalty,Iran: Statement", "IRN,death_penalty;slavery,Iran: Statement", "eu_actions.csv:2: themes: 'death_penalty;slavery' does not match"),
    ("eu_actions.csv", "IRN-A-0002,2023-01-08", "IRN-A-0001,2023-01-08", "eu_actions.csv:3: action_id: duplicate of line 2"),
    ("eu_actions.csv", "secondary,,false,true\nIRN-A-0002", "secondary,,maybe,true\nIRN-A-0002", "eu_actions.csv:2: on_behalf_of_eu27: 'maybe' is not true or false"),
    ("cases.csv", "2022-10-01,day,Fixture case", "2022-10-05,day,Fixture case", "cases.csv:2: opened_on: 2022-10-05 is after the case's first event (2022-10-01)"),
    ("cases.csv", "IRN-C-0001,Death", "IRN-X-0001,Death", "cases.csv:2: case_id: 'IRN-X-0001' does not match"),
    ("cases.csv", "individual,Test Person One,true", "alien,Test Person One,true", "cases.csv:2: subject_type: 'alien' is not one of"),
    ("cases.csv", "Detention of an unnamed activist", "Detention of Secret Name", "cases.csv:3: title: contains the subject's name although name_public is false"),
    ("case_events.csv", "IRN-C-0001,2022-12-08", "IRN-C-9999,2022-12-08", "case_events.csv:3: case_id: 'IRN-C-9999' does not exist in cases.csv"),
    ("action_cases.csv", "EGY-A-0001,EGY-C-0001", "EGY-A-0009,EGY-C-0001", "action_cases.csv:5: action_id: 'EGY-A-0009' does not exist in eu_actions.csv"),
    ("case_events.csv", "case_id,date,", "case_id,dated,", "case_events.csv:1: date: required column is missing from the header"),
    ("case_events.csv", "arrest,Arrested during protests.,https://example.org/case1,ngo", "arrest,Arrested,during,https://example.org/case1,ngo", "case_events.csv:2: -: has 8 fields, the header has 7"),
]


@pytest.mark.parametrize("filename,old,new,expected", BAD_INPUTS, ids=[b[3].split(": ", 2)[-1][:40] for b in BAD_INPUTS])
def test_each_bad_input_is_reported_with_file_line_and_column(sources, filename, old, new, expected):
    edit(sources / filename, old, new)
    problems = problems_for(sources)
    assert any(p.startswith(expected) for p in problems), problems


def test_all_problems_are_reported_at_once(sources):
    edit(sources / "eu_actions.csv", "eeas_hrvp,spokesperson_statement", "nobody,spokesperson_statement")
    edit(sources / "cases.csv", "2022-10-01,day,Fixture", "2022-02-30,day,Fixture")
    edit(sources / "action_cases.csv", "EGY-A-0001,EGY-C-0001", "EGY-A-0001,EGY-C-0404")
    problems = problems_for(sources)
    assert any(p.startswith("eu_actions.csv:2: actor:") for p in problems)
    assert any(p.startswith("cases.csv:2: opened_on:") for p in problems)
    assert any(p.startswith("action_cases.csv:5: case_id:") for p in problems)


def test_non_utf8_file_is_reported(sources):
    (sources / "themes.csv").write_bytes("theme_id,name,description\ntorture,Torture,caf\xe9\n".encode("latin-1"))
    assert any(p.startswith("themes.csv:2: -: is not UTF-8") for p in problems_for(sources))


def test_failed_build_leaves_existing_database_byte_for_byte(sources, tmp_path):
    out = tmp_path / "dashboard.duckdb"
    build(sources, out)
    before = out.read_bytes()
    edit(sources / "eu_actions.csv", "2022-12-09,eeas_hrvp", "2022-12-32,eeas_hrvp")
    with pytest.raises(ValidationError):
        build(sources, out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dashboard.duckdb", "review_log.csv", "sources"]  # no temp file


def test_cli_build_exits_1_and_prints_problems(sources, tmp_path):
    edit(sources / "eu_actions.csv", "eeas_hrvp,spokesperson_statement", "nobody,spokesperson_statement")
    result = subprocess.run([sys.executable, "-m", "dashboard", "build", "--sources", str(sources),
                             "--out", str(tmp_path / "x.duckdb")], capture_output=True, text=True)
    assert result.returncode == 1
    assert "eu_actions.csv:2: actor: 'nobody' is not one of" in result.stderr
    assert not (tmp_path / "x.duckdb").exists()


def test_cli_validate_passes_on_good_sources(sources):
    result = subprocess.run([sys.executable, "-m", "dashboard", "validate", "--sources", str(sources)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_private_records_and_withheld_names_never_reach_the_file(con):
    con = con.cursor()
    tables = ("cases", "case_events", "eu_actions", "action_cases", "response_searches", "original_searches")
    everything = " ".join(str(v) for table in tables
                          for row in con.execute(f"SELECT * FROM {table}").fetchall() for v in row)
    assert "Hidden" not in everything and "hidden" not in everything
    assert "EGY-C-0002" not in everything and "EGY-A-0002" not in everything
    assert "Secret Name" not in everything
    # The fixture records a search for the private action's original: it goes with the action.
    assert con.execute("SELECT action_id FROM original_searches").fetchall() == [("IRN-A-0001",)]
    assert con.execute("SELECT subject_name FROM cases WHERE case_id = 'IRN-C-0002'").fetchone() == (None,)
    assert con.execute("SELECT subject_name FROM cases WHERE case_id = 'IRN-C-0001'").fetchone() == ("Test Person One",)


def test_build_info_and_tables(con):
    con = con.cursor()
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"countries", "themes", "cases", "case_events", "eu_actions", "action_cases", "case_themes",
            "action_themes", "labels", "build_info", "commitments", "death_penalty_figures"} <= tables
    built_at, digest, version, cases, actions = con.execute(
        "SELECT built_at, source_digest, data_version, cases, eu_actions FROM build_info").fetchone()
    assert built_at.date() <= dt.datetime.now(dt.UTC).date()
    assert len(digest) == 64 and version.endswith(digest[:8])
    assert (cases, actions) == (4, 5)


def test_built_tables_have_exactly_the_schema_columns(con):
    from dashboard.schema import database_tables

    cur = con.cursor()
    for table, fields in database_tables().items():
        built = cur.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $t "
                            "ORDER BY ordinal_position", {"t": table}).fetchall()
        assert built == [(f.name, f.sql_type) for f in fields], table


def test_a_new_schema_column_reaches_the_database_without_other_edits(sources, tmp_path, monkeypatch):
    """Schema-driven: a column added to schema.TABLES (and to the file) is validated and built with no build edit."""
    import dataclasses

    from dashboard import schema

    table = schema.TABLES_BY_NAME["eu_actions"]
    extra = schema.Field("test_extra", "string", "Test column.", enum=("primary", "secondary"))
    widened = dataclasses.replace(table, fields=table.fields + (extra,))
    tables = tuple(widened if t.name == "eu_actions" else t for t in schema.TABLES)
    for module in ("dashboard.schema", "dashboard.curation.validate", "dashboard.curation.build", "dashboard.curation.release"):
        monkeypatch.setattr(f"{module}.TABLES", tables)
    monkeypatch.setitem(schema.TABLES_BY_NAME, "eu_actions", widened)
    monkeypatch.setattr("dashboard.curation.build.SCHEMA_SQL", schema.ddl())
    path = sources / "eu_actions.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0] + ",test_extra"] + [line + ",primary" for line in lines[1:]]) + "\n",
                    encoding="utf-8")
    build(sources, tmp_path / "wide.duckdb")
    from dashboard.serving import db

    c = db.connect(tmp_path / "wide.duckdb")
    assert c.cursor().execute("SELECT DISTINCT test_extra FROM eu_actions").fetchall() == [("primary",)]
    c.close()


def test_every_key_is_checked_before_anything_is_written(sources, tmp_path):
    """The database holds no key constraint of its own (an index per key would serve no query): the validator is
    the only check, so a repeated row in any source file must be refused there, naming the file and both lines."""
    from dashboard.schema import TABLES

    expected = []
    for table in TABLES:
        path = sources / table.filename
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) < 2:
            continue
        path.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")  # the first record, once more
        expected.append(f"{table.filename}:{len(lines) + 1}: {'+'.join(table.primary_key)}: duplicate of line 2")
    assert len(expected) >= 8, expected
    problems = problems_for(sources)
    missing = [e for e in expected if not any(p.startswith(e) for p in problems)]
    assert not missing, (missing, problems)
    out = tmp_path / "never.duckdb"
    with pytest.raises(ValidationError):
        build(sources, out)
    assert not out.exists()


def test_published_tables_are_views_that_show_every_published_row(tmp_path):
    """The file holds the cases, their events and the EU actions once, as columns of the summaries, and shows them
    (and the themes split from them) as views (schema.VIEWS). Each view gives every row and value the build
    published, no more and none fewer, on the shipped data: a summary that lost a row to a join would lose it from
    the pages, the downloads and the data package alike. The published rows are put afresh into tables of the
    schema's own columns and compared with the views row for row."""
    import duckdb

    from dashboard import schema
    from dashboard.config import SOURCES_DIR
    from dashboard.curation import build as building
    from dashboard.curation.validate import check_sources
    from dashboard.serving import db

    building.build(SOURCES_DIR, tmp_path / "shipped.duckdb", show_unreviewed=False)
    reviewed = building.reviewed_ids(building.review_log_for(SOURCES_DIR))
    published = building.publishable_frames(check_sources(SOURCES_DIR).frames(), reviewed).frames
    expected = duckdb.connect()
    expected.execute(schema.ddl())
    for name in ("cases", "case_events", "eu_actions"):
        table = schema.TABLES_BY_NAME[name]
        frame = published[name].assign(event_no=range(1, len(published[name]) + 1)) if table.added else published[name]
        building._insert(expected, name, frame[[f.name for f in table.database_fields]])
    building.write_themes(expected)
    con = db.connect(tmp_path / "shipped.duckdb")
    try:
        kinds = dict(con.cursor().execute("SELECT table_name, table_type FROM information_schema.tables").fetchall())
        for name in schema.VIEWS:
            assert kinds[name] == "VIEW", name
            columns = ", ".join(f.name for f in schema.database_tables()[name])
            rows = con.cursor().execute(f"SELECT {columns} FROM {name} ORDER BY ALL").fetchall()
            want = expected.execute(f"SELECT {columns} FROM {name} ORDER BY ALL").fetchall()
            assert len(want) > 100 and rows == want, name
    finally:
        con.close()
        expected.close()
