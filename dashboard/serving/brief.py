"""The country brief: one screen for a meeting, and the same content as one self-contained HTML file.

`brief_data` gathers everything once; the page and `brief_html` both render from it, so the download
and `python -m dashboard brief` show exactly what the screen shows. The HTML embeds plotly.js and
has no reference to anything outside the file: it opens offline.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

import pandas as pd
import plotly.io as pio

from . import about, figures, metrics, queries, urls
from .filters import Filters
from .formatting import date_or_never, percent

OPEN_CASES_SHOWN = 6
HELP = {label: metrics.DEFINITIONS[label]  # each figure's one definition
        for label in ("EU actions", "Cases", "Response rate", "Median days to respond", "Silent open cases")}
LATEST_ACTIONS_SHOWN = 5
TIMELINE_POINTS = 300  # the newest actions and events drawn on the timeline


@dataclass
class Brief:
    place: str
    filters: Filters
    as_of: dt.date
    summary: metrics.Summary
    split: dict  # the measures for all cases beside those for cases found independently of the EU
    actions_total: int
    timeline: pd.DataFrame
    answered: pd.DataFrame
    open_cases: pd.DataFrame
    latest_actions: pd.DataFrame
    build: dict

    @property
    def headline(self) -> list[tuple[str, str]]:
        s = self.summary
        rate = s.response_rate
        days = s.median_days_to_first_response
        return [
            ("EU actions", f"{self.actions_total}"),
            ("Cases", f"{s.cases}"),
            ("Response rate", percent(rate)),
            ("Median days to respond", "—" if days is None else f"{days:.0f}"),
            ("Silent open cases", f"{s.silent_cases}"),
        ]

    @property
    def independent_note(self) -> str:
        return metrics.selection_note(self.split)

    @property
    def open_cases_heading(self) -> str:
        """"Silent open cases: 6 of 29" — the list is cut, and says so beside the total it was cut from."""
        total, listed = self.summary.silent_cases, len(self.open_cases)
        return f"Silent open cases: {listed} of {total}" if listed < total else f"Silent open cases: {total}"

    @property
    def footer(self) -> str:
        """The as-of and source line under a presented brief (plain text: no data other than the version)."""
        return (f"EU Human Rights Action Monitor · as of {self.as_of.isoformat()} · data version "
                f"{self.build.get('data_version', '')} · every case and EU action cites its public source")


def brief_data(con, f: Filters, as_of: dt.date | None = None) -> Brief:
    if not f.places:
        raise ValueError("a brief needs one country or priority area")
    as_of = as_of or dt.date.today()
    summary, split = metrics.summary_and_split(con, f, as_of=as_of)
    # only the answers of the actions the timeline can show (at most its newest TIMELINE_POINTS actions)
    timeline, answered, _ = queries.timeline_answers_and_actions(con, f, limit=TIMELINE_POINTS)
    return Brief(
        place=f.places[0], filters=f, as_of=as_of, summary=summary, split=split,
        actions_total=queries.count_actions(con, f),
        timeline=timeline,
        answered=answered,
        open_cases=metrics.silence_list(con, f, as_of=as_of, limit=OPEN_CASES_SHOWN),
        latest_actions=queries.actions_table(con, f, limit=LATEST_ACTIONS_SHOWN),
        build=queries.build_info(con),
    )


def timeline_figure(brief: Brief, height: int | None = 300, font_size: int | None = None):
    return figures.response_timeline(brief.timeline, brief.answered, height=height, font_size=font_size)


def _date(value) -> str:
    if value is None or pd.isna(value):
        return "—"
    return pd.Timestamp(value).date().isoformat()




def _link(url: str, text: str) -> str:
    if not str(url).startswith(("http://", "https://")):
        return html.escape(text)
    return f'<a href="{html.escape(url, quote=True)}" rel="noopener">{html.escape(text)}</a>'


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#1f2937;
     line-height:1.45;padding:0 1rem}
h1{margin:0 0 .2rem;font-size:2rem} h2{font-size:1.2rem;margin:1.6rem 0 .5rem;border-bottom:2px solid #0b4f9c}
.meta{color:#4b5563;font-size:.9rem}
.figures{display:grid;grid-template-columns:repeat(5,1fr);gap:.8rem;margin:1rem 0}
.chart{overflow-x:auto}
.figure{border:1px solid #d1d5db;border-radius:6px;padding:.6rem}.figure b{display:block;font-size:1.6rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}th,td{text-align:left;padding:.35rem .5rem;
     border-bottom:1px solid #e5e7eb;vertical-align:top}th{background:#f3f4f6}
a{color:#0b4f9c}
"""


