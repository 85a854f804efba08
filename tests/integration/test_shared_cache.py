"""The shared cache: computed views are computed once for every worker (Redis at 127.0.0.1:6379, a key prefix
of their own per test), keyed by each frame's data generation; the app keeps answering when Redis is down."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from sozialmonitor.access import PUBLIC
from sozialmonitor.cache import MISSING, LocalCache, RedisCache, cached
from sozialmonitor.service import Service
from sozialmonitor.settings import Settings
from sozialmonitor.store import Store, frame_generations
from sozialmonitor.view import parse_query
from tests.integration.conftest import CliRunner
from tests.integration.musterstadt import CITY, GPKG, import_indicators, load_city
from tests.servers import free_port, gunicorn, http_get

REDIS_URL = "redis://127.0.0.1:6379/0"
VIEW = "frame=muster&level=bezirk&ind=einwohner&period=2023-12-31"
API_VALUES = "/api/v1/frames/muster/levels/bezirk/indicators/einwohner/values?period=2023-12-31"


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            raise AssertionError(f"Redis is needed at {REDIS_URL}: {exc}") from exc
        pytest.skip(f"no Redis at {REDIS_URL}")


@pytest.fixture
def prefix() -> Iterator[str]:
    _redis_or_skip()
    name = f"sozialmonitor-test-{uuid.uuid4().hex[:12]}:"
    yield name
    RedisCache(REDIS_URL, prefix=name).clear()


def _keys(prefix: str) -> set[bytes]:
    return set(RedisCache(REDIS_URL, prefix=prefix).client.scan_iter(match=prefix + "*", count=1000))


def test_local_cache_is_a_bounded_lru() -> None:
    cache = LocalCache(limit=2)
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.set("c", 3)
    assert cache.get("b") is MISSING and cache.get("a") == 1 and cache.get("c") == 3
    assert cached(cache, "d", lambda: 4) == 4 and cached(cache, "d", lambda: 5) == 4


def test_local_cache_is_bounded_by_bytes() -> None:
    cache = LocalCache(limit=100, max_bytes=40_000)
    for name in "abcde":
        cache.set(name, b"x" * 9_000)  # ~9 kB pickled each
    assert cache.bytes <= 40_000 and cache.get("a") is MISSING and cache.get("e") is not MISSING
    cache.set("huge", b"x" * 20_000)  # more than a quarter of the budget: not kept at all
    assert cache.get("huge") is MISSING and cache.get("e") is not MISSING


def test_a_worker_reads_an_entry_from_redis_once_then_from_its_near_copy(prefix: str) -> None:
    writer = RedisCache(REDIS_URL, prefix=prefix, near_bytes=0)
    writer.set("k", {"value": 1.5})
    reader = RedisCache(REDIS_URL, prefix=prefix)
    assert reader.get("k") == {"value": 1.5}
    writer.client.delete(prefix + "k")  # gone from Redis: the near copy still answers (keys never change)
    assert reader.get("k") == {"value": 1.5}
    assert writer.get("k") is MISSING  # no near tier: Redis alone
    bounded = RedisCache(REDIS_URL, prefix=prefix, near_bytes=30_000)
    for i in range(10):
        bounded.set(f"big{i}", b"x" * 5_000)
    assert bounded.near is not None and bounded.near.bytes <= 30_000


def test_redis_down_is_a_miss_not_an_error() -> None:
    cache = RedisCache("redis://127.0.0.1:1/0", timeout_s=0.2, near_bytes=0)  # nothing listens there
    cache.set("x", 1)
    assert cache.get("x") is MISSING
    assert cached(cache, "x", lambda: 7) == 7
    near = RedisCache("redis://127.0.0.1:1/0", timeout_s=0.2)
    near.set("x", 1)
    assert near.get("x") == 1  # what this worker computed, it keeps


def test_two_workers_share_entries(cli: CliRunner, store: Store, prefix: str) -> None:
    """A second worker (its own Service and Redis connection) answers the same view from the cache alone."""
    load_city(cli)
    state = parse_query(VIEW)[0]
    first = Service(store, RedisCache(REDIS_URL, prefix=prefix))
    model = first.view(state, PUBLIC)
    assert model.map is not None and model.state.level == "bezirk"
    assert first.cache.misses > 0 and len(_keys(prefix)) > 0  # type: ignore[attr-defined]
    second_cache = RedisCache(REDIS_URL, prefix=prefix)
    second = Service(store, second_cache)
    again = second.view(state, PUBLIC)
    assert again.map is not None and again.map.values == model.map.values
    assert second_cache.misses == 0 and second_cache.hits > 0


def test_an_import_into_one_frame_keeps_the_other_frames_entries(cli: CliRunner, store: Store, prefix: str) -> None:
    load_city(cli)
    assert cli("import-areas", GPKG, "--frame", "zweite", "--level", "bezirk", "--layer", "stadtbezirke",
               "--id-col", "BEZ_ID", "--name-col", "BEZ_NAME").code == 0
    with store.session() as session:
        before = frame_generations(session)
    service = Service(store, RedisCache(REDIS_URL, prefix=prefix))
    service.view(parse_query(VIEW)[0], PUBLIC)
    other = parse_query("frame=zweite&level=bezirk")[0]
    service.view(other, PUBLIC)
    import_indicators(cli, CITY / "synthetic_german_cp1252.csv", "--area-col", "Schlüssel")
    with store.session() as session:
        after = frame_generations(session)
    assert after["muster"] == before["muster"] + 1 and after["zweite"] == before["zweite"]
    fresh = RedisCache(REDIS_URL, prefix=prefix)
    reader = Service(store, fresh)
    reader.view(other, PUBLIC)  # the other frame: still valid
    assert fresh.misses == 0
    reader.view(parse_query(VIEW)[0], PUBLIC)  # the changed frame: computed anew
    assert fresh.misses > 0


def _page_answer(store: Store, prefix: str) -> tuple[str, RedisCache]:
    """Open the demo page as an anonymous visitor of a new app (its own worker state) sharing Redis under
    ``prefix``; returns the page's callback answer and the app's cache."""
    from app import create_app
    from tests.integration.test_access import post_callback

    settings = Settings.from_env({"DATABASE_URL": store.url, "SOZIALMONITOR_LOAD_DEMO": "0",
                                  "SOZIALMONITOR_LOG_LEVEL": "WARNING", "SOZIALMONITOR_CACHE_URL": REDIS_URL,
                                  "SOZIALMONITOR_CACHE_PREFIX": prefix, "SOZIALMONITOR_SECRET_KEY": "x" * 32})
    app = create_app(settings, audience_of=lambda: PUBLIC)
    client = app.server.test_client()
    assert client.get("/").status_code == 200  # the HTML shell computes nothing; Dash registers its callbacks
    output, spec = next((o, s) for o, s in app.callback_map.items() if "pages_content" in o)
    where = {"pathname": "/", "search": "?" + VIEW + "&panels=series,ranking,profile&sel=01"}
    answer = post_callback(client, output, spec, lambda item: where.get(item["property"]))
    return answer, app.server.config["SOZIALMONITOR_SERVICE"].cache


def test_a_public_page_is_built_once_for_every_visitor(cli: CliRunner, store: Store, prefix: str) -> None:
    """A link opened by many: the first worker builds the page; another worker sends the same page from the
    shared cache and computes (and writes) nothing."""
    load_city(cli)
    first, _ = _page_answer(store, prefix)
    assert '"map-title"' in first and "series-figure" in first  # the whole page, its open panels filled
    written = _keys(prefix)
    assert written
    second, cache = _page_answer(store, prefix)
    assert second == first and _keys(prefix) == written
    assert (cache.hits, cache.misses) == (1, 0)  # one read: the page itself, no view or value behind it


def _gunicorn(url: str, prefix: str, tmp: Path) -> AbstractContextManager[tuple[subprocess.Popen[bytes], str]]:
    """gunicorn with one worker, its files in ``tmp`` (made here), the shared cache under ``prefix``."""
    tmp.mkdir()
    env = {**os.environ, "DATABASE_URL": url, "SOZIALMONITOR_LOAD_DEMO": "0", "SOZIALMONITOR_HOST": "127.0.0.1",
           "SOZIALMONITOR_PORT": str(free_port()), "SOZIALMONITOR_WORKERS": "1",
           "SOZIALMONITOR_INSTANCE_DIR": str(tmp / "instance"), "SOZIALMONITOR_SECRET_KEY": "x" * 32,
           "SOZIALMONITOR_CACHE_URL": REDIS_URL, "SOZIALMONITOR_CACHE_PREFIX": prefix, "HOME": str(tmp)}
    return gunicorn(env, tmp / f"gunicorn-{env['SOZIALMONITOR_PORT']}.log")


def test_two_gunicorn_workers_share_the_cache(throwaway_postgres: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch, prefix: str) -> None:
    """Two worker processes (as behind a load balancer) against PostgreSQL and one Redis: the values the first
    computed (rolled up from the internal child level, disclosure applied), the second reads — it writes no entry
    of its own."""
    from sozialmonitor.cli import main

    monkeypatch.setenv("DATABASE_URL", throwaway_postgres)
    monkeypatch.setenv("SOZIALMONITOR_LOG_LEVEL", "WARNING")

    def cli(*args: object) -> object:
        code = main([str(a) for a in args])
        return type("R", (), {"code": code, "err": ""})()

    load_city(cli)  # type: ignore[arg-type]
    with (_gunicorn(throwaway_postgres, prefix, tmp_path / "a") as (_, first),
          _gunicorn(throwaway_postgres, prefix, tmp_path / "b") as (_, second)):
        status, body = http_get(first + API_VALUES)
        assert status == 200, body[:300]
        written = _keys(prefix)
        assert written
        client = RedisCache(REDIS_URL, prefix=prefix).client
        time.sleep(1.2)  # entries written now would have a longer time to live than the first worker's
        assert http_get(second + API_VALUES) == (status, body)  # the same answer …
        assert _keys(prefix) == written
        assert all(int(client.ttl(k)) < RedisCache(REDIS_URL).ttl for k in written)  # … and nothing written again
