"""After the exit (art. 9(3)): excluded from every draw, designation and invitation; the history
kept and readable after signing in; back only through a new application, refused within a bar
set for grounds 3–7 and allowed after it (keeping the pool number)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhiku.accounts.models import Right
from zhiku.accounts.tests.factories import make_account
from zhiku.activities import services as activities
from zhiku.activities.choices import DesignationReason, InvitationStatus, Reason
from zhiku.activities.errors import DesignationError, InvitationError
from zhiku.activities.models import Invitation
from zhiku.activities.pool import Conditions
from zhiku.activities.tests.factories import accept, make_activity, open_draw, operator, supervisor
from zhiku.exits import services
from zhiku.exits.choices import Ground
from zhiku.exits.tests.factories import notified_case
from zhiku.experts import services as registry
from zhiku.experts.choices import Gender, Status
from zhiku.experts.models import Expert
from zhiku.experts.tests.factories import make_expert
from zhiku.recruitment import services as recruitment
from zhiku.recruitment.services import RecruitmentError
from zhiku.recruitment.tests import factories as apply

pytestmark = pytest.mark.django_db

EXIT_DAY = dt.datetime(2026, 5, 6, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def setup(catalogues: None) -> None:
    return None


def exit_through_a_case(expert: Expert, ground: str = Ground.REQUEST, **kwargs: Any) -> Any:
    clerk = make_account("staff", username="clerk")
    case = notified_case(clerk, expert, ground, **kwargs)
    services.exit_cases_announce(actor=clerk, cases=[case])
    expert.refresh_from_db()
    assert expert.status == Status.EXITED
    case.refresh_from_db()
    return case


def test_an_exited_expert_is_in_no_draw_and_no_designation(time_machine: Any) -> None:
    time_machine.move_to(EXIT_DAY, tick=False)
    gone = make_expert(name="已出库专家")
    stays = make_expert(name="在库专家")
    exit_through_a_case(gone)
    op, sv = operator(), supervisor()
    activity = make_activity(op, experts_needed=1)

    pool = activities.draw_preview(
        actor=op,
        activity=activity,
        setup=activities.DrawSetup(places=1, conditions=Conditions(), strata={}, supervisor=sv),
        today=EXIT_DAY.date(),
    )

    assert {e.label: e.reasons for e in pool.excluded}[gone.pool_number or ""] == (Reason.EXITED,)
    assert {label for labels in pool.labels.values() for label in labels} == {stays.pool_number}
    with pytest.raises(DesignationError, match="已出库专家"):
        activities.designation_create(
            actor=op,
            activity=activity,
            reason=DesignationReason.COMPLEX,
            justification="技术特别复杂，须由该专家参加。",
            experts=[gone],
        )


def test_an_invitation_sent_before_the_exit_cannot_be_accepted(time_machine: Any) -> None:
    time_machine.move_to(EXIT_DAY, tick=False)
    expert = make_expert(name="被抽中后出库")
    op, sv = operator(), supervisor()
    draw = open_draw(op, make_activity(op, experts_needed=1), sv, places=1)
    activities.draw_witness(actor=sv, draw=draw, value="20260506")
    candidate = draw.candidates.get()
    assert candidate.expert == expert

    exit_through_a_case(expert)

    with pytest.raises(InvitationError, match="当前为“已出库”，不参加智库活动，不能接受邀请"):
        accept(candidate)
    invitation = Invitation.objects.get(candidate=candidate)
    assert invitation.status == InvitationStatus.SENT


def test_an_exited_expert_signs_in_and_reads_their_history(time_machine: Any) -> None:
    time_machine.move_to(EXIT_DAY, tick=False)
    user = make_account("expert", username="gone", full_name="林已出库")
    expert = make_expert(name="林已出库", user=user, email="gone@example.org")
    case = exit_through_a_case(expert)
    client = Client()
    client.force_login(user)

    home = client.get(reverse("me:home")).content.decode()
    mine = client.get(reverse("me:exit_home")).content.decode()
    notice = client.get(reverse("me:exit_notice", kwargs={"pk": case.pk}))

    assert "已出库" in home
    assert "您已出库，不再参加智库的随机抽取、指定和邀请" in mine and "申请退出智库</a>" not in mine
    assert "2026-05-06" in mine and "查看公告" in mine
    assert client.get(reverse("me:invitation_list")).status_code == 200
    assert notice.status_code == 200 and notice["Content-Type"] == "application/pdf"
    stranger = Client()
    stranger.force_login(make_account("expert", username="stranger"))
    assert stranger.get(reverse("me:exit_notice", kwargs={"pk": case.pk})).status_code == 404


def _exited_applicant(ground: str, time_machine: Any, **kwargs: Any) -> tuple[Any, Expert]:
    """An expert with the recruitment factories' identity who left the pool on 2026-09-10."""
    time_machine.move_to(apply.at(dt.date(2026, 9, 10)), tick=False)
    user = apply.make_applicant()
    expert = make_expert(
        name="林申请",
        gender=Gender.FEMALE,
        birth_date=apply.BIRTH,
        id_number=apply.ID_NUMBER,
        user=user,
        email="lin@example.org",
    )
    exit_through_a_case(expert, ground, **kwargs)
    time_machine.move_to(apply.NOW, tick=False)
    return user, expert


