"""Prepare Sozialmonitor's shipped demo data from the raw open data.

Run from anywhere::

    python data/prepare.py [--raw DIR]

``DIR`` defaults to ``<repo>/../shared/data/raw`` (see SOURCES.md there). The script rewrites,
byte for byte identically on every run:

* ``geodata/berlin.gpkg``       layers bezirk, prognoseraum, bezirksregion, planungsraum (old LOR)
* ``geodata/deutschland.gpkg``  layers land, kreis, gemeinde (VG5000, 01.01.2021)
* ``data/catalogue.csv``        indicator metadata
* ``data/berlin/mss_planungsraum.csv.gz``         MSS 2013-2019 (long format)
* ``data/berlin/population_planungsraum.csv.gz``  Einwohnerregister 2015-2020 (long format)
* ``data/deutschland/gemeinden_gv.csv.gz``        Gemeindeverzeichnis 2013/2017/2021/2023 (long)
* ``data/deutschland/inkar/*``                    INKAR exports, copied unchanged

Every check prints what it found and stops the script (SystemExit) when a rule is broken, so a
changed raw file cannot slip through silently. ``data/demo.yaml`` and the READMEs are written by hand.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import math
import os
import shutil
from dataclasses import dataclass, fields, replace
from pathlib import Path

# Fixed timestamp inside the GeoPackages (gpkg_contents.last_change), so reruns are byte-identical.
# Must be set before GDAL writes anything.
os.environ.setdefault("OGR_CURRENT_DATE", "2021-01-01T00:00:00Z")

import geopandas as gpd
import openpyxl
import pandas as pd
import shapely

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
GEODATA = REPO / "geodata"

LONG_HEADER = ["area_id", "indicator_id", "period", "value", "numerator", "denominator", "status"]
STATUSES = {"ok", "missing", "secret", "not_applicable", "later", "unreliable", "provisional"}


# --------------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------------


class CheckFailed(SystemExit):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(f"CHECK FAILED: {message}")


def fmt(x: float | int | str | None) -> str:
    """Stable number formatting: integers without '.0', other floats via repr (shortest round-trip)."""
    if x is None or x == "":
        return ""
    if isinstance(x, str):
        x = float(x)
    if isinstance(x, bool):
        raise TypeError("bool is not a number here")
    if isinstance(x, int):
        return str(x)
    x = float(x)
    check(math.isfinite(x), f"non-finite number {x!r}")
    if x.is_integer():
        return str(int(x))
    return repr(x)


def write_gzip_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """Write a UTF-8 CSV, gzip-compressed without a timestamp or file name (reproducible bytes)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(buf.getvalue().encode("utf-8"))


def obs(area: str, indicator: str, period: str, value="", numerator="", denominator="", status="ok") -> list[str]:
    check(status in STATUSES, f"unknown status {status!r}")
    value, numerator, denominator = fmt(value), fmt(numerator), fmt(denominator)
    if status != "ok":
        check(value == "", f"{area} {indicator} {period}: status {status} must not carry a value")
    else:
        check(value != "", f"{area} {indicator} {period}: status ok needs a value")
    return [area, indicator, period, value, numerator, denominator, status]


def write_long(path: Path, rows: list[list[str]]) -> None:
    keys = [(r[0], r[1], r[2]) for r in rows]
    check(len(keys) == len(set(keys)), f"{path.name}: duplicate (area_id, indicator_id, period)")
    rows = sorted(rows, key=lambda r: (r[0], r[1], r[2]))
    write_gzip_csv(path, LONG_HEADER, rows)
    print(f"  wrote {path.relative_to(REPO)}: {len(rows)} rows")


def write_gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    if path.exists():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    for name, gdf in layers.items():
        gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    print(f"  wrote {path.relative_to(REPO)}: " + ", ".join(f"{k}={len(v)}" for k, v in layers.items()))


def area_layer(ids, names, parents, geometry, crs) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(
        {
            "id": pd.Series(list(ids), dtype=object),
            "name": pd.Series(list(names), dtype=object),
            "parent_id": pd.Series(list(parents), dtype=object),
        },
        geometry=list(geometry),
        crs=crs,
    )
    gdf = gdf.sort_values("id", kind="stable").reset_index(drop=True)
    check(gdf["id"].is_unique, "ids must be unique: " + ", ".join(gdf["id"][gdf["id"].duplicated()]))
    check(all(isinstance(i, str) for i in gdf["id"]), "ids must be strings")
    check(set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}, f"unexpected geometry types {set(gdf.geom_type)}")
    return gdf


def check_parents(child: gpd.GeoDataFrame, parent: gpd.GeoDataFrame, label: str) -> None:
    missing = sorted(set(child["parent_id"]) - set(parent["id"]))
    check(not missing, f"{label}: parent ids not in parent layer: {missing}")
    childless = sorted(set(parent["id"]) - set(child["parent_id"]))
    print(f"  {label}: every parent_id exists in the parent layer; parents without children: {childless or 'none'}")


def repair(gdf: gpd.GeoDataFrame, label: str) -> gpd.GeoDataFrame:
    """Repair invalid polygons (ring self-intersections in VG5000) with shapely.make_valid, polygons kept."""
    bad = ~gdf.is_valid
    if bad.any():
        fixed = []
        for geom in gdf.geometry[bad]:
            g = shapely.make_valid(geom, method="structure", keep_collapsed=False)
            if g.geom_type == "GeometryCollection":
                g = shapely.MultiPolygon(
                    [p for part in g.geoms for p in getattr(part, "geoms", [part]) if p.geom_type == "Polygon"]
                )
            fixed.append(g)
        repaired = ", ".join(gdf.loc[bad, "id"] + " " + gdf.loc[bad, "name"])
        print(f"  {label}: repaired {int(bad.sum())} invalid geometries: {repaired}")
        gdf = gdf.copy()
        gdf.loc[bad, "geometry"] = fixed
    check(bool(gdf.is_valid.all()), f"{label}: still invalid after repair")
    return gdf


# --------------------------------------------------------------------------------------------------
# catalogue
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    id: str
    name_de: str
    name_en: str
    topic: str
    topic_en: str
    unit: str
    unit_en: str
    polarity: str
    aggregation: str
    numerator: str
    denominator: str
    factor: str
    visibility: str
    min_count: str
    decimals: str
    source: str
    licence: str
    definition_de: str
    definition_en: str
    scale: str = "sequential"
    min_denominator: str = ""
    part_of: str = ""


# Changes and balances are mapped with a diverging palette around the reference value (or 0).
DIVERGING = {
    "mss_d1_unemployed_change", "mss_d2_long_term_unemployed_change", "mss_d3_transfer_recipients_change",
    "mss_d4_child_poverty_change", "mss_k06_foreigners_change", "mss_k12_migration_balance",
    "mss_k13_migration_balance_children_below_6",
}

CATALOGUE_HEADER = [f.name for f in fields(Indicator)]

T_MSS = ("Soziale Stadtentwicklung (MSS)", "Social urban development (MSS)")
T_WORK = ("Arbeit und Transfer", "Employment and transfers")
T_POP = ("Bevölkerung", "Population")
T_ECON = ("Wirtschaft", "Economy")
T_POL = ("Politik", "Politics")
T_TERR = ("Raum", "Territory")
T_HOUSING = ("Wohnen", "Housing")
T_MIGR = ("Migration und Wanderung", "Migration and mobility")

U_PCT = ("%", "%")
U_PP = ("Prozentpunkte", "percentage points")
U_PERS = ("Personen", "persons")
U_CLASS = ("Klasse", "class")
U_PER100 = ("je 100 Einw.", "per 100 inhabitants")

