"""Private stays private: records marked public=false and names that are withheld reach no output.

The fixture sources get a non-public case (with its event and links), a non-public EU action, review-log
findings about them, and a withheld name; then every output is read back with a real reader and searched:
the database (bytes and every text cell), every export of both tables in every format, the whole-dataset
package, the DuckDB download, the offline brief and the pages."""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import config
from dashboard.curation.build import build
from dashboard.serving import brief, db, exports, package
from dashboard.serving.filters import Filters

from .conftest import ROOT, copy_fixture_sources

PRIVATE_CASE, PRIVATE_ACTION = "IRN-C-0099", "IRN-A-0099"
# Words that exist only in non-public records or withheld names. None may appear in any output.
SECRETS = ["Zebracanary", "Xanthippe Privatename", "Quokkacanary", "Eventcanary", "example.org/private",
           "Secret Name", PRIVATE_CASE, PRIVATE_ACTION]


# Columns added to the source files later get these values in the appended rows (published as they are).
DEFAULTS = {"source_quality": "original", "discovered_via": "ngo", "title_language": "en"}


def _append(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    with open(path, "a", newline="", encoding="utf-8") as f:
        defaults = dict(DEFAULTS, source_quality="secondary") if path.name == "eu_actions.csv" else DEFAULTS
        csv.writer(f, lineterminator="\n").writerows([[row.get(c, defaults.get(c, "")) for c in header] for row in rows])


CASE = ("case_id", "title", "country_iso3", "themes", "subject_type", "subject_name", "name_public", "status",
        "opened_on", "date_precision", "summary", "source_url", "source_kind", "public")
EVENT = ("case_id", "date", "date_precision", "event_type", "description", "source_url", "source_kind")
ACTION = ("action_id", "date", "actor", "action_type", "country_iso3", "themes", "title", "summary", "source_url",
          "source_kind", "on_behalf_of_eu27", "public")
LINK = ("action_id", "case_id")


def rows(columns: tuple[str, ...], *values: list[str]) -> list[dict[str, str]]:
    return [dict(zip(columns, v, strict=True)) for v in values]


def private_sources(target: Path) -> Path:
    copy_fixture_sources(target)
    _append(target / "cases.csv", rows(CASE, [PRIVATE_CASE, "Detention of Zebracanary Xanthippe Privatename", "IRN", "hrd",
                                    "individual", "Xanthippe Privatename", "true", "detained", "2023-02-01", "day",
                                    "Zebracanary summary of a record that is not public.",
                                    "https://example.org/private/case", "ngo", "false"]))
    _append(target / "case_events.csv", rows(EVENT, [PRIVATE_CASE, "2023-02-01", "day", "arrest",
                                                     "Eventcanary: arrested.", "https://example.org/private/event", "ngo"]))
    _append(target / "eu_actions.csv", rows(ACTION, [PRIVATE_ACTION, "2023-02-02", "eeas_hrvp", "spokesperson_statement", "IRN",
                                         "hrd", "Iran: Quokkacanary statement", "Quokkacanary summary.",
                                         "https://example.org/private/action", "official", "false", "false"]))
    _append(target / "action_cases.csv", rows(LINK, [PRIVATE_ACTION, PRIVATE_CASE], ["IRN-A-0001", PRIVATE_CASE]))
    return target


def review_log(path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["record_id", "review_round", "reviewed_on", "verdict", "finding"])
        w.writerow([PRIVATE_CASE, "1", "2026-11-28", "fix", "Zebracanary: the source names Xanthippe Privatename."])
        w.writerow([PRIVATE_ACTION, "1", "2026-11-28", "drop", "Quokkacanary is not an EU action."])
        w.writerow(["IRN-C-0002", "1", "2026-11-28", "ok", "The source calls the activist Secret Name."])
        w.writerow(["IRN-C-0001", "1", "2026-11-28", "ok", "Public finding kept."])
    return path


@pytest.fixture(scope="module")
def private_db(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("private")
    path = tmp / "private.duckdb"
    build(private_sources(tmp / "sources"), path, show_unreviewed=True)
    return path


@pytest.fixture(scope="module")
def pcon(private_db):
    snap = db.connect(private_db)
    yield snap
    snap.close()


def leaks(text: str) -> list[str]:
    folded = " ".join(text.casefold().split())
    return [s for s in SECRETS if s.casefold() in folded]


def all_text_cells(snap) -> str:
    tables = db.fetch(snap, "SELECT table_name, column_name FROM information_schema.columns "
                            "WHERE data_type = 'VARCHAR' AND table_catalog = current_database()")
    parts = []
    for table, column in tables.itertuples(index=False):
        parts += [str(v) for v in db.fetch(snap, f'SELECT "{column}" FROM "{table}"')[column].dropna()]
    return "\n".join(parts)


def readable(fmt: str, payload: bytes) -> str:
    """An export as its reader sees it."""
    if fmt in ("csv", "json"):
        return payload.decode("utf-8")
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(payload), read_only=True)
        return "\n".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row)
    if fmt == "parquet":
        table = pq.read_table(io.BytesIO(payload))
        return json.dumps(table.to_pylist(), default=str) + str(table.schema.metadata)
    if fmt == "zip":
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            return "\n".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    raise AssertionError(fmt)


