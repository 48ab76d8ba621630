"""The exits' pages: staff raise a case with evidence, verify, notify and announce through the
forms, and see clear messages for bad input; the dashboard shows the cases by step with their
ages and the experts nearing their age limit; the portal's announcement names the experts
without the ground unless staff chose it; the old addresses redirect."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from zhiku.accounts.tests.factories import make_account
from zhiku.exits import services
from zhiku.exits.choices import CaseStatus, Ground
from zhiku.exits.models import ExitCase
from zhiku.exits.tests.factories import expert_with_account, notified_case
from zhiku.experts.choices import Status
from zhiku.experts.tests.factories import make_expert
from zhiku.recruitment.models import Announcement

# Wednesday 2026-06-10, 10:00 in Shanghai.
NOW = dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.UTC)
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine: Any, catalogues: None) -> Any:
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def clerk() -> Any:
    return make_account("staff", username="clerk", full_name="周办理")


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_raise_a_case_with_evidence_and_it_suspends_the_expert(clerk: Any) -> None:
    expert = make_expert(name="吴被举报")
    client = client_of(clerk)

    response = client.post(
        reverse("exits:case_create"),
        {
            "pool_number": expert.pool_number.lower(),  # type: ignore[union-attr]
            "ground": Ground.IRRESPONSIBLE,
            "facts": "评审意见与申报材料明显不符。",
            "evidence": [
                SimpleUploadedFile("来函.pdf", PDF, "application/pdf"),
                SimpleUploadedFile("记录.pdf", PDF, "application/pdf"),
            ],
        },
    )

    case = ExitCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exits:case_detail", kwargs={"pk": case.pk})
    page = client.get(response["Location"]).content.decode()
    assert "出库案件第" in page and "吴被举报" in page
    assert "来函.pdf" in page and "记录.pdf" in page
    assert "该专家已暂停" in page
    expert.refresh_from_db()
    assert expert.status == Status.SUSPENDED
    profile = client.get(reverse("experts:expert_detail", kwargs={"pk": expert.pk}))
    assert f"出库案件第 {case.pk} 号核实中" in profile.content.decode()


def test_the_raising_form_says_what_is_wrong_and_keeps_nothing(clerk: Any) -> None:
    client = client_of(clerk)
    expert = make_expert()

    unknown = client.post(
        reverse("exits:case_create"),
        {"pool_number": "GDQ-1999-0001", "ground": Ground.OTHER, "facts": "x"},
    )
    bad_file = client.post(
        reverse("exits:case_create"),
        {
            "pool_number": expert.pool_number,
            "ground": Ground.OTHER,
            "facts": "事实。",
            "evidence": [SimpleUploadedFile("证据.pdf", b"MZ\x90\x00", "application/pdf")],
        },
    )
    missing = client.post(reverse("exits:case_create"), {"pool_number": expert.pool_number})

    assert "没有专家编号为“GDQ-1999-0001”的专家" in unknown.content.decode()
    assert "该文件是可执行程序或脚本，不能上传" in bad_file.content.decode()
    body = missing.content.decode()
    assert "请选择出库情形。" in body and "请写明事实。" in body
    assert not ExitCase.objects.exists()


def test_a_case_moves_through_its_steps_on_its_page(clerk: Any) -> None:
    expert = make_expert(name="黄自愿", email="huang@example.org")
    case = services.exit_case_raise(
        actor=clerk, expert=expert, ground=Ground.REQUEST, facts="本人来信申请退出。"
    )
    client = client_of(clerk)
    page = reverse("exits:case_detail", kwargs={"pk": case.pk})

    refused = client.post(reverse("exits:case_verify", kwargs={"pk": case.pk}), {"checked": "x"})
    assert refused["Location"] == page + "#verify"
    assert "核实结论：请写明核实结论。" in client.get(page).content.decode()

    client.post(
        reverse("exits:case_verify", kwargs={"pk": case.pk}),
        {"checked": "电话确认为本人意愿。", "finding": "申请属实。"},
    )
    client.post(reverse("exits:case_notify", kwargs={"pk": case.pk}))
    body = client.get(page).content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.NOTIFIED
    assert "已生成书面告知书，并已发送至 huang@example.org。" in body
    assert "告知书已发送至专家的电子邮箱" in body
    notice = client.get(
        reverse("exits:case_file", kwargs={"pk": case.pk, "file": case.notice_file_id})
    )
    assert notice.status_code == 200 and notice["Content-Type"] == "application/pdf"

    form = client.get(reverse("exits:announce")).content.decode()
    assert "黄自愿" in form
    no_confirm = client.post(reverse("exits:announce"), {"cases": [case.pk]})
    assert "请确认后再发布公告。" in no_confirm.content.decode()
    done = client.post(reverse("exits:announce"), {"cases": [case.pk], "confirm": "on"})

    announcement = Announcement.objects.get()
    assert done["Location"] == reverse(
        "announcements:announcement_detail", kwargs={"pk": announcement.pk}
    )
    expert.refresh_from_db()
    assert expert.status == Status.EXITED
    assert "公告未公布出库情形" in client.get(page).content.decode()


def test_a_ground_is_published_only_for_the_cases_chosen(clerk: Any) -> None:
    chosen = notified_case(clerk, make_expert(name="甲专家", organisation="甲大学"), Ground.OTHER)
    quiet = notified_case(clerk, make_expert(name="乙专家", organisation="乙研究院"), Ground.OTHER)
    client = client_of(clerk)
    wrong = client.post(
        reverse("exits:announce"),
        {"cases": [quiet.pk], "published_grounds": [chosen.pk], "confirm": "on"},
    )
    assert "只能为本次公告出库的专家注明出库情形" in wrong.content.decode()

    client.post(
        reverse("exits:announce"),
        {"cases": [chosen.pk, quiet.pk], "published_grounds": [chosen.pk], "confirm": "on"},
    )

    announcement = Announcement.objects.get()
    public = Client().get(
        reverse("announcements:announcement_detail", kwargs={"pk": announcement.pk})
    )
    body = public.content.decode()
    assert "2026 年广东省质量发展智库专家出库公告" in body
    assert "甲专家" in body and "甲大学" in body and "乙专家" in body and "乙研究院" in body
    assert "出库日期：2026-06-10" in body
    assert body.count("出库情形：") == 1 and "第八条第（八）项（其他不适宜情形）" in body
    listing = Client().get(reverse("announcements:announcement_list")).content.decode()
    assert "出库公告，2026-06-10 发布，2 人" in listing


@pytest.mark.parametrize("number", ["99999999999999999999", "²", "-1"])
def test_a_case_number_no_record_can_hold_is_refused_as_a_choice(clerk: Any, number: str) -> None:
    # Found by the fuzz tests: on SQLite a number past 64 bits was a server error.
    case = notified_case(clerk, make_expert(name="甲专家"), Ground.OTHER)
    response = client_of(clerk).post(
        reverse("exits:announce"), {"cases": [case.pk, number], "confirm": "on"}
    )
    assert response.status_code == 200
    assert f"{number} 不在可用的选项中" in response.content.decode()
    assert not Announcement.objects.exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.NOTIFIED


def test_dropping_from_the_page_reinstates_and_needs_a_reason(clerk: Any) -> None:
    expert = make_expert()
    case = services.exit_case_raise(
        actor=clerk, expert=expert, ground=Ground.FAVOURS, facts="来信反映。"
    )
    client = client_of(clerk)
    client.post(reverse("exits:case_drop", kwargs={"pk": case.pk}), {"reason": ""})
    case.refresh_from_db()
    assert case.status == CaseStatus.RAISED

    client.post(reverse("exits:case_drop", kwargs={"pk": case.pk}), {"reason": "不属实。"})

    case.refresh_from_db()
    expert.refresh_from_db()
    assert (case.status, expert.status) == (CaseStatus.DROPPED, Status.ACTIVE)


def test_the_list_shows_each_open_case_and_how_long_it_has_waited(clerk: Any, frozen: Any) -> None:
    old = services.exit_case_raise(
        actor=clerk, expert=make_expert(name="早立案"), ground=Ground.OTHER, facts="x"
    )
    frozen.move_to(NOW + dt.timedelta(days=7), tick=False)  # Wednesday 17 June
    services.exit_case_raise(
        actor=clerk, expert=make_expert(name="今立案"), ground=Ground.OTHER, facts="y"
    )
    client = client_of(clerk)

    page = client.get(reverse("exits:case_list")).content.decode()
    closed_page = client.get(reverse("exits:case_list") + "?status=dropped").content.decode()

    assert "早立案" in page and "5 个工作日" in page and "今天" in page
    assert "待核实：2 件" in page
    assert "早立案" not in closed_page
    assert old.pk


def test_the_dashboard_shows_cases_by_step_and_experts_nearing_their_age_limit(
    clerk: Any, frozen: Any
) -> None:
    services.exit_case_raise(
        actor=clerk, expert=make_expert(name="待核实专家"), ground=Ground.OTHER, facts="x"
    )
    notified_case(clerk, make_expert(name="待公告专家"))
    make_expert(name="将满六十六", birth_date=dt.date(1960, 8, 1))  # over the limit on 1 August
    make_expert(name="还早", birth_date=dt.date(1961, 1, 1))
    frozen.move_to(NOW + dt.timedelta(days=2), tick=False)  # Friday 12 June

    page = client_of(clerk).get(reverse("core:dashboard")).content.decode()

    assert "出库案件待核实" in page and "已书面告知，待公告出库" in page
    assert "2 个工作日" in page
    assert "在库专家将在 90 天内达到年龄上限" in page and "将满六十六" in page
    limits = client_of(clerk).get(reverse("exits:age_limits")).content.decode()
    assert "将满六十六" in limits and "2026-08-01" in limits and "还早" not in limits


def test_the_expert_asks_to_leave_in_the_expert_area(clerk: Any) -> None:
    expert = expert_with_account("lin", name="林专家")
    client = client_of(expert.user)

    assert "申请退出智库" in client.get(reverse("me:exit_home")).content.decode()
    empty = client.post(reverse("me:exit_request"), {"reason": ""})
    assert "请填写退出智库的理由。" in empty.content.decode()
    assert "请勾选确认后再提交。" in empty.content.decode()
    done = client.post(reverse("me:exit_request"), {"reason": "退休。", "confirm": "on"})

    assert done["Location"] == reverse("me:exit_home")
    page = client.get(reverse("me:exit_home")).content.decode()
    assert "待核实" in page and "退休。" in page and "撤回退出申请" in page
    again = client.get(reverse("me:exit_request")).content.decode()
    assert "您的退出申请正在办理中" in again and "提交退出申请</button>" not in again
    case = ExitCase.objects.get()
    assert (case.source, case.raised_by) == ("expert", expert.user)
    staff_page = client_of(clerk).get(reverse("exits:case_list")).content.decode()
    assert "林专家" in staff_page and "专家本人申请" in staff_page


def test_the_expert_sees_a_case_against_them_once_told_in_writing(clerk: Any) -> None:
    expert = expert_with_account("zhao", name="赵被举报")
    case = services.exit_case_raise(
        actor=clerk, expert=expert, ground=Ground.DISCLOSURE, facts="泄露评审结果。"
    )
    client = client_of(expert.user)

    before = client.get(reverse("me:exit_home")).content.decode()
    refused = client.post(reverse("me:exit_request"), {"reason": "不干了。", "confirm": "on"})

    assert "泄露" not in before and "没有出库办理记录" in before
    assert "质促会正在办理与您有关的事项，暂不能在线提交退出申请" in before
    assert "质促会正在办理与您有关的事项" in refused.content.decode()
    assert ExitCase.objects.count() == 1
    services.exit_case_verify(actor=clerk, case=case, checked="核查记录。", finding="属实。")
    services.exit_case_notify(actor=clerk, case=case)
    after = client.get(reverse("me:exit_home")).content.decode()
    assert "第八条第（七）项" in after and "下载" in after


def test_the_old_addresses_lead_to_the_new_pages(clerk: Any) -> None:
    expert = expert_with_account("lin")
    assert client_of(expert.user).get("/me/exit/")["Location"] == "/me/exits/"
    old = client_of(clerk).get("/workspace/experts/exit-requests/")
    assert old["Location"] == "/workspace/exits/"


def test_nobody_else_reaches_a_case_file_and_the_expert_sees_only_their_own(clerk: Any) -> None:
    case = notified_case(clerk, make_expert())
    url = reverse("exits:case_file", kwargs={"pk": case.pk, "file": case.notice_file_id})
    other = reverse(
        "exits:case_file", kwargs={"pk": case.pk, "file": "00000000-0000-0000-0000-0000000000aa"}
    )
    assert client_of(make_account("auditor", username="aud")).get(url).status_code == 403
    assert client_of(clerk).get(other).status_code == 404