SRC_MSS = (
    "Senatsverwaltung für Stadtentwicklung, Bauen und Wohnen Berlin (SenSBW) / Amt für Statistik "
    "Berlin-Brandenburg: Monitoring Soziale Stadtentwicklung (MSS) 2013, 2015, 2017, 2019, Planungsräume "
    "(LOR bis 2020), Tabelle {table}; CSV-Fassung von open-lifeworlds"
)
LIC_MSS = "CC BY 3.0 DE"
SRC_POP = (
    "Amt für Statistik Berlin-Brandenburg: Einwohnerregisterstatistik Berlin, Statistischer Bericht "
    "A I 16 (SB_A01-16-00), Planungsräume (LOR bis 2020), {table}; CSV-Fassung von Open Data Product"
)
LIC_POP = "CC BY 3.0 DE"
SRC_GV = (
    "© Statistisches Bundesamt (Destatis): Gemeindeverzeichnis GV-ISys, Auszug „Gemeinden in Deutschland "
    "nach Fläche, Bevölkerung und Postleitzahl“ (31.12.2013, 31.12.2017, 31.12.2021, 31.12.2023)"
)
LIC_GV = "dl-de/by-2-0"
SRC_INKAR = (
    "INKAR, BBSR Bonn: Indikatoren und Karten zur Raum- und Stadtentwicklung, Ausgabe 2020, Kreise "
    "(Gebietsstand 2017); Datei {file}"
)
LIC_INKAR = "dl-de/by-2-0"


def ind(
    id,
    de,
    en,
    topic,
    unit,
    polarity,
    aggregation,
    source,
    licence,
    def_de,
    def_en,
    *,
    numerator="",
    denominator="",
    factor="",
    visibility="public",
    min_count="",
    decimals="1",
):
    return Indicator(
        id,
        de,
        en,
        topic[0],
        topic[1],
        unit[0],
        unit[1],
        polarity,
        aggregation,
        numerator,
        denominator,
        factor,
        visibility,
        min_count,
        decimals,
        source,
        licence,
        def_de,
        def_en,
    )


MSS_NOTE_DE = (
    " Planungsräume, die im jeweiligen Bericht nicht in Tabelle 1 (Indizes) stehen (weniger als 300 "
    "Einwohner/-innen oder vom MSS ausgeschlossen), sind in der Quelle mit 0 eingetragen; diese Nullen "
    "sind keine Daten und werden als Status „secret“ ohne Wert geführt."
)
MSS_NOTE_EN = (
    " Planning areas missing from the report's table 1 (indices) – fewer than 300 inhabitants or "
    "excluded by the MSS – carry 0 in the source; these zeros are not data and are stored with status "
    "'secret' and no value."
)
MSS_K_NOTE_DE = MSS_NOTE_DE + " Ein „-“ der Quelle wird als Status „missing“ geführt. Nur für Fachpublikum (intern)."
MSS_K_NOTE_EN = MSS_NOTE_EN + " A '-' in the source is stored as status 'missing'. Internal audience only."


def mss_index(id, de, en, unit, polarity, table, def_de, def_en, decimals="2"):
    return ind(
        id,
        de,
        en,
        T_MSS,
        unit,
        polarity,
        "none",
        SRC_MSS.format(table=table),
        LIC_MSS,
        def_de + MSS_NOTE_DE,
        def_en + MSS_NOTE_EN,
        decimals=decimals,
    )


def mss_context(id, de, en, topic, unit, polarity, def_de, def_en, decimals="2"):
    return ind(
        id,
        de,
        en,
        topic,
        unit,
        polarity,
        "none",
        SRC_MSS.format(table="4-1 (Kontextindikatoren)"),
        LIC_MSS,
        def_de + MSS_K_NOTE_DE,
        def_en + MSS_K_NOTE_EN,
        visibility="internal",
        decimals=decimals,
    )