def test_a_new_application_within_the_bar_is_refused_saying_until_when(time_machine: Any) -> None:
    user, _expert = _exited_applicant(Ground.IRRESPONSIBLE, time_machine, bars_reapplication=True)
    call = apply.make_call()

    with pytest.raises(RecruitmentError) as refused:
        apply.start(user, call)

    assert str(refused.value) == (
        "您于 2026-09-10 因《管理办法》第八条第（三）项（不负责任、弄虚作假或不客观公正）出库，"
        "出库之日起 3 年内（至 2029-09-10）不得重新申请入库。如有疑问，请联系质促会。"
    )
    # The day after the bar ends, the door is open again.
    later = apply.make_call(
        title="2029 年智库专家征集",
        opens_on=dt.date(2029, 9, 1),
        closes_on=dt.date(2029, 9, 30),
    )
    application = recruitment.application_start(
        actor=user, call=later, privacy_agreed=True, now=apply.at(dt.date(2029, 9, 11))
    )
    assert application.name == "林申请"


def test_after_a_voluntary_exit_a_new_application_brings_the_expert_back_with_their_number(
    time_machine: Any,
) -> None:
    user, expert = _exited_applicant(Ground.REQUEST, time_machine)
    number = expert.pool_number
    reviewer = apply.make_reviewer()

    application = apply.passed(reviewer, apply.submitted(user, apply.make_call()))

    expert.refresh_from_db()
    assert (application.expert_id, expert.status) == (expert.pk, Status.APPLICANT)
    change = expert.status_changes.order_by("-pk").first()
    assert change is not None and change.from_value == Status.EXITED
    admitted = registry.expert_admit(
        actor=make_account("staff", username="admitter", rights=(Right.REVIEW_APPLICATIONS,)),
        expert=expert,
        on=apply.NOW.date(),
        reason="经公示无异议，批准入库",
    )
    assert (admitted.status, admitted.pool_number) == (Status.ACTIVE, number)


def test_nobody_takes_an_exited_expert_back_by_hand(time_machine: Any) -> None:
    time_machine.move_to(EXIT_DAY, tick=False)
    expert = make_expert()
    exit_through_a_case(expert)
    clerk = make_account("staff", username="other-clerk")
    with pytest.raises(registry.ExpertError, match="不能从“已出库”变更为“在库”"):
        registry.expert_status_change(
            actor=clerk, expert=expert, to_status=Status.ACTIVE, on=EXIT_DAY.date(), reason="x"
        )
    with pytest.raises(registry.ExpertError, match="只有申请人可以入库"):
        registry.expert_admit(
            actor=make_account("staff", username="rev", rights=(Right.REVIEW_APPLICATIONS,)),
            expert=expert,
            on=EXIT_DAY.date(),
            reason="x",
        )
