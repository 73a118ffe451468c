"""data/datapackage.json is generated from dashboard/schema.py and must not drift from it."""

import json
import shutil

from frictionless import validate

from dashboard import taxonomy
from dashboard.config import DATAPACKAGE, SOURCES_DIR
from dashboard.schema import TABLES, datapackage


def test_committed_datapackage_matches_the_schema_module():
    assert json.loads(DATAPACKAGE.read_text(encoding="utf-8")) == datapackage(), \
        "run `python -m dashboard datapackage` and commit data/datapackage.json"


def test_every_source_file_is_described_with_its_exact_header():
    for table in TABLES:
        header = (SOURCES_DIR / table.filename).read_text(encoding="utf-8").splitlines()[0].split(",")
        assert header == [f.name for f in table.fields], table.filename


def test_a_reuser_validating_the_package_catches_a_code_outside_the_taxonomy(tmp_path):
    """A reuser who edits a CSV and runs frictionless must be told, as our own validator would tell us."""
    shutil.copytree(SOURCES_DIR, tmp_path / "sources")
    shutil.copy(DATAPACKAGE, tmp_path / "datapackage.json")
    actions = tmp_path / "sources" / "eu_actions.csv"
    header, first, *rest = actions.read_text(encoding="utf-8").splitlines()
    actor = header.split(",").index("actor")
    cells = first.split(",")
    assert cells[actor] in taxonomy.ACTORS  # the edit below is the only wrong value
    cells[actor] = "nobody"
    actions.write_text("\n".join([header, ",".join(cells), *rest]) + "\n", encoding="utf-8")
    report = validate(str(tmp_path / "datapackage.json"))
    errors = report.flatten(["fieldName", "type"])
    assert ["actor", "constraint-error"] in errors and len(errors) == 1, errors