MSS_INDICATORS = [
    mss_index(
        "mss_status_index_class",
        "Statusindex (Klasse)",
        "Status index (class)",
        U_CLASS,
        "higher_is_worse",
        "1 (Indizes)",
        "Klasse des Statusindex des MSS aus den Status-Indikatoren S1–S4 (bzw. S1, S3, S4 ab MSS 2019): "
        "1 = hoch, 2 = mittel, 3 = niedrig, 4 = sehr niedrig.",
        "Class of the MSS status index built from status indicators S1–S4 (S1, S3, S4 from MSS 2019): "
        "1 = high, 2 = medium, 3 = low, 4 = very low.",
        decimals="0",
    ),
    mss_index(
        "mss_dynamic_index_class",
        "Dynamikindex (Klasse)",
        "Dynamics index (class)",
        U_CLASS,
        "higher_is_worse",
        "1 (Indizes)",
        "Klasse des Dynamikindex des MSS aus den Dynamik-Indikatoren D1–D4 (bzw. D1, D3, D4 ab MSS 2019), "
        "Veränderung über die zwei Jahre vor dem Datenstand. Kodierung des Quellsymbols: „+“ → 1 (positiv), "
        "„+/-“ → 2 (stabil), „-“ → 3 (negativ).",
        "Class of the MSS dynamics index built from dynamics indicators D1–D4 (D1, D3, D4 from MSS 2019), "
        "change over the two years before the reference date. Coding of the source symbol: '+' → 1 "
        "(positive), '+/-' → 2 (stable), '-' → 3 (negative).",
        decimals="0",
    ),
    mss_index(
        "mss_s1_unemployed",
        "S1 Arbeitslosigkeit",
        "S1 Unemployment",
        U_PCT,
        "higher_is_worse",
        "2-1 (Index-Indikatoren)",
        "Anteil der Arbeitslosen an den Einwohnerinnen und Einwohnern im Alter von 15 bis unter 65 Jahren in % "
        "(MSS 2019: Arbeitslose nach SGB II; Abgrenzung der früheren Berichte siehe deren Indikatorenblätter).",
        "Unemployed persons as a share of inhabitants aged 15 to under 65, in % (MSS 2019: unemployed "
        "under SGB II; see the earlier reports' indicator sheets for their definition).",
    ),
    mss_index(
        "mss_s2_long_term_unemployed",
        "S2 Langzeitarbeitslosigkeit",
        "S2 Long-term unemployment",
        U_PCT,
        "higher_is_worse",
        "2-1 (Index-Indikatoren)",
        "Anteil der Langzeitarbeitslosen an den Einwohnerinnen und Einwohnern im Alter von 15 bis unter 65 "
        "Jahren in %. Nur MSS 2013–2017 (ab MSS 2019 kein Index-Indikator mehr).",
        "Long-term unemployed persons as a share of inhabitants aged 15 to under 65, in %. MSS 2013–2017 "
        "only (dropped from the index in MSS 2019).",
    ),
    mss_index(
        "mss_s3_transfer_recipients",
        "S3 Transferbezug",
        "S3 Welfare receipt",
        U_PCT,
        "higher_is_worse",
        "2-1 (Index-Indikatoren)",
        "Anteil der (nicht arbeitslosen) Empfängerinnen und Empfänger von Existenzsicherungsleistungen nach "
        "SGB II und SGB XII an den Einwohnerinnen und Einwohnern in %.",
        "(Non-unemployed) recipients of minimum-income benefits under SGB II and SGB XII as a share of "
        "inhabitants, in %.",
    ),
    mss_index(
        "mss_s4_child_poverty",
        "S4 Kinderarmut",
        "S4 Child poverty",
        U_PCT,
        "higher_is_worse",
        "2-1 (Index-Indikatoren)",
        "Anteil der Kinder und Jugendlichen unter 15 Jahren in Bedarfsgemeinschaften nach SGB II an allen "
        "unter 15-Jährigen in %.",
        "Children under 15 living in SGB II benefit households as a share of all children under 15, in %.",
    ),
    mss_index(
        "mss_d1_unemployed_change",
        "D1 Veränderung Arbeitslosigkeit",
        "D1 Change in unemployment",
        U_PP,
        "higher_is_worse",
        "2-1 (Index-Indikatoren)",
        "Veränderung des Anteils S1 in Prozentpunkten über die zwei Jahre vor dem Datenstand.",
        "Change of share S1 in percentage points over the two years before the reference date.",
    ),
    mss_index(
        "mss_d2_long_term_unemployed_change",
        "D2 Veränderung Langzeitarbeitslosigkeit",
        "D2 Change in long-term unemployment",
        U_PP,
        "higher_is_worse",
        "2-1 (Index-Indikatoren)",
        "Veränderung des Anteils S2 in Prozentpunkten über die zwei Jahre vor dem Datenstand. Nur MSS 2013–2017.",
        "Change of share S2 in percentage points over the two years before the reference date. MSS 2013–2017 only.",
    ),
    mss_index(
        "mss_d3_transfer_recipients_change",
        "D3 Veränderung Transferbezug",
        "D3 Change in welfare receipt",
        U_PP,
        "higher_is_worse",
        "2-1 (Index-Indikatoren)",
        "Veränderung des Anteils S3 in Prozentpunkten über die zwei Jahre vor dem Datenstand.",
        "Change of share S3 in percentage points over the two years before the reference date.",
    ),
    mss_index(
        "mss_d4_child_poverty_change",
        "D4 Veränderung Kinderarmut",
        "D4 Change in child poverty",
        U_PP,
        "higher_is_worse",
        "2-1 (Index-Indikatoren)",
        "Veränderung des Anteils S4 in Prozentpunkten über die zwei Jahre vor dem Datenstand.",
        "Change of share S4 in percentage points over the two years before the reference date.",
    ),
    # context indicators (table 4-1), internal
    mss_context(
        "mss_k01_youth_unemployment",
        "K01 Jugendarbeitslosigkeit",
        "K01 Youth unemployment",
        T_WORK,
        U_PCT,
        "higher_is_worse",
        "Anteil der Arbeitslosen unter 25 Jahren an den Einwohnerinnen und Einwohnern im Alter von 15 bis "
        "unter 25 Jahren in %.",
        "Unemployed persons under 25 as a share of inhabitants aged 15 to under 25, in %.",
    ),
    mss_context(
        "mss_k02_single_parent_households",
        "K02 Alleinerziehende Haushalte",
        "K02 Single-parent households",
        T_POP,
        U_PCT,
        "neutral",
        "Anteil der Haushalte von Alleinerziehenden an den Haushalten mit Kindern unter 18 Jahren in %. "
        "In MSS 2017 und 2019 für alle Planungsräume ohne Wert („-“).",
        "Single-parent households as a share of households with children under 18, in %. No value ('-') "
        "for any planning area in MSS 2017 and 2019.",
    ),
    mss_context(
        "mss_k03_old_age_poverty",
        "K03 Altersarmut",
        "K03 Old-age poverty",
        T_WORK,
        U_PCT,
        "higher_is_worse",
        "Anteil der Empfängerinnen und Empfänger von Grundsicherung im Alter (SGB XII, 4. Kapitel, außerhalb "
        "von Einrichtungen) an den Einwohnerinnen und Einwohnern ab 65 Jahren in %.",
        "Recipients of basic old-age income support (SGB XII chapter 4, outside institutions) as a share of "
        "inhabitants aged 65 and over, in %.",
    ),
    mss_context(
        "mss_k04_children_migration_background",
        "K04 Kinder und Jugendliche mit Migrationshintergrund",
        "K04 Children and adolescents with a migration background",
        T_MIGR,
        U_PCT,
        "neutral",
        "Anteil der unter 18-Jährigen mit Migrationshintergrund an allen unter 18-Jährigen in %.",
        "Inhabitants under 18 with a migration background as a share of all inhabitants under 18, in %.",
    ),
    mss_context(
        "mss_k05_migration_background",
        "K05 Einwohnerinnen und Einwohner mit Migrationshintergrund",
        "K05 Inhabitants with a migration background",
        T_MIGR,
        U_PCT,
        "neutral",
        "Anteil der Einwohnerinnen und Einwohner mit Migrationshintergrund an allen Einwohnerinnen und "
        "Einwohnern in %.",
        "Inhabitants with a migration background as a share of all inhabitants, in %.",
    ),
    mss_context(
        "mss_k06_foreigners_change",
        "K06 Veränderung des Ausländeranteils",
        "K06 Change in the share of foreigners",
        T_MIGR,
        U_PP,
        "neutral",
        "Veränderung des Anteils der Ausländerinnen und Ausländer an den Einwohnerinnen und Einwohnern in "
        "Prozentpunkten über die zwei Jahre vor dem Datenstand.",
        "Change of the share of foreign nationals among inhabitants in percentage points over the two years "
        "before the reference date.",
    ),
    mss_context(
        "mss_k07_foreign_transfer_recipients",
        "K07 Ausländische Transferbeziehende",
        "K07 Foreign welfare recipients",
        T_WORK,
        U_PCT,
        "higher_is_worse",
        "Anteil der Empfängerinnen und Empfänger von Existenzsicherungsleistungen (SGB II/SGB XII) mit "
        "ausländischer Staatsangehörigkeit an den ausländischen Einwohnerinnen und Einwohnern in % "
        "(Abgrenzung laut MSS-Indikatorenblatt).",
        "Foreign nationals receiving minimum-income benefits (SGB II/SGB XII) as a share of foreign "
        "inhabitants, in % (see the MSS indicator sheet for the exact definition).",
    ),
    mss_context(
        "mss_k08_municipal_housing",
        "K08 Städtische Wohnungen",
        "K08 Municipal housing",
        T_HOUSING,
        U_PCT,
        "neutral",
        "Anteil der Wohnungen der städtischen Wohnungsbaugesellschaften am Wohnungsbestand in %.",
        "Dwellings of the municipal housing companies as a share of the housing stock, in %.",
    ),
    mss_context(
        "mss_k09_simple_residential_location",
        "K09 Einfache Wohnlage",
        "K09 Simple residential location",
        T_HOUSING,
        U_PCT,
        "higher_is_worse",
        "Anteil in einfacher Wohnlage (Wohnlagenkarte des Berliner Mietspiegels) in %.",
        "Share in a 'simple' residential location (Berlin rent index location map), in %.",
    ),
    mss_context(
        "mss_k10_residence_over_5_years",
        "K10 Wohndauer über 5 Jahre",
        "K10 Residence of more than 5 years",
        T_HOUSING,
        U_PCT,
        "higher_is_better",
        "Anteil der Einwohnerinnen und Einwohner, die seit mindestens 5 Jahren an derselben Adresse wohnen, "
        "in %. Nur MSS 2013 (in den Quelldateien 2015–2019 nicht enthalten).",
        "Inhabitants living at the same address for at least 5 years, as a share of inhabitants, in %. "
        "MSS 2013 only (not contained in the 2015–2019 source files).",
    ),
    mss_context(
        "mss_k11_migration_volume",
        "K11 Wanderungsvolumen",
        "K11 Migration volume",
        T_MIGR,
        U_PER100,
        "neutral",
        "Zuzüge plus Fortzüge je 100 Einwohnerinnen und Einwohner. Nur MSS 2013 (in den Quelldateien "
        "2015–2019 nicht enthalten).",
        "In-moves plus out-moves per 100 inhabitants. MSS 2013 only (not contained in the 2015–2019 source files).",
    ),
    mss_context(
        "mss_k12_migration_balance",
        "K12 Wanderungssaldo",
        "K12 Net migration",
        T_MIGR,
        U_PER100,
        "neutral",
        "Zuzüge minus Fortzüge je 100 Einwohnerinnen und Einwohner. Nur MSS 2013 (in den Quelldateien "
        "2015–2019 nicht enthalten).",
        "In-moves minus out-moves per 100 inhabitants. MSS 2013 only (not contained in the 2015–2019 source files).",
    ),
    mss_context(
        "mss_k13_migration_balance_children_below_6",
        "K13 Wanderungssaldo von Kindern unter 6 Jahren",
        "K13 Net migration of children under 6",
        T_MIGR,
        ("je 100 Einw. unter 6 J.", "per 100 inhabitants under 6"),
        "neutral",
        "Zuzüge minus Fortzüge von Kindern unter 6 Jahren je 100 Einwohnerinnen und Einwohner unter 6 Jahren. "
        "Nur MSS 2013 (in den Quelldateien 2015–2019 nicht enthalten).",
        "In-moves minus out-moves of children under 6 per 100 inhabitants under 6. MSS 2013 only (not "
        "contained in the 2015–2019 source files).",
    ),
    mss_context(
        "mss_k14_living_rooms",
        "K14 Wohnräume je Einwohner/-in",
        "K14 Living rooms per inhabitant",
        T_HOUSING,
        ("Räume je Einw.", "rooms per inhabitant"),
        "higher_is_better",
        "Durchschnittliche Zahl der Wohnräume je Einwohnerin und Einwohner. Ab MSS 2015.",
        "Average number of living rooms per inhabitant. From MSS 2015.",
    ),
    mss_context(
        "mss_k15_living_space",
        "K15 Wohnfläche je Einwohner/-in",
        "K15 Living space per inhabitant",
        T_HOUSING,
        ("m² je Einw.", "m² per inhabitant"),
        "higher_is_better",
        "Wohnfläche in m² je Einwohnerin und Einwohner. Ab MSS 2015.",
        "Living space in m² per inhabitant. From MSS 2015.",
    ),
    mss_context(
        "mss_k16_foreigners",
        "K16 Ausländerinnen und Ausländer",
        "K16 Foreign nationals",
        T_MIGR,
        U_PCT,
        "neutral",
        "Anteil der Ausländerinnen und Ausländer an den Einwohnerinnen und Einwohnern in %. Ab MSS 2015.",
        "Foreign nationals as a share of inhabitants, in %. From MSS 2015.",
    ),
    mss_context(
        "mss_k17_non_eu_foreigners",
        "K17 Nicht-EU-Ausländerinnen und -Ausländer",
        "K17 Non-EU foreign nationals",
        T_MIGR,
        U_PCT,
        "neutral",
        "Anteil der Nicht-EU-Ausländerinnen und -Ausländer an den Ausländerinnen und Ausländern in %. Ab MSS 2015.",
        "Non-EU foreign nationals as a share of all foreign nationals, in %. From MSS 2015.",
    ),
]

