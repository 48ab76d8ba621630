"""Two staff starting the same top-up at the same moment get one round, not two.

Row locks are what PostgreSQL shows and SQLite (one writer at a time) cannot: this test runs
on PostgreSQL only (``DATABASE_URL=postgres://… pytest zhiku/activities``).
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection

from zhiku.activities import services
from zhiku.activities.errors import DrawError
from zhiku.activities.models import Round
from zhiku.activities.tests.factories import (
    accept,
    decline,
    make_activity,
    open_draw,
    operator,
    supervisor,
)
from zhiku.experts.tests.factories import make_expert

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only"),
]


# Before the activity of the factories (15 June 2026), in a year whose working days are known:
# invitations go out when the round is drawn, which the declines and acceptances below need.
NOW = dt.datetime(2026, 5, 6, 2, 0, tzinfo=dt.UTC)  # 10:00 in Guangzhou


def test_two_simultaneous_top_ups_make_one_round(catalogues: None, time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=True)
    op, colleague, sv = operator(), operator("colleague"), supervisor()
    for _ in range(8):
        make_expert()
    draw = open_draw(op, make_activity(op, experts_needed=3), sv, places=3)
    services.draw_witness(actor=sv, draw=draw, value="12345678")
    first, *rest = draw.candidates.order_by("rank")
    decline(first, note="出差")
    for c in rest:
        accept(c)

    barrier = threading.Barrier(2)
    outcomes: dict[str, Any] = {}

    def top_up(name: str, actor: Any) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[name] = services.draw_topup(actor=actor, draw=draw, expected_round=2)
        except DrawError as exc:
            outcomes[name] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=top_up, args=("a", op)),
        threading.Thread(target=top_up, args=("b", colleague)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    rounds = [o for o in outcomes.values() if isinstance(o, Round)]
    refused = [o for o in outcomes.values() if isinstance(o, DrawError)]
    assert len(rounds) == 1 and len(refused) == 1
    assert "第 2 轮已由" in str(refused[0])
    assert list(draw.rounds.values_list("number", flat=True)) == [1, 2]
    assert draw.candidates.filter(round__number=2).count() == 1
