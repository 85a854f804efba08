"""Regenerate the README's CLI reference, settings table and nginx configuration from the code and
``deploy/nginx.conf`` (`python scripts/update_readme.py`).

A test runs ``render()`` and fails when the README differs, so the docs cannot drift from ``--help``, the
settings or the shipped proxy configuration.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sozialmonitor.cli import build_parser  # noqa: E402
from sozialmonitor.settings import SETTINGS  # noqa: E402


def cli_reference() -> str:
    os.environ["COLUMNS"] = "110"  # stable wrapping of argparse help
    parser = build_parser()
    parts = ["```text", parser.format_help().rstrip(), "```"]
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in subparsers.choices.items():
        parts += ["", f"### `{name}`", "", "```text", sub.format_help().rstrip(), "```"]
    return "\n".join(parts)


def settings_table() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{s.env}` | {s.default} | {s.description} |" for s in SETTINGS]
    return "\n".join(rows)


def nginx_site() -> str:
    return "```nginx\n" + (REPO / "deploy" / "nginx.conf").read_text(encoding="utf-8").rstrip() + "\n```"


def _replace(text: str, marker: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- {marker}:start -->\n).*?(<!-- {marker}:end -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md lacks the markers <!-- {marker}:start --> … <!-- {marker}:end -->")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def render(text: str) -> str:
    text = _replace(text, "cli", cli_reference())
    text = _replace(text, "settings", settings_table())
    return _replace(text, "nginx", nginx_site())


if __name__ == "__main__":
    readme = REPO / "README.md"
    readme.write_text(render(readme.read_text(encoding="utf-8")), encoding="utf-8")
    print("README.md updated")
