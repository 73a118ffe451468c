"""The accessibility statement, following the EU model statement (Commission Implementing Decision (EU) 2018/1523)."""

from __future__ import annotations

from .. import config

PREPARED_ON = "2026-11-28"
STANDARD = "WCAG 2.1 level AA (EN 301 549 for the web)"

STATUS = (f"This website is **partially compliant** with {STANDARD}, due to the non-compliances listed below. "
          "The publisher, an NGO, applies the standard of Directive (EU) 2016/2102 voluntarily.")

LIMITATIONS = [
    "**Data tables** are drawn by Streamlit's grid component on a canvas. Screen readers can read the cells through "
    "its ARIA grid, but reading order in wide tables can be awkward. Every table can be downloaded as CSV, Excel, "
    "JSON or Parquet and read with other tools.",
    "**Charts and the map** are images to assistive technology. Each has a text alternative stating what it shows "
    "and its main finding, and a “Data behind this chart” table with the same numbers.",
    "**The map** shows values by shade of one colour scale (cividis, readable with the common forms of colour "
    "blindness); priority areas are also outlined, and every value is in the table under the map.",
    "**Date pickers** come from Streamlit; dates can also be typed in the form YYYY-MM-DD.",
]


def statement_markdown() -> str:
    contact = (f"write to **{config.ACCESSIBILITY_CONTACT}**" if config.ACCESSIBILITY_CONTACT
               else "write to the office that publishes this monitor, using the contact details on its website")
    limitations = "\n".join(f"- {item}" for item in LIMITATIONS)
    return f"""
The publisher is committed to making the EU Human Rights Action Monitor accessible. This statement applies to
this website.

## Compliance status
{STATUS}

## Non-accessible content
The content below is not fully accessible, for the reasons given:

{limitations}

## Preparation of this statement
This statement was prepared on {PREPARED_ON}. The method was a self-assessment: an automated audit with
axe-core (rules for WCAG 2.0 and 2.1, levels A and AA) runs on every page, the country brief and its
presentation mode in the project's test suite; a keyboard-only test sets filters and reaches the export; pages
were checked at 1366 × 768 and at phone size (390 × 844).

## Feedback and contact information
If you meet a barrier on this website, or need any of its content in another format, {contact}. Say which page
(its address), what you tried to do and what happened. We aim to reply within 10 working days.

## Enforcement procedure
If you are not satisfied with our reply, you can contact the body responsible for web accessibility in your
EU member state.
"""