# population: (suffix, source column stem, German label, English label, table)
POP_GROUPS = [
    ("total", "inhabitants", "Einwohnerinnen und Einwohner insgesamt", "Inhabitants, total", "t2"),
    ("age_below_6", "inhabitants_age_below_6", "Einwohner/-innen unter 6 Jahren", "Inhabitants under 6", "t2"),
    (
        "age_6_15",
        "inhabitants_age_6_15",
        "Einwohner/-innen 6 bis unter 15 Jahre",
        "Inhabitants aged 6 to under 15",
        "t2",
    ),
    (
        "age_15_18",
        "inhabitants_age_15_18",
        "Einwohner/-innen 15 bis unter 18 Jahre",
        "Inhabitants aged 15 to under 18",
        "t2",
    ),
    (
        "age_18_27",
        "inhabitants_age_18_27",
        "Einwohner/-innen 18 bis unter 27 Jahre",
        "Inhabitants aged 18 to under 27",
        "t2",
    ),
    (
        "age_27_45",
        "inhabitants_age_27_45",
        "Einwohner/-innen 27 bis unter 45 Jahre",
        "Inhabitants aged 27 to under 45",
        "t2",
    ),
    (
        "age_45_55",
        "inhabitants_age_45_55",
        "Einwohner/-innen 45 bis unter 55 Jahre",
        "Inhabitants aged 45 to under 55",
        "t2",
    ),
    (
        "age_55_65",
        "inhabitants_age_55_65",
        "Einwohner/-innen 55 bis unter 65 Jahre",
        "Inhabitants aged 55 to under 65",
        "t2",
    ),
    ("age_above_65", "inhabitants_age_above_65", "Einwohner/-innen ab 65 Jahren", "Inhabitants aged 65 and over", "t2"),
    ("female", "inhabitants_female", "Einwohnerinnen (weiblich)", "Female inhabitants", "t2"),
    ("foreigners", "inhabitants_foreigners", "Ausländerinnen und Ausländer", "Foreign nationals", "t2"),
    (
        "migration_background",
        "inhabitants_with_migration_background",
        "Einwohner/-innen mit Migrationshintergrund",
        "Inhabitants with a migration background",
        "t1",
    ),
]
POP_TABLE = {"t1": "Tabelle T1 (Migrationshintergrund)", "t2": "Tabelle T2 (Alter, Geschlecht, Staatsangehörigkeit)"}
POP_NOTE_DE = (
    " Melderechtlich registrierte Einwohnerinnen und Einwohner mit Hauptwohnsitz, Stand 30.06. bzw. 31.12. "
    "Kleine Fallzahlen sind in der Quelle offenbar geheimhaltungsbedingt verändert (die Werte 1 und 2 kommen "
    "nicht vor)."
)
POP_NOTE_EN = (
    " Inhabitants registered with main residence, as of 30 June or 31 December. Small counts appear to be "
    "altered by the publisher's disclosure control (the values 1 and 2 never occur)."
)


def pop_indicators() -> list[Indicator]:
    out = []
    for key, _, de, en, table in POP_GROUPS:
        out.append(
            ind(
                f"pop_{key}",
                de,
                en,
                T_POP,
                U_PERS,
                "neutral",
                "sum",
                SRC_POP.format(table=POP_TABLE[table]),
                LIC_POP,
                f"Anzahl: {de}." + POP_NOTE_DE,
                f"Count: {en.lower()}." + POP_NOTE_EN,
                min_count="3",
                decimals="0",
            )
        )
    for key, _, de, en, table in POP_GROUPS[1:]:
        out.append(
            ind(
                f"pop_share_{key}",
                f"Anteil {de}",
                f"Share: {en.lower()}",
                T_POP,
                U_PCT,
                "neutral",
                "ratio",
                SRC_POP.format(table=POP_TABLE[table]),
                LIC_POP,
                f"Anteil „{de}“ an allen Einwohnerinnen und Einwohnern in % (Wert wie veröffentlicht; "
                f"Zähler pop_{key}, Nenner pop_total)." + POP_NOTE_DE,
                f"Share '{en.lower()}' of all inhabitants in % (value as published; numerator pop_{key}, "
                f"denominator pop_total)." + POP_NOTE_EN,
                numerator=f"pop_{key}",
                denominator="pop_total",
                factor="100",
                decimals="1",
            )
        )
    return out


