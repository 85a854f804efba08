"""The accuracy numbers in sozialmonitor/analytics/INTERPOLATION.md are what the report command prints now."""

from __future__ import annotations

import pytest

from sozialmonitor.analytics.interpolation import RAW, render, report
from tests.conftest import REPO

NOTE = REPO / "sozialmonitor" / "analytics" / "INTERPOLATION.md"


@pytest.mark.skipif(not (RAW / "berlin_school_catchments").is_dir(), reason=f"raw data not found in {RAW}")
def test_interpolation_note_matches_the_report() -> None:
    result = report(RAW)
    written = NOTE.read_text(encoding="utf-8").split("## Full output\n\n", 1)[1]
    assert render(result) == written, "INTERPOLATION.md is stale: rerun the report command and paste its output"
    aligned = {a.group: a for a in result.runs["PLR → ESB, area-weighted (ESB aligned)"]}
    assert aligned["total"].r2 > 0.85 and aligned["total"].wape < 16
    assert result.mismatch_after_km2 < 1.0 < result.mismatch_before_km2
