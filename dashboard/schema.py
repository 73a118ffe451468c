"""The shape of every source file and of every table in the database: columns, types, requirements, keys.

`data/datapackage.json` (Frictionless Table Schema) is generated from this module
(`python -m dashboard datapackage`), and so is the database's DDL (`ddl()`); tests compare both with what is
published and built. The validator reads the same fields, so a new column is declared here once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from . import taxonomy

THEME_LIST_PATTERN = "^({0})(;({0}))*$".format("|".join(taxonomy.THEMES))


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # string | date | boolean | integer
    description: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    fmt: str | None = None  # "uri" for URLs
    foreign: tuple[str, str] | None = None  # (table, column) this value must exist in
    # Read and checked, but never written to the database (the `public` flag decides what is published).
    source_only: bool = False

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    @property
    def free_text(self) -> bool:
        """Prose a person wrote (a title, a summary, a description), as opposed to a code, a date or an address."""
        return self.type == "string" and not (self.enum or self.pattern or self.fmt or self.foreign)


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    unique: tuple[tuple[str, ...], ...] = field(default_factory=tuple)
    # Columns the build adds in front of the source columns (a case event's number).
    added: tuple[Field, ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def database_fields(self) -> tuple[Field, ...]:
        """The columns of this table in the database, in order."""
        return self.added + tuple(f for f in self.fields if not f.source_only)


SQL_TYPES = {"string": "VARCHAR", "date": "DATE", "boolean": "BOOLEAN", "integer": "INTEGER",
             "bigint": "BIGINT", "timestamp": "TIMESTAMP"}


def _enum(d: Mapping[str, object]) -> tuple[str, ...]:
    return tuple(d)


SOURCE_URL = Field("source_url", "string", "Public page the record is taken from (http or https).", required=True, fmt="uri")
SOURCE_KIND = Field("source_kind", "string",
                    f"Kind of source: official ({taxonomy.OFFICIAL_SOURCE}), NGO report or news report.",
                    required=True, enum=_enum(taxonomy.SOURCE_KINDS))
PUBLIC = Field("public", "boolean", "false keeps the record out of the published database.", required=True,
               source_only=True)
PRECISION = Field("date_precision", "string", "How precise the date is: day, month (stored as the 1st) or year.",
                  required=True, enum=_enum(taxonomy.DATE_PRECISIONS))
URL_LIST_PATTERN = r"^https?://\S+( https?://\S+)*$"
SOURCE_QUALITY = Field("source_quality", "string",
                       "How close the cited page is to the act: "
                       + "; ".join(f"{code}: {meaning}" for code, meaning in taxonomy.SOURCE_QUALITY_MEANING.items())
                       + " (hosts listed in dashboard/curation/hosts.py).",
                       required=True, enum=_enum(taxonomy.SOURCE_QUALITIES))
# A recorded search (for an EU response to a case, or for an action's original page): when, and with what.
SEARCH_FIELDS = (
    Field("searched_on", "date", "Date of the search (YYYY-MM-DD).", required=True),
    Field("queries", "string", "The search phrases used, separated by ' | ', and where they were searched.",
          required=True),
)
OTHER_SOURCES = Field("other_sources", "string",
                      "Further public pages a claim in the record needs, as space-separated URLs; the summary "
                      "still says only what source_url says.", pattern=URL_LIST_PATTERN, fmt="uri-list")
THEMES_FIELD = Field("themes", "string", "Theme ids separated by ';' (death_penalty, torture, hrd).",
                     required=True, pattern=THEME_LIST_PATTERN)

TABLES: tuple[Table, ...] = (
    Table("countries", "Every country the map can draw, and the priority area it belongs to.", (
        Field("iso3", "string", "ISO 3166-1 alpha-3 code.", required=True, pattern="^[A-Z]{3}$"),
        Field("name", "string", "Short English name.", required=True),
        Field("region", "string", "Continent-level region.", required=True),
        Field("subregion", "string", "UN-style subregion."),
        Field("priority_area", "string", "One of the 12 priority areas, blank for other countries.",
              enum=_enum(taxonomy.PRIORITY_AREAS)),
    ), ("iso3",)),
    Table("themes", "The three global themes.", (
        Field("theme_id", "string", "Theme code.", required=True, enum=_enum(taxonomy.THEMES)),
        Field("name", "string", "Theme name shown to users.", required=True),
        Field("description", "string", "What the theme covers.", required=True),
    ), ("theme_id",)),
    Table("cases", "Documented human-rights cases: a person, group or organisation at risk.", (
        Field("case_id", "string", "Stable id, e.g. IRN-C-0001 (four or more digits).", required=True,
              pattern="^[A-Z]{3}-C-[0-9]{4,}$"),
        Field("title", "string", "Short descriptive title.", required=True),
        Field("country_iso3", "string", "Country where the case arose.", required=True, foreign=("countries", "iso3")),
        THEMES_FIELD,
        Field("subject_type", "string", "individual, group or organisation.", required=True,
              enum=_enum(taxonomy.SUBJECT_TYPES)),
        Field("subject_name", "string", "Name as the source spells it; blanked in the database unless name_public."),
        Field("name_public", "boolean", "true only when the source itself names the subject publicly.", required=True),
        Field("status", "string", "Status as of the latest recorded event.", required=True,
              enum=_enum(taxonomy.CASE_STATUSES)),
        Field("opened_on", "date", "Date of the case's first recorded event (YYYY-MM-DD).", required=True),
        PRECISION,
        Field("summary", "string", "One or two sentences in our own words.", required=True),
        SOURCE_URL, SOURCE_KIND, SOURCE_QUALITY, OTHER_SOURCES,
        Field("discovered_via", "string",
              "How the case was found: through an NGO report (ngo), a UN or other intergovernmental human-rights "
              "body (un), a news report (media), or an EU text that names it (eu). Cases not found through the EU "
              "show where the EU stayed silent.", required=True, enum=_enum(taxonomy.DISCOVERY)),
        PUBLIC,
    ), ("case_id",)),
    Table("case_events", "Dated events in a case: arrest, trial, sentence, execution, release...", (
        Field("case_id", "string", "The case.", required=True, foreign=("cases", "case_id")),
        Field("date", "date", "Date the source states (YYYY-MM-DD).", required=True),
        PRECISION,
        Field("event_type", "string", "Kind of event.", required=True, enum=_enum(taxonomy.EVENT_TYPES)),
        Field("description", "string", "What happened, in our own words.", required=True),
        SOURCE_URL, SOURCE_KIND,
    ), ("case_id", "date", "event_type", "description"),
        added=(Field("event_no", "integer", "The event's number in file order (the build assigns it).", required=True),)),
    Table("eu_actions", "What an EU institution did: statements, démarches, resolutions, sanctions...", (
        Field("action_id", "string", "Stable id, e.g. IRN-A-0001 (four or more digits; GLB- for global actions).",
              required=True, pattern="^[A-Z]{3}-A-[0-9]{4,}$"),
        Field("date", "date", "Date of the document or action as its source states it.", required=True),
        Field("actor", "string", "The EU institution that acted.", required=True, enum=_enum(taxonomy.ACTORS)),
        Field("action_type", "string", "The instrument used.", required=True, enum=_enum(taxonomy.ACTION_TYPES)),
        Field("country_iso3", "string", "Country concerned; blank for a global action.", foreign=("countries", "iso3")),
        THEMES_FIELD,
        Field("title", "string", "The title in English: the document's own English title, or a translation or "
              "description in [square brackets].", required=True),
        Field("title_original", "string", "The document's own title in its own language; blank when that is "
              "English."),
        Field("title_language", "string", "ISO 639-1 code of the language of the document's own title.",
              required=True, enum=_enum(taxonomy.LANGUAGES)),
        Field("summary", "string", "One or two sentences in our own words.", required=True),
        SOURCE_URL, SOURCE_KIND, SOURCE_QUALITY, OTHER_SOURCES,
        Field("on_behalf_of_eu27", "boolean", "true for declarations on behalf of the EU (all 27); blank if unknown."),
        PUBLIC,
    # One news article can report two institutions acting on the same day, hence the actor in the key.
    ), ("action_id",), unique=(("source_url", "date", "title", "actor"),)),
    Table("action_cases", "Which EU action concerned which case (only where the action's source names it).", (
        Field("action_id", "string", "The EU action.", required=True, foreign=("eu_actions", "action_id")),
        Field("case_id", "string", "The case.", required=True, foreign=("cases", "case_id")),
        Field("note", "string", "Why the link holds where it is not obvious; required when the action is dated "
              "more than a year before the case's start."),
    ), ("action_id", "case_id")),
    Table("response_searches", "Searches for an EU response to a case, so that 'no EU action found' is a recorded "
          "finding with its search.", (
        Field("case_id", "string", "The case.", required=True, foreign=("cases", "case_id")),
        *SEARCH_FIELDS,
        Field("result", "string", "found: an EU action was found and linked; none: no EU action was found.",
              required=True, enum=_enum(taxonomy.SEARCH_RESULTS)),
    ), ("case_id", "searched_on", "queries")),
    Table("original_searches", "Searches for the original page of an EU action cited from a secondary page, so "
          "that 'no original found' is a recorded finding with its search.", (
        Field("action_id", "string", "The EU action.", required=True, foreign=("eu_actions", "action_id")),
        *SEARCH_FIELDS,
        Field("result", "string", "found: the original page (or a faithful copy) was found and is now the action's "
              "source; none: no original page was found and the secondary page stays.",
              required=True, enum=_enum(taxonomy.ORIGINAL_SEARCH_RESULTS)),
        Field("note", "string", "What the best page found was, when it was not the original."),
    ), ("action_id", "searched_on", "queries")),
    Table("commitments", "The EU's own human-rights commitments, shown on About.", (
        Field("commitment_id", "string", "Stable id, e.g. COM-01.", required=True, pattern="^COM-[0-9]{2}$"),
        Field("title", "string", "The document's title.", required=True),
        Field("adopted_on", "date", "Date of adoption as the source states it.", required=True),
        PRECISION,
        Field("instrument_type", "string", "guidelines, regulation, decision, action plan...", required=True),
        THEMES_FIELD,
        Field("summary", "string", "One or two sentences in our own words.", required=True),
        SOURCE_URL, SOURCE_KIND,
    ), ("commitment_id",)),
    Table("death_penalty_figures", "Yearly recorded executions and death sentences per country, as a source states them.", (
        Field("country_iso3", "string", "Country.", required=True, foreign=("countries", "iso3")),
        Field("year", "integer", "Calendar year.", required=True),
        Field("recorded_executions", "integer", "Recorded executions (a minimum where the note says 'at least')."),
        Field("death_sentences", "integer", "Recorded new death sentences."),
        Field("figure_note", "string", "Qualifiers such as 'at least', or why a figure is blank."),
        SOURCE_URL, SOURCE_KIND,
    ), ("country_iso3", "year")),
)

TABLES_BY_NAME = {t.name: t for t in TABLES}


def _column(name: str, type_: str, description: str, required: bool = True) -> Field:
    return Field(name, type_, description, required=required)


# Tables the build derives from the sources and from dashboard/taxonomy.py. They are not source files, so they
# have no datapackage entry, but their columns are stated here once like the others.
DERIVED_TABLES: tuple[Table, ...] = (
    Table("case_themes", "One row per case and theme (cases.themes split at ';').", (
        _column("case_id", "string", "The case."),
        _column("theme_id", "string", "One of its themes."),
    ), ("case_id", "theme_id")),
    Table("action_themes", "One row per EU action and theme (eu_actions.themes split at ';').", (
        _column("action_id", "string", "The EU action."),
        _column("theme_id", "string", "One of its themes."),
    ), ("action_id", "theme_id")),
    Table("labels", "The label shown for every code, in display order (taxonomy.LOOKUPS).", (
        _column("kind", "string", "Which list the code belongs to (actor, action_type, status...)."),
        _column("code", "string", "The code stored in the data."),
        _column("label", "string", "What a visitor reads."),
        _column("sort_order", "integer", "Position in the list.", required=False),
    ), ("kind", "code")),
    Table("escalation", "The step of the escalation ladder each action type stands on (taxonomy.ESCALATION).", (
        _column("action_type", "string", "The instrument."),
        _column("step", "integer", "Its step."),
    ), ("action_type",)),
    Table("build_info", "One row: which release of the data this database holds, and how it was built.", (
        _column("built_at", "timestamp", "When the build ran (UTC)."),
        _column("source_digest", "string", "SHA-256 of the source files and the review log the build read."),
        _column("data_version", "string", "The release (e.g. 2026.12.05, or 2026.12.05.2 for a second release that "
                                          "day); '+draft…' when the sources differ from the last release."),
        _column("cases", "integer", "Published cases."),
        _column("eu_actions", "integer", "Published EU actions."),
        _column("case_events", "integer", "Published case events."),
        _column("action_cases", "integer", "Published links between actions and cases."),
        _column("released_on", "date", "Date of the release named by data_version.", required=False),
        _column("latest_changes", "string", "What changed in that release (and since it, for a draft), one line "
                                            "per change, plain text.", required=False),
        _column("shows_unreviewed", "boolean", "true when records no second reader has confirmed are published too."),
        _column("unreviewed_held_back", "integer", "Records left out because no second reader has confirmed them."),
    ), ()),
)

# The values of one entry of case_rows.timeline (a JSON list of entries, each the list of its values), in their
# stored order: curation/summaries.py writes them, serving/queries.case_page reads them by this order. They are the
# columns of queries.CASE_TIMELINE_SQL, with the tie that orders the entries of one day.
CASE_TIMELINE_ENTRY = ("date", "precision", "kind", "category", "text", "source", "ref", "answered_date",
                       "answered_label", "answered_days", "tie")


# Tables the file shows as views rather than holds: every column of cases, case_events and eu_actions is also a column
# of a summary table (curation/summaries.py: case_rows, event_rows, action_rows), and the themes of each record are
# split from those. The build stages them as temporary tables, computes the summaries from them and writes the
# summaries alone, then adds views of these names with these columns (summaries.published_views_sql). At 100,000 EU
# actions, writing both cost the build about 0.2 s of its 3.2 s of CPU (with summaries.action_links, which it now
# keeps out of the file too).
VIEWS = ("cases", "case_events", "eu_actions", "case_themes", "action_themes")


def database_tables() -> dict[str, tuple[Field, ...]]:
    """Every table of the database with its columns, in order: the published source tables, then the derived ones."""
    return {t.name: t.database_fields for t in (*TABLES, *DERIVED_TABLES)}


def _database_key(table: Table) -> tuple[str, ...]:
    # A single-column key (for case_events the number the build adds) is written NOT NULL even were it optional in
    # its file; a composite key's columns are NOT NULL where required.
    if table.added:
        return (table.added[0].name,)
    return table.primary_key if len(table.primary_key) == 1 else ()


def ddl() -> str:
    """CREATE statements for every table of the database (temporary for those the file shows as VIEWS): columns and
    their NOT NULL, and no index. Keys are the validator's to check (a duplicate is refused with its file and line,
    before anything is written), and pages read the summary tables (curation/summaries.py, which indexes the ids
    record pages look up): an index on a published table, a key's included, would serve no query, and cost the
    build its time and the file its size (at 100,000 EU actions, the keys and five other indexes took two fifths of
    the file and 0.3 s of the build's CPU)."""
    statements = []
    for table in (*TABLES, *DERIVED_TABLES):
        key = _database_key(table)
        columns = []
        for f in table.database_fields:
            column = f"{f.name} {f.sql_type}"
            if f.required or f.name in key:
                column += " NOT NULL"
            columns.append(column)
        kind = "TEMP TABLE" if table.name in VIEWS else "TABLE"  # staged: see VIEWS
        statements.append(f"CREATE {kind} {table.name} ({', '.join(columns)});")
    return "\n".join(statements) + "\n"


def datapackage() -> dict:
    """The Frictionless data package descriptor for data/sources/."""
    resources = []
    for table in TABLES:
        fields = []
        for f in table.fields:
            spec: dict = {"name": f.name, "type": f.type, "description": f.description}
            if f.fmt == "uri":  # a list of URIs has no Frictionless format; its pattern says it
                spec["format"] = f.fmt
            if f.type == "boolean":
                spec["trueValues"] = ["true"]
                spec["falseValues"] = ["false"]
            constraints: dict = {}
            if f.required:
                constraints["required"] = True
            if f.enum:
                constraints["enum"] = list(f.enum)
            if f.pattern:
                constraints["pattern"] = f.pattern
            if constraints:
                spec["constraints"] = constraints
            fields.append(spec)
        schema: dict = {"fields": fields, "primaryKey": list(table.primary_key), "missingValues": [""]}
        fks = [
            {"fields": f.name, "reference": {"resource": f.foreign[0], "fields": f.foreign[1]}}
            for f in table.fields if f.foreign
        ]
        if fks:
            schema["foreignKeys"] = fks
        resources.append({
            "name": table.name, "path": f"sources/{table.filename}", "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "description": table.description, "schema": schema,
        })
    return {
        "name": "eu-human-rights-action-monitor",
        "title": "EU Human Rights Action Monitor: cases and EU actions",
        "description": "Documented human-rights cases in the EU's priority countries and what the EU institutions did about "
                       "them. Every record carries the public source it is taken from.",
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                      "title": "Creative Commons Attribution 4.0"}],
        "resources": resources,
    }
