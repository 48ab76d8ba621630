"""Two reviewers deciding the same application at once: one decision, a clear message for the other.

Row locks are what PostgreSQL shows and SQLite (one writer at a time) cannot: this test runs
on PostgreSQL only (``DATABASE_URL=postgres://…/zhiku_recruitment_helper pytest zhiku/recruitment``).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection

from zhiku.recruitment import services
from zhiku.recruitment.models import Application, ApplicationStatusChange
from zhiku.recruitment.services import RecruitmentError
from zhiku.recruitment.services import review as review_module
from zhiku.recruitment.tests.factories import NOW, make_reviewer, submitted

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only"),
]


def test_two_reviewers_deciding_at_once_make_one_decision(
    catalogues: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = make_reviewer(), make_reviewer("reviewer2", "周复核")
    application = submitted()
    notify = review_module.notify_applicant

    def slow_notify(*args: Any, **kwargs: Any) -> None:
        # Hold the transaction open: without the row lock the other decision would slip in now.
        time.sleep(0.5)
        notify(*args, **kwargs)

    monkeypatch.setattr(review_module, "notify_applicant", slow_notify)
    barrier = threading.Barrier(2)
    outcomes: dict[str, Any] = {}

    def decide(name: str, actor: Any, decision: str) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[name] = services.application_decide(
                actor=actor, application=application, decision=decision, note="意见", now=NOW
            )
        except RecruitmentError as exc:
            outcomes[name] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=("a", first, "reject")),
        threading.Thread(target=decide, args=("b", second, "return")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    decided = [o for o in outcomes.values() if isinstance(o, Application)]
    refused = [o for o in outcomes.values() if isinstance(o, RecruitmentError)]
    assert len(decided) == 1 and len(refused) == 1
    assert "不在资格审核中" in str(refused[0])
    changes = ApplicationStatusChange.objects.filter(application=application).exclude(
        to_value=Application.Status.SUBMITTED
    )
    assert changes.count() == 1
    application.refresh_from_db()
    assert application.status == changes.get().to_value