def brief_html(brief: Brief, site: urls.Urls | None = None) -> str:
    """The brief as one self-contained HTML document (plotly.js inline, no external reference); its links
    point at `site` (the address the brief was downloaded from, or DASHBOARD_BASE_URL)."""
    site = site or urls.Urls.for_request()
    esc = html.escape
    figures_html = "".join(f'<div class="figure"><b>{esc(v)}</b>{esc(k)}</div>' for k, v in brief.headline)
    # A fixed-size figure in a box of the same size: nothing is clipped by an autosized container.
    # (300 px of lanes, and the legend's rows above them: figures.response_timeline)
    fig = timeline_figure(brief, height=300)
    fig.update_layout(width=1040, margin=dict(l=90, r=20, t=20, b=20))
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(automargin=True)
    chart = pio.to_html(fig, include_plotlyjs=True, full_html=False, default_width="1040px",
                        default_height=f"{fig.layout.height}px", config={"displaylogo": False, "responsive": False})
    open_rows = "".join(
        f"<tr><td>{_link(site.record(r['ID']), r['Title'])}</td><td>{esc(str(r['Status']))}</td>"
        f"<td>{_date(r['Started'])}</td><td>{date_or_never(r['Last EU action'])}</td></tr>"
        for _, r in brief.open_cases.iterrows()) or '<tr><td colspan="4">None.</td></tr>'
    action_rows = "".join(
        f"<tr><td>{_date(r['Date'])}</td><td>{esc(str(r['Actor']))}</td><td>{esc(str(r['Action']))}</td>"
        f"<td>{_link(r['Source'], r['Title'])}</td></tr>"
        for _, r in brief.latest_actions.iterrows()) or '<tr><td colspan="4">None.</td></tr>'
    view = site.view("brief", brief.filters)
    citation = about.citation(brief.build, site.base, view_url=view, accessed=brief.as_of.isoformat())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Country brief: {esc(brief.place)} — EU Human Rights Action Monitor</title><style>{CSS}</style></head>
<body><main>
<h1>Country brief: {esc(brief.place)}</h1>
<p class="meta">EU Human Rights Action Monitor · as of {brief.as_of.isoformat()} · data version
{esc(str(brief.build.get('data_version', '')))} · filters: {esc(brief.filters.describe())}</p>
<div class="figures">{figures_html}</div>
<p class="meta">{esc(brief.independent_note)}</p>
<h2>EU actions and case events over time</h2>
<p class="meta">Top row: case events, by type. Bottom row: EU actions, by actor. A grey line joins each EU action
to the case event it answered; hover it for the days it took.</p>
<div class="chart">{chart}</div>
<h2>{esc(brief.open_cases_heading)} (no EU action in the last 12 months)</h2>
<p class="meta">{esc(metrics.DEFINITIONS['Silence list'])}</p>
<table><thead><tr><th>Case</th><th>Status</th><th>Started</th><th>Last EU action</th></tr></thead>
<tbody>{open_rows}</tbody></table>
<h2>Latest EU actions</h2>
<table><thead><tr><th>Date</th><th>Actor</th><th>Action</th><th>Document (source)</th></tr></thead>
<tbody>{action_rows}</tbody></table>
<h2>How to cite</h2><p>{esc(citation)}</p>
</main></body></html>
"""
