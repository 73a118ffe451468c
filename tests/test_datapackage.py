"""data/datapackage.json is generated from dashboard/schema.py and must not drift from it."""

import json

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


def test_enums_come_from_the_taxonomy():
    fields = {(r["name"], f["name"]): f for r in datapackage()["resources"] for f in r["schema"]["fields"]}
    assert fields[("eu_actions", "actor")]["constraints"]["enum"] == list(taxonomy.ACTORS)
    assert fields[("eu_actions", "action_type")]["constraints"]["enum"] == list(taxonomy.ACTION_TYPES)
    assert fields[("cases", "status")]["constraints"]["enum"] == list(taxonomy.CASE_STATUSES)
    assert fields[("case_events", "event_type")]["constraints"]["enum"] == list(taxonomy.EVENT_TYPES)
