"""The shape of every source file: columns, types, requirements, keys.

`data/datapackage.json` (Frictionless Table Schema) is generated from this module
(`python -m dashboard datapackage`) and a test keeps the two equal, so the validator, the build
and the published description can never disagree.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    unique: tuple[tuple[str, ...], ...] = field(default_factory=tuple)

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def _enum(d: dict[str, str]) -> tuple[str, ...]:
    return tuple(d)


URL = dict(type="string", fmt="uri")
SOURCE_URL = Field("source_url", **URL, required=True, description="Public page the record is taken from (http or https).")
SOURCE_KIND = Field("source_kind", "string",
                    f"Kind of source: official ({taxonomy.OFFICIAL_SOURCE}), NGO report or news report.",
                    required=True, enum=_enum(taxonomy.SOURCE_KINDS))
PUBLIC = Field("public", "boolean", "false keeps the record out of the published database.", required=True)
PRECISION = Field("date_precision", "string", "How precise the date is: day, month (stored as the 1st) or year.",
                  required=True, enum=_enum(taxonomy.DATE_PRECISIONS))
URL_LIST_PATTERN = r"^https?://\S+( https?://\S+)*$"
SOURCE_QUALITY = Field("source_quality", "string",
                       "How close the cited page is to the act: "
                       + "; ".join(f"{code}: {meaning}" for code, meaning in taxonomy.SOURCE_QUALITY_MEANING.items())
                       + " (hosts listed in dashboard/hosts.py).",
                       required=True, enum=_enum(taxonomy.SOURCE_QUALITIES))
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
        Field("case_id", "string", "Stable id, e.g. IRN-C-0001.", required=True, pattern="^[A-Z]{3}-C-[0-9]{4}$"),
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
    ), ("case_id", "date", "event_type", "description")),
    Table("eu_actions", "What an EU institution did: statements, démarches, resolutions, sanctions...", (
        Field("action_id", "string", "Stable id, e.g. IRN-A-0001 (GLB- for global actions).", required=True,
              pattern="^[A-Z]{3}-A-[0-9]{4}$"),
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
        Field("searched_on", "date", "Date of the search (YYYY-MM-DD).", required=True),
        Field("queries", "string", "The search phrases used, separated by ' | ', and where they were searched.",
              required=True),
        Field("result", "string", "found: an EU action was found and linked; none: no EU action was found.",
              required=True, enum=_enum(taxonomy.SEARCH_RESULTS)),
    ), ("case_id", "searched_on", "queries")),
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
