"""Crash safety of a draw: the server killed (SIGKILL) while drawing, all or nothing after.

A real ``manage.py runserver`` serves the supervisor's page against a database of its own. The
supervisor types the witness value, which completes the randomness and runs round 1; the
server is killed at the checkpoint after the round's candidates, invitations and records were
written and before the commit. Restarted, the draw is as it was before the witness value (no
value, no round, no candidate, no invitation) with the audit chain intact, and the draw runs
again to the end. Runs on SQLite, and on PostgreSQL when the suite does.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest

from zhiku.core.tests.crash_support import RELOAD, WAIT, CrashSite, crash_site, free_port

SETUP = (
    RELOAD
    + """
import datetime as dt
from django.conf import settings
from django.test import Client
from django.utils import timezone
from zhiku.activities.tests.factories import make_activity, open_draw, operator, supervisor
from zhiku.experts.tests.factories import make_expert

op, sv = operator(), supervisor()
for _ in range(8):
    make_expert()
start = timezone.localdate() + dt.timedelta(days=40)
activity = make_activity(op, start_date=start, end_date=start + dt.timedelta(days=1))
draw = open_draw(op, activity, sv)
client = Client()
client.force_login(sv)
result = {
    "draw": draw.pk,
    "cookie": settings.SESSION_COOKIE_NAME,
    "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
}
"""
)
DRAWN = "activities.draw.round_drawn"
WITNESS = "31415926"


class Supervisor:
    """The supervisor's browser, reduced to cookies and the witness form."""

    def __init__(self, base: str, cookie: str, session: str) -> None:
        self.base = base
        self.cookies = {cookie: session}

    def _open(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)  # noqa: S310 - http only
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if data is not None:
            request.add_header("Referer", self.base + path)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            response = opener.open(request, timeout=WAIT)
        except urllib.error.HTTPError as exc:
            response = exc
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.read().decode("utf-8", "replace")

    def witness(self, draw: int, value: str) -> tuple[int, str]:
        path = f"/workspace/activities/supervisor/draws/{draw}/"
        status, page = self._open(path)
        assert status == 200, page[:2000]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None, page[:2000]
        return self._open(path, {"csrfmiddlewaretoken": token.group(1), "value": value})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _quietly(witness: Callable[[int, str], object], draw: int) -> None:
    """Send the witness value; the connection dies with the server."""
    with contextlib.suppress(OSError):
        witness(draw, WITNESS)


def _serve(site: CrashSite, port: int, pause: str = "") -> subprocess.Popen[bytes]:
    server = site.start(
        "runserver", "--noreload", "--nothreading", f"127.0.0.1:{port}", pause=pause
    )
    deadline = time.monotonic() + WAIT
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
            return server
        except urllib.error.HTTPError:
            return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the server did not start:\n{site.logs()}") from None
            time.sleep(0.2)


def _counts(site: CrashSite, draw: int) -> dict[str, Any]:
    one = "SELECT COUNT(*) FROM {} WHERE draw_id = ?"
    return {
        "status": site.scalar("SELECT status FROM activities_draw WHERE id = ?", (draw,)),
        "witness": site.scalar("SELECT witness_value FROM activities_draw WHERE id = ?", (draw,)),
        "rounds": site.scalar(one.format("activities_round"), (draw,)),
        "candidates": site.scalar(one.format("activities_candidate"), (draw,)),
        "changes": site.scalar(one.format("activities_drawchange"), (draw,)),
        "invitations": site.scalar(
            "SELECT COUNT(*) FROM activities_invitation i JOIN activities_candidate c "
            "ON i.candidate_id = c.id WHERE c.draw_id = ?",
            (draw,),
        ),
        "audit": site.scalar("SELECT COUNT(*) FROM core_auditentry"),
    }


# A transactional test: the test database is left without a transaction open, to be copied.
@pytest.mark.django_db(transaction=True)
def test_a_server_killed_inside_the_draw_leaves_it_undrawn_and_it_runs_again(
    tmp_path: Path,
) -> None:
    with crash_site(tmp_path) as site:
        made = site.python(SETUP)
        draw = made["draw"]
        before = _counts(site, draw)
        assert before["status"] == "opened" and before["rounds"] == 0
        port = free_port()
        base = f"http://127.0.0.1:{port}"

        server = _serve(site, port, pause=DRAWN)
        supervisor = Supervisor(base, made["cookie"], made["session"])
        # The answer never comes: the server stops at the checkpoint and is killed there.
        sending = threading.Thread(target=_quietly, args=(supervisor.witness, draw), daemon=True)
        sending.start()
        site.reached(DRAWN, server)
        site.kill(server)
        sending.join(timeout=WAIT)

        assert _counts(site, draw) == before  # not a row of the round, not an audit entry
        assert site.manage("audit_verify").returncode == 0

        _serve(site, port)  # restarted, without the checkpoint
        status, _page = supervisor.witness(draw, WITNESS)
        assert status == 302
        after = _counts(site, draw)
        assert after["status"] == "drawn" and after["witness"] == WITNESS
        assert after["rounds"] == 1 and after["candidates"] == 3
        assert after["changes"] == before["changes"] + 2  # witnessed, round drawn
        assert site.manage("audit_verify").returncode == 0
