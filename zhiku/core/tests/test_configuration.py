"""Start-up configuration: bad values stop the site with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from zhiku.env import ConfigError, env_bool, env_int, env_list, env_secret

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION = {
    "ZHIKU_SECRET_KEY": "p" * 20 + "roduction-secret-value-0123456789abcdef",
    "ZHIKU_HTTPS": "true",
    "ZHIKU_ALLOWED_HOSTS": "zhiku.example.org",
    "ZHIKU_FIELD_KEYS": "cHJvZHVjdGlvbi1jaGVjay1maWVsZC1rZXktMDAwMDA=",
    "ZHIKU_LOOKUP_HASH_KEY": "production-check-lookup-hash-key-0123456789",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ZHIKU_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    base.update(DJANGO_SETTINGS_MODULE="zhiku.settings", ZHIKU_NO_DOTENV="1", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_bad_integer_stops_start_up_naming_the_variable() -> None:
    result = _manage("check", ZHIKU_DEBUG="true", ZHIKU_SESSION_IDLE_MINUTES="半小时")
    assert result.returncode == 2
    assert "ZHIKU_SESSION_IDLE_MINUTES" in result.stderr
    assert "不是整数" in result.stderr


def test_bad_boolean_stops_start_up_naming_the_variable() -> None:
    result = _manage("check", ZHIKU_DEBUG="maybe")
    assert result.returncode == 2
    assert "ZHIKU_DEBUG" in result.stderr


def test_production_without_secret_key_refuses_to_start() -> None:
    result = _manage("check")
    assert result.returncode == 2
    assert "ZHIKU_SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deployment_checklist() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_an_unknown_storage_stops_start_up_naming_the_variable() -> None:
    result = _manage("check", ZHIKU_DEBUG="true", ZHIKU_STORAGE="ftp")
    assert result.returncode == 2
    assert "ZHIKU_STORAGE" in result.stderr and "local 或 s3" in result.stderr


def test_s3_storage_needs_its_bucket() -> None:
    result = _manage("check", ZHIKU_DEBUG="true", ZHIKU_STORAGE="s3")
    assert result.returncode == 2
    assert "ZHIKU_S3_BUCKET" in result.stderr


def test_s3_storage_puts_both_storages_on_one_bucket() -> None:
    show = (
        "from django.conf import settings as s; "
        "print(*[(a, s.STORAGES[a]['BACKEND'], s.STORAGES[a]['OPTIONS']['bucket_name'], "
        "s.STORAGES[a]['OPTIONS']['location'], s.STORAGES[a]['OPTIONS']['endpoint_url']) "
        "for a in ('uploads', 'default')], sep='\\n')"
    )
    result = _manage(
        "shell",
        "-c",
        show,
        ZHIKU_DEBUG="true",
        ZHIKU_STORAGE="s3",
        ZHIKU_S3_BUCKET="zhiku-files",
        ZHIKU_S3_ENDPOINT_URL="https://s3.example.org",
    )
    assert result.returncode == 0, result.stderr
    backend = "storages.backends.s3.S3Storage"
    assert result.stdout.splitlines()[-2:] == [
        f"('uploads', '{backend}', 'zhiku-files', 'uploads', 'https://s3.example.org')",
        f"('default', '{backend}', 'zhiku-files', 'files', 'https://s3.example.org')",
    ]


def test_debug_is_off_unless_asked() -> None:
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        **PRODUCTION,
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("value", ["2", "yes please", ""])
def test_env_bool_accepts_only_clear_words(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ZHIKU_X", value)
    if value == "":
        assert env_bool("ZHIKU_X", True) is True
    else:
        with pytest.raises(ConfigError, match="ZHIKU_X"):
            env_bool("ZHIKU_X", True)


def test_env_int_refuses_values_below_the_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHIKU_X", "0")
    with pytest.raises(ConfigError, match="ZHIKU_X 的值 0 小于允许的最小值 1"):
        env_int("ZHIKU_X", 5, minimum=1)


def test_env_list_splits_on_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHIKU_X", " a.example , b.example,,")
    assert env_list("ZHIKU_X", []) == ["a.example", "b.example"]


def test_short_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHIKU_X", "short")
    with pytest.raises(ConfigError, match="ZHIKU_X 太短"):
        env_secret("ZHIKU_X", debug=False, dev_default="d")