GV_INDICATORS = [
    ind(
        "gem_population",
        "Bevölkerung (Gemeinde)",
        "Population (municipality)",
        T_POP,
        U_PERS,
        "neutral",
        "sum",
        SRC_GV,
        LIC_GV,
        "Bevölkerung insgesamt am 31.12. (Fortschreibung; 2013 auf Grundlage des Zensus 2011; ab Berichtsjahr 2016 "
        "laut Destatis nur bedingt mit Vorjahren vergleichbar). Gemeindefreie Gebiete ohne Einwohner sind mit 0 "
        "veröffentlicht.",
        "Total population on 31 December (population update; 2013 based on the 2011 census; from reporting year 2016 "
        "only partly comparable with earlier years according to Destatis). Unincorporated areas without inhabitants "
        "are published as 0.",
        decimals="0",
    ),
    ind(
        "gem_area_km2",
        "Fläche (Gemeinde)",
        "Area (municipality)",
        T_TERR,
        ("km²", "km²"),
        "neutral",
        "sum",
        SRC_GV,
        LIC_GV,
        "Katasterfläche in km² am 31.12. (ab 2014 ALKIS-basiert, Vergleich mit früheren Jahren eingeschränkt).",
        "Cadastral area in km² on 31 December (ALKIS-based from 2014; limited comparability with earlier years).",
        decimals="2",
    ),
    ind(
        "gem_density",
        "Bevölkerungsdichte (Gemeinde)",
        "Population density (municipality)",
        T_POP,
        ("Einw./km²", "inhabitants/km²"),
        "neutral",
        "ratio",
        SRC_GV,
        LIC_GV,
        "Einwohnerinnen und Einwohner je km² wie von Destatis veröffentlicht (ganzzahlig gerundet); Zähler "
        "gem_population, Nenner gem_area_km2.",
        "Inhabitants per km² as published by Destatis (rounded to integers); numerator gem_population, denominator "
        "gem_area_km2.",
        numerator="gem_population",
        denominator="gem_area_km2",
        factor="1",
        decimals="0",
    ),
]

# INKAR: catalogue id -> (file, exact row-1 name, catalogue fields)
INKAR_FILES = {
    "inkar_unemployment_rate": ("Arbeitslosenquote.xls", "Arbeitslosenquote"),
    "inkar_gdp_per_capita": ("BIP_je_Einwohner.xls", "Bruttoinlandsprodukt je Einwohner"),
    "inkar_mean_age": ("Durchschnittsalter_Kreise.csv", "Durchschnittsalter der Bevölkerung "),
    "inkar_turnout": ("Wahlbeteiligung.csv", "Wahlbeteiligung"),
    "inkar_urban_rural": ("Stadt_Land.xls", "Städtischer / ländlicher Raum"),
}
INKAR_INDICATORS = [
    ind(
        "inkar_unemployment_rate",
        "Arbeitslosenquote",
        "Unemployment rate",
        T_WORK,
        U_PCT,
        "higher_is_worse",
        "none",
        SRC_INKAR.format(file="Arbeitslosenquote.xls"),
        LIC_INKAR,
        "Anteil der Arbeitslosen an allen zivilen Erwerbspersonen in % (Jahresdurchschnitt; Quelle laut INKAR: "
        "Statistik der Bundesagentur für Arbeit). 1998–2017.",
        "Unemployed persons as a share of the civilian labour force, in % (source according to INKAR: Federal "
        "Employment Agency statistics). 1998–2017.",
    ),
    ind(
        "inkar_gdp_per_capita",
        "Bruttoinlandsprodukt je Einwohner",
        "GDP per capita",
        T_ECON,
        ("1.000 €", "EUR 1,000"),
        "higher_is_better",
        "none",
        SRC_INKAR.format(file="BIP_je_Einwohner.xls"),
        LIC_INKAR,
        "Bruttoinlandsprodukt zu Marktpreisen in 1.000 € je Einwohnerin und Einwohner (Quelle laut INKAR: "
        "Arbeitskreis Volkswirtschaftliche Gesamtrechnungen der Länder). 2000–2017.",
        "Gross domestic product at market prices in EUR 1,000 per inhabitant (source according to INKAR: Working "
        "Group on National Accounts of the Länder). 2000–2017.",
    ),
    ind(
        "inkar_mean_age",
        "Durchschnittsalter der Bevölkerung",
        "Mean age of the population",
        T_POP,
        ("Jahre", "years"),
        "neutral",
        "none",
        SRC_INKAR.format(file="Durchschnittsalter_Kreise.csv"),
        LIC_INKAR,
        "Durchschnittliches Alter der Bevölkerung in Jahren. 1995–2017.",
        "Mean age of the population in years. 1995–2017.",
    ),
    ind(
        "inkar_turnout",
        "Wahlbeteiligung Bundestagswahl",
        "Turnout, federal election",
        T_POL,
        U_PCT,
        "higher_is_better",
        "none",
        SRC_INKAR.format(file="Wahlbeteiligung.csv"),
        LIC_INKAR,
        "Anteil der Wählerinnen und Wähler an den Wahlberechtigten bei der Bundestagswahl in % (1994, 1998, 2002, "
        "2005, 2009, 2013, 2017).",
        "Voters as a share of the electorate in the federal (Bundestag) election, in % (1994, 1998, 2002, 2005, "
        "2009, 2013, 2017).",
    ),
    ind(
        "inkar_urban_rural",
        "Städtischer / ländlicher Raum",
        "Urban / rural area",
        T_TERR,
        U_CLASS,
        "neutral",
        "none",
        SRC_INKAR.format(file="Stadt_Land.xls"),
        LIC_INKAR,
        "Zusammengefasster siedlungsstruktureller Kreistyp des BBSR: 1 = städtischer Raum, 2 = ländlicher Raum. "
        "Stand 2017.",
        "BBSR's aggregated settlement-structure district type: 1 = urban, 2 = rural. As of 2017.",
        decimals="0",
    ),
]


def catalogue() -> list[Indicator]:
    items = MSS_INDICATORS + pop_indicators() + GV_INDICATORS + INKAR_INDICATORS
    items = [replace(i, scale="diverging") if i.id in DIVERGING else i for i in items]
    # Disclosure control: a share whose count behind it is 1 or 2 is secret (with the count); a share of an area
    # with fewer than 300 inhabitants is flagged as not reliable (the MSS leaves such areas out as unstable).
    items = [replace(i, min_denominator="300", min_count="3") if i.id.startswith("pop_share_") else i for i in items]
    # The eight age groups partition the population: they sum to pop_total in every area and period (a test
    # checks the shipped table: tests/integration/test_disclosure_audit.py), so disclosure control protects them
    # against that sum too.
    items = [replace(i, part_of="pop_total") if i.id.startswith("pop_age_") else i for i in items]
    check({i.id for i in items} >= DIVERGING, "diverging ids must exist")
    ids = [i.id for i in items]
    check(len(ids) == len(set(ids)), "duplicate catalogue ids")
    by_id = {i.id: i for i in items}
    for i in items:
        check(i.polarity in {"higher_is_better", "higher_is_worse", "neutral"}, f"{i.id}: polarity")
        check(i.aggregation in {"sum", "ratio", "mean", "none"}, f"{i.id}: aggregation")
        if i.aggregation in {"ratio", "mean"}:
            check(i.denominator in by_id and by_id[i.denominator].aggregation == "sum", f"{i.id}: denominator")
        if i.aggregation == "ratio":
            check(i.numerator in by_id and by_id[i.numerator].aggregation == "sum", f"{i.id}: numerator")
    return items


def write_catalogue(items: list[Indicator]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CATALOGUE_HEADER)
    for i in sorted(items, key=lambda i: i.id):
        writer.writerow([getattr(i, f) for f in CATALOGUE_HEADER])
    (DATA / "catalogue.csv").write_text(buf.getvalue(), encoding="utf-8")
    print(f"  wrote data/catalogue.csv: {len(items)} indicators")


# --------------------------------------------------------------------------------------------------
# geometry
# --------------------------------------------------------------------------------------------------

FIXED_PLR_ID = "04030417"  # Charlottenburg's Schloßstraße, published with Steglitz' id 06010102


