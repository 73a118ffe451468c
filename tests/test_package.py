"""The whole-dataset data package: built from the published database, identical bytes from the button's
function and the command, a valid Frictionless package, every CSV formula-neutralised. (What it must not
contain is tested in test_privacy.py.)"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import zipfile

from frictionless import validate

from dashboard.curation.build import build
from dashboard.serving import db, package

from .conftest import ROOT, copy_fixture_sources


def test_command_gives_the_same_bytes_as_the_button_every_time(fixture_db, tmp_path):
    snap = db.connect(fixture_db)
    button = package.package_bytes(snap)  # what About's button serves for this database
    snap.close()
    for n in range(2):
        out = tmp_path / f"p{n}.zip"
        result = subprocess.run([sys.executable, "-m", "dashboard", "package", "--db", str(fixture_db), "--out",
                                 str(out)], capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        assert out.read_bytes() == button
    with zipfile.ZipFile(io.BytesIO(button)) as archive:
        assert all(info.date_time == package.ZIP_DATE for info in archive.infolist())
        names = archive.namelist()
    assert names[0] == "datapackage.json" and "data/cases.csv" in names and "review_log.csv" in names
    assert not any(name.startswith("sources/") for name in names)


def test_the_package_is_a_valid_frictionless_package(fixture_db, tmp_path):
    snap = db.connect(fixture_db)
    payload = package.package_bytes(snap)
    snap.close()
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        archive.extractall(tmp_path)
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])[:10]


def test_every_csv_in_the_package_is_formula_neutralised(tmp_path):
    sources = copy_fixture_sources(tmp_path / "sources")
    path = sources / "cases.csv"
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows[0]["summary"] = '=HYPERLINK("http://evil.example","x")'
    rows[1]["summary"] = "@SUM(1+1)"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "x.duckdb"
    build(sources, out, show_unreviewed=True)
    snap = db.connect(out)
    payload = package.package_bytes(snap)
    snap.close()
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        cells = [cell for name in archive.namelist() if name.endswith(".csv")
                 for row in csv.reader(io.StringIO(archive.read(name).decode("utf-8"))) for cell in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells and "'@SUM(1+1)" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@")]
