"""Command line: ``python -m sozialmonitor <command>``. The store is chosen by ``DATABASE_URL``."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, select

from sozialmonitor import __version__, accounts, frames
from sozialmonitor.boundary import explain
from sozialmonitor.errors import SozialmonitorError
from sozialmonitor.exporter import export_frame
from sozialmonitor.importing import (
    LevelOptions,
    demo_manifest,
    import_areas,
    import_catalogue,
    import_indicators,
    load_manifest,
)
from sozialmonitor.model import Area, Indicator, Observation
from sozialmonitor.progress import Progress
from sozialmonitor.settings import Settings
from sozialmonitor.store import Store
from sozialmonitor.summary import ImportSummary

DESCRIPTION = """Sozialmonitor: load planning areas and indicators into the store, and export them.
The store is the SQLite file under instance/ unless DATABASE_URL names another database."""


UNSAFE_EXIT = 4  # disclosure-audit found a secret count that can be worked out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sozialmonitor", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"sozialmonitor {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("migrate", help="create the store's schema or upgrade it to the newest version",
                        description="Create the store's schema or upgrade it to the newest version.")

    p = commands.add_parser("import-catalogue", help="import or update indicator definitions (CSV or YAML)",
                            description="Import or update indicator definitions from a CSV (UTF-8, , or ;) "
                            "or YAML file. Columns/keys: id, name_de, name_en, topic, topic_en, unit, unit_en, "
                            "polarity, aggregation, numerator, denominator, factor, visibility, min_count, "
                            "decimals, source, licence, definition_de, definition_en, scale (sequential or "
                            "diverging), min_denominator, part_of (the count this count is a part of), and for "
                            "derived indicators method, inputs, derived_at.")
    p.add_argument("file", type=Path, metavar="FILE")

    p = commands.add_parser(
        "import-areas", help="import area geometries of one level (GeoJSON, GeoPackage, Shapefile, FlatGeobuf)",
        description="Import the areas of one level of a frame from GeoJSON, GeoPackage, Shapefile (plain or "
        "zipped) or FlatGeobuf. Any CRS is reprojected to EPSG:4326; invalid geometries are repaired and "
        "listed. Frame and level are created on first use.")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--frame", required=True, metavar="F", help="frame id, e.g. berlin")
    p.add_argument("--level", required=True, metavar="L", help="level id, e.g. planungsraum")
    p.add_argument("--id-col", metavar="C", help="column with the area id (default: id, code, AGS …)")
    p.add_argument("--name-col", metavar="C", help="column with the area name (default: name, GEN …)")
    p.add_argument("--parent-col", metavar="C", help="column with the id of the parent area")
    p.add_argument("--parent-level", metavar="P", help="the level's parent level (when the level is new)")
    p.add_argument("--crs", metavar="EPSG", help="CRS of a file that has none, e.g. 25832")
    p.add_argument("--layer", metavar="NAME", help="layer of a GeoPackage with several layers")
    p.add_argument("--level-name", metavar="NAME", help="German name of the level (when new)")
    p.add_argument("--level-name-en", metavar="NAME", help="English name of the level (when new)")
    p.add_argument("--frame-name", metavar="NAME", help="German name of the frame (when new)")
    p.add_argument("--frame-name-en", metavar="NAME", help="English name of the frame (when new)")
    p.add_argument("--source", metavar="TEXT", help="source attribution of the geometry")
    p.add_argument("--licence", metavar="TEXT", help="licence of the geometry")
    p.add_argument("--visibility", choices=["public", "internal"],
                   help="who may see the level: public (default for a new level) or internal (logged-in users)")
    p.add_argument("--simplify", type=float, metavar="METRES",
                   help="tolerance of the web simplification (default: extent diagonal / 4000, min. 5 m)")

    p = commands.add_parser(
        "import-indicators", help="import observations (CSV, XLSX, XLS; long, wide or INKAR shape)",
        description="Import observations of one level. The CSV dialect is detected: , or ; separator, "
        "decimal comma or point, UTF-8 (with or without BOM) or Windows-1252. German statistical symbols "
        "become statuses: . secret, x not applicable, ... later, / unreliable, (12,3) unreliable value, "
        "12,3p provisional; - and – follow --dash-means. Everything is validated first; any problem → "
        "nothing is written.")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--frame", required=True, metavar="F")
    p.add_argument("--level", required=True, metavar="L")
    p.add_argument("--format", choices=["long", "wide", "inkar"], default="long", dest="fmt",
                   help="long: area_id, indicator_id, period, value [, numerator, denominator, status]; "
                   "wide: one row per area, one column per period (needs --indicator); "
                   "inkar: INKAR export (row 1 indicator names, row 2 years). Default: long")
    p.add_argument("--indicator", metavar="ID", help="catalogue id of the indicator (wide, inkar)")
    p.add_argument("--area-col", metavar="C", help="column with the area id")
    p.add_argument("--sheet", metavar="NAME", help="worksheet of an Excel file (default: the first)")
    p.add_argument("--dash-means", choices=["missing", "zero"], default="missing",
                   help="what - and – mean: missing (default; as in the Berlin MSS tables) or zero "
                   "(the official meaning 'nothing' in German statistics)")
    p.add_argument("--unknown-areas", choices=["error", "skip"], default="error",
                   help="unknown area ids are an error (default) or are skipped and listed in the summary")

    p = commands.add_parser("export", help="export a frame: catalogue, areas (GeoPackage), long CSV per level",
                            description="Export a frame to DIR: manifest.yaml, catalogue.csv, areas.gpkg and "
                            "observations_<level>.csv; `import-manifest DIR/manifest.yaml` reads it back.")
    p.add_argument("--frame", required=True, metavar="F")
    p.add_argument("--out", required=True, type=Path, metavar="DIR")

    p = commands.add_parser("import-manifest", help="run a manifest (catalogue, levels, indicator files)",
                            description="Import everything a manifest names (as written by `export` or "
                            "data/demo.yaml) in one transaction.")
    p.add_argument("file", type=Path, metavar="FILE")

    commands.add_parser("load-demo", help="load the shipped demo data (Berlin, Deutschland)",
                        description="Load the shipped demo data from data/demo.yaml in one transaction.")
    p = commands.add_parser(
        "disclosure-audit", help="prove that no secret count can be worked out from what is published",
        description="For every secret (primary-suppressed) count, solve the lowest and highest value an attacker can "
        "reach from everything published — all levels, the frame totals, the catalogue's part-of relations, ratios "
        "and non-negativity — by linear programming. Prints primary and secondary suppressed cells per frame, level "
        f"and indicator and every unsafe cell; exits with {UNSAFE_EXIT} when there is one.")
    p.add_argument("--frame", metavar="F", help="only this frame (default: all)")
    p.add_argument("--indicator", metavar="I", help="only the protected family of this indicator (default: all)")
    commands.add_parser("info", help="list frames, levels, indicators and counts",
                        description="List frames, levels with area counts, and indicator/observation counts.")
    _add_users_parser(commands)
    return parser


USERS_DESCRIPTION = f"""Manage local accounts. Visitors without an account see the public view; a role
decides what a logged-in user sees: {", ".join(accounts.ROLES)}. Passwords (at least
{accounts.MIN_PASSWORD_LENGTH} characters) are asked for twice, or read from the first line of standard input
with --password-stdin; they never appear on the command line. `users add NAME --role ROLE`, `users
set-password NAME`, `users set-role NAME ROLE`, `users remove NAME`, `users list`."""


def _add_users_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = commands.add_parser("users", help="manage local accounts (add, set-password, set-role, remove, list)",
                                description=USERS_DESCRIPTION)
    actions = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    p = actions.add_parser("add", help="create an account", description="Create an account with a role.")
    p.add_argument("username", metavar="NAME")
    p.add_argument("--role", required=True, choices=accounts.ROLES)
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p = actions.add_parser("set-password", help="replace a password (ends the user's sessions)",
                           description="Replace the password of an account; its sessions end.")
    p.add_argument("username", metavar="NAME")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p = actions.add_parser("set-role", help="change the role of an account",
                           description="Change the role of an account; it takes effect with the next request.")
    p.add_argument("username", metavar="NAME")
    p.add_argument("role", metavar="ROLE", help=f"one of {', '.join(accounts.ROLES)}")
    p = actions.add_parser("remove", help="delete an account", description="Delete an account; its sessions end.")
    p.add_argument("username", metavar="NAME")
    actions.add_parser("list", help="list accounts and roles", description="List accounts with role and creation date.")


def _print_summaries(summaries: Sequence[ImportSummary]) -> None:
    for summary in summaries:
        print(summary.report())


def _info(store: Store) -> None:
    with store.session() as session:
        print(f"store: {store.describe()}")
        for frame_id in frames.frame_ids(session):
            print(f"frame {frame_id}")
            for level in frames.levels(session, frame_id):
                count = session.scalar(select(func.count()).select_from(Area).where(Area.level_id == level.id))
                parent = f" (parent: {level.parent_key})" if level.parent_key else ""
                print(f"  level {level.key}{parent}: {count} areas")
        indicators = session.scalar(select(func.count()).select_from(Indicator))
        observations = session.scalar(select(func.count()).select_from(Observation))
        print(f"indicators: {indicators}, observations: {observations}")


def _disclosure_audit(store: Store, frame: str | None, indicator: str | None) -> int:
    from sozialmonitor.audit import format_report, run_audit  # scipy's solver loads only for the audit
    from sozialmonitor.errors import NotFound
    from sozialmonitor.values import session_values

    with store.session() as session:
        known = frames.frame_ids(session)
        if frame is not None and frame not in known:
            raise NotFound(f"unknown frame {frame!r}; known: {', '.join(known)}")
        values = session_values(session)
        if indicator is not None and indicator not in values.source.specs():
            raise NotFound(f"unknown indicator {indicator!r}")
        report = run_audit(values, [frame] if frame else known, indicator)
    print(format_report(report))
    return 0 if report.ok else UNSAFE_EXIT


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("password: ")
    if getpass.getpass("repeat password: ") != password:
        raise accounts.AccountError("the two passwords differ; nothing was changed")
    return password


def _users(store: Store, args: argparse.Namespace) -> None:
    action = args.users_command
    if action == "list":
        with store.session() as session:
            users = accounts.list_users(session)
        for user in users:
            print(f"{user.username}\t{user.role}\t{user.created_at:%Y-%m-%d %H:%M} UTC")
        if not users:
            print("no accounts")
        return
    if action == "add":
        password = _read_password(args.password_stdin)
        with store.transaction() as session:
            accounts.add_user(session, args.username, password, args.role)
        print(f"added {accounts.normalize_username(args.username)} ({args.role})")
    elif action == "set-password":
        password = _read_password(args.password_stdin)
        with store.transaction() as session:
            accounts.set_password(session, args.username, password)
        print(f"password of {accounts.normalize_username(args.username)} replaced; its sessions have ended")
    elif action == "set-role":
        with store.transaction() as session:
            accounts.set_role(session, args.username, args.role)
        print(f"{accounts.normalize_username(args.username)} is now {args.role}")
    elif action == "remove":
        with store.transaction() as session:
            accounts.remove_user(session, args.username)
        print(f"removed {accounts.normalize_username(args.username)}")


def run(args: argparse.Namespace, settings: Settings) -> int:
    store = Store(settings.database_url)
    try:
        store.upgrade()
        if args.command == "migrate":
            print(f"schema is current: {store.describe()}")
        elif args.command == "import-catalogue":
            _print_summaries([import_catalogue(store, args.file)])
        elif args.command == "import-areas":
            _print_summaries([import_areas(
                store, args.file, frame=args.frame, level=args.level, id_col=args.id_col, name_col=args.name_col,
                parent_col=args.parent_col, crs=args.crs, layer=args.layer, tolerance_m=args.simplify,
                options=LevelOptions(parent_level=args.parent_level, level_name_de=args.level_name,
                                     level_name_en=args.level_name_en, frame_name_de=args.frame_name,
                                     frame_name_en=args.frame_name_en, source=args.source, licence=args.licence,
                                     visibility=args.visibility),
            )])
        elif args.command == "import-indicators":
            _print_summaries([import_indicators(
                store, args.file, frame=args.frame, level=args.level, fmt=args.fmt, indicator=args.indicator,
                area_col=args.area_col, dash_means=args.dash_means, unknown_areas=args.unknown_areas,
                sheet=args.sheet, progress=Progress(f"storing {args.file.name}", 0),
            )])
        elif args.command == "export":
            for path in export_frame(store, args.frame, args.out):
                print(f"wrote {path}")
        elif args.command == "import-manifest":
            _print_summaries(load_manifest(store, args.file, progress=True))
        elif args.command == "load-demo":
            _print_summaries(load_manifest(store, demo_manifest(settings.data_dir), progress=True))
        elif args.command == "info":
            _info(store)
        elif args.command == "disclosure-audit":
            return _disclosure_audit(store, args.frame, args.indicator)
        elif args.command == "users":
            _users(store, args)
    finally:
        store.dispose()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
        return run(args, settings)
    except SozialmonitorError as exc:  # the one boundary (sozialmonitor.boundary): its text, an exit code per kind
        print(f"error: {exc}", file=sys.stderr)
        return explain(exc).exit_code