def berlin_geometry(raw: Path) -> dict[str, gpd.GeoDataFrame]:
    print("Berlin LOR geometry (old LOR, until 2020)")
    geo = raw / "berlin_lor_geometry"

    def read(name: str) -> gpd.GeoDataFrame:
        gdf = gpd.read_file(f"/vsigzip/{geo / (name + '.geojson.gz')}", engine="pyogrio")
        check(gdf.crs is not None and gdf.crs.to_epsg() == 4326, f"{name}: expected EPSG:4326, got {gdf.crs}")
        return gdf

    bez = read("berlin-lor-districts")
    pgr = read("berlin-lor-forecast-areas-until-2020")
    bzr = read("berlin-lor-district-regions-until-2020")
    plr = read("berlin-lor-planning-areas-until-2020")

    # the documented duplicate id: decide by geometry which of the two 06010102 lies in Bezirk 04
    dup = plr.index[plr["id"] == "06010102"]
    check(len(dup) == 2, f"expected the known duplicate 06010102 twice, found {len(dup)}")
    points = gpd.GeoDataFrame(geometry=plr.loc[dup].representative_point(), crs=plr.crs)
    located = gpd.sjoin(points, bez[["id", "geometry"]], predicate="within")
    in_04 = located.index[located["id"] == "04"]
    check(len(in_04) == 1, "exactly one 06010102 should lie in Bezirk 04")
    # cross-check with the raw ODIS layer's district name
    odis = gpd.read_file(f"/vsigzip/{geo / 'odis_lor_planungsraeume_2020_epsg25833.geojson.gz'}", engine="pyogrio")
    odis_cw = odis[(odis["broker Dow"] == "06010102") & (odis["BEZIRKSNAM"] == "Charlottenburg-Wilmersdorf")]
    check(
        len(odis_cw) == 1 and abs(float(odis_cw["FLAECHENGR"].iloc[0]) - float(plr.loc[in_04[0], "area"])) < 1,
        "ODIS BEZIRKSNAM cross-check of the duplicate",
    )
    check(FIXED_PLR_ID not in set(plr["id"]), f"{FIXED_PLR_ID} unexpectedly present")
    plr.loc[in_04[0], "id"] = FIXED_PLR_ID
    print(
        f"  planungsraum: feature '{plr.loc[in_04[0], 'name']}' 06010102 in Bezirk 04 -> {FIXED_PLR_ID} "
        "(geometry and ODIS BEZIRKSNAM agree)"
    )

    layers = {
        "bezirk": area_layer(bez["id"], bez["name"], [None] * len(bez), bez.geometry, bez.crs),
        "prognoseraum": area_layer(pgr["id"], pgr["name"], pgr["id"].str[:2], pgr.geometry, pgr.crs),
        "bezirksregion": area_layer(bzr["id"], bzr["name"], bzr["id"].str[:4], bzr.geometry, bzr.crs),
        "planungsraum": area_layer(plr["id"], plr["name"], plr["id"].str[:6], plr.geometry, plr.crs),
    }
    for name, length in [("bezirk", 2), ("prognoseraum", 4), ("bezirksregion", 6), ("planungsraum", 8)]:
        check(layers[name]["id"].str.fullmatch(rf"\d{{{length}}}").all(), f"{name}: ids must have {length} digits")
        check(bool(layers[name].is_valid.all()), f"{name}: invalid geometry")
    check_parents(layers["prognoseraum"], layers["bezirk"], "prognoseraum -> bezirk")
    check_parents(layers["bezirksregion"], layers["prognoseraum"], "bezirksregion -> prognoseraum")
    check_parents(layers["planungsraum"], layers["bezirksregion"], "planungsraum -> bezirksregion")
    print(
        "  counts: "
        + ", ".join(f"{k}={len(v)}" for k, v in layers.items())
        + f"; 09041403 present: {'09041403' in set(layers['planungsraum']['id'])}"
    )
    return layers


def germany_geometry(raw: Path) -> dict[str, gpd.GeoDataFrame]:
    print("Germany VG5000 (01.01.2021), EPSG:31467 -> EPSG:4326")
    vg = raw / "germany_vg5000_2021"

    def read(name: str) -> gpd.GeoDataFrame:
        gdf = gpd.read_file(vg / f"VG5000_{name}.shp", engine="pyogrio")
        check(gdf.crs.to_epsg() == 31467, f"VG5000_{name}: expected EPSG:31467, got {gdf.crs}")
        return gdf

    lan = read("LAN")
    lan = lan[lan["GF"] == 9]  # land areas only; GF 8 = coastal waters and Lake Constance parts
    krs = read("KRS")
    gem = read("GEM")
    check((krs["GF"] == 9).all() and (gem["GF"] == 9).all(), "KRS/GEM: expected GF 9 only")

    # Kreis names: add BEZ where the plain name repeats (e.g. München (Landkreis) / München (Kreisfreie Stadt))
    repeated = krs["GEN"].duplicated(keep=False)
    krs_names = krs["GEN"].where(~repeated, krs["GEN"] + " (" + krs["BEZ"] + ")")
    check(krs_names.is_unique, "kreis names still not unique")

    layers = {
        "land": area_layer(lan["AGS"], lan["GEN"], [None] * len(lan), lan.geometry, lan.crs),
        "kreis": area_layer(krs["AGS"], krs_names, krs["AGS"].str[:2], krs.geometry, krs.crs),
        "gemeinde": area_layer(gem["AGS"], gem["GEN"], gem["AGS"].str[:5], gem.geometry, gem.crs),
    }
    for name, length in [("land", 2), ("kreis", 5), ("gemeinde", 8)]:
        gdf = layers[name].to_crs(4326)
        check(gdf["id"].str.fullmatch(rf"\d{{{length}}}").all(), f"{name}: ids must have {length} digits")
        layers[name] = repair(gdf, name)
    check_parents(layers["kreis"], layers["land"], "kreis -> land")
    check_parents(layers["gemeinde"], layers["kreis"], "gemeinde -> kreis")
    print(
        f"  kreis names made unique for {int(repeated.sum())} Kreise; counts: "
        + ", ".join(f"{k}={len(v)}" for k, v in layers.items())
    )
    check(
        len(layers["land"]) == 16 and len(layers["kreis"]) == 401 and len(layers["gemeinde"]) == 10997,
        "unexpected VG5000 counts",
    )
    return layers


# --------------------------------------------------------------------------------------------------
# Berlin: MSS 2013-2019
# --------------------------------------------------------------------------------------------------

MSS_YEARS = {2013: "2012-12-31", 2015: "2014-12-31", 2017: "2016-12-31", 2019: "2018-12-31"}
MSS_INDEX_COLUMNS = {
    "s1_percentage_unemployed": "mss_s1_unemployed",
    "s2_percentage_long_term_unemployed": "mss_s2_long_term_unemployed",
    "s3_percentage_transfer_payments_recipients": "mss_s3_transfer_recipients",
    "s4_percentage_transfer_payments_recipients_below_15_years": "mss_s4_child_poverty",
    "d1_percentage_unemployed": "mss_d1_unemployed_change",
    "d2_percentage_long_term_unemployed": "mss_d2_long_term_unemployed_change",
    "d3_percentage_transfer_payments_recipients": "mss_d3_transfer_recipients_change",
    "d4_percentage_transfer_payments_recipients_below_15_years": "mss_d4_child_poverty_change",
}
# Table 4-1. MSS 2013 has 13 context indicators K01-K13 and its CSV header fits the data. From MSS 2015 the
# report has 17 (order K01-K05, K16, K06, K17, K07, K08, K14, K15, K09, K10-K13), but the CSV conversion kept the
# 2013 header and only the first 13 value columns: the data are positional, K10-K13 are not in the files.
MSS_K_2013 = ["k01", "k02", "k03", "k04", "k05", "k06", "k07", "k08", "k09", "k10", "k11", "k12", "k13"]
MSS_K_2015 = ["k01", "k02", "k03", "k04", "k05", "k16", "k06", "k17", "k07", "k08", "k14", "k15", "k09"]
MSS_K_IDS = {i.id.split("_")[1]: i.id for i in MSS_INDICATORS if i.id.startswith("mss_k")}
DYNAMIC_CODES = {"+": 1, "+/-": 2, "-": 3}


