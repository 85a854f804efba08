"""Reading and validating area files (no store involved)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sozialmonitor.errors import ValidationFailed
from sozialmonitor.importers.areas import read_areas

AREAS = Path(__file__).resolve().parents[1] / "fixtures" / "areas"


def problems(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, p.reason) for p in exc.value.problems]


def test_geopackage_in_utm33_is_reprojected_to_lonlat() -> None:
    result = read_areas(AREAS / "synthetic_musterstadt_25833.gpkg", layer="sozialraeume",
                        id_col="SR_SCHLUESSEL", name_col="SR_NAME", parent_col="BEZIRK")
    gdf = result.areas
    assert list(gdf["code"]) == ["SR-0101", "SR-0102", "SR-0201", "SR-0202"]
    assert list(gdf["parent_code"]) == ["01", "01", "02", "02"]
    assert gdf.crs.to_epsg() == 4326
    minx, miny, maxx, maxy = gdf.total_bounds
    assert 13.0 < minx < maxx < 14.0 and 52.0 < miny < maxy < 53.0


def test_zipped_shapefile_with_truncated_column_names() -> None:
    result = read_areas(AREAS / "synthetic_sozialraeume_shp.zip", id_col="SR_SCHLUES", name_col="SR_NAME")
    assert list(result.areas["name"]) == ["Am Markt", "Schloßpark", "Gartenstadt", "Hafen"]


def test_flatgeobuf() -> None:
    result = read_areas(AREAS / "synthetic_sozialraeume.fgb", id_col="SR_SCHLUESSEL")
    assert sorted(result.areas["code"]) == ["SR-0101", "SR-0102", "SR-0201", "SR-0202"]


def test_several_layers_need_a_layer_choice() -> None:
    with pytest.raises(ValidationFailed, match="2 layers; choose one with --layer: stadtbezirke, sozialraeume"):
        read_areas(AREAS / "synthetic_musterstadt_25833.gpkg")


def test_duplicate_and_empty_ids_are_all_listed() -> None:
    with pytest.raises(ValidationFailed) as exc:
        read_areas(AREAS / "broken_duplicate_and_empty_ids.geojson", id_col="SR_SCHLUESSEL")
    assert problems(exc) == [
        (4, "SR_SCHLUESSEL", "empty id"),
        (3, "SR_SCHLUESSEL", "duplicate id 'SR-0101' (features 1, 3)"),
    ]


def test_projected_coordinates_without_crs_ask_for_crs() -> None:
    with pytest.raises(ValidationFailed, match=r"not longitude/latitude; name the CRS with --crs"):
        read_areas(AREAS / "broken_projected_without_crs.geojson", id_col="SR_SCHLUESSEL")
    ok = read_areas(AREAS / "broken_projected_without_crs.geojson", id_col="SR_SCHLUESSEL", crs="25833")
    assert ok.areas.crs.to_epsg() == 4326


def test_invalid_geometry_is_repaired_and_listed() -> None:
    result = read_areas(AREAS / "synthetic_invalid_bowtie.geojson", id_col="SR_SCHLUESSEL")
    assert result.repaired == ["SR-0202"]
    assert result.areas.geometry.is_valid.all()


@pytest.mark.parametrize(("name", "reason"), [
    ("broken_empty.geojson", "the file is empty"),
    ("broken_corrupt.gpkg", "not a readable GeoJSON, GeoPackage, Shapefile or FlatGeobuf"),
    ("does_not_exist.geojson", "file not found"),
])
def test_empty_corrupt_and_missing_files(name: str, reason: str) -> None:
    with pytest.raises(ValidationFailed, match=reason):
        read_areas(AREAS / name)


def test_unknown_id_column_lists_the_columns() -> None:
    expected = "id column 'ags' not found; columns are: SR_SCHLUESSEL, SR_NAME, BEZIRK"
    with pytest.raises(ValidationFailed, match=expected):
        read_areas(AREAS / "synthetic_sozialraeume.fgb", id_col="ags")
