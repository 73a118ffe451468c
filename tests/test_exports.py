"""Exports: each format read back by its real reader equals the filtered query; formula injection is inert;
provenance travels with every file; the data packages validate with frictionless; CLI = button bytes."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import zipfile

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from frictionless import validate

from dashboard.curation.build import build
from dashboard.serving import db, exports
from dashboard.serving.filters import Filters, from_query

from .conftest import copy_fixture_sources

ACCESSED = dt.date(2026, 11, 28)
INJECTIONS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)", "＝1+1", "＋1", "－1", "＠x",
              "=cmd|' /C calc'!A0"]


@pytest.fixture(scope="module")
def hostile_con(tmp_path_factory):
    """The fixture data plus actions whose title and summary are spreadsheet formulas."""
    sources = copy_fixture_sources(tmp_path_factory.mktemp("hostile") / "sources")
    with open(sources / "eu_actions.csv", "a", encoding="utf-8", newline="") as f:
        import csv

        writer = csv.writer(f, lineterminator="\n")
        for i, text in enumerate(INJECTIONS, start=10):
            # title, original title and summary all carry the formula (the original as a French title)
            writer.writerow([f"IRN-A-00{i}", "2024-01-01", "council", "sanctions", "IRN", "hrd", text, text, "fr", text,
                             f"https://example.org/inj{i}", "official", "secondary", "", "", "true"])
    path = sources.parent / "hostile.duckdb"
    build(sources, path, show_unreviewed=True)  # the injected actions have no review verdict
    con = db.connect(path)
    yield con
    con.close()


def frame_for(con, table="actions", **params):
    f, notices = from_query(params)
    assert notices == []
    return f, exports.export_frame(con, f, table)


@pytest.mark.parametrize("table", ["actions", "cases"])
def test_export_has_all_filtered_rows_labels_and_permalinks(con, table):
    f, frame = frame_for(con, table, country="IRN")
    assert len(frame) == (3 if table == "actions" else 2)
    assert frame["Permalink"].str.match(r"^https?://[^ ]+/(action|case)\?id=[A-Z]{3}-[AC]-\d{4}$").all()
    assert frame["Source"].str.startswith("https://").all()
    if table == "actions":
        assert set(frame["Actor"]) <= {"EEAS / High Representative", "European Parliament"}


def test_csv_round_trip(con):
    f, frame = frame_for(con, country="IRN")
    back = pd.read_csv(io.BytesIO(exports.export_bytes(con, f, "actions", "csv")), keep_default_na=False)
    assert list(back.columns) == list(frame.columns)
    assert back["ID"].tolist() == frame["ID"].tolist()
    assert back["Date"].tolist() == [d.date().isoformat() for d in frame["Date"]]
    assert back["Cases named"].tolist() == frame["Cases named"].tolist()  # numbers stay numbers
    assert back["Title"].tolist() == frame["Title"].tolist()


def test_xlsx_round_trip_and_about_sheet(con):
    f, frame = frame_for(con, theme="death_penalty")
    book = openpyxl.load_workbook(io.BytesIO(exports.export_bytes(con, f, "actions", "xlsx", ACCESSED)))
    assert book.sheetnames == ["Data", "About this export"]
    rows = list(book["Data"].iter_rows(values_only=True))
    assert list(rows[0]) == list(frame.columns)
    assert [r[list(frame.columns).index("ID")] for r in rows[1:]] == frame["ID"].tolist()
    dates = [r[0] for r in rows[1:]]
    assert all(isinstance(d, dt.datetime) for d in dates) and dates[0].date() == frame["Date"].iloc[0].date()
    about = {r[0]: r[1] for r in book["About this export"].iter_rows(values_only=True)}
    assert about["Filters"] == "theme: Death penalty" and about["Rows"] == len(frame)
    assert about["Date of access"] == "2026-11-28" and "CC BY 4.0" in about["Licence"]
    assert "theme=Death+penalty" in about["Permalink"] and about["Permalink"] in about["Citation"]
    assert about["Dataset version"]


def test_json_round_trip(con):
    f, frame = frame_for(con, country="Egypt")
    payload = json.loads(exports.export_bytes(con, f, "actions", "json", ACCESSED))
    assert payload["provenance"]["rows"] == len(frame) == len(payload["data"])
    back = pd.DataFrame(payload["data"])
    assert back["ID"].tolist() == frame["ID"].tolist()
    assert back["Date"].tolist() == [d.date().isoformat() for d in frame["Date"]]


def test_parquet_round_trip(con):
    f, frame = frame_for(con, "cases")
    parquet = pq.read_table(io.BytesIO(exports.export_bytes(con, f, "cases", "parquet", ACCESSED)))
    back = parquet.to_pandas()
    assert back["ID"].tolist() == frame["ID"].tolist()
    assert back["Opened on"].tolist() == [d.date() for d in frame["Opened on"]]  # calendar dates stay dates
    provenance = json.loads(parquet.schema.metadata[b"provenance"])
    assert provenance["rows"] == len(frame) and provenance["licence"]


def test_zip_package_validates_with_frictionless(con, tmp_path):
    f, frame = frame_for(con, country="IRN")
    with zipfile.ZipFile(io.BytesIO(exports.export_bytes(con, f, "actions", "zip", ACCESSED))) as archive:
        assert sorted(archive.namelist()) == ["CITATION.txt", "actions.csv", "datapackage.json"]
        archive.extractall(tmp_path)
    citation = (tmp_path / "CITATION.txt").read_text(encoding="utf-8")
    assert "country=Iran" in citation and "accessed 2026-11-28" in citation
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])
    assert len(pd.read_csv(tmp_path / "actions.csv")) == len(frame)


@pytest.mark.parametrize("text", INJECTIONS)
def test_formula_injection_is_inert_in_csv(hostile_con, text):
    out = pd.read_csv(io.BytesIO(exports.export_bytes(hostile_con, Filters(), "actions", "csv")), keep_default_na=False)
    assert "'" + text in set(out["Title"]) and "'" + text in set(out["Summary"])
    assert "'" + text in set(out["Original title"])
    assert not any(str(v).startswith(exports.FORMULA_TRIGGERS) for col in ("Title", "Original title", "Summary")
                   for v in out[col])


def test_csv_neutralises_control_character_prefixes():
    frame = pd.DataFrame({"t": ["\t=1", "\r=1", "\n=1", "plain", "a=b"], "n": [1, 2, 3, 4, 5]})
    back = pd.read_csv(io.BytesIO(exports.to_csv(frame)), keep_default_na=False)
    assert back["t"].tolist() == ["'\t=1", "'\r=1", "'\n=1", "plain", "a=b"]
    assert back["n"].tolist() == [1, 2, 3, 4, 5]


def test_formula_injection_is_inert_in_xlsx(hostile_con):
    book = openpyxl.load_workbook(io.BytesIO(exports.export_bytes(hostile_con, Filters(), "actions", "xlsx")))
    sheet = book["Data"]
    header = [c.value for c in sheet[1]]
    title_col = header.index("Title") + 1
    cells = {sheet.cell(row=r, column=title_col).value: sheet.cell(row=r, column=title_col)
             for r in range(2, sheet.max_row + 1)}
    for text in INJECTIONS:
        assert cells[text].data_type == "s", text  # a string, not a formula ('f')
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_cli_export_gives_the_same_bytes(fixture_db, con, tmp_path):
    f, _ = from_query({"country": "IRN", "theme": "death_penalty"})
    for fmt in ("csv", "xlsx", "json", "parquet", "zip"):
        out = tmp_path / f"x.{fmt}"
        result = subprocess.run([sys.executable, "-m", "dashboard", "export", "--format", fmt, "--country", "IRN",
                                 "--theme", "death_penalty", "--db", str(fixture_db), "--out", str(out)],
                                capture_output=True, text=True, env=dict(os.environ))
        assert result.returncode == 0, result.stderr
        assert out.read_bytes() == exports.export_bytes(con, f, "actions", fmt), fmt


@pytest.mark.parametrize("text", INJECTIONS)
def test_formula_injection_is_inert_in_the_csv_inside_the_zip(hostile_con, text):
    # The ZIP's CSV used to be written raw (issue 10.7): every CSV goes through the one neutralising writer.
    archive = zipfile.ZipFile(io.BytesIO(exports.export_bytes(hostile_con, Filters(), "actions", "zip")))
    out = pd.read_csv(archive.open("actions.csv"), keep_default_na=False)
    assert "'" + text in set(out["Title"])
    assert not any(str(v).startswith(exports.FORMULA_TRIGGERS) for v in out["Title"])


def test_csv_never_writes_control_bytes_raw():
    frame = pd.DataFrame({"t": ["nul\x00byte", "bell\x07", "c1\x85x"]})
    raw = exports.to_csv(frame)
    assert b"\x00" not in raw and b"\x07" not in raw and "\x85".encode() not in raw
    assert pd.read_csv(io.BytesIO(raw))["t"].tolist() == ["nul\ufffdbyte", "bell\ufffd", "c1\ufffdx"]


HOSTILE_TEXT = ["=1+1", "+1", "-1", "@x", "\t=1", "a\x00b", "nul\x00", "bell\x07", "del\x7f", "c1\x85"]


def test_every_csv_goes_through_one_writer_that_neutralises(con, tmp_path):
    """The plain CSV and the CSV inside the ZIP are neutralised alike; control bytes never appear raw."""
    frame = pd.DataFrame({"Title": HOSTILE_TEXT, "n": range(len(HOSTILE_TEXT))})
    plain = exports.to_csv(frame)
    prov = exports.provenance(con, Filters(), "actions", len(frame), ACCESSED)
    with zipfile.ZipFile(io.BytesIO(exports.to_zip(frame, prov))) as archive:
        inside = archive.read("actions.csv")
    assert inside == plain
    for payload in (plain, inside):
        assert not any(b in payload for b in (b"\x00", b"\x07", b"\x7f", "\x85".encode()))
        back = pd.read_csv(io.BytesIO(payload), keep_default_na=False)
        assert not any(v.startswith(exports.FORMULA_TRIGGERS) for v in back["Title"])
        assert back["Title"].tolist()[:5] == ["'=1+1", "'+1", "'-1", "'@x", "'\t=1"]
        assert back["Title"].tolist()[5] == "a\ufffdb" and back["n"].tolist() == list(range(len(HOSTILE_TEXT)))


def test_an_empty_selection_gives_the_header(con):
    f, _ = from_query({"q": "no record says this"})
    back = exports.export_bytes(con, f, "actions", "csv").decode("utf-8").splitlines()
    assert len(back) == 1 and back[0].startswith('"Date","Country"') and back[0].endswith('"Permalink"')


def test_xlsx_above_excel_limit_is_a_message_not_a_short_file(con, fixture_db, tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "EXCEL_MAX_ROWS", 2)  # the fixture's 3 Iranian actions are "too many"
    f, _ = from_query({"country": "IRN"})
    with pytest.raises(exports.ExportTooLarge, match="do not fit in an Excel sheet"):
        exports.export_bytes(con, f, "actions", "xlsx")
    target = tmp_path / "x.xlsx"
    with pytest.raises(exports.ExportTooLarge):
        exports.save_export(con, f, "actions", "xlsx", target)
    assert not target.exists() and list(tmp_path.iterdir()) == []  # nothing half-written is left behind
    monkeypatch.setattr(exports, "EXCEL_MAX_ROWS", 3)
    rows = list(openpyxl.load_workbook(io.BytesIO(exports.export_bytes(con, f, "actions", "xlsx")))["Data"].values)
    assert len(rows) == 4  # header + all 3, at exactly the limit


def test_csv_export_streams_in_batches(con, monkeypatch):
    """Small batches give the same bytes as one batch: the file never needs all rows in memory at once."""
    whole = exports.export_bytes(con, Filters(), "actions", "csv")
    monkeypatch.setattr(exports, "BATCH_ROWS", 1)
    assert exports.export_bytes(con, Filters(), "actions", "csv") == whole
    assert len(list(exports.export_batches(con, Filters(), "actions"))) == 5
