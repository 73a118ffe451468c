"""Themes: one theme across countries — map, chart over time, cases and actions."""

from dataclasses import replace

import streamlit as st

from dashboard.serving import figures, metrics, queries, ui, urls


def render():
    con = ui.connection()
    f = ui.filter_sidebar(urls.file("themes"), ("theme", "country", "since", "until"), single=("theme",))
    summary = queries.theme_summary(con)
    if not f.themes:
        st.title("Themes")
        for row in summary.itertuples():
            st.header(ui.text(row.name), anchor=False)
            st.text(row.description)
            st.caption(f"{row.actions} EU actions · {row.cases} cases")
            st.page_link(urls.file("themes"), label=ui.text(f"Open {row.name}"), query_params=urls.query({"theme": row.name}))
        return
    theme = summary[summary["theme_id"] == f.themes[0]].iloc[0]
    st.title(ui.text(theme["name"]), anchor=False)
    # The theme is the page's subject; the line names the filters narrowing it.
    ui.active_filters(replace(f, themes=()), ("country", "since", "until"))
    st.text(theme["description"])
    head = queries.headline(con, f)
    defined = metrics.DEFINITIONS
    ui.metric_row([("EU actions", head.actions, defined["EU actions"]), ("Cases", head.cases, defined["Cases"]),
                   ("Countries with EU action", head.countries_with_actions, defined["Countries with EU action"])])

    values = queries.map_values(con, f, "actions")
    top = values.sort_values("value", ascending=False).head(3)
    alt = (f"World map of EU actions on {theme['name'].lower()} per country. Most: "
           + ", ".join(f"{n} ({v})" for n, v in zip(top["name"], top["value"], strict=True) if v) + ".")
    ui.clickable_map(figures.world_map(values, "EU actions", alt=alt, site=ui.site()), key="themes_map",
                     data=values.rename(columns={"iso3": "ISO3", "name": "Country", "priority_area": "Priority area",
                                                 "value": "EU actions"}))
    over_time = queries.actions_over_time(con, f, "year", "actor")
    per_year = over_time.groupby("period")["n"].sum() if not over_time.empty else None
    peak = f"Peak: {per_year.idxmax():%Y} ({per_year.max()})." if per_year is not None else "No actions."
    ui.chart(figures.counts_over_time(over_time, f"EU actions on {theme['name'].lower()} per year, by actor"),
             alt=f"Bar chart of EU actions on {theme['name'].lower()} per year, stacked by actor. {peak}",
             data=over_time.rename(columns={"period": "Year", "group": "Actor", "n": "EU actions"}))
    if "death_penalty" in f.themes:
        figures_table = queries.death_penalty_figures(con, f.countries)
        if not figures_table.empty:
            st.header("Context: recorded executions and death sentences")
            st.caption("Yearly figures as their sources state them (mostly Amnesty International's annual reports); "
                       "“at least” figures are minimums, and blank means no number was stated.")
            ui.table(figures_table)
    st.header("Cases")
    ui.table(queries.cases_table(con, f, limit=200))
    ui.export_buttons(con, f, "cases", head.cases, key="theme")
    st.header("EU actions")
    ui.table(queries.actions_table(con, f, limit=200))
    ui.export_buttons(con, f, "actions", head.actions, key="theme")
    ui.cite_this_view("themes", f)


ui.guarded(render)
