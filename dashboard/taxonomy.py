"""Every controlled vocabulary of the dataset, with the label users see.

This is the one place the codes are defined: the validator checks source files against it, the
build writes it into lookup tables, `data/datapackage.json` is generated from it, and pages show
its labels. To add a code, add it here and run `python -m dashboard datapackage`.
"""

from __future__ import annotations

# The 12 priority areas the advocacy office watches, with the countries (ISO 3166-1 alpha-3) each
# covers. "Israel/OPT" covers Israel and the occupied Palestinian territory.
PRIORITY_AREAS: dict[str, tuple[str, ...]] = {
    "Egypt": ("EGY",),
    "Israel/OPT": ("ISR", "PSE"),
    "Iran": ("IRN",),
    "Russia": ("RUS",),
    "Syria": ("SYR",),
    "Turkey": ("TUR",),
    "Yemen": ("YEM",),
    "China": ("CHN",),
    "India": ("IND",),
    "Burundi": ("BDI",),
    "DR Congo": ("COD",),
    "Mexico": ("MEX",),
}

THEMES: dict[str, str] = {
    "death_penalty": "Death penalty",
    "torture": "Torture",
    "hrd": "Human rights defenders",
}

ACTORS: dict[str, str] = {
    "eeas_hrvp": "EEAS / High Representative",
    "council": "Council of the EU",
    "european_parliament": "European Parliament",
    "commission": "European Commission",
    "eu_delegation": "EU Delegation",
    "member_states": "EU member states",
    "eu_at_un": "EU at the UN",
    "eusr": "EU Special Representative for Human Rights",
}

ACTION_TYPES: dict[str, str] = {
    "spokesperson_statement": "Spokesperson statement",
    "hrvp_statement": "Statement by the High Representative",
    "declaration_eu27": "Declaration on behalf of the EU (27)",
    "local_statement": "Local statement (EU Delegation)",
    "demarche": "Démarche",
    "summoning": "Ambassador summoned",
    "trial_observation": "Trial observation",
    "prison_visit": "Prison visit",
    "hrd_meeting": "Meeting with defenders",
    "resolution": "EP resolution",
    "urgency_resolution": "EP urgency resolution",
    "plenary_debate": "EP plenary debate",
    "council_conclusions": "Council conclusions",
    "sanctions": "Sanctions",
    "dialogue": "Human rights dialogue",
    "high_level_meeting": "High-level meeting",
    "funding": "Funding",
    "un_statement": "Statement at the UN",
    "prize": "Prize",
    "ep_member_statement": "Statement by MEPs or an EP office-holder",
    "mep_letter": "Letter from MEPs",
    "parliamentary_answer": "Answer to a parliamentary question or enquiry",
    "osce_coe_statement": "Statement at the OSCE or Council of Europe",
    "member_states_statement": "Joint statement by member states",
    "presidency_statement": "Statement by the Council Presidency",
    "public_remarks": "Speech, interview, op-ed or post by an EU official",
    "family_meeting": "Meeting with victims or their families",
    "public_event": "Event hosted (exhibition, side event, webinar)",
    "policy_document": "Policy adopted (guidelines, annual report, initiative)",
    "aid_conditionality": "Aid conditionality (Article 96 consultations, suspension of support)",
    "other": "Other",
}

# Statements from Brussels: the "unity" measure compares those made on behalf of all 27 member
# states (declarations) with those the Spokesperson or High Representative made alone.
STATEMENT_TYPES = ("spokesperson_statement", "hrvp_statement", "declaration_eu27")
# Statements that can be made on behalf of all 27 member states; their sources say whether they were.
UNITY_TYPES = (*STATEMENT_TYPES, "un_statement")

# The escalation ladder: how far the EU went for a case, lowest to highest. Every action type has a
# step; a case's step is the highest step among the EU actions that responded to it (step 0: none).
ESCALATION_STEPS: dict[int, str] = {
    0: "No EU action",
    1: "Diplomatic step (démarche, Delegation statement, trial observation, visit, dialogue)",
    2: "Public statement (Spokesperson, High Representative, MEPs, EP debate, UN, OSCE or Council of Europe)",
    3: "Declaration on behalf of the EU (27)",
    4: "European Parliament resolution or prize",
    5: "Council conclusions or aid conditionality",
    6: "Sanctions",
}
ESCALATION: dict[str, int] = {
    "demarche": 1, "summoning": 1, "local_statement": 1, "trial_observation": 1, "prison_visit": 1,
    "hrd_meeting": 1, "dialogue": 1, "high_level_meeting": 1, "funding": 1, "other": 1,
    "family_meeting": 1, "public_event": 1,
    "spokesperson_statement": 2, "hrvp_statement": 2, "plenary_debate": 2, "un_statement": 2,
    "ep_member_statement": 2, "mep_letter": 2, "parliamentary_answer": 2, "osce_coe_statement": 2,
    "member_states_statement": 2, "presidency_statement": 2, "public_remarks": 2, "policy_document": 2,
    "declaration_eu27": 3,
    "resolution": 4, "urgency_resolution": 4, "prize": 4,
    "council_conclusions": 5, "aid_conditionality": 5,
    "sanctions": 6,
}

EVENT_TYPES: dict[str, str] = {
    "arrest": "Arrest",
    "charge": "Charge",
    "trial": "Trial",
    "verdict": "Verdict",
    "death_sentence": "Death sentence",
    "execution": "Execution",
    "release": "Release",
    "torture_allegation": "Torture allegation",
    "killing": "Killing",
    "disappearance": "Disappearance",
    "travel_ban": "Travel ban",
    "other": "Other",
}

