"""The pages: forms with Chinese errors at the edge, what each person may see, the public
announcement before and after the activity ends, the draw sheet (PDF)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhiku.accounts.models import Right
from zhiku.activities import services
from zhiku.activities.choices import Outcome
from zhiku.activities.models import Activity, Candidate, Draw
from zhiku.activities.tests.factories import (
    accept,
    invitation_of,
    make_activity,
    open_draw,
    operator,
    supervisor,
)
from zhiku.core.models import AuditEntry
from zhiku.core.tests.factories import pdf_embedded_cjk_fonts, pdf_text
from zhiku.experts.tests.factories import make_expert

NOW = dt.datetime(2026, 5, 6, 2, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine: Any, catalogues: None) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def op() -> Any:
    return operator()


@pytest.fixture
def sv() -> Any:
    return supervisor()


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    """The page's HTML without the line-break opportunities long hashes carry."""
    return response.content.decode().replace("<wbr>", "")


def test_creating_an_activity_shows_errors_beside_the_fields(op: Any) -> None:
    client = client_of(op)
    url = reverse("activities:activity_create")
    form = {
        "kind": "assessment",
        "title": "2026 年质量评估",
        "start_date": "2026-06-15",
        "end_date": "2026-06-14",
        "place": "广州",
        "experts_needed": "3",
        "commissioning_unit": "",
    }

    response = client.post(url, form)

    page = text(response)
    assert response.status_code == 200
    assert "结束日期不能早于开始日期。" in page
    assert "请填写委托单位。" in page
    assert not Activity.objects.exists()

    form.update(
        end_date="2026-06-16",
        commissioning_unit="广东省市场监督管理局",
        assessed_units="甲公司\n乙公司",
    )
    response = client.post(url, form)
    activity = Activity.objects.get()
    assert response.status_code == 302
    assert activity.assessed_units() == ["甲公司", "乙公司"]
    assert list(activity.staff.all()) == [op]


def test_the_pool_preview_lists_the_recused_by_reason_then_opening_freezes(
    op: Any, sv: Any
) -> None:
    for _ in range(3):
        make_expert()
    recused = make_expert(organisation="广州某某检测有限公司", name="回避的专家")
    activity = make_activity(op, assessed_units=["广州某某检测有限责任公司"])
    client = client_of(op)
    url = reverse("activities:draw_setup", kwargs={"pk": activity.pk})
    form = {"places": "3", "field_match": "any", "out_of_province": "on", "supervisor": sv.pk}

    preview = client.post(url, {**form, "action": "preview"})

    page = text(preview)
    assert "候选池预览" in page
    assert "<strong>3</strong>" in page  # eligible in the one stratum
    assert (
        "现任职于活动涉及单位" in page and str(recused.pool_number) in page and "回避的专家" in page
    )
    assert not Draw.objects.exists()

    opened = client.post(url, {**form, "action": "open"})

    draw = Draw.objects.get()
    assert opened.headers["Location"] == reverse("activities:draw_detail", kwargs={"pk": draw.pk})
    page = text(client.get(opened.headers["Location"]))
    assert draw.commitment in page and draw.labels_hash in page
    assert "等待监督人" in page


def test_setting_conditions_refuses_unbalanced_strata_beside_the_field(op: Any, sv: Any) -> None:
    activity = make_activity(op)
    response = client_of(op).post(
        reverse("activities:draw_setup", kwargs={"pk": activity.pk}),
        {
            "places": "3",
            "field_match": "any",
            "supervisor": sv.pk,
            "stratum_university": "1",
            "action": "preview",
        },
    )

    assert "分层名额之和（1）须等于抽取人数（3）。" in text(response)


def drawn(op: Any, sv: Any, places: int = 2) -> Draw:
    for _ in range(6):
        make_expert()
    draw = open_draw(op, make_activity(op, experts_needed=places), sv, places=places)
    services.draw_witness(actor=sv, draw=draw, value="12345678")
    draw.refresh_from_db()
    return draw


def test_drawn_names_are_shown_only_to_the_activitys_staff_others_see_counts(
    op: Any, sv: Any, make_user: Any
) -> None:
    draw = drawn(op, sv)
    candidate = draw.candidates.select_related("expert").first()
    assert candidate is not None
    url = reverse("activities:draw_detail", kwargs={"pk": draw.pk})
    outsider = make_user("staff", username="outsider", rights=(Right.RUN_DRAWS,))

    assert candidate.expert.name in text(client_of(op).get(url))
    page = text(client_of(outsider).get(url))
    assert "本轮抽出 2 人" in page
    assert candidate.label not in page and candidate.expert.name not in page
    draw.activity.staff.add(outsider)
    assert candidate.expert.name in text(client_of(outsider).get(url))