def read_mss(raw: Path, year: int, table: str) -> pd.DataFrame:
    path = raw / "berlin_mss" / f"berlin-lor-monitoring-social-urban-development-{year}-00-{table}.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    check(df["id"].is_unique and df["id"].str.fullmatch(r"\d{8}").all(), f"{path.name}: ids")
    return df


def mss(raw: Path, plr_ids: set[str], population_2018_12: pd.DataFrame) -> list[list[str]]:
    print("Berlin MSS 2013-2019 (tables 1, 2-1, 4-1)")
    rows: list[list[str]] = []
    for year, period in MSS_YEARS.items():
        t1, t21, t41 = (read_mss(raw, year, table) for table in ("1", "2-1", "4-1"))
        indexed = set(t1["id"])
        check(indexed <= set(t21["id"]) and set(t21["id"]) == set(t41["id"]), f"{year}: table id sets")
        not_in_geo = sorted(set(t21["id"]) - plr_ids)
        check(not not_in_geo, f"MSS {year}: ids not in the planungsraum layer: {not_in_geo}")
        small = sorted(set(t21["id"]) - indexed)

        # table 1: index classes
        for r in t1.itertuples():
            status = int(float(r.status_index))
            check(status in (1, 2, 3, 4), f"{year} {r.id}: status class {r.status_index}")
            rows.append(obs(r.id, "mss_status_index_class", period, status))
            check(r.dynamic_index in DYNAMIC_CODES, f"{year} {r.id}: dynamic symbol {r.dynamic_index!r}")
            rows.append(obs(r.id, "mss_dynamic_index_class", period, DYNAMIC_CODES[r.dynamic_index]))
        for area in small:
            rows.append(obs(area, "mss_status_index_class", period, status="secret"))
            rows.append(obs(area, "mss_dynamic_index_class", period, status="secret"))

        # table 2-1: index indicators; all-zero rows of non-indexed areas are not data
        columns = [c for c in t21.columns if c in MSS_INDEX_COLUMNS]
        check(len(columns) == len(t21.columns) - 3, f"{year}: unexpected 2-1 columns {list(t21.columns)}")
        for r in t21.to_dict("records"):
            values = [r[c] for c in columns]
            if r["id"] not in indexed:
                check(all(float(v) == 0 for v in values), f"{year} {r['id']}: non-indexed area with non-zero S/D")
            for c, v in zip(columns, values, strict=True):
                if r["id"] in indexed:
                    rows.append(obs(r["id"], MSS_INDEX_COLUMNS[c], period, float(v)))
                else:
                    rows.append(obs(r["id"], MSS_INDEX_COLUMNS[c], period, status="secret"))

        # table 4-1: context indicators, positional mapping (see MSS_K_2015)
        value_columns = list(t41.columns[3:])
        check(len(value_columns) == 13, f"{year}: expected 13 value columns in 4-1")
        keys = MSS_K_2013 if year == 2013 else MSS_K_2015
        if year == 2019:  # the column headed k06 is K16 (foreigners' share): equals the register share 31.12.2018
            check_k16(t41, value_columns[5], population_2018_12)
        for r in t41.to_dict("records"):
            for c, key in zip(value_columns, keys, strict=True):
                v = r[c]
                if v == "-":
                    rows.append(obs(r["id"], MSS_K_IDS[key], period, status="missing"))
                elif r["id"] not in indexed:
                    check(float(v) == 0, f"{year} {r['id']}: non-indexed area with non-zero {key}")
                    rows.append(obs(r["id"], MSS_K_IDS[key], period, status="secret"))
                else:
                    rows.append(obs(r["id"], MSS_K_IDS[key], period, float(v)))
        dashes = {
            key: int((t41[c] == "-").sum()) for c, key in zip(value_columns, keys, strict=True) if (t41[c] == "-").any()
        }
        print(
            f"  MSS {year} (data {period}): table 1 {len(t1)}, tables 2-1/4-1 {len(t21)} areas; "
            f"not in table 1 -> secret: {len(small)} {small}; '-' -> missing: {dashes or 'none'}"
        )
    return rows


def check_k16(t41: pd.DataFrame, column: str, population: pd.DataFrame) -> None:
    merged = t41[["id", column]].merge(population[["id", "inhabitants_foreigners_percentage"]], on="id")
    merged = merged[merged[column] != "-"]
    diff = (merged[column].astype(float) - merged["inhabitants_foreigners_percentage"]).abs()
    share = float((diff < 0.001).mean())
    check(share > 0.9, f"MSS 2019 column {column} should equal the foreigners' share; matches {share:.0%}")
    print(
        f"  MSS 2019: column '{column}' matches the register foreigners' share 2018-12-31 for {share:.1%} of "
        "areas -> it is K16 (positional mapping confirmed)"
    )


# --------------------------------------------------------------------------------------------------
# Berlin: population 2015-2020 (old LOR)
# --------------------------------------------------------------------------------------------------

POP_PERIODS = [f"{y}-0{h}" for y in range(2015, 2021) for h in (1, 2)]


def pop_period(code: str) -> str:
    year, half = code.split("-")
    return f"{year}-06-30" if half == "01" else f"{year}-12-31"


def read_population(raw: Path, code: str) -> pd.DataFrame:
    folder = raw / "berlin_population" / "planning_areas"
    t1 = pd.read_csv(folder / f"berlin-lor-population-{code}-t1-planning-areas.csv", dtype={"id": str})
    t2 = pd.read_csv(folder / f"berlin-lor-population-{code}-t2-planning-areas.csv", dtype={"id": str})
    check(t1["id"].is_unique and t2["id"].is_unique and set(t1["id"]) == set(t2["id"]), f"{code}: t1/t2 ids")
    merged = t2.merge(t1, on="id", suffixes=("", "_t1"), validate="one_to_one")
    check((merged["inhabitants"] == merged["inhabitants_t1"]).all(), f"{code}: t1/t2 totals differ")
    check((merged["inhabitants_foreigners"] == merged["inhabitants_foreigners_t1"]).all(), f"{code}: foreigners differ")
    ages = [c for _, c, *_ in POP_GROUPS if c.startswith("inhabitants_age_")]
    check((merged[ages].sum(axis=1) == merged["inhabitants"]).all(), f"{code}: age groups do not add up")
    check(not merged.isna().any().any(), f"{code}: empty cells")
    return merged


def population(raw: Path, plr_ids: set[str]) -> tuple[list[list[str]], dict[str, list[str]]]:
    print("Berlin population register 2015-2020 (planning areas t1, t2)")
    rows: list[list[str]] = []
    unmatched: dict[str, list[str]] = {}
    for code in POP_PERIODS:
        period = pop_period(code)
        df = read_population(raw, code)
        missing_geo = sorted(set(df["id"]) - plr_ids)
        if missing_geo:
            unmatched[code] = missing_geo
        for r in df.to_dict("records"):
            total = int(r["inhabitants"])
            for key, column, *_ in POP_GROUPS:
                count = int(r[column])
                rows.append(obs(r["id"], f"pop_{key}", period, count))
                if key == "total":
                    continue
                if total == 0:
                    rows.append(obs(r["id"], f"pop_share_{key}", period, status="not_applicable"))
                else:
                    share = float(r[f"{column}_percentage"])
                    check(abs(share - 100 * count / total) < 1e-6, f"{code} {r['id']} {column}: published share")
                    rows.append(obs(r["id"], f"pop_share_{key}", period, share, count, total))
        geo_missing = sorted(plr_ids - set(df["id"]))
        print(
            f"  {code} -> {period}: {len(df)} areas, total {int(df['inhabitants'].sum())}; "
            f"ids not in geometry: {missing_geo or 'none'}; geometry ids without data: {geo_missing or 'none'}"
        )
    return rows, unmatched