CASE_STATUSES: dict[str, str] = {
    "detained": "Detained",
    "on_trial": "On trial",
    "sentenced": "Sentenced",
    "death_row": "On death row",
    "executed": "Executed",
    "released": "Released",
    "acquitted": "Acquitted",
    "killed": "Killed",
    "disappeared": "Disappeared",
    "at_risk": "At risk",
    "closed": "Closed",
}

# Statuses after which a case no longer awaits an EU response (used by the silence list).
CLOSED_STATUSES = ("released", "acquitted", "closed")

# The bands of the time to a case's first EU response (metrics.DEFINITIONS["Time to first EU response"]): the most
# days each holds, in order (None: any more). The build numbers each case's band (summaries: case_rows.response_band).
TIME_BUCKETS = ((7, "Within a week"), (30, "8–30 days"), (90, "31–90 days"), (365, "91–365 days"),
                (None, "More than a year"))

SUBJECT_TYPES: dict[str, str] = {
    "individual": "Individual",
    "group": "Group",
    "organisation": "Organisation",
}

# What "official" means, shown on About and in the data package's description of source_kind.
OFFICIAL_SOURCE = ("the document as the public body that issued it published it (an EU institution or Delegation, a "
                   "member state, the UN or another intergovernmental body), or a faithful copy of it such as an "
                   "archive or official journal")
SOURCE_KINDS: dict[str, str] = {
    "official": "Official source",
    "ngo": "NGO report",
    "media": "News report",
}

# How a case came into the dataset. A case found first through an EU text (a statement, resolution or
# listing that names it) says nothing about EU silence, so the accountability measures are also shown
# for the other cases. docs/CURATION.md gives the rule used for cases recorded before this column.
DISCOVERY: dict[str, str] = {
    "ngo": "NGO report",
    "un": "UN or other intergovernmental human-rights body",
    "media": "News report",
    "eu": "EU text",
}
INDEPENDENT_DISCOVERY = tuple(code for code in DISCOVERY if code != "eu")

# How close the cited page is to the act it documents. The hosts behind each class are listed in
# dashboard/curation/hosts.py, which also derives the class of a URL.
SOURCE_QUALITIES: dict[str, str] = {
    "original": "Original page",
    "faithful_copy": "Faithful copy",
    "secondary": "Secondary source",
}
SOURCE_QUALITY_MEANING = {
    "original": "the page of the body that acted or documented the case, on its own web address (for an EU action: "
                "the EU institution, member state or intergovernmental body itself)",
    "faithful_copy": "a complete, unaltered copy of that page kept by an archive or an official republisher",
    "secondary": "a report of the act by someone else (a news article or NGO page about an EU action), or a mirror, "
                 "repost, aggregator, look-alike site or blog",
}

SEARCH_RESULTS: dict[str, str] = {
    "found": "EU action found",
    "none": "No EU action found",
}

# The outcome of a search for the original page of an EU action cited from a secondary page.
ORIGINAL_SEARCH_RESULTS: dict[str, str] = {
    "found": "Original page or faithful copy found, and now cited",
    "none": "No original page found; the secondary page stays",
}

# ISO 639-1 codes of the languages titles in the dataset are written in (more may be added).
LANGUAGES: dict[str, str] = {
    "en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "pl": "Polish", "lt": "Lithuanian", "et": "Estonian", "cs": "Czech", "da": "Danish",
    "sv": "Swedish", "no": "Norwegian", "ru": "Russian", "ar": "Arabic", "tr": "Turkish", "ja": "Japanese",
}

DATE_PRECISIONS: dict[str, str] = {
    "day": "Exact day",
    "month": "Month only (stored as the 1st)",
    "year": "Year only (stored as 1 January)",
}

# Lookup tables written into the database, so SQL can join labels instead of pandas mapping them.
LOOKUPS: dict[str, dict[str, str]] = {
    "theme": THEMES,
    "actor": ACTORS,
    "action_type": ACTION_TYPES,
    "event_type": EVENT_TYPES,
    "status": CASE_STATUSES,
    "subject_type": SUBJECT_TYPES,
    "source_kind": SOURCE_KINDS,
    "discovered_via": DISCOVERY,
    "source_quality": SOURCE_QUALITIES,
}


def area_of(iso3: str) -> str | None:
    for area, members in PRIORITY_AREAS.items():
        if iso3 in members:
            return area
    return None


# How the build's summary tables encode codes (summaries.py writes them) and how the pages' queries read them: the
# separator of the actor|instrument pairs in case_rows.actor_types (codes are snake_case: no '|'), and bit masks
# in which a code's bit is its position in its vocabulary.
PAIR = "|"


def _mask(codes, vocabulary: dict[str, str]) -> int:
    order = list(vocabulary)
    return sum(1 << order.index(code) for code in set(codes))


def theme_mask(themes) -> int:
    """The bits of `theme_mask` (action_rows, case_rows) standing for these theme codes."""
    return _mask(themes, THEMES)


def status_mask(statuses) -> int:
    """The bits of `case_status_mask` (action_rows) standing for these case status codes."""
    return _mask(statuses, CASE_STATUSES)


def discovery_mask(ways) -> int:
    """The bits of `case_discovery_mask` (action_rows) standing for these discovered_via codes."""
    return _mask(ways, DISCOVERY)
