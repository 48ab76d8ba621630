"""生产服务器负载基准：200 个已登录的工作人员会话同时浏览、检索和导出专家名单，持续 5 分钟。

Builds a throwaway database (``<name>_load`` on the PostgreSQL server DATABASE_URL names; a SQLite
file in a temporary directory without one, which says so: production runs on PostgreSQL), with
the production settings (``zhiku.settings``, debug off, keys made for this run alone): migrates
it, collects the static files, writes ``--experts`` experts and ``--users`` staff accounts, a
quarter of them holding the export right, and signs each in by writing its session directly
(what ``login()`` stores; for an account with a second factor, the device django-otp's
``otp_login`` records, so the session counts as verified). Then it starts gunicorn as
``deploy/gunicorn.conf.py`` configures it (the production server) and drives it with locust
(``FastHttpUser``, in a process of its own: locust patches the standard library with gevent),
one client per session, each waiting 10–30 s between pages (a person reads a list of 25
experts or a profile before the next click; ``--think 1 5`` is a stress test, about 65
requests a second from 200 sessions), for ``--seconds`` after every client has started. Every answer but a 200 of the expected kind counts as an error
(a redirect to the sign-in page too). It prints requests per second, the median and
95th-percentile times, the error count, each page's figures, and whether the target is met:
no error and a 95th percentile under 500 ms. It asserts nothing, so a slow machine still reports.

Modes used internally: ``--load URL`` (the locust run).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_P95_MS = 500.0
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
EXPORTER_SHARE = 4  # one account in four holds the export right
WARM_UP_SECONDS = 10.0


class ChineseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix="用法：")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench/load.py",
        description=(
            "生产服务器负载基准：以生产配置（关闭调试）在独立的临时数据库上启动 gunicorn，"
            "用 locust 模拟已登录的工作人员同时浏览、检索和导出专家名单，打印每秒请求数、"
            f"第 95 百分位响应时间和错误数。目标：无错误，95% ≤ {TARGET_P95_MS:.0f} ms。"
            "设置了 DATABASE_URL（PostgreSQL）时在该服务器上新建临时库 <库名>_load，结束后删除。"
        ),
        formatter_class=ChineseHelpFormatter,
        add_help=False,
    )
    parser._optionals.title = "选项"
    parser.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    parser.add_argument(
        "--users", type=int, default=200, help="并发的已登录工作人员会话数（默认 %(default)s）"
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=300.0,
        help="全部会话开始后的测量秒数（默认 %(default)s，即 5 分钟）",
    )
    parser.add_argument(
        "--experts", type=int, default=20_000, help="库中预先生成的专家人数（默认 %(default)s）"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn 工作进程数（默认按 deploy/gunicorn.conf.py：2 × CPU 核数 + 1，至多 9）",
    )
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(10.0, 30.0),
        metavar=("MIN", "MAX"),
        help=(
            "每个会话两次请求之间的停顿秒数范围（默认 10 30：阅读一页名单或一位专家的资料后"
            "再点下一页；1 5 为压力测试，200 个会话约每秒 65 次请求）"
        ),
    )
    parser.add_argument("--load", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--plan", metavar="FILE", help=argparse.SUPPRESS)
    return parser


# --- the database and the production configuration -----------------------------------------


def _database(workdir: Path) -> tuple[str, str, Callable[[], None]]:
    """Return (DATABASE_URL of a fresh throwaway database, words for it, what removes it)."""
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "")
    config = dj_database_url.parse(url) if url else {}
    if config.get("ENGINE") != "django.db.backends.postgresql":
        path = workdir / "load.sqlite3"
        note = f"SQLite（{path}；未设置 PostgreSQL 的 DATABASE_URL，生产环境用 PostgreSQL）"
        return f"sqlite:///{path}", note, lambda: None

    import psycopg

    name = f"{config['NAME']}_load"
    server = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }

    def execute(sql: str) -> None:
        with psycopg.connect(**server) as conn:  # type: ignore[arg-type]
            conn.execute(sql)

    quoted = '"' + name.replace('"', '""') + '"'
    execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
    execute(f"CREATE DATABASE {quoted}")
    target = url.rsplit("/", 1)[0] + "/" + name
    return (
        target,
        f"PostgreSQL（{name}）",
        lambda: execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"),
    )


def production_environment(workdir: Path, database_url: str, workers: int | None) -> dict[str, str]:
    """What /etc/zhiku/zhiku.env sets (deploy/zhiku.env.example), with keys made for this run."""
    from cryptography.fernet import Fernet

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
        ZHIKU_SITE_URL="http://127.0.0.1",
        DATABASE_URL=database_url,
        # Connections kept between requests, as deploy/zhiku.env.example sets it.
        ZHIKU_DB_CONN_MAX_AGE="60",
        ZHIKU_STATIC_ROOT=str(workdir / "static"),
        ZHIKU_MEDIA_ROOT=str(workdir / "media"),
        ZHIKU_UPLOAD_ROOT=str(workdir / "uploads"),
        ZHIKU_AUDIT_ANCHOR_DIR=str(workdir / "anchors"),
        ZHIKU_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        ZHIKU_LOG_LEVEL="ERROR",
    )
    if workers is not None:
        env["ZHIKU_WEB_WORKERS"] = str(workers)
    return env


# --- the data -------------------------------------------------------------------------------


def _sign_in(user: Any) -> str:
    """Write a session as ``login()`` would (verified by the user's second factor if enrolled);
    return its key, the cookie's value."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if "django_otp" in settings.INSTALLED_APPS:
        from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user

        device = next(iter(devices_for_user(user, confirmed=True)), None)
        if device is not None:
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return str(session.session_key)


def staff(count: int) -> list[tuple[Any, bool]]:
    """Create ``count`` staff accounts, one in four holding the export right, each with the
    second factor its rights require; return (account, holds the export right)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from zhiku.accounts.models import RightGrant, User
    from zhiku.core.roles import Right

    try:
        from zhiku.accounts.second_factor import second_factor_required
    except ImportError:  # a release without the second factor

        def second_factor_required(user: Any) -> bool:
            return False

    # One hash for every account (nobody signs in with it: the sessions are written directly);
    # hashing 200 passwords one by one would take minutes.
    password = make_password(secrets.token_urlsafe(24))
    granter = User.objects.create(
        username="load-granter",
        full_name="负载测试授权人",
        role="security_admin",
        is_active=False,
        password=password,
    )
    now = timezone.now()
    out = []
    for n in range(count):
        exporter = n % EXPORTER_SHARE == 0
        user = User.objects.create(
            username=f"load-staff-{n}",
            full_name=f"负载测试员{n}",
            email=f"load-staff-{n}@example.org",
            role="staff",
            password=password,
        )
        if exporter:
            RightGrant.objects.create(
                user=user, right=Right.EXPORT_DATA, granted_by=granter, granted_at=now
            )
            user = User.objects.get(pk=user.pk)  # rights read afresh
        if second_factor_required(user):
            from django_otp.plugins.otp_totp.models import TOTPDevice

            TOTPDevice.objects.create(
                user=user, name="负载测试", key=secrets.token_hex(20), confirmed=True
            )
        out.append((user, exporter))
    return out


def verified(sessions: list[dict[str, Any]]) -> int:
    """How many of the sessions carry a verified second factor."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    if "django_otp" not in settings.INSTALLED_APPS:
        return 0
    from django_otp import DEVICE_ID_SESSION_KEY

    return sum(DEVICE_ID_SESSION_KEY in SessionStore(s["cookie"]).load() for s in sessions)


def seed(experts: int, users: int, out: Callable[[str], None]) -> dict[str, Any]:
    """Migrate, collect static files, write experts and staff; return what the clients need."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)

    from django.conf import settings

    from zhiku.experts.models import Expert, ExpertiseField

    sys.path.insert(0, str(ROOT / "bench"))
    from experts import create_experts  # bench/experts.py: the same generated pool

    start = time.perf_counter()
    create_experts(experts, random.Random(2026))  # noqa: S311 - sample data, not a secret
    out(f"生成专家 {experts} 人：{time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    sessions = [{"cookie": _sign_in(user), "exporter": exporter} for user, exporter in staff(users)]
    exporters = sum(s["exporter"] for s in sessions)
    out(
        f"开设工作人员账户并写入已登录的会话 {users} 个（其中 {exporters} 个持有导出权限，"
        f"已启用第二因素并通过验证的 {verified(sessions)} 个）：{time.perf_counter() - start:.1f} s"
    )
    pks = list(Expert.objects.order_by("pk").values_list("pk", flat=True))
    fields = list(
        ExpertiseField.objects.filter(parent__isnull=True)
        .order_by("code")
        .values_list("pk", flat=True)
    )
    return {
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "sessions": sessions,
        "expert_pks": [pks[0], pks[-1]] if pks else [],
        "fields": fields,
    }


# --- the server -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """Start gunicorn as zhiku-web.service does (its configuration file if there is one)."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    if GUNICORN_CONFIG.is_file():
        command = [gunicorn, "-c", str(GUNICORN_CONFIG)]
        env = {**env, "ZHIKU_BIND": f"127.0.0.1:{port}"}
    else:
        workers = env.get("ZHIKU_WEB_WORKERS") or str(min(2 * (os.cpu_count() or 1) + 1, 9))
        command = [
            gunicorn,
            "zhiku.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            workers,
            "--preload",
        ]
    with log.open("wb") as sink:
        return subprocess.Popen(  # noqa: S603 - gunicorn from this virtualenv
            command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT
        )


def _wait_until_up(
    url: str, server: subprocess.Popen[bytes], log: Path, seconds: float = 120
) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if server.poll() is not None:
            raise SystemExit(f"服务器未能启动：\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                response.read()
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _worker_count(log: Path) -> int:
    return log.read_text(errors="replace").count("Booting worker")


# --- the load -------------------------------------------------------------------------------


def load(url: str, plan_file: str, users: int, seconds: float, think: tuple[float, float]) -> None:
    """Drive ``url`` with one locust client per session for ``seconds``; print JSON figures."""
    import itertools
    from http.cookiejar import Cookie

    import gevent
    from locust import FastHttpUser, between, task
    from locust.env import Environment

    plan = json.loads(Path(plan_file).read_text())
    sessions = itertools.cycle(plan["sessions"])
    low, high = plan["expert_pks"]
    fields = plan["fields"]
    host = url.partition("//")[2].split("/")[0].split(":")[0]
    rng = random.Random(2026)  # noqa: S311 - which page to ask for, not a secret
    levels = ["senior", "associate_senior", "intermediate"]
    regions = ["guangzhou", "shenzhen", "foshan", "guangdong"]

    class Staff(FastHttpUser):
        wait_time = between(*think)
        host = url

        def on_start(self) -> None:
            session = next(sessions)
            self.exporter = session["exporter"]
            self.step = rng.randrange(8)  # the clients spread over the round
            self.client.cookiejar.set_cookie(
                Cookie(
                    0,
                    plan["cookie_name"],
                    session["cookie"],
                    None,
                    False,
                    host,
                    False,
                    False,
                    "/",
                    True,
                    False,
                    None,
                    False,
                    None,
                    None,
                    {},
                )
            )

        def page(self, path: str, name: str, kind: str = "text/html") -> None:
            with self.client.get(
                path, name=name, allow_redirects=False, catch_response=True
            ) as response:
                if response.status_code == 0:  # no answer: refused, reset or timed out
                    error = getattr(response, "error", None)
                    reason = getattr(error, "original", None) or type(error).__name__
                    response.failure(f"无应答（{reason}）")  # no address: one line per kind
                elif response.status_code != 200:
                    where = response.headers.get("Location", "") if response.headers else ""
                    response.failure(f"{response.status_code} {where}".strip())
                elif not (response.headers.get("Content-Type") or "").startswith(kind):
                    response.failure(f"内容类型 {response.headers.get('Content-Type')}")
                else:
                    response.success()

        # A round through the workspace, as a member of staff goes: each client walks it in
        # order, so every page is asked for however short the run.
        ROUND = ("dashboard", "browse", "filter", "detail", "search", "detail", "browse", "export")

        @task
        def next_page(self) -> None:
            step = self.ROUND[self.step % len(self.ROUND)]
            self.step += 1
            getattr(self, step)()

        def dashboard(self) -> None:
            self.page("/workspace/dashboard/", "工作台")

        def browse(self) -> None:
            self.page(f"/workspace/experts/?page={rng.randint(1, 40)}", "专家列表（翻页）")

        def filter(self) -> None:
            query = (
                f"field={rng.choice(fields)}&title_level={rng.choice(levels)}"
                f"&region={rng.choice(regions)}&page={rng.randint(1, 3)}"
            )
            self.page(f"/workspace/experts/?{query}", "专家列表（筛选）")

        def search(self) -> None:
            self.page(
                f"/workspace/experts/?q=基准专家{rng.randint(0, high - low)}", "专家检索（姓名）"
            )

        def detail(self) -> None:
            self.page(f"/workspace/experts/{rng.randint(low, high)}/", "专家详情")

        def export(self) -> None:
            if not self.exporter:
                self.page("/workspace/experts/?status=active", "专家列表（状态）")
                return
            query = (
                f"field={rng.choice(fields)}&title_level={rng.choice(levels)}"
                f"&region={rng.choice(regions)}"
            )
            self.page(
                f"/workspace/experts/export/?{query}",
                "导出专家名单（Excel）",
                kind="application/vnd.openxmlformats",
            )

    env = Environment(user_classes=[Staff])
    runner = env.create_local_runner()
    warm_up = min(WARM_UP_SECONDS, seconds)
    runner.start(users, spawn_rate=max(users / warm_up * 2, 1))
    gevent.sleep(warm_up)  # every client started and past its first pages
    env.stats.reset_all()
    started = time.monotonic()
    gevent.sleep(seconds)
    elapsed = time.monotonic() - started
    total = env.stats.total
    pages = {
        name: {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "median_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
        }
        for (name, _method), entry in sorted(env.stats.entries.items())
    }
    errors: dict[str, int] = {}
    for entry in env.stats.errors.values():  # one entry per page and error: summed by error
        errors[str(entry.error)] = errors.get(str(entry.error), 0) + entry.occurrences
    figures = {
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": total.num_requests / elapsed,
        "median_ms": total.get_response_time_percentile(0.5),
        "p95_ms": total.get_response_time_percentile(0.95),
        "pages": pages,
        "errors": errors,
    }
    runner.quit()
    print(json.dumps(figures, ensure_ascii=False))


def measure(url: str, plan_file: Path, args: argparse.Namespace) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 - this script, with its own arguments
        [
            sys.executable,
            __file__,
            "--load",
            url,
            "--plan",
            str(plan_file),
            "--users",
            str(args.users),
            "--seconds",
            str(args.seconds),
            "--think",
            *(str(t) for t in args.think),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"locust 运行失败：\n{done.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def report(figures: dict[str, Any], out: Callable[[str], None]) -> None:
    for name, page in figures["pages"].items():
        if not page["requests"]:
            continue
        out(
            f"  {name}：{page['requests']} 次，失败 {page['failures']}，"
            f"中位 {page['median_ms']:.0f} ms，95% {page['p95_ms']:.0f} ms"
        )
    for error, count in figures["errors"].items():
        out(f"  错误 {count} 次：{error}")
    out(
        f"合计：{figures['rps']:.1f} 请求/秒（{figures['requests']} 次），"
        f"中位 {figures['median_ms']:.0f} ms，95% {figures['p95_ms']:.0f} ms，"
        f"错误 {figures['failures']} 次"
    )
    met = figures["failures"] == 0 and figures["p95_ms"] < TARGET_P95_MS
    out(
        f"目标 无错误且 95% < {TARGET_P95_MS:.0f} ms：错误 {figures['failures']} 次，"
        f"95% {figures['p95_ms']:.0f} ms，{'达标' if met else '未达标'}"
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.load:
        load(args.load, args.plan, args.users, args.seconds, tuple(args.think))
        return 0

    def out(line: str) -> None:
        print(line, flush=True)

    workdir = Path(tempfile.mkdtemp(prefix="zhiku-bench-load-"))
    server = None
    drop: Callable[[], None] = lambda: None  # noqa: E731
    saved = dict(os.environ)
    try:
        database_url, words, drop = _database(workdir)
        env = production_environment(workdir, database_url, args.workers)
        os.environ.clear()
        os.environ.update(env)
        out(f"数据库：{words}；生产配置（zhiku.settings，关闭调试）")
        plan = seed(args.experts, args.users, out)
        plan_file = workdir / "plan.json"
        plan_file.write_text(json.dumps(plan))
        port = _free_port()
        log = workdir / "gunicorn.log"
        server = start_server(env, port, log)
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(base + "/accounts/login/", server, log)
        config = "deploy/gunicorn.conf.py" if GUNICORN_CONFIG.is_file() else "命令行参数"
        out(
            f"服务器：gunicorn {metadata.version('gunicorn')}（{config}，"
            f"{_worker_count(log)} 个工作进程），{base}；"
            f"负载：locust {metadata.version('locust')} FastHttpUser，{args.users} 个已登录会话，"
            f"每次请求间停顿 {args.think[0]:g}–{args.think[1]:g} s，"
            f"预热 {min(WARM_UP_SECONDS, args.seconds):g} s 后测量 {args.seconds:g} s"
        )
        figures = measure(base, plan_file, args)
        report(figures, out)
        return 0
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        os.environ.clear()
        os.environ.update(saved)
        if "django.db" in sys.modules:  # Django was set up: its connections end first
            from django.db import connections

            connections.close_all()
        drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
