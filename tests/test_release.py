"""Releases: every build carries a data version; `release` names a new one and writes what changed, from a
clean copy of the data folder; the review log decides what is published."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from dashboard.config import DATA_DIR, SOURCES_DIR
from dashboard.curation.build import build
from dashboard.curation.release import latest_changes, load_manifest, make_release
from dashboard.serving import db

from .conftest import FIXTURE_SOURCES

DAY = dt.date(2026, 12, 5)


def info(path):
    con = db.connect(path)
    try:
        return latest_changes(con)
    finally:
        con.close()


@pytest.fixture
def data_dir(tmp_path):
    """A data folder like the shipped one: sources and the review log, no release yet."""
    shutil.copytree(FIXTURE_SOURCES, tmp_path / "sources")
    shutil.copy(FIXTURE_SOURCES.parent / "review_log.csv", tmp_path / "review_log.csv")
    return tmp_path


def test_shipped_sources_are_the_last_release():
    manifest = load_manifest(DATA_DIR / "release_manifest.json")
    assert manifest is not None, "run `python -m dashboard release`"
    changelog = (DATA_DIR / "CHANGELOG.md").read_text(encoding="utf-8")
    newest = changelog.split("\n## ", 2)[1]  # the newest entry alone, up to the next release heading
    assert newest.startswith(manifest["version"] + " "), "CHANGELOG.md's newest entry is not the manifest's release"
    assert [line[2:] for line in newest.splitlines() if line.startswith("- ")] == manifest["changes"]


def test_building_the_shipped_sources_carries_the_release_version(tmp_path):
    build(SOURCES_DIR, tmp_path / "db.duckdb")
    manifest = load_manifest(DATA_DIR / "release_manifest.json")
    assert info(tmp_path / "db.duckdb").data_version == manifest["version"], \
        "the sources changed since the last release: run `python -m dashboard release`"


def test_first_release_then_changes_the_same_day(data_dir):
    sources = data_dir / "sources"
    build(sources, data_dir / "a.duckdb")
    assert info(data_dir / "a.duckdb").data_version.startswith("draft.")
    first = make_release(sources, today=DAY)
    assert first.data_version == "2026.12.05"
    assert make_release(sources, today=DAY) is None  # nothing changed: no new version, files untouched
    build(sources, data_dir / "b.duckdb")
    assert info(data_dir / "b.duckdb").data_version == "2026.12.05"

    # one action changed, one removed, one added (with its review verdict), one added without review
    text = (sources / "eu_actions.csv").read_text(encoding="utf-8")
    text = text.replace("Fixture statement.", "Fixture statement (corrected).")
    lines = [line for line in text.splitlines() if not line.startswith("IRN-A-0003,")]
    lines.append("IRN-A-12345,2024-02-02,council,sanctions,IRN,hrd,New listing,,en,New.,https://example.org/new,"
                 "official,secondary,,,true")
    lines.append("IRN-A-12346,2024-02-03,council,sanctions,IRN,hrd,Unreviewed,,en,New.,https://example.org/new2,"
                 "official,secondary,,,true")
    (sources / "eu_actions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    links = (sources / "action_cases.csv").read_text(encoding="utf-8").splitlines()
    (sources / "action_cases.csv").write_text("\n".join(line for line in links if not line.startswith("IRN-A-0003,")) + "\n",
                                              encoding="utf-8")
    with open(data_dir / "review_log.csv", "a", encoding="utf-8") as f:
        f.write("IRN-A-12345,2,2026-12-05,ok,\n")
    with open(sources / "original_searches.csv", "a", encoding="utf-8") as f:
        f.write("IRN-A-0002,2026-12-05,EEAS Iran statement example | Council Iran example,none,\n")

    build(sources, data_dir / "c.duckdb")
    draft = info(data_dir / "c.duckdb")
    assert draft.data_version.startswith("2026.12.05+draft.")
    assert any("EU actions: 1 added (IRN-A-12345); 1 changed (IRN-A-0001); 1 removed (IRN-A-0003)" in line
               for line in draft.lines), draft.lines
    # a search is named by the action searched for, not by its long key (which holds the search phrases)
    assert "Searches for original pages: 1 added (for IRN-A-0002)" in draft.lines, draft.lines

    second = make_release(sources, today=DAY)
    assert second.data_version == "2026.12.05.2"
    assert make_release(sources, today=DAY + dt.timedelta(days=1)) is None
    changelog = (data_dir / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.index("## 2026.12.05.2 ") < changelog.index("## 2026.12.05 ")
    assert "IRN-A-12346" not in changelog  # not reviewed, so not published, so not released
    build(sources, data_dir / "d.duckdb")
    assert info(data_dir / "d.duckdb").data_version == "2026.12.05.2"


def test_private_records_and_withheld_names_stay_out_of_manifest_and_changelog(data_dir):
    make_release(data_dir / "sources", today=DAY)
    for name in ("release_manifest.json", "CHANGELOG.md"):
        text = (data_dir / name).read_text(encoding="utf-8")
        for secret in ("EGY-C-0002", "EGY-A-0002", "Secret Name", "Hidden"):
            assert secret not in text, (name, secret)
    manifest = json.loads((data_dir / "release_manifest.json").read_text(encoding="utf-8"))
    assert "IRN-C-0002" in manifest["records"]["cases"]  # the case is published, without its name


def test_unreviewed_records_are_held_back_unless_configured(data_dir, monkeypatch):
    sources = data_dir / "sources"
    log = data_dir / "review_log.csv"
    log.write_text(log.read_text(encoding="utf-8") + "IRN-A-0001,2,2026-12-05,unverifiable,source gone\n",
                   encoding="utf-8")
    counts = build(sources, data_dir / "a.duckdb")
    assert counts["eu_actions"] == 4  # 6 rows: one private, one whose latest verdict is unverifiable
    con = db.connect(data_dir / "a.duckdb")
    assert con.cursor().execute("SELECT count(*) FROM action_cases WHERE action_id = 'IRN-A-0001'").fetchone() == (0,)
    assert con.cursor().execute("SELECT shows_unreviewed, unreviewed_held_back FROM build_info").fetchone() == (False, 1)
    con.close()
    monkeypatch.setenv("DASHBOARD_SHOW_UNREVIEWED", "1")
    assert build(sources, data_dir / "b.duckdb")["eu_actions"] == 5
    monkeypatch.delenv("DASHBOARD_SHOW_UNREVIEWED")
    log.unlink()
    from dashboard.curation.validate import ValidationError
    with pytest.raises(ValidationError) as err:
        build(sources, data_dir / "c.duckdb")
    assert str(err.value.problems[0]).startswith("review_log.csv:0: -: file is missing")
    assert not (data_dir / "c.duckdb").exists()


def test_cli_release_writes_the_changelog(data_dir):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "dashboard", "release", "--sources", str(data_dir / "sources")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Released " in result.stdout and (data_dir / "CHANGELOG.md").exists()
