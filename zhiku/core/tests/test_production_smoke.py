"""The production server, started as an administrator starts it, answers as it should.

Gunicorn with ``deploy/gunicorn.conf.py`` and the production settings (``zhiku.settings``, debug
off, freshly generated keys, HTTPS behind a proxy as nginx sends it) against the test database,
static files collected into a temporary directory and served by the application itself
(WhiteNoise), as they are when nginx passes ``/static/`` through. PostgreSQL only: production
runs on it, and SQLite's test database lives in memory, out of another process's reach.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection
from django.urls import reverse

BASE_DIR = Path(settings.BASE_DIR)
POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
STARTUP_SECONDS = 60
# Headers nginx sends (deploy/nginx/zhiku.conf): the request came over HTTPS.
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not POSTGRES,
        reason="生产环境冒烟测试只在 PostgreSQL 上运行（SQLite 的测试库在内存中，别的进程看不到）",
    ),
]


def database_url() -> str:
    """The test database, as the server process must reach it."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def production_environment(tmp_path: Path) -> dict[str, str]:
    """What /etc/zhiku/zhiku.env sets, with keys made for this test alone."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ZHIKU_", "DJANGO_", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="zhiku.settings",
        ZHIKU_NO_DOTENV="1",
        ZHIKU_DEBUG="false",
        ZHIKU_SECRET_KEY=secrets.token_urlsafe(50),
        ZHIKU_FIELD_KEYS=Fernet.generate_key().decode(),
        ZHIKU_LOOKUP_HASH_KEY=secrets.token_urlsafe(48),
        ZHIKU_ALLOWED_HOSTS="127.0.0.1",
        ZHIKU_CSRF_TRUSTED_ORIGINS="https://127.0.0.1",
        ZHIKU_SITE_URL="https://127.0.0.1",
        ZHIKU_HTTPS="true",
        ZHIKU_BEHIND_PROXY="true",
        DATABASE_URL=database_url(),
        ZHIKU_STATIC_ROOT=str(tmp_path / "static"),
        ZHIKU_MEDIA_ROOT=str(tmp_path / "media"),
        ZHIKU_UPLOAD_ROOT=str(tmp_path / "uploads"),
        ZHIKU_AUDIT_ANCHOR_DIR=str(tmp_path / "anchors"),
        ZHIKU_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        ZHIKU_WEB_WORKERS="2",
    )
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Server:
    port: int
    log: Path

    def get(self, path: str) -> Answer:
        """One request as nginx passes it on (no redirect followed)."""
        http = HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            http.request("GET", path, headers={"Host": "127.0.0.1", **PROXY_HEADERS})
            response = http.getresponse()
            return Answer(response.status, dict(response.getheaders()), response.read())
        finally:
            http.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn and its workers (its own process group), by force if it lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@pytest.fixture
def production(tmp_path: Path) -> Iterator[tuple[Server, str]]:
    """Collect static files, run ``check --deploy`` beside it, then start gunicorn and wait."""
    env = production_environment(tmp_path)
    collect = manage(env, "collectstatic", "--no-input", "-v", "0")
    check = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    collected, _ = collect.communicate(timeout=180)
    assert collect.returncode == 0, collected
    checked, _ = check.communicate(timeout=180)

    log = tmp_path / "gunicorn.log"
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"],
            cwd=BASE_DIR,
            env={**env, "ZHIKU_BIND": f"127.0.0.1:{port}"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(port, log)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
            try:
                server.get("/")
                break
            except ConnectionError:
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"gunicorn not answering after {STARTUP_SECONDS} s:\n{log.read_text()}"
                    )
                time.sleep(0.2)
        yield server, f"{check.returncode}\n{checked}"
    finally:
        stop(process)


def test_the_production_server_serves_the_site(production: tuple[Server, str]) -> None:
    server, checked = production

    # `check --deploy` with the production settings: no warning at all.
    assert checked.startswith("0\n") and "System check identified no issues" in checked, checked

    login = server.get(reverse("accounts:login"))
    assert login.status == 200, server.log.read_text()
    assert "登录" in login.text and '<html lang="zh-CN">' in login.text
    # The production settings are in force: HTTPS-only cookies and headers, no debug.
    assert login.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "default-src 'self'" in login.headers["Content-Security-Policy"]
    assert "; secure" in login.headers["Set-Cookie"].lower()

    # Static files referenced by the page carry a content hash and are cached for a year.
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', login.text)
    hashed = [url for url in assets if re.search(r"\.[0-9a-f]{12}\.\w+$", url)]
    assert hashed, f"no hashed static file in the login page: {assets}"
    for url in hashed:
        asset = server.get(url)
        assert asset.status == 200, url
        assert asset.body
        cache = asset.headers["Cache-Control"]
        max_age = int(re.search(r"max-age=(\d+)", cache).group(1))  # type: ignore[union-attr]
        assert max_age >= 365 * 24 * 3600 and "immutable" in cache, (url, cache)

    # An unknown address: the site's own 404 page, never Django's debug page.
    missing = server.get("/no-such-page-" + secrets.token_hex(4) + "/")
    assert missing.status == 404
    assert "页面不存在" in missing.text
    assert "Traceback" not in missing.text and "DEBUG = True" not in missing.text
    assert "URLconf" not in missing.text
