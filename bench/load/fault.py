"""The fault run's parts: PostgreSQL stopped and started during the load, a real browser as witness of what a
person sees (screenshots in bench/load/), and the analysis of the requests around the outage."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from dash_client import Record, Recorder
from pgcluster import Cluster
from summary import count

HERE = Path(__file__).resolve().parent


async def fault_injector(cluster: Cluster, rec: Recorder, at: float, outage: float,
                         timeline: dict[str, float]) -> None:
    await asyncio.sleep(max(0.0, at - rec.now()))

    async def pg_ctl(action: str) -> None:
        timeline[f"db_{action}_begin"] = round(rec.now(), 3)
        process = await asyncio.create_subprocess_exec(*cluster.command(action), stdout=asyncio.subprocess.PIPE,
                                                       stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(process.communicate(), timeout=90)
        timeline[f"db_{action}_end"] = round(rec.now(), 3)
        if process.returncode != 0:
            raise RuntimeError(f"pg_ctl {action}: {out.decode(errors='replace')[-500:]}")

    await pg_ctl("stop")
    await asyncio.sleep(max(0.0, timeline["db_stop_begin"] + outage - rec.now()))
    await pg_ctl("start")


async def browser_witness(base: str, rec: Recorder, at: float, outage: float, timeline: dict[str, float],
                          seen: dict[str, Any], ready: asyncio.Event, go: asyncio.Event) -> None:
    """One real browser: a tab opened before the load starts that switches the period during the outage, a
    tab opened during the outage, and both after the database is back. Screenshots go to bench/load/.
    ``ready`` is set once the first tab shows the map (the load waits for it; it is set on failure too)."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        seen["skipped"] = "playwright is not installed"
        ready.set()
        return
    chromium = "/usr/bin/chromium"
    if not Path(chromium).exists():
        seen["skipped"] = "no /usr/bin/chromium"
        ready.set()
        return
    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
    notice = ".notice-error"
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=chromium, args=args)
            try:
                await _witness(browser, base, rec, at, outage, timeline, seen, ready, go, notice)
            finally:
                await browser.close()
    except Exception as exc:  # a witness that fails is reported, the load goes on
        seen["failed"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    finally:
        ready.set()


async def _witness(browser: Any, base: str, rec: Recorder, at: float, outage: float, timeline: dict[str, float],
                   seen: dict[str, Any], ready: asyncio.Event, go: asyncio.Event, notice: str) -> None:
    context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="de-DE")

    async def local_only(route: Any) -> None:
        if route.request.url.startswith(base) or route.request.url.startswith("data:"):
            await route.continue_()
        else:
            await route.abort()

    await context.route("**/*", local_only)
    before = await context.new_page()
    await before.goto(base + "/?ind=mss_s4_child_poverty", wait_until="domcontentloaded", timeout=60_000)
    await before.wait_for_selector(".leaflet-interactive", timeout=60_000)
    seen["open_tab_loaded"] = True
    ready.set()
    await go.wait()  # the load's clock starts now

    await asyncio.sleep(max(0.0, at + 2.0 - rec.now()))
    # the tab opened before the outage: the user moves the period slider while the database is down
    seen["open_tab_switch_at"] = round(rec.now(), 2)
    slider = before.locator("#period [role=slider]").first
    await slider.focus()
    await before.keyboard.press("ArrowLeft")
    seen["open_tab"] = await _wait_text(before, notice, 20)
    seen["open_tab_seen_at"] = round(rec.now(), 2)
    await before.screenshot(path=str(HERE / "fault_open_tab.png"))

    # a new visitor during the outage
    fresh = await context.new_page()
    seen["new_tab_open_at"] = round(rec.now(), 2)
    try:
        await fresh.goto(base + "/?ind=mss_s4_child_poverty", wait_until="domcontentloaded", timeout=30_000)
        seen["new_tab"] = await _wait_text(fresh, notice, 20)
    except Exception as exc:
        seen["new_tab"] = {"notice": None, "timeout": str(exc).splitlines()[0][:160]}
    seen["new_tab_seen_at"] = round(rec.now(), 2)
    seen["new_tab_during_outage"] = "db_start_end" not in timeline
    await fresh.screenshot(path=str(HERE / "fault_new_tab.png"))

    # after the database is back: both tabs work again, without any restart
    for _ in range(int((outage + 120) * 10)):
        if "db_start_end" in timeline:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    seen["recovered_check_at"] = round(rec.now(), 2)
    try:
        await fresh.reload(wait_until="domcontentloaded", timeout=60_000)
        await fresh.wait_for_selector(".leaflet-interactive", timeout=60_000)
        seen["new_tab_after"] = {"map": True, "error_notice": await fresh.locator(notice).count() > 0}
    except Exception as exc:  # a timeout: report it, do not hide it
        seen["new_tab_after"] = {"map": False, "error": str(exc).splitlines()[0][:200]}
    seen["new_tab_after_at"] = round(rec.now(), 2)
    await fresh.screenshot(path=str(HERE / "fault_recovered.png"))
    await slider.focus()
    await before.keyboard.press("ArrowRight")
    await asyncio.sleep(5.0)
    seen["open_tab_after"] = {"error_notice": await before.locator(notice).count() > 0,
                              "notices": (await before.locator("#notices").inner_text())[:300]}
    seen["recovered_seen_at"] = round(rec.now(), 2)


