"""The OpenAPI 3.1 description of the read API, served at ``/api/v1/openapi.json`` (see server/api.py).

Written by hand; tests/integration/test_api.py checks that every API route is described here and that the
answers have the fields the schemas name.
"""

from __future__ import annotations

from typing import Any


def _text(description: str) -> dict[str, Any]:
    return {"type": "object", "description": description, "required": ["de", "en"],
            "properties": {"de": {"type": "string"}, "en": {"type": "string"}}}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "headers": {"ETag": {"$ref": "#/components/headers/ETag"},
                                                   "Cache-Control": {"$ref": "#/components/headers/CacheControl"}},
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _param(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


FRAME = _param("frame", "Frame id (a city, a federal state, Germany …), from `/frames`.")
LEVEL = _param("level", "Level id (district, planning area …), from `/frames/{frame}/levels`.")
INDICATOR = _param("indicator", "Indicator id, from `/frames/{frame}/levels/{level}/indicators`.")
JSON_ONLY = {"name": "format", "in": "query", "required": False,
             "schema": {"type": "string", "enum": ["json"], "default": "json"}}
COMMON = {
    "304": {"description": "Not modified: the `If-None-Match` header named the current `ETag`."},
    "404": {"description": "Unknown, or not visible to the caller — the two answer alike.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotFound"}}}},
}
BAD = {"400": {"description": "A query parameter has a value that is not allowed; the message names it and the "
                              "allowed values.",
               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BadRequest"}}}}}

CSV_DESCRIPTION = (
    "UTF-8, CRLF line ends. First a header block of `# key: value` lines — `indicator`, `name_de`, `name_en`, "
    "`unit_de`, `unit_en`, `frame`, `level`, `period` (or `periods` and `area` for a series), `source`, "
    "`licence`, `areas_source`, `areas_licence` — which the open-data licences require to travel with the "
    "values; then the table `area_id,name,period,value,status,derived`, text cells in double quotes, numbers "
    "bare, an empty `value` where there is none. Text cells starting with `=`, `+`, `-` or `@` get a leading "
    "`'` so spreadsheets do not run them as formulas. pandas: `pd.read_csv(url, comment=\"#\", "
    "dtype={\"area_id\": str, \"period\": str})`."
)


def document(max_age_s: int) -> dict[str, Any]:
    """The OpenAPI 3.1 document; ``max_age_s`` is the ``Cache-Control`` max-age of anonymous answers."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sozialmonitor read API",
            "version": "1",
            "description": (
                "Read-only access to what the dashboard publishes: frames, levels, the indicator catalogue and "
                "the published values per area, by the dashboard's rules — values of a parent level are rolled "
                "up from its child level by the catalogue rule, disclosure control has been applied (a "
                "suppressed value has status `secret` and no value), and a value only ever comes with a status "
                "`ok`, `provisional`, `unreliable` or `low_base` (a rate on too small a base: shown, not reliable, "
                "in no comparison); an area without data is `missing` with no value "
                "(missing is never zero). Internal levels and indicators are visible to logged-in users only; "
                "to everyone else they answer 404 exactly like unknown ones.\n\n"
                f"Caching: every answer has a strong `ETag`; send it back in `If-None-Match` to get 304. "
                f"Anonymous answers are `Cache-Control: public, max-age={max_age_s}` (data changes with an "
                "import only); answers to a logged-in user are `private, no-store`. `Vary: Cookie, "
                "Accept-Encoding`.\n\nAttribution: every values answer carries unit, period, source and licence "
                "of the indicator and source and licence of the area geometry."),
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "paths": {
            "/api/v1/frames": {"get": {
                "summary": "Frames with at least one level the caller may see",
                "operationId": "listFrames", "parameters": [JSON_ONLY],
                "responses": {"200": _json("FrameList", "Frames by id."), **BAD, **COMMON}}},
            "/api/v1/frames/{frame}/levels": {"get": {
                "summary": "Levels of a frame the caller may see, top level first",
                "operationId": "listLevels", "parameters": [FRAME, JSON_ONLY],
                "responses": {"200": _json("LevelList", "Levels, parents before children."), **BAD, **COMMON}}},
            "/api/v1/frames/{frame}/levels/{level}/indicators": {"get": {
                "summary": "Indicators with data on a level (own or rolled up) that the caller may see",
                "operationId": "listIndicators", "parameters": [FRAME, LEVEL, JSON_ONLY],
                "responses": {"200": _json("IndicatorList", "Catalogue entries by id."), **BAD, **COMMON}}},
            "/api/v1/frames/{frame}/levels/{level}/indicators/{indicator}": {"get": {
                "summary": "One indicator on a level: names, unit, definition, periods with data, source, licence",
                "operationId": "describeIndicator", "parameters": [FRAME, LEVEL, INDICATOR, JSON_ONLY],
                "responses": {"200": _json("IndicatorDescription", "The catalogue entry."), **BAD, **COMMON}}},
            "/api/v1/frames/{frame}/levels/{level}/indicators/{indicator}/values": {"get": {
                "summary": "Published values per area: one period, or one area's whole series",
                "operationId": "getValues",
                "parameters": [
                    FRAME, LEVEL, INDICATOR,
                    {"name": "period", "in": "query", "required": False, "schema": {"type": "string"},
                     "description": "A period with data (see the indicator's `periods`). Default: the latest — "
                                    "or, with `area`, every period."},
                    {"name": "area", "in": "query", "required": False, "schema": {"type": "string"},
                     "description": "An area id of the level: only that area's rows (its series without "
                                    "`period`)."},
                    {"name": "format", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"}},
                ],
                "responses": {"200": {
                    **_json("Values", "The values, with attribution."),
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Values"}},
                        "text/csv": {"schema": {"type": "string", "description": CSV_DESCRIPTION}},
                    }}, **BAD, **COMMON}}},
            "/api/v1/openapi.json": {"get": {
                "summary": "This description", "operationId": "openapi",
                "responses": {"200": {"description": "OpenAPI 3.1 document",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        },
        "components": {
            "headers": {
                "ETag": {"description": "Strong validator: a hash of the body.", "schema": {"type": "string"}},
                "CacheControl": {"description": f"`public, max-age={max_age_s}` for anonymous callers, "
                                                "`private, no-store` for logged-in ones.",
                                 "schema": {"type": "string"}},
            },
            "schemas": {
                "Text": _text("The same text in German and English (English falls back to German)."),
                "Frame": {"type": "object", "required": ["id", "name"],
                          "properties": {"id": {"type": "string"}, "name": {"$ref": "#/components/schemas/Text"}}},
                "FrameList": {"type": "object", "required": ["frames"], "properties": {
                    "frames": {"type": "array", "items": {"$ref": "#/components/schemas/Frame"}}}},
                "Level": {"type": "object", "required": ["id", "name", "parent", "visibility", "source", "licence"],
                          "properties": {
                              "id": {"type": "string"}, "name": {"$ref": "#/components/schemas/Text"},
                              "parent": {"type": ["string", "null"],
                                         "description": "The parent level, when the caller may see it."},
                              "visibility": {"type": "string", "enum": ["public", "internal"]},
                              "source": {"type": "string", "description": "Source of the area geometry."},
                              "licence": {"type": "string", "description": "Licence of the area geometry."}}},
                "LevelList": {"type": "object", "required": ["frame", "levels"], "properties": {
                    "frame": {"type": "string"},
                    "levels": {"type": "array", "items": {"$ref": "#/components/schemas/Level"}}}},
                "Indicator": {"type": "object", "required": [
                    "id", "name", "topic", "unit", "definition", "polarity", "aggregation", "decimals", "visibility",
                    "periods", "source", "licence"], "properties": {
                    "id": {"type": "string"}, "name": {"$ref": "#/components/schemas/Text"},
                    "topic": {"$ref": "#/components/schemas/Text"}, "unit": {"$ref": "#/components/schemas/Text"},
                    "definition": {"$ref": "#/components/schemas/Text"},
                    "polarity": {"type": "string", "enum": ["higher_is_better", "higher_is_worse", "neutral"]},
                    "aggregation": {"type": "string", "enum": ["sum", "ratio", "mean", "none"],
                                    "description": "How a parent level's value is rolled up from its children."},
                    "decimals": {"type": "integer", "description": "Decimals the dashboard shows."},
                    "visibility": {"type": "string", "enum": ["public", "internal"]},
                    "periods": {"type": "array", "items": {"type": "string"},
                                "description": "Periods with data on this level, oldest first."},
                    "source": {"type": "string"}, "licence": {"type": "string"},
                    "method": {"type": ["string", "null"], "description": "Derived indicators only: how."},
                    "derived_at": {"type": ["string", "null"], "description": "Derived indicators only: when."}}},
                "IndicatorList": {"type": "object", "required": ["frame", "level", "indicators"], "properties": {
                    "frame": {"type": "string"}, "level": {"type": "string"},
                    "indicators": {"type": "array", "items": {"$ref": "#/components/schemas/Indicator"}}}},
                "IndicatorDescription": {"allOf": [
                    {"$ref": "#/components/schemas/Indicator"},
                    {"type": "object", "required": ["frame", "level", "areas_source", "areas_licence"],
                     "properties": {"frame": {"type": "string"}, "level": {"type": "string"},
                                    "areas_source": {"type": "string"}, "areas_licence": {"type": "string"}}}]},
                "Row": {"type": "object", "required": ["area_id", "name", "period", "value", "status", "derived"],
                        "properties": {
                            "area_id": {"type": "string"}, "name": {"type": "string"}, "period": {"type": "string"},
                            "value": {"type": ["number", "null"],
                                      "description": "Present only under status ok, provisional, unreliable or "
                                                     "low_base."},
                            "status": {"type": "string", "enum": [
                                "ok", "provisional", "unreliable", "low_base", "missing", "secret", "not_applicable",
                                "later"],
                                       "description": "`secret`: suppressed (disclosure control or the source); "
                                                      "`low_base`: a rate on too small a base (`min_denominator`), "
                                                      "not reliable."},
                            "derived": {"type": "boolean",
                                        "description": "Rolled up from the child level for this period."}}},
                "Values": {"type": "object", "required": [
                    "frame", "level", "indicator", "name", "unit", "decimals", "period", "periods", "area", "source",
                    "licence", "areas_source", "areas_licence", "values"], "properties": {
                    "frame": {"type": "string"}, "level": {"type": "string"}, "indicator": {"type": "string"},
                    "name": {"$ref": "#/components/schemas/Text"}, "unit": {"$ref": "#/components/schemas/Text"},
                    "decimals": {"type": "integer"},
                    "period": {"type": ["string", "null"], "description": "The period; null for a series."},
                    "periods": {"type": "array", "items": {"type": "string"}},
                    "area": {"type": ["string", "null"]},
                    "source": {"type": "string"}, "licence": {"type": "string"},
                    "areas_source": {"type": "string"}, "areas_licence": {"type": "string"},
                    "values": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}}}},
                "NotFound": {"type": "object", "required": ["error"],
                             "properties": {"error": {"const": "not found"}}},
                "BadRequest": {"type": "object", "required": ["error", "message"], "properties": {
                    "error": {"const": "bad request"}, "message": {"type": "string"}}},
            },
        },
    }
