"""Designation (指定, art. 19): a reason and a written justification; approval by another member of
staff holding the right, never one's own; recusal as for draws; seminars (art. 5(3)) with the
reason 座谈研讨 and their recommendations; designated experts marked wherever they appear."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhiku.accounts.models import Right
from zhiku.activities import selectors, services
from zhiku.activities.choices import (
    ActivityKind,
    AnsweredVia,
    DesignationReason,
    DesignationStatus,
    InvitationStatus,
    Outcome,
    Reason,
)
from zhiku.activities.errors import AttendanceError, DesignationError
from zhiku.activities.models import Designation, Invitation
from zhiku.activities.pool import Conditions
from zhiku.activities.services.links import link_token
from zhiku.activities.tests.factories import (
    accept,
    decline,
    make_activity,
    open_draw,
    operator,
    supervisor,
)
from zhiku.core.errors import AccessDenied
from zhiku.core.models import AuditEntry
from zhiku.experts.choices import Status
from zhiku.experts.models import Conflict
from zhiku.experts.tests.factories import make_expert

NOW = dt.datetime(2026, 5, 6, 2, 0, tzinfo=dt.UTC)
JUSTIFICATION = "评估涉及锂电池热失控检测，随机抽取的专家难以胜任，须由该领域专家参加。"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine: Any, catalogues: None) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def op() -> Any:
    return operator()


@pytest.fixture
def approver(make_user: Any) -> Any:
    return make_user(
        "staff", username="approver", full_name="赵批准", rights=(Right.APPROVE_DESIGNATIONS,)
    )


def designate(actor: Any, activity: Any, experts: list[Any], **kwargs: Any) -> Designation:
    return services.designation_create(
        actor=actor,
        activity=activity,
        reason=kwargs.pop("reason", DesignationReason.COMPLEX),
        justification=kwargs.pop("justification", JUSTIFICATION),
        experts=experts,
        **kwargs,
    )


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_designation_needs_a_reason_category_and_a_written_justification(op: Any) -> None:
    activity = make_activity(op)
    expert = make_expert()

    with pytest.raises(DesignationError, match="请写明指定的书面说明"):
        designate(op, activity, [expert], justification="需要")
    with pytest.raises(DesignationError, match="“座谈研讨”只适用于座谈研讨活动"):
        designate(op, activity, [expert], reason=DesignationReason.SEMINAR)
    with pytest.raises(DesignationError, match="请填写要指定的专家编号"):
        designate(op, activity, [])

    designation = designate(op, activity, [expert])

    assert designation.status == DesignationStatus.PENDING
    entry = AuditEntry.objects.get(action="activities.designation.proposed")
    assert entry.data["justification"] == JUSTIFICATION
    assert entry.data["experts"] == [expert.pool_number]
    assert not Invitation.objects.exists()  # invited only once approved


def test_nobody_approves_their_own_designation(op: Any, make_user: Any, approver: Any) -> None:
    both = make_user(
        "staff",
        username="both",
        rights=(Right.APPROVE_DESIGNATIONS, Right.RUN_DRAWS),
    )
    activity = make_activity(op)
    designation = designate(both, activity, [make_expert()])

    with pytest.raises(AccessDenied, match="不能处理自己的指定"):
        services.designation_approve(actor=both, designation=designation)
    with pytest.raises(AccessDenied, match="批准指定专家"):
        services.designation_approve(actor=op, designation=designation)  # without the right

    services.designation_approve(actor=approver, designation=designation, note="同意")

    designation.refresh_from_db()
    assert (designation.status, designation.decided_by) == (DesignationStatus.APPROVED, approver)
    entry = AuditEntry.objects.get(action="activities.designation.approved")
    assert entry.actor == approver and entry.data["designated_by"] == "both"


def test_approval_invites_the_designated_experts(op: Any, approver: Any) -> None:
    expert = make_expert(email="zhuanjia@example.org")
    designation = designate(op, make_activity(op), [expert])

    services.designation_approve(actor=approver, designation=designation)

    invitation = Invitation.objects.get()
    assert (invitation.expert, invitation.source) == (expert, "designated")
    services.invitation_accept(
        invitation=invitation,
        via=AnsweredVia.LINK,
        token=link_token(invitation),
        no_conflict=True,
        confidentiality=True,
    )
    member = designation.members.get()
    assert member.outcome == Outcome.CONFIRMED
    (entry,) = selectors.roster(designation.activity)
    assert entry.designated and entry.confirmed


def test_recusal_applies_to_designated_experts(op: Any, approver: Any) -> None:
    activity = make_activity(op, assessed_units=["广州某某检测有限公司"])
    works = make_expert(organisation="广州某某检测有限责任公司", name="在被评单位")
    suspended = make_expert(status=Status.SUSPENDED, name="暂停的专家")
    fine = make_expert()

    with pytest.raises(DesignationError) as error:
        designate(op, activity, [works, suspended, fine])

    message = str(error.value)
    assert "在被评单位" in message and "现任职于活动涉及单位" in message
    assert "暂停的专家" in message and "暂停（不在库）" in message
    assert not Designation.objects.exists()

    # A conflict declared after the proposal stops the approval.
    designation = designate(op, activity, [fine])
    Conflict.objects.create(
        expert=fine,
        kind=Conflict.Kind.ORGANISATION,
        party="广州某某检测有限公司",
        reason="兼职顾问",
        declared_at=NOW,
        declared_by=op,
    )
    with pytest.raises(DesignationError, match="声明与活动涉及单位存在利害关系"):
        services.designation_approve(actor=approver, designation=designation)


def test_refusal_needs_a_reason_and_withdrawal_is_the_proposers(
    op: Any, approver: Any, make_user: Any
) -> None:
    activity = make_activity(op)
    designation = designate(op, activity, [make_expert()])

    with pytest.raises(DesignationError, match="请写明不予批准的理由"):
        services.designation_refuse(actor=approver, designation=designation, note=" ")
    services.designation_refuse(
        actor=approver, designation=designation, note="应先随机抽取；本项目不属特别复杂。"
    )
    designation.refresh_from_db()
    assert designation.status == DesignationStatus.REFUSED
    with pytest.raises(DesignationError, match="当前状态为“未批准”，不能撤回"):
        services.designation_withdraw(actor=op, designation=designation, reason="x")

    second = designate(op, activity, [make_expert()])
    outsider = make_user("staff", username="outsider")
    with pytest.raises(AccessDenied):
        services.designation_withdraw(actor=outsider, designation=second, reason="不需要了")
    services.designation_withdraw(actor=op, designation=second, reason="改为随机抽取")
    second.refresh_from_db()
    assert second.status == DesignationStatus.WITHDRAWN


def test_designated_experts_are_not_drawn_and_top_ups_skip_them(op: Any, approver: Any) -> None:
    sv = supervisor()
    experts = [make_expert() for _ in range(6)]
    activity = make_activity(op, experts_needed=2)
    draw = open_draw(op, activity, sv, places=2)
    with pytest.raises(DesignationError, match="正在等待随机数"):
        designate(op, activity, [experts[0]])
    services.draw_witness(actor=sv, draw=draw, value="20260506")
    drawn_labels = set(draw.candidates.values_list("label", flat=True))
    named = next(e for e in experts if e.pool_number not in drawn_labels)
    designation = designate(op, activity, [named])
    services.designation_approve(actor=approver, designation=designation)
    first, second = draw.candidates.order_by("rank")
    decline(first)
    accept(second)

    rnd = services.draw_topup(actor=op, draw=draw, expected_round=2)

    assert {"label": named.pool_number, "reasons": [Reason.ALREADY_DRAWN]} in rnd.disqualified
    assert named.pool_number not in set(rnd.candidates.values_list("label", flat=True))
    # And another activity's draw at the same time sees them as serving elsewhere once they
    # accept.
    invitation = Invitation.objects.get(designee__expert=named)
    services.invitation_accept(
        invitation=invitation,
        via=AnsweredVia.LINK,
        token=link_token(invitation),
        no_conflict=True,
        confidentiality=True,
    )
    pool = services.draw_preview(
        actor=op,
        activity=make_activity(op, title="同期的另一项活动"),
        setup=services.DrawSetup(places=1, conditions=Conditions(), strata={}, supervisor=sv),
        today=NOW.date(),
    )
    assert {e.label: e.reasons for e in pool.excluded}[str(named.pool_number)] == (
        Reason.OVERLAPPING,
    )


def test_a_seminar_invites_by_designation_and_records_its_recommendations(
    op: Any, approver: Any
) -> None:
    seminar = make_activity(op, kind=ActivityKind.SEMINAR, title="质量发展座谈会")
    a, b = make_expert(name="甲专家"), make_expert(name="乙专家")
    designation = designate(
        op,
        seminar,
        [a, b],
        reason=DesignationReason.SEMINAR,
        justification="座谈研讨宏观质量形势，邀请质量政策研究专家。",
    )
    services.designation_approve(actor=approver, designation=designation)
    for invitation in Invitation.objects.filter(activity=seminar):
        services.invitation_accept(
            invitation=invitation,
            via=AnsweredVia.LINK,
            token=link_token(invitation),
            no_conflict=True,
            confidentiality=True,
        )

    with pytest.raises(AttendanceError, match="请填写建议的内容"):
        services.recommendation_add(actor=op, activity=seminar, text=" ")
    services.recommendation_add(
        actor=op, activity=seminar, text="建议设立质量基础设施一站式服务站。", experts=[a]
    )
    other = make_activity(op, title="评估")
    with pytest.raises(AttendanceError, match="只有座谈研讨活动登记研讨建议"):
        services.recommendation_add(actor=op, activity=other, text="建议")

    page = client_of(op).get(reverse("activities:activity_detail", kwargs={"pk": seminar.pk}))
    html = page.content.decode()
    assert "建议设立质量基础设施一站式服务站。" in html and "甲专家" in html
    assert html.count(">指定</span>") >= 2  # designated experts marked in the roster


def test_the_approver_sees_the_names_the_pages_mark_designation_and_refuse_self_approval(
    op: Any, approver: Any, make_user: Any
) -> None:
    both = make_user("staff", username="both", rights=(Right.APPROVE_DESIGNATIONS,))
    activity = make_activity(op, staff=[op, both])
    expert = make_expert(name="被指定的专家")
    client = client_of(both)
    form = client.get(reverse("activities:designation_create", kwargs={"pk": activity.pk}))
    assert 'value="seminar"' not in form.content.decode()  # not a seminar

    bad = client.post(
        reverse("activities:designation_create", kwargs={"pk": activity.pk}),
        {"experts": "GDQ-1999-0001", "reason": "complex", "justification": JUSTIFICATION},
    )
    assert "智库中没有以下专家编号：GDQ-1999-0001。" in bad.content.decode()
    created = client.post(
        reverse("activities:designation_create", kwargs={"pk": activity.pk}),
        {"experts": expert.pool_number, "reason": "complex", "justification": JUSTIFICATION},
    )
    designation = Designation.objects.get()
    assert created.headers["Location"] == reverse(
        "activities:designation_detail", kwargs={"pk": designation.pk}
    )
    own = client.post(reverse("activities:designation_approve", kwargs={"pk": designation.pk}))
    assert own.status_code == 302
    page = client.get(own.headers["Location"]).content.decode()
    assert "不能处理自己的指定" in page and "待批准" in page

    detail = client_of(approver).get(
        reverse("activities:designation_detail", kwargs={"pk": designation.pk})
    )
    assert "被指定的专家" in detail.content.decode()  # the approver must know whom
    dashboard = client_of(approver).get(reverse("core:dashboard")).content.decode()
    assert "指定专家待批准" in dashboard
    client_of(approver).post(
        reverse("activities:designation_approve", kwargs={"pk": designation.pk})
    )
    designation.refresh_from_db()
    assert designation.status == DesignationStatus.APPROVED
    assert Invitation.objects.get().status == InvitationStatus.SENT
    stats = client_of(op).get(reverse("activities:draw_statistics")).content.decode()
    assert "已批准（指定专家人数）" in stats