def test_the_fixture_really_holds_the_secrets(tmp_path):
    """Guard against a vacuous pass: the raw sources do contain every secret."""
    sources = private_sources(tmp_path / "s")
    raw = "\n".join(p.read_text(encoding="utf-8") for p in sources.glob("*.csv"))
    assert leaks(raw) == SECRETS


def test_database_holds_no_private_record_or_withheld_name(private_db, pcon):
    assert leaks(all_text_cells(pcon)) == []
    assert leaks(private_db.read_bytes().decode("latin-1")) == []


@pytest.mark.parametrize("table", ["actions", "cases"])
@pytest.mark.parametrize("fmt", list(exports.FORMATS))
def test_no_export_contains_them(pcon, table, fmt):
    for f in (Filters(), Filters(q="canary"), Filters(q="Secret"), Filters(places=("Iran",))):
        assert leaks(readable(fmt, exports.export_bytes(pcon, f, table, fmt))) == [], (table, fmt, f)


def test_the_data_package_contains_none_of_them(pcon, tmp_path):
    payload = package.package_bytes(pcon, review_log(tmp_path / "review_log.csv"), config.DATA_DOCUMENTS[1])
    text = readable("zip", payload)
    assert leaks(text) == []
    assert "Public finding kept." in text  # the published record's review is there
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        log = archive.read("review_log.csv").decode("utf-8")
    assert "IRN-C-0002" in log  # the withheld-name case keeps its verdict, without the finding


def test_the_package_command_with_sources_applies_the_privacy_rules(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "p.zip"
    result = subprocess.run([sys.executable, "-m", "dashboard", "package", "--sources",
                             str(private_sources(tmp_path / "s")), "--out", str(out)], capture_output=True, text=True,
                            env={**os.environ, "DASHBOARD_SHOW_UNREVIEWED": "1"})
    assert result.returncode == 0, result.stderr
    assert leaks(readable("zip", out.read_bytes())) == []


def test_the_duckdb_download_contains_none_of_them(private_db, tmp_path):
    snap = db.connect(private_db)
    payload = snap.file_bytes()
    snap.close()
    copy = tmp_path / "downloaded.duckdb"
    copy.write_bytes(payload)
    downloaded = db.connect(copy)
    assert leaks(all_text_cells(downloaded)) == [] and leaks(payload.decode("latin-1")) == []
    downloaded.close()


def test_the_offline_brief_contains_none_of_them(pcon):
    html = brief.brief_html(brief.brief_data(pcon, Filters(places=("Iran",))))
    assert "Iran" in html and leaks(html) == []


def test_pages_show_none_of_them(private_db, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB", str(private_db))
    st.cache_data.clear()
    for page, params in (("case", {"id": PRIVATE_CASE}), ("case", {}), ("action", {"id": PRIVATE_ACTION}),
                         ("explore", {"q": "canary"}), ("explore", {"table": "Cases", "q": "Secret"}),
                         ("countries", {"country": "Iran"}), ("brief", {"country": "Iran"})):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
        at.switch_page(f"pages/{page}.py")
        for k, v in params.items():
            at.query_params[k] = v
        at.run()
        if page == "countries":  # with its sources list open
            at.session_state["country_sources"] = True
            at.run()
            assert "Publisher" in at.dataframe[-1].value.columns
        assert not at.exception
        shown = "\n".join(str(getattr(e, "value", "")) for e in at.main) + "\n".join(
            df.value.to_csv() for df in at.dataframe)
        # The id the visitor typed is echoed in the "no public case has the id …" notice; nothing else may be.
        shown = shown.replace(params.get("id", "\0"), "").replace(params.get("id", "\0").replace("-", "\\-"), "")
        assert leaks(shown) == [], (page, params)


# Issue 10 point 2 (the pipeline engineer's): a withheld name must not reach the outputs through another
# text field (an event description, a linked EU action's title or summary), nor with other spacing or case.
# Until that check lands in validate/build, this test is expected to fail; strict, so it must be unmarked then.
def test_withheld_name_in_other_fields_never_reaches_the_database(tmp_path):
    from dashboard.curation.validate import ValidationError

    sources = private_sources(tmp_path / "s")
    _append(sources / "case_events.csv", rows(EVENT, ["IRN-C-0002", "2023-03-01", "day", "trial",
                                                      "Trial of SECRET   name opened.", "https://example.org/case2",
                                                      "media"]))
    _append(sources / "eu_actions.csv", rows(ACTION, ["IRN-A-0098", "2023-03-02", "eeas_hrvp", "spokesperson_statement",
                                                      "IRN", "hrd", "Iran: statement on sécret name", "On Secret Name.",
                                                      "https://example.org/a98", "official", "false", "true"]))
    _append(sources / "action_cases.csv", rows(LINK, ["IRN-A-0098", "IRN-C-0002"]))
    out = tmp_path / "x.duckdb"
    try:
        build(sources, out, show_unreviewed=True)
    except ValidationError:
        return  # refused with a clear problem: nothing published
    snap = db.connect(out)
    text = all_text_cells(snap)
    snap.close()
    assert leaks(text.replace("sécret", "secret")) == []
