"""Restricted data never leaves the server: every registered Dash callback and the geometry route are
replayed anonymously with internal ids, on SQLite and PostgreSQL. A logged-in planner gets the same
requests answered, so the test can fail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from dash import Dash
from flask.testing import FlaskClient

from app import create_app
from layouts import ids
from sozialmonitor.access import PUBLIC, Audience
from sozialmonitor.settings import Settings
from sozialmonitor.store import Store
from tests.integration.conftest import CliRunner
from tests.integration.musterstadt import load_city

INTERNAL_QUERY = "frame=muster&level=sozialraum&ind=sgb2_quote&period=2023-12-31&sel=SR-0101&view=table"
# what must never reach an anonymous client: values and names of the internal indicator, codes and names
# of the internal level's areas
SECRETS = ("12.5", "12,5", "8.25", "8,25", "SGB-II", "SR-0101", "SR-0201", "Am Markt", "Gartenstadt")


def build(store: Store, audience: Audience) -> Dash:
    settings = Settings.from_env({"DATABASE_URL": store.url, "SOZIALMONITOR_LOAD_DEMO": "0",
                                  "SOZIALMONITOR_LOG_LEVEL": "WARNING"})
    return create_app(settings, audience_of=lambda: audience)


def value_for(item: dict[str, str]) -> Any:
    """An attacker's choice for each input: internal ids everywhere."""
    key = (item["id"], item["property"])
    choices: dict[tuple[str, str], Any] = {
        (ids.FRAME, "value"): "muster", (ids.LEVEL, "value"): "sozialraum", (ids.INDICATOR, "value"): "sgb2_quote",
        (ids.PERIOD, "value"): 0, (ids.MODE, "value"): "value", (ids.CHANGE, "value"): "abs",
        (ids.METHOD, "value"): "quantiles", (ids.BREAKS, "value"): "", (ids.K, "value"): 5, (ids.FIXED, "value"): [],
        (ids.PALETTE, "value"): "auto", (ids.OUTLINE, "value"): ["outline"], (ids.VIEW, "value"): "table",
        (ids.SELECTED, "value"): ["SR-0101"], (ids.PANELS, "value"): ["series", "ranking", "profile"],
        (ids.RANKING, "clickData"): {"points": [{"customdata": "SR-0201"}]}, (ids.QUERY, "data"): INTERNAL_QUERY,
        (ids.DOWNLOAD_CSV, "n_clicks"): 1, (ids.DOWNLOAD_XLSX, "n_clicks"): None,
        ("_pages_location", "pathname"): "/", ("_pages_location", "search"): "?" + INTERNAL_QUERY,
    }
    return choices.get(key)


def post_callback(client: FlaskClient, output: str, spec: dict[str, Any],
                  value_of: Callable[[dict[str, str]], Any]) -> str:
    """POST one server-side callback as the renderer would (``@`` suffixes of duplicate outputs cut off),
    each input and state valued by ``value_of``; returns the response text."""
    def ref(o: Any) -> dict[str, str]:
        return {"id": o.component_id, "property": o.component_property.split("@")[0]}

    outputs = [ref(o) for o in spec["output"]] if isinstance(spec["output"], list) else ref(spec["output"])
    inputs = [{**i, "value": value_of(i)} for i in spec["inputs"]]
    state = [{**s, "value": value_of(s)} for s in spec["state"]]
    body = {"output": output, "outputs": outputs, "inputs": inputs, "state": state,
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]}
    response = client.post("/_dash-update-component", json=body, headers={"Origin": "http://localhost"})
    assert response.status_code in (200, 204), (output, response.status_code, response.text[:300])
    return response.get_data(as_text=True)


def replay_all(app: Dash) -> dict[str, str]:
    """POST every server-side callback once; returns output key → response text."""
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    return {output: post_callback(client, output, spec, value_for) for output, spec in app.callback_map.items()
            if "callback" in spec}  # the others are clientside: they run in the browser only


def test_anonymous_replay_of_every_callback_reveals_nothing_internal(cli: CliRunner, store: Store) -> None:
    load_city(cli)
    answers = replay_all(build(store, PUBLIC))
    assert any("pages_content" in k for k in answers) and len(answers) >= 5
    for output, text in answers.items():
        leaked = [s for s in SECRETS if s in text]
        assert leaked == [], f"{output} leaked {leaked}"


def test_the_same_requests_answer_a_planner(cli: CliRunner, store: Store) -> None:
    load_city(cli)
    answers = replay_all(build(store, Audience("planner", "p")))
    everything = "\n".join(answers.values())
    assert "SGB-II" in everything and ("12,5" in everything or "12.5" in everything)


def test_internal_geometry_is_not_served_to_the_public(cli: CliRunner, store: Store) -> None:
    load_city(cli)
    public = build(store, PUBLIC).server.test_client()
    assert public.get("/geo/muster/sozialraum.geojson").status_code == 404
    assert public.get("/geo/muster/bezirk.geojson").status_code == 200
    planner = build(store, Audience("planner", "p")).server.test_client()
    response = planner.get("/geo/muster/sozialraum.geojson")
    assert response.status_code == 200 and "private" in response.headers["Cache-Control"]


def test_public_permalink_to_internal_data_looks_like_unknown(cli: CliRunner, store: Store) -> None:
    load_city(cli)
    from sozialmonitor.service import Service
    from sozialmonitor.view import parse_query

    service = Service(store)
    model = service.view(parse_query(INTERNAL_QUERY)[0], PUBLIC)
    assert model.state.level == "bezirk" and model.state.indicator != "sgb2_quote"
    assert [n.key for n in model.notices][:2] == ["unknown_level", "unknown_indicator"]
    unknown = service.view(parse_query(INTERNAL_QUERY.replace("sozialraum", "ortsteil")
                                       .replace("sgb2_quote", "gibt_es_nicht"))[0], PUBLIC)
    assert [n.key for n in unknown.notices][:2] == [n.key for n in model.notices][:2]
    from sozialmonitor.resolve import NotVisible

    with pytest.raises(NotVisible):
        service.map_data(parse_query(INTERNAL_QUERY)[0], PUBLIC)