async def _wait_text(page: Any, selector: str, seconds: float) -> dict[str, Any]:
    try:
        await page.wait_for_selector(selector, timeout=seconds * 1000)
        return {"notice": (await page.locator(selector).first.inner_text()).strip()}
    except Exception as exc:
        body = (await page.locator("body").inner_text())[:300]
        return {"notice": None, "timeout": str(exc).splitlines()[0][:160], "body": body}


def fault_analysis(records: list[Record], timeline: dict[str, float]) -> dict[str, Any]:
    down = timeline.get("db_stop_begin")
    ready = timeline.get("db_start_end")
    if down is None or ready is None:
        return {"incomplete": True, **timeline}
    db_kinds = {"pages_content", "main", "panels", "table", "geometry"}
    errors = [r for r in records if r.error]
    during = [r for r in records if down <= r.t + r.ms / 1000 and r.t <= ready]
    after = [r for r in records if r.t >= ready and r.kind in db_kinds]
    first_ok_after = min((r for r in after if r.error is None and r.status == 200), key=lambda r: r.t + r.ms / 1000,
                         default=None)
    last_error = max(errors, key=lambda r: r.t + r.ms / 1000, default=None)
    per_second = []
    start = int(down) - 3
    stop = int(ready) + 8
    for second in range(max(start, 0), stop + 1):
        bucket = [r for r in records if second <= r.t < second + 1]
        per_second.append({"t": second, "n": len(bucket), "ok": sum(1 for r in bucket if not r.error),
                           "errors": count(r.error for r in bucket if r.error),
                           "no_update_204": sum(1 for r in bucket if r.status == 204 and r.kind != "table")})
    messages = count(f"{r.kind} → {r.status} {r.error}: {r.message}" for r in during if r.error)
    return {
        **timeline,
        "outage_s": round(ready - down, 2),
        "first_error_at": min((r.t for r in errors), default=None),
        "first_error_done_at": min((round(r.t + r.ms / 1000, 3) for r in errors), default=None),
        "last_error_sent_at": last_error.t if last_error else None,
        "last_error_done_at": round(last_error.t + last_error.ms / 1000, 3) if last_error else None,
        "errors_total": len(errors),
        "errors_after_db_ready": sum(1 for r in errors if r.t >= ready),
        "first_success_after_db_ready_at": round(first_ok_after.t + first_ok_after.ms / 1000, 3)
        if first_ok_after else None,
        "recovery_s": round(first_ok_after.t + first_ok_after.ms / 1000 - ready, 3) if first_ok_after else None,
        "all_clear_after_ready_s": round(max(0.0, (last_error.t + last_error.ms / 1000) - ready), 3)
        if last_error else 0.0,
        "requests_during_outage": len(during),
        "during_outage_by_type": {k: {"n": len(v), "errors": sum(1 for r in v if r.error),
                                      "status": count(str(r.status) for r in v)}
                                  for k in sorted({r.kind for r in during})
                                  for v in [[r for r in during if r.kind == k]]},
        "what_clients_got": dict(sorted(messages.items(), key=lambda kv: -kv[1])[:12]),
        "per_second": per_second,
    }

