"""门户公示页面吞吐基准：匿名访问公示页面与最小 Django 视图，50 个并发客户端，同一服务器。

Builds its own throwaway SQLite database with a notice of ``--entries`` applicants, starts one
WSGI server (Django's threaded development server with TCP_NODELAY, in a process of its own)
serving the site plus
a minimal view (``/bench/minimal/``: the whole middleware stack, an empty response), then drives
each URL in turn with locust (``FastHttpUser``, a separate process: locust patches the standard
library with gevent) and ``--users`` concurrent clients, and prints the requests per second of
both and their ratio against the target: the notice page at least half the minimal view's
throughput. It asserts nothing, so a slow machine still reports.

Modes used internally: ``--serve PORT`` (the server) and ``--load URL`` (one locust run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_RATIO = 0.5
MINIMAL_PATH = "/bench/minimal/"


class ChineseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix="用法：")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench/portal.py",
        description=(
            "门户公示页面吞吐基准：在独立的临时数据库中生成一则公示，启动一个 WSGI 服务器，"
            "用 locust 以并发客户端分别访问公示页面（匿名，缓存）和一个最小的 Django 视图，"
            f"打印两者每秒请求数及其比值。目标：公示页面 ≥ 最小视图的 {TARGET_RATIO:.0%}。"
        ),
        formatter_class=ChineseHelpFormatter,
        add_help=False,
    )
    parser._optionals.title = "选项"
    parser.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    parser.add_argument("--users", type=int, default=50, help="并发客户端数（默认 %(default)s）")
    parser.add_argument(
        "--seconds", type=float, default=15.0, help="每个地址的测量秒数（默认 %(default)s）"
    )
    parser.add_argument(
        "--entries", type=int, default=30, help="公示名单的人数（默认 %(default)s）"
    )
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--load", metavar="URL", help=argparse.SUPPRESS)
    return parser


def _environment(workdir: Path) -> dict[str, str]:
    """The server's configuration: the test settings on a database of its own."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zhiku.test_settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        # Connections kept between requests, as in production (ZHIKU_DB_CONN_MAX_AGE).
        "ZHIKU_DB_CONN_MAX_AGE": "60",
        "ZHIKU_UPLOAD_ROOT": str(workdir / "uploads"),
        "ZHIKU_CACHE_LOCATION": "bench",
    }


# --- the data -------------------------------------------------------------------------------


