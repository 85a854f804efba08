"""The page skeleton."""

from __future__ import annotations

from dash import html

from layouts import ids
from sozialmonitor.service import Overview


def overview(data: Overview) -> html.Div:
    items = []
    for frame in data.frames:
        levels = [html.Li(f"{level.name_de}: {level.areas:,} Gebiete".replace(",", ".")) for level in frame.levels]
        items.append(html.Section([html.H2(frame.name_de), html.Ul(levels)]))
    summary = html.P(f"{data.indicators} Indikatoren, {data.observations:,} Beobachtungen".replace(",", "."))
    return html.Div([*items, summary], id=ids.OVERVIEW)


def page(data: Overview) -> html.Main:
    return html.Main([html.H1("Sozialmonitor"), overview(data)], id=ids.PAGE, lang="de")
