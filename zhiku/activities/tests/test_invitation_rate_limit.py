"""Answers through an invitation's personal link are rate-limited per address
(zhiku/core/ratelimits.py INVITATION_ANSWER): past the limit the expert sees the limit's Chinese
message in the site's layout, and the invitation is left as it was."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhiku.activities.choices import InvitationStatus
from zhiku.activities.services.links import link_token
from zhiku.activities.tests.factories import invitation_of
from zhiku.activities.tests.test_invitations import NOW, drawn
from zhiku.core.ratelimits import INVITATION_ANSWER

pytestmark = pytest.mark.django_db


def test_answers_through_the_link_are_limited_per_address(
    time_machine: Any, catalogues: None
) -> None:
    from zhiku.activities.tests.factories import operator, supervisor

    time_machine.move_to(NOW, tick=False)
    invitation = invitation_of(drawn(operator(), supervisor()).candidates.first())
    url = reverse("invitations:answer", kwargs={"token": link_token(invitation)})
    client = Client()
    # Incomplete answers (no confidentiality undertaking) are shown again with the reason …
    for _i in range(INVITATION_ANSWER.count):
        response = client.post(url, {"action": "accept", "accept-no_conflict": "on"})
        assert response.status_code == 200
    # … until the address has sent too many.
    refused = client.post(
        url, {"action": "accept", "accept-no_conflict": "on", "accept-confidentiality": "on"}
    )
    body = refused.content.decode()
    assert refused.status_code == 429
    assert str(INVITATION_ANSWER.message) in body and "广东省质量发展智库" in body
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT
    # Reading the invitation is not an answer: still served.
    assert client.get(url).status_code == 200
