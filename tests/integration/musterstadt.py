"""The synthetic Musterstadt (tests/fixtures/musterstadt, tests/fixtures/areas) imported through the CLI, as a
city would: the catalogue, frame ``muster`` with the level ``bezirk`` over the level ``sozialraum``, then
indicator tables on ``sozialraum``."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import FIXTURES
from tests.integration.conftest import CliRunner

CITY = FIXTURES / "musterstadt"
AREAS = FIXTURES / "areas"
GPKG = AREAS / "synthetic_musterstadt_25833.gpkg"


def import_areas(cli: CliRunner, *, internal: bool) -> None:
    """The catalogue and both levels; ``internal``: ``sozialraum`` is visible to planners only."""
    assert cli("import-catalogue", CITY / "synthetic_catalogue.csv").code == 0
    assert cli("import-areas", GPKG, "--frame", "muster", "--level", "bezirk", "--layer", "stadtbezirke",
               "--id-col", "BEZ_ID", "--name-col", "BEZ_NAME").code == 0
    r = cli("import-areas", GPKG, "--frame", "muster", "--level", "sozialraum", "--layer", "sozialraeume",
            "--id-col", "SR_SCHLUESSEL", "--name-col", "SR_NAME", "--parent-col", "BEZIRK", "--parent-level", "bezirk",
            *(("--visibility", "internal") if internal else ()))
    assert r.code == 0, r.err


def import_indicators(cli: CliRunner, path: Path, *flags: str) -> None:
    """One indicator table on ``sozialraum``."""
    r = cli("import-indicators", path, "--frame", "muster", "--level", "sozialraum", *flags)
    assert r.code == 0, r.err


def load_city(cli: CliRunner) -> None:
    """Both levels, ``sozialraum`` internal, and the cp1252 table holding the internal indicator ``sgb2_quote``."""
    import_areas(cli, internal=True)
    import_indicators(cli, CITY / "synthetic_german_cp1252.csv", "--area-col", "Schlüssel")
