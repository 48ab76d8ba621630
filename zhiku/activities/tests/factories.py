"""Factories and helpers of the activities tests: activities, draws run end to end."""

from __future__ import annotations

import datetime as dt
from typing import Any

from zhiku.accounts.models import Right
from zhiku.accounts.tests.factories import make_account
from zhiku.activities import services
from zhiku.activities.choices import ActivityKind
from zhiku.activities.models import Activity, Draw
from zhiku.activities.pool import Conditions

START = dt.date(2026, 6, 15)


def operator(username: str = "operator") -> Any:
    return make_account("staff", username=username, rights=(Right.RUN_DRAWS,))


def supervisor(username: str = "witness") -> Any:
    return make_account("supervisor", username=username)


def make_activity(actor: Any, **kwargs: Any) -> Activity:
    data = {
        "kind": ActivityKind.ASSESSMENT,
        "title": "2026 年质量管理体系评估",
        "start_date": START,
        "end_date": START + dt.timedelta(days=1),
        "place": "广州市天河区",
        "experts_needed": 3,
        "commissioning_units": ["广东省市场监督管理局"],
        "assessed_units": [],
        **kwargs,
    }
    return services.activity_create(actor=actor, data=services.ActivityData(**data))


def open_draw(actor: Any, activity: Activity, witness: Any, **kwargs: Any) -> Draw:
    setup = services.DrawSetup(
        places=kwargs.pop("places", activity.experts_needed),
        conditions=kwargs.pop("conditions", Conditions()),
        strata=kwargs.pop("strata", {}),
        supervisor=witness,
        **kwargs,
    )
    return services.draw_open(actor=actor, activity=activity, setup=setup)


def invitation_of(candidate: Any) -> Any:
    from zhiku.activities.models import Invitation

    return Invitation.objects.get(candidate=candidate)


def accept(candidate: Any, **kwargs: Any) -> Any:
    """The candidate accepts through their personal link, with both declarations."""
    from zhiku.activities.choices import AnsweredVia
    from zhiku.activities.services.links import link_token

    invitation = invitation_of(candidate)
    return services.invitation_accept(
        invitation=invitation,
        via=AnsweredVia.LINK,
        token=link_token(invitation),
        no_conflict=True,
        confidentiality=True,
        **kwargs,
    )


def decline(candidate: Any, reason: str = "schedule", note: str = "", **kwargs: Any) -> Any:
    """The candidate declines through their personal link."""
    from zhiku.activities.choices import AnsweredVia
    from zhiku.activities.services.links import link_token

    invitation = invitation_of(candidate)
    return services.invitation_decline(
        invitation=invitation,
        via=AnsweredVia.LINK,
        token=link_token(invitation),
        reason=reason,
        note=note,
        **kwargs,
    )
