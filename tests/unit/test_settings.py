from __future__ import annotations

from pathlib import Path

import pytest

from sozialmonitor.errors import SettingsError
from sozialmonitor.settings import Settings


def test_defaults_use_sqlite_under_the_instance_dir(tmp_path: Path) -> None:
    s = Settings.from_env({"SOZIALMONITOR_INSTANCE_DIR": str(tmp_path)})
    assert s.database_url == f"sqlite:///{tmp_path / 'sozialmonitor.db'}"
    assert s.is_sqlite and s.load_demo and not s.debug
    assert (s.host, s.port) == ("127.0.0.1", 8050)


def test_postgres_urls_get_the_psycopg_driver() -> None:
    s = Settings.from_env({"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test"})
    assert s.database_url == "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert not s.is_sqlite


@pytest.mark.parametrize(("env", "message"), [
    ({"SOZIALMONITOR_PORT": "http"}, "SOZIALMONITOR_PORT='http' is not a port number"),
    ({"SOZIALMONITOR_PORT": "70000"}, "not a port number"),
    ({"SOZIALMONITOR_DEBUG": "vielleicht"}, "allowed: 1, 0, true"),
    ({"SOZIALMONITOR_LOG_LEVEL": "loud"}, "allowed: DEBUG, INFO"),
])
def test_bad_values_name_the_setting_and_the_allowed_values(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)
