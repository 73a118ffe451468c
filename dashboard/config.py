"""Where things are. Every command and the app read the database named by DASHBOARD_DB, or the default."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
SOURCES_DIR = DATA_DIR / "sources"
DATAPACKAGE = DATA_DIR / "datapackage.json"
# Published inside the data package beside the sources: how every record was checked, and what the data covers.
DATA_DOCUMENTS = (DATA_DIR / "review_log.csv", DATA_DIR / "COVERAGE.md")
DEFAULT_DB = DATA_DIR / "dashboard.duckdb"
# Beside the sources folder (so a copy of data/ carries its own): which records a second reader confirmed, and
# what the last release published.
REVIEW_LOG_NAME = "review_log.csv"
RELEASE_MANIFEST_NAME = "release_manifest.json"
CHANGELOG_NAME = "CHANGELOG.md"

# Public address of the deployed app (e.g. https://monitor.example.org); permalinks and citations are built
# on it. Unset, the app uses the address the visitor's browser shows (see dashboard/serving/urls.py).
PUBLIC_BASE_URL = os.environ.get("DASHBOARD_BASE_URL", "").strip().rstrip("/")
LICENCE = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
PUBLISHER = "EU Human Rights Action Monitor"


def db_path() -> Path:
    return Path(os.environ.get("DASHBOARD_DB") or DEFAULT_DB)


def show_unreviewed() -> bool:
    """Publish records no second reader has confirmed yet (DASHBOARD_SHOW_UNREVIEWED=1 when building)?
    By default the build publishes reviewed records only."""
    return os.environ.get("DASHBOARD_SHOW_UNREVIEWED", "").strip().lower() in ("1", "true", "yes")

# Where visitors report an accessibility barrier (shown on the Accessibility page). Set it for a
# deployment; the statement says how to reach the publisher when it is not set.
ACCESSIBILITY_CONTACT = os.environ.get("DASHBOARD_ACCESSIBILITY_CONTACT", "")
