"""Guards of the house rules: the domain never imports Dash; only settings.py reads the environment;
every setting is documented in the README."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sozialmonitor.settings import SETTINGS

REPO = Path(__file__).resolve().parents[2]


def _python_files(*folders: str) -> list[Path]:
    files: list[Path] = []
    for folder in folders:
        path = REPO / folder
        files.extend(path.rglob("*.py") if path.is_dir() else [path])
    return files


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_domain_never_imports_dash_or_flask() -> None:
    offenders = {
        str(p.relative_to(REPO)): sorted(_imports(p) & {"dash", "dash_leaflet", "dash_extensions", "flask"})
        for p in _python_files("sozialmonitor")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_layouts_never_touch_the_store() -> None:
    for path in _python_files("layouts"):
        text = path.read_text(encoding="utf-8")
        assert "sozialmonitor.store" not in text and "sqlalchemy" not in text, path


def test_server_never_imports_callbacks() -> None:
    """Flask routes and middleware live in server/; Dash callbacks in callbacks/ — the HTTP side stands alone."""
    assert {str(p.relative_to(REPO)) for p in _python_files("server") if "callbacks" in _imports(p)} == set()


def test_only_settings_reads_the_environment() -> None:
    readers = []
    for path in _python_files("sozialmonitor", "layouts", "callbacks", "server", "app.py"):
        if path.name == "settings.py":
            continue
        if re.search(r"os\.environ|os\.getenv", path.read_text(encoding="utf-8")):
            readers.append(str(path.relative_to(REPO)))
    assert readers == []


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in readme]
    assert missing == []


def test_readme_cli_reference_and_settings_match_the_code() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("update_readme", REPO / "scripts" / "update_readme.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert module.render(readme) == readme, "README is stale: run `python scripts/update_readme.py`"


def test_a_web_worker_does_not_load_the_heavy_analysis_libraries() -> None:
    """scipy, scikit-learn, mapclassify, esda and libpysal (~85 MiB per worker) load when an analysis or natural
    breaks are first asked for; GDAL (pyogrio) and the Excel readers when a file is imported — not with the app."""
    import subprocess
    import sys

    code = ("import sys; import app; "
            "print(sorted(m for m in ('scipy', 'sklearn', 'mapclassify', 'esda', 'libpysal', 'pyogrio', 'openpyxl', "
            "'xlrd') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                         check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
