"""Every UI string exists in German and English, and every key the code uses is defined."""

from __future__ import annotations

import re
from pathlib import Path

from sozialmonitor.i18n import TEXTS, t

REPO = Path(__file__).resolve().parents[2]


def test_every_text_has_both_languages_with_the_same_placeholders() -> None:
    for key, (de, en) in TEXTS.items():
        assert de and en, key
        assert sorted(re.findall(r"{(\w+)}", de)) == sorted(re.findall(r"{(\w+)}", en)), key


def test_every_key_used_in_the_code_exists() -> None:
    used: set[str] = set()
    for folder in ("sozialmonitor", "layouts", "callbacks"):
        for path in (REPO / folder).rglob("*.py"):
            used |= set(re.findall(r"\bt\(\s*\"([a-z_]+)\"", path.read_text(encoding="utf-8")))
    assert used, "no keys found: the scan is broken"
    assert sorted(used - set(TEXTS)) == []


def test_notice_and_note_keys_exist() -> None:
    # keys produced at run time by view.py, service.py and classify.py
    for key in ("bad_param", "unknown_param", "unknown_frame", "unknown_level", "unknown_indicator", "unknown_period",
                "unknown_areas_dropped", "unknown_palette", "no_base_period", "k_lowered", "all_equal", "no_values",
                "manual_breaks_sorted", "manual_breaks_duplicates", "outside_breaks", "outside_basis",
                "fixed_in_change", "bad_breaks", "no_indicators"):
        assert key in TEXTS, key
    for status in ("ok", "missing", "secret", "not_applicable", "later", "unreliable", "provisional"):
        assert f"status_{status}" in TEXTS


def test_german_is_the_default() -> None:
    assert t("panel_series") == "Zeitreihe"
    assert t("panel_series", "en") == "Time series"
    assert t("rank", "de", rank=7, n=447) == "Rang 7 von 447"