def seed(entries: int) -> int:
    """Migrate the throwaway database and publish a notice of ``entries`` applicants."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from zhiku.recruitment import services
    from zhiku.recruitment.tests import factories as f

    reviewer = f.make_reviewer()
    call = f.make_call(reviewer)
    member = f.make_council(1)[0]
    applications = []
    for n in range(entries):
        from zhiku.experts.tests.factories import resident_number

        birth = f.BIRTH.replace(year=1965 + n % 20)
        applicant = f.make_applicant(f"bench{n}", f"基准专家{n:02d}")
        application = f.submitted(
            applicant,
            call,
            name=f"基准专家{n:02d}",
            birth_date=birth,
            id_number=resident_number(birth, 2 * n),
            mobile=f"1391234{n:04d}",
            email=f"bench{n}@example.org",
        )
        applications.append(f.passed(reviewer, application))
    round_ = services.round_open(
        actor=reviewer,
        applications=applications,
        mode="online",
        title="基准审议",
        votes_close_on=f.NOW.date(),
        now=f.NOW,
    )
    services.round_vote(
        actor=member,
        round_=round_,
        choices={i.pk: ("agree", "") for i in round_.items.all()},
        now=f.NOW,
    )
    for a in applications:
        a.refresh_from_db()
    return int(f.publish(reviewer, applications).pk)


# --- the server -----------------------------------------------------------------------------

urlpatterns: list[Any] = []


def serve(port: int) -> None:
    """Serve the site and the minimal view on ``port`` until killed (one process, threaded)."""
    import logging

    import django

    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.http import HttpRequest, HttpResponse
    from django.urls import include, path

    from zhiku.core import permissions as perm

    @perm.policy(perm.PUBLIC)
    def minimal(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok", content_type="text/plain")

    global urlpatterns
    urlpatterns = [path("bench/minimal/", minimal), path("", include("zhiku.urls"))]
    settings.ROOT_URLCONF = __name__
    logging.getLogger("django.server").setLevel(logging.WARNING)

    class Handler(WSGIRequestHandler):
        # Headers and body leave in separate writes; without TCP_NODELAY each response would
        # wait ~40 ms for the client's delayed ACK and both pages would measure only that.
        # Production servers (gunicorn, uWSGI) set it too.
        disable_nagle_algorithm = True

    server = ThreadedWSGIServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.set_app(WSGIHandler())
    server.serve_forever()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                response.read()
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# --- the load -------------------------------------------------------------------------------


def load(url: str, users: int, seconds: float) -> None:
    """Drive ``url`` with ``users`` locust clients for ``seconds``; print the figures as JSON."""
    import gevent
    from locust import FastHttpUser, constant, task
    from locust.env import Environment

    address, _sep, path = url.partition("//")[2].partition("/")

    class Visitor(FastHttpUser):
        wait_time = constant(0)
        host = f"http://{address}"

        @task
        def visit(self) -> None:
            self.client.get("/" + path, name="page")

    env = Environment(user_classes=[Visitor])
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=users)
    gevent.sleep(1.0)  # every client connected and running
    env.stats.reset_all()
    started = time.monotonic()
    gevent.sleep(seconds)
    elapsed = time.monotonic() - started
    total = env.stats.total
    figures = {
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": total.num_requests / elapsed,
        "median_ms": total.get_response_time_percentile(0.5),
        "p95_ms": total.get_response_time_percentile(0.95),
    }
    runner.quit()
    print(json.dumps(figures))


def measure(url: str, users: int, seconds: float) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 - this script, with its own arguments
        [sys.executable, __file__, "--load", url, "--users", str(users), "--seconds", str(seconds)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0
    if args.load:
        load(args.load, args.users, args.seconds)
        return 0

    workdir = Path(tempfile.mkdtemp(prefix="zhiku-bench-portal-"))
    env = _environment(workdir)
    server = None
    try:
        os.environ.update(env)
        print(f"生成数据：公示名单 {args.entries} 人……", flush=True)
        pk = seed(args.entries)
        port = _free_port()
        server = subprocess.Popen(  # noqa: S603 - this script, with its own arguments
            [sys.executable, __file__, "--serve", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        notice_url = f"{base}/notices/{pk}/"
        minimal_url = base + MINIMAL_PATH
        _wait_until_up(minimal_url)
        _wait_until_up(notice_url)  # and the page is in the cache
        locust_version = metadata.version("locust")
        print(
            f"服务器：Django 开发服务器（多线程，单进程），{base}；"
            f"负载：locust {locust_version} FastHttpUser，{args.users} 个并发客户端，"
            f"每个地址 {args.seconds:g} 秒。",
            flush=True,
        )
        results = {}
        for label, url in (("最小 Django 视图", minimal_url), ("公示页面（匿名）", notice_url)):
            figures = measure(url, args.users, args.seconds)
            results[label] = figures
            print(
                f"{label}：{figures['rps']:.0f} 请求/秒（{figures['requests']} 次，"
                f"失败 {figures['failures']}；中位 {figures['median_ms']:.0f} ms，"
                f"95% {figures['p95_ms']:.0f} ms）",
                flush=True,
            )
        minimal_rps = results["最小 Django 视图"]["rps"]
        ratio = results["公示页面（匿名）"]["rps"] / minimal_rps if minimal_rps else 0.0
        verdict = "达标" if ratio >= TARGET_RATIO else "未达标"
        print(f"比值（公示页面 / 最小视图）：{ratio:.2f}（目标 ≥ {TARGET_RATIO:.2f}）：{verdict}")
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