# --------------------------------------------------------------------------------------------------
# Germany: Gemeindeverzeichnis
# --------------------------------------------------------------------------------------------------

GV_FILES = {"31122013": "2013-12-31", "31122017": "2017-12-31", "31122021": "2021-12-31", "31122023": "2023-12-31"}


def gemeindeverzeichnis(raw: Path, gem_ids: set[str]) -> tuple[list[list[str]], dict[str, int]]:
    print("Germany Gemeindeverzeichnis (Satzart 60)")
    rows: list[list[str]] = []
    unknown: dict[str, int] = {}
    for stem, period in GV_FILES.items():
        path = raw / "germany_gemeindeverzeichnis" / f"{stem}_Auszug_GV.xlsx"
        wb = openpyxl.load_workbook(path, read_only=True)
        ws = wb[wb.sheetnames[1]]
        header = [str(c) for c in next(ws.iter_rows(min_row=4, max_row=4, values_only=True))[:13]]
        check(
            header[2:7] == ["Land", "RB", "Kreis", "VB", "Gem"] and header[9] == "insgesamt" and header[12] == "je km2",
            f"{path.name}: unexpected header row 4 {header}",
        )
        seen: dict[str, tuple] = {}
        repeats: list[str] = []
        for row in ws.iter_rows(min_row=7, values_only=True):
            if row[0] != "60":
                continue
            land, rb, kreis, gem = row[2], row[3], row[4], row[6]
            ags = f"{land}{rb}{kreis}{gem}"
            check(
                len(land) == 2 and len(rb) == 1 and len(kreis) == 2 and len(gem) == 3 and ags.isdigit(),
                f"{path.name}: bad key parts {row[:7]}",
            )
            if ags in seen:  # 2017: Bavarian "Gdefr. Geb. (Lkr ...)" rows (Gem 444) repeated verbatim
                check(seen[ags] == tuple(row[:14]), f"{path.name}: duplicate AGS {ags} with different content")
                repeats.append(ags)
                continue
            seen[ags] = tuple(row[:14])
            area, pop, density = row[8], row[9], row[12]
            check(
                all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (area, pop, density)),
                f"{path.name} {ags}: non-numeric cell {row[8:13]}",
            )
            check(area > 0, f"{path.name} {ags}: area {area}")
            rows.append(obs(ags, "gem_population", period, int(pop)))
            rows.append(obs(ags, "gem_area_km2", period, area))
            rows.append(obs(ags, "gem_density", period, density, int(pop), area))
        wb.close()
        unknown[period] = len(set(seen) - gem_ids)
        print(
            f"  {path.name} -> {period}: {len(seen)} municipalities, {unknown[period]} AGS not in VG5000 2021, "
            f"{len(gem_ids - set(seen))} VG5000 2021 AGS not in this year; identical repeated rows dropped: "
            f"{len(repeats)} {sorted(set(repeats)) or ''}"
        )
    return rows, unknown


# --------------------------------------------------------------------------------------------------
# Germany: INKAR (copied unchanged; checked here)
# --------------------------------------------------------------------------------------------------


def inkar(raw: Path, krs_ids: set[str]) -> None:
    import xlrd  # only needed here

    print("Germany INKAR (copied unchanged)")
    out = DATA / "deutschland" / "inkar"
    out.mkdir(parents=True, exist_ok=True)
    for indicator, (name, row1) in INKAR_FILES.items():
        source = raw / "germany_inkar_kreise" / name
        if name.endswith(".xls"):
            sheet = xlrd.open_workbook(source, logfile=io.StringIO()).sheet_by_index(0)
            table = [[sheet.cell_value(r, c) for c in range(sheet.ncols)] for r in range(sheet.nrows)]
        else:
            table = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8-sig")), delimiter=";"))
        check(table[0][0] == "Kennziffer", f"{name}: first column is {table[0][0]!r}")
        names = set(table[0][3:])
        check(names == {row1}, f"{name}: row-1 names {names}")
        ids = [str(r[0]) for r in table[2:]]
        check(set(ids) == krs_ids and len(ids) == 401, f"{name}: Kennziffer != VG5000 Kreise")
        values = [float(str(v).replace(",", ".")) for r in table[2:] for v in r[3:]]
        lo, hi = min(values), max(values)
        unit = next(i.unit for i in INKAR_INDICATORS if i.id == indicator)
        if unit == "%":
            check(lo >= 0 and hi <= 100, f"{name}: % out of range")
        shutil.copyfile(source, out / name)
        print(
            f"  {name}: row 1 {row1!r}, years {table[1][3]}..{table[1][-1]} ({len(table[1]) - 3}), "
            f"{len(ids)} Kreise, range {lo}..{hi}, -> {indicator}"
        )


# --------------------------------------------------------------------------------------------------


def check_observations(rows: list[list[str]], items: list[Indicator], label: str) -> None:
    by_id = {i.id: i for i in items}
    unknown = sorted({r[1] for r in rows} - set(by_id))
    check(not unknown, f"{label}: indicators not in catalogue: {unknown}")
    for indicator in sorted({r[1] for r in rows}):
        values = [float(r[3]) for r in rows if r[1] == indicator and r[3] != ""]
        statuses = sorted({r[6] for r in rows if r[1] == indicator})
        rng = f"{fmt(min(values))}..{fmt(max(values))}" if values else "-"
        if by_id[indicator].unit == "%":
            check(all(0 <= v <= 100 for v in values), f"{indicator}: % value outside 0..100 ({rng})")
        print(f"    {indicator}: {len(values)} values, range {rng}, statuses {statuses}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--raw",
        type=Path,
        default=REPO.parent / "shared" / "data" / "raw",
        help="folder with the raw open data (default: <repo>/../shared/data/raw)",
    )
    raw = parser.parse_args().raw.resolve()
    check(raw.is_dir(), f"raw folder {raw} not found")

    items = catalogue()
    write_catalogue(items)

    berlin = berlin_geometry(raw)
    write_gpkg(GEODATA / "berlin.gpkg", berlin)
    germany = germany_geometry(raw)
    write_gpkg(GEODATA / "deutschland.gpkg", germany)

    plr_ids = set(berlin["planungsraum"]["id"])
    pop_rows, unmatched = population(raw, plr_ids)
    mss_rows = mss(raw, plr_ids, read_population(raw, "2018-02"))
    for label, rows in [("MSS", mss_rows), ("population", pop_rows)]:
        print(f"  checks {label}:")
        check_observations(rows, items, label)
    write_long(DATA / "berlin" / "mss_planungsraum.csv.gz", mss_rows)
    write_long(DATA / "berlin" / "population_planungsraum.csv.gz", pop_rows)
    if unmatched:
        print(f"  population ids not in the planungsraum layer: {unmatched}")

    gv_rows, unknown = gemeindeverzeichnis(raw, set(germany["gemeinde"]["id"]))
    print("  checks GV:")
    check_observations(gv_rows, items, "GV")
    write_long(DATA / "deutschland" / "gemeinden_gv.csv.gz", gv_rows)
    print(f"  AGS not in the 2021 geometry (kept; importer skips them): {unknown}")
    inkar(raw, set(germany["kreis"]["id"]))
    print("done.")


if __name__ == "__main__":
    main()
