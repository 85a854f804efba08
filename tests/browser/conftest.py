"""Browser tests: the real app in a subprocess, driven by headless Chromium through Playwright.

Fixtures (see tests/browser/README.md for a worked example):

- ``demo_db_url`` (session): URL of a SQLite file with the shipped demo, loaded once per session.
- ``app_server`` (session): base URL (``http://127.0.0.1:<port>``) of ``python app.py`` serving that store.
- ``browser`` (session): a Playwright ``Browser`` running Debian's ``/usr/bin/chromium``.
- ``page`` (function): a fresh ``Page`` in its own context (1366×768, de-DE) whose ``base_url`` is the app,
  so ``page.goto("/")`` opens the dashboard. Requests to anything but 127.0.0.1/localhost are aborted.
- ``console_errors`` (function): console messages of type error and uncaught page errors of ``page``.
- ``external_requests`` (function): URLs ``page`` tried to load from outside (all aborted).
- ``axe`` (function): ``axe(page) -> list[dict]``, the serious and critical WCAG 2.1 A/AA violations.
- ``screenshot`` (function): ``screenshot(page, name) -> Path``, a full-page PNG under artifacts/.

Every test in this folder is marked ``browser`` (deselect with ``-m "not browser"``). A failing test
leaves ``artifacts/<test>-failure.png`` and gets the tail of the app server's log in its report.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright

from tests.servers import free_port, stop

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ARTIFACTS = HERE / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
SERVER_START_TIMEOUT = 60.0
# Without the networking flags Chromium keeps calling Google services, which floods the closed network
# with refused connections (see TECH-NOTES). Playwright adds --headless and its own --user-data-dir;
# --disable-dev-shm-usage keeps Chromium alive in containers with a small /dev/shm.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERVER_LOG = pytest.StashKey[Path]()


def _is_browser_test(item: pytest.Item) -> bool:
    return Path(item.path).is_relative_to(HERE)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _is_browser_test(item):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    report: pytest.TestReport = yield
    setattr(item, f"rep_{report.when}", report)  # read by the page fixture to keep a failure screenshot
    log = item.config.stash.get(SERVER_LOG, None)
    if report.failed and log is not None and _is_browser_test(item):
        report.sections.append(("app server log (last 40 lines)", _tail(log, 40)))
    return report


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"(no log: {exc})"
    return f"{path}:\n" + "\n".join(text.splitlines()[-lines:])


# --- the app ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """SQLite URL of a store with the shipped demo, loaded once per session by the CLI (~20 s)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    env = {**os.environ, "DATABASE_URL": url, "SOZIALMONITOR_LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [sys.executable, "-m", "sozialmonitor", "load-demo"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        pytest.fail(f"`python -m sozialmonitor load-demo` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return url


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last = "no answer yet"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            message = f"the app exited with status {server.returncode} before answering\n{_tail(log, 60)}"
            pytest.fail(message, pytrace=False)
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.2)
    pytest.fail(
        f"the app did not answer 200 on {url} within {SERVER_START_TIMEOUT:.0f} s ({last})\n{_tail(log, 60)}",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def app_server(
    demo_db_url: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    """Base URL of ``python app.py`` serving the demo store; its output goes to artifacts/app-server*.log."""
    port = free_port()
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / (f"app-server-{worker}.log" if worker else "app-server.log")
    request.config.stash[SERVER_LOG] = log
    env = {
        **os.environ,
        "DATABASE_URL": demo_db_url,
        "SOZIALMONITOR_LOAD_DEMO": "0",
        "SOZIALMONITOR_DEBUG": "0",  # debug mode would start Flask's reloader in a second process
        "SOZIALMONITOR_INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")),
        "PYTHONUNBUFFERED": "1",
    }
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(base + "/", server, log)
        yield base
    finally:
        stop(server, timeout_s=10)


# --- the browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium (Playwright cannot download its own browser here)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/test, which installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def console_errors() -> list[str]:
    """Console errors (``console: …``) and uncaught exceptions (``pageerror: …``) of ``page``."""
    return []


@pytest.fixture
def external_requests() -> list[str]:
    """URLs ``page`` tried to load from a host other than 127.0.0.1/localhost; all were aborted."""
    return []


@pytest.fixture
def page(
    browser: Browser,
    app_server: str,
    console_errors: list[str],
    external_requests: list[str],
    request: pytest.FixtureRequest,
) -> Iterator[Page]:
    """A fresh page (own context: 1366×768, de-DE, base_url = the app) that reports into
    ``console_errors`` and ``external_requests``."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="de-DE", base_url=app_server)

    def only_local(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            external_requests.append(url)
            route.abort("blockedbyclient")

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location
            console_errors.append(f"console: {message.text} ({where.get('url')}:{where.get('lineNumber')})")

    context.route("**/*", only_local)
    page = context.new_page()
    page.on("console", on_console)
    page.on("pageerror", lambda exc: console_errors.append(f"pageerror: {exc}"))
    try:
        yield page
        call = getattr(request.node, "rep_call", None)
        if call is not None and call.failed:
            save_screenshot(page, re.sub(r"[^\w.-]+", "_", request.node.name) + "-failure")
    finally:
        context.close()


# --- helpers ----------------------------------------------------------------------------------------


def run_axe(page: Page) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.0/2.1 A and AA) on the page; return the serious and critical violations as
    ``{"id", "impact", "help", "helpUrl", "targets"}`` (targets: CSS selectors of the offending nodes)."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run scripts/test (npm ci --prefix tests/browser)")
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))  # not a <script> tag: the app's CSP forbids inline scripts
    result = page.evaluate("options => axe.run(document, options)", {"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "helpUrl": v["helpUrl"],
            "targets": [" ".join(map(str, node["target"])) for node in v["nodes"]],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def save_screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG as tests/browser/artifacts/<name>.png and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


@pytest.fixture
def axe() -> Callable[[Page], list[dict[str, Any]]]:
    """``axe(page)``: the serious and critical WCAG 2.1 A/AA violations on the page (``[]`` when clean)."""
    return run_axe


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """``screenshot(page, name)``: save tests/browser/artifacts/<name>.png (full page) and return the path."""
    return save_screenshot