def test_the_supervisor_sees_their_draw_types_the_value_and_sees_the_result(
    op: Any, sv: Any
) -> None:
    for _ in range(4):
        make_expert()
    draw = open_draw(op, make_activity(op, experts_needed=2), sv, places=2)
    client = client_of(sv)

    home = text(client.get(reverse("activities:supervisor_home")))
    assert draw.code in home and "核对并录入见证值" in home
    url = reverse("activities:supervisor_draw", kwargs={"pk": draw.pk})
    page = text(client.get(url))
    assert draw.commitment in page and "可抽取 4 人" in page

    wrong = client.post(url, {"value": "12ab"})
    assert "见证值须为 6 至 30 位数字" in text(wrong)
    client.post(url, {"value": "2026 0506"})

    page = text(client.get(url))
    labels = list(Draw.objects.get().candidates.values_list("label", flat=True))
    assert "20260506" in page and all(label in page for label in labels)
    assert client_of(supervisor("other")).get(url).status_code == 404


def test_answers_recorded_for_an_expert_top_up_and_cancel_through_the_page(
    op: Any, sv: Any
) -> None:
    draw = drawn(op, sv)
    client = client_of(op)
    back = reverse("activities:draw_detail", kwargs={"pk": draw.pk})
    first, second = draw.candidates.order_by("rank")
    invitation_url = reverse("activities:invitation_detail", kwargs={"pk": invitation_of(first).pk})

    missing = client.post(
        invitation_url,
        {"action": "decline", "decline-reason": "schedule", "decline-contact_note": ""},
    )
    assert "请写明如何联系到专家本人" in text(missing)
    client.post(
        invitation_url,
        {
            "action": "decline",
            "decline-reason": "schedule",
            "decline-note": "评审期间出国",
            "decline-contact_note": "5 月 6 日 10:30 电话联系本人",
        },
    )
    accept(second)
    page = text(client.get(back))
    assert "开始第 2 轮补充抽取" in page and "工作人员代为记录" in page

    client.post(reverse("activities:draw_topup", kwargs={"pk": draw.pk}), {"expected_round": "2"})
    page = text(client.get(back))
    assert "第 2 轮（补充抽取）" in page and "时间冲突" in page

    client.post(reverse("activities:draw_cancel", kwargs={"pk": draw.pk}), {"reason": ""})
    assert "请填写取消原因" in text(client.get(back))
    client.post(
        reverse("activities:draw_cancel", kwargs={"pk": draw.pk}), {"reason": "委托单位撤回委托"}
    )
    stats = text(client.get(reverse("activities:draw_statistics")))
    assert "委托单位撤回委托" in stats
    assert "委托单位撤回委托" in text(
        client.get(reverse("activities:activity_detail", kwargs={"pk": draw.activity_id}))
    )


def test_the_public_page_shows_only_hash_commitment_and_sources_until_published(
    op: Any, sv: Any
) -> None:
    draw = drawn(op, sv)
    labels = list(draw.candidates.values_list("label", flat=True))
    public = Client()
    url = reverse("draws:draw_detail", kwargs={"token": draw.public_token})
    record_url = reverse("draws:draw_record", kwargs={"token": draw.public_token})

    page = text(public.get(url))
    assert draw.labels_hash in page and draw.commitment in page and "监督人到场录入的见证值" in page
    assert not any(label in page for label in labels)
    assert draw.activity.title not in page
    assert public.get(record_url).status_code == 404
    assert draw.code in text(public.get(reverse("draws:draw_list")))

    for c in draw.candidates.all():
        accept(c)
    services.activity_close(actor=op, activity=draw.activity)
    assert public.get(record_url).status_code == 404  # closed, not yet published
    services.draw_publish(actor=op, draw=draw)

    page = text(public.get(url))
    assert all(label in page for label in labels) and draw.activity.title in page
    record = json.loads(public.get(record_url).content)
    assert record["draw"] == draw.code and record["one_time_code"]["secret"]


def test_staff_download_the_record_and_it_is_audited(op: Any, sv: Any) -> None:
    draw = drawn(op, sv)

    response = client_of(op).get(reverse("activities:draw_record", kwargs={"pk": draw.pk}))

    assert response.headers["Content-Disposition"] == f'attachment; filename="{draw.code}.json"'
    assert json.loads(response.content)["labels_hash"] == draw.labels_hash
    entry = AuditEntry.objects.get(action="activities.record.downloaded")
    assert entry.data == {"secret_revealed": False, "status": "drawn"}


def test_the_draw_sheet_has_conditions_counts_commitment_randomness_result_and_signatures(
    op: Any, sv: Any
) -> None:
    draw = drawn(op, sv)
    candidate = draw.candidates.select_related("expert").order_by("rank").first()
    assert candidate is not None

    response = client_of(op).get(reverse("activities:draw_sheet", kwargs={"pk": draw.pk}))

    assert response["Content-Type"] == "application/pdf"
    content = pdf_text(response.content)
    flat = "".join(content.split())
    for expected in (
        "随机抽取记录表",
        draw.code,
        "省外专家：可以抽取",
        "冻结的候选池6人",
        draw.commitment[:20],
        "12345678./",
        candidate.label,
        candidate.expert.name,
        "操作人（签字）",
        "监督人（签字）",
    ):
        assert expected in flat, expected
    assert pdf_embedded_cjk_fonts(response.content)


def test_the_dashboard_tells_the_activitys_staff_that_answers_are_awaited(op: Any, sv: Any) -> None:
    drawn(op, sv)

    page = text(client_of(op).get(reverse("core:dashboard")))

    assert "邀请待专家答复" in page


def test_aliases_are_added_with_errors_beside_the_field(op: Any) -> None:
    client = client_of(op)
    url = reverse("activities:alias_list")

    same = client.post(url, {"alias": "美的集团", "canonical": "美的集团股份有限公司"})
    assert "按规则已视为同一单位，无需登记别名" in text(same)
    client.post(url, {"alias": "华工", "canonical": "华南理工大学", "note": "简称"})

    assert "华南理工大学" in text(client.get(url))
    assert AuditEntry.objects.filter(action="activities.alias.added").count() == 1


def test_closing_an_activity_reveals_the_secret_on_its_draw_page(op: Any, sv: Any) -> None:
    draw = drawn(op, sv)
    client = client_of(op)
    client.post(
        reverse("activities:activity_close", kwargs={"pk": draw.activity_id}), {"reason": "完成"}
    )

    draw.refresh_from_db()
    page = text(client.get(reverse("activities:draw_detail", kwargs={"pk": draw.pk})))
    assert draw.secret and draw.secret in page
    assert "在门户公布" in page


def test_staff_not_assigned_to_the_activity_cannot_record_answers_for_an_expert(
    op: Any, sv: Any, make_user: Any
) -> None:
    draw = drawn(op, sv)
    candidate = Candidate.objects.filter(draw=draw).first()
    assert candidate is not None
    plain = make_user("staff", username="plain", rights=(Right.RUN_DRAWS,))

    response = client_of(plain).post(
        reverse("activities:invitation_detail", kwargs={"pk": invitation_of(candidate).pk}),
        {
            "action": "accept",
            "accept-no_conflict": "on",
            "accept-confidentiality": "on",
            "accept-contact_note": "电话",
        },
    )

    assert response.status_code == 403
    candidate.refresh_from_db()
    assert candidate.outcome == Outcome.PENDING


def test_staff_enter_the_lottery_result_on_the_draw_page(
    op: Any, sv: Any, time_machine: Any
) -> None:
    for _ in range(4):
        make_expert()
    draw = open_draw(
        op,
        make_activity(op, experts_needed=2),
        sv,
        places=2,
        lottery_name="中国福利彩票快乐 8 第 2026120 期",
        lottery_date=dt.date(2026, 5, 6),
    )
    services.draw_witness(actor=sv, draw=draw, value="12345678")
    client = client_of(op)
    page_url = reverse("activities:draw_detail", kwargs={"pk": draw.pk})
    assert "录入开奖结果" in text(client.get(page_url))
    assert reverse("activities:draw_detail", kwargs={"pk": draw.pk}) in text(
        client.get(reverse("activities:draw_list") + "?queue=lottery")
    )

    client.post(reverse("activities:draw_lottery", kwargs={"pk": draw.pk}), {"value": "abc"})
    assert "号码之间用空格分隔" in text(client.get(page_url))
    client.post(reverse("activities:draw_lottery", kwargs={"pk": draw.pk}), {"value": "7 15 22"})

    page = text(client.get(page_url))
    assert "12345678./7.15.22./" in page and "第 1 轮（随机抽取）" in page


def test_a_closed_activity_offers_no_new_draw(op: Any, sv: Any) -> None:
    draw = drawn(op, sv)
    for c in draw.candidates.all():
        accept(c)
    services.activity_close(actor=op, activity=draw.activity)
    client = client_of(op)

    page = text(client.get(reverse("activities:activity_detail", kwargs={"pk": draw.activity_id})))
    assert "设定条件并随机抽取" not in page and "已结束" in page
    response = client.post(
        reverse("activities:draw_setup", kwargs={"pk": draw.activity_id}),
        {"places": "1", "field_match": "any", "supervisor": sv.pk, "action": "open"},
    )
    assert "活动已结束，不能再抽取。" in text(response)
