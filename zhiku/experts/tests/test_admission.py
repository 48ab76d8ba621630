"""No silent admission against art. 6 (issue 9, item 12).

Found: an expert entered or imported as 在库 showed "机器核验：不符合；总体：不符合" and nobody
was asked why. Admitting one who fails needs the review right and a recorded reason, shown on
the profile; an imported roster is marked 存量导入（未逐项核验） and listed on the dashboard
until a reviewer has gone through each expert; the import template has a work-history column.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from zhiku.accounts.models import Right
from zhiku.core.errors import AccessDenied
from zhiku.core.models import AuditEntry
from zhiku.experts import services
from zhiku.experts.choices import Status
from zhiku.experts.models import Employment, Expert, ExpertiseField
from zhiku.experts.rules import WorkPeriod
from zhiku.experts.tests.factories import resident_number, roster_row
from zhiku.experts.tests.support import (
    BIRTH,
    NOW,
    TODAY,
    client_for,
    form_data,
    import_rows,
)

pytestmark = pytest.mark.django_db
TWELVE_YEARS = [WorkPeriod("广东省计量科学研究院", dt.date(2014, 3, 1), None, True)]


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def reviewer(make_user: Callable[..., Any]) -> Any:
    return make_user(
        "staff", username="reviewer", full_name="黄立诚", rights=(Right.REVIEW_APPLICATIONS,)
    )


def applicant(actor: Any, *, work: list[WorkPeriod] | None = None, serial: int = 20) -> Expert:
    return services.expert_create(
        actor=actor,
        profile={
            "name": f"申请人{serial}",
            "gender": "female",
            "birth_date": BIRTH,
            "id_type": "resident",
            "organisation": "广东省计量科学研究院",
            "org_type": "research",
            "title_level": "senior",
            "region": "guangzhou",
        },
        id_number=resident_number(BIRTH, serial),
        mobile="",
        primary_field=ExpertiseField.objects.get(code="03.01"),
        work_history=work or [],
    )


def test_an_applicant_who_fails_art_6_is_admitted_only_with_a_recorded_reason(
    reviewer: Any,
) -> None:
    expert = applicant(reviewer)  # a senior title, but no years in the field on record

    with pytest.raises(services.ExpertError, match="第六条：（一）") as refused:
        services.expert_admit(actor=reviewer, expert=expert, on=TODAY, reason="审核通过")
    assert refused.value.field == "admission_exception_reason"
    expert.refresh_from_db()
    assert (expert.status, expert.pool_number) == (Status.APPLICANT, None)

    services.expert_admit(
        actor=reviewer,
        expert=expert,
        on=TODAY,
        reason="审核通过",
        exception_reason="从业经历材料在补交中，理事会同意先行入库",
    )

    expert.refresh_from_db()
    assert expert.status == Status.ACTIVE and expert.pool_number == "GDQ-2026-0001"
    assert expert.admission_exception_reason == "从业经历材料在补交中，理事会同意先行入库"
    assert (expert.admission_exception_by, expert.admission_exception_at) == (reviewer, NOW)
    entry = AuditEntry.objects.get(action="experts.admission_exception.recorded")
    assert entry.data["failed_conditions"][0].startswith("（一）")
    page = client_for(reviewer).get(reverse("experts:expert_detail", args=[expert.pk]))
    body = page.content.decode()
    assert "从业经历材料在补交中，理事会同意先行入库" in body
    assert "审核人 黄立诚 于 2026-11-27 认定" in body


def test_an_applicant_who_passes_is_admitted_without_an_exception(reviewer: Any) -> None:
    expert = applicant(reviewer, work=TWELVE_YEARS)

    services.expert_admit(actor=reviewer, expert=expert, on=TODAY, reason="审核通过")

    expert.refresh_from_db()
    assert expert.status == Status.ACTIVE
    assert expert.admission_exception_reason == ""
    assert not AuditEntry.objects.filter(action="experts.admission_exception.recorded").exists()


def test_the_add_form_asks_for_the_reason_when_art_6_fails_and_writes_nothing_without(
    reviewer: Any,
) -> None:
    client = client_for(reviewer)
    url = reverse("experts:expert_create")

    refused = client.post(url, form_data(work_history=""))

    assert refused.status_code == 200
    assert "第六条" in refused.context["form"].errors["admission_exception_reason"][0]
    assert not Expert.objects.exists()
    admitted = client.post(
        url, form_data(work_history="", admission_exception_reason="院士推荐，理事会同意")
    )
    assert admitted.status_code == 302
    expert = Expert.objects.get()
    assert expert.status == Status.ACTIVE
    assert expert.admission_exception_reason == "院士推荐，理事会同意"


def test_the_profile_page_admits_an_applicant_and_only_a_reviewer_may(
    reviewer: Any, make_user: Callable[..., Any]
) -> None:
    expert = applicant(reviewer)
    url = reverse("experts:expert_admit", args=[expert.pk])
    clerk = make_user("staff", username="clerk")

    assert client_for(clerk).post(url, {"exception_reason": "x"}).status_code == 403
    with pytest.raises(AccessDenied, match="审核入库申请"):
        services.expert_admit(
            actor=clerk, expert=expert, on=TODAY, reason="x", exception_reason="x"
        )
    page = client_for(reviewer).get(reverse("experts:expert_detail", args=[expert.pk]))
    assert 'name="exception_reason"' in page.content.decode()  # it fails: the page asks why
    missing = client_for(reviewer).post(url, {"reason": "审核通过"}, follow=True)
    assert (
        "请由持有“审核入库申请”权限的工作人员填写不符合条件仍予入库的理由"
        in missing.content.decode()
    )
    client_for(reviewer).post(url, {"reason": "审核通过", "exception_reason": "特聘"})
    expert.refresh_from_db()
    assert (expert.status, expert.admission_exception_reason) == (Status.ACTIVE, "特聘")


# --- an imported roster ------------------------------------------------------------------


def test_an_imported_roster_is_marked_and_on_the_dashboard_until_each_is_reviewed(
    reviewer: Any, make_user: Callable[..., Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(reviewer)
    rows = [roster_row(n) for n in range(3)]  # born in 1960: 66, over the age limit …
    born = dt.date(1975, 3, 9)  # … but the first, 51, with sixteen years in the field
    rows[0].update(
        {
            "出生日期": born,
            "证件号码": resident_number(born, 10),
            "工作经历": "广东质量研究院0所，2010-01，至今，是",
        }
    )

    job = import_rows(client, rows, django_capture_on_commit_callbacks)

    assert job.status == job.Status.COMPLETED
    experts = list(Expert.objects.order_by("pool_number"))
    assert [e.legacy_import for e in experts] == [True, True, True]
    first, second, _third = experts
    assert first.employments.get().start == dt.date(2010, 1, 1)
    page = client.get(reverse("experts:expert_detail", args=[first.pk])).content.decode()
    assert "存量导入（未逐项核验）" in page
    dashboard = client.get(reverse("core:dashboard")).content.decode()
    assert "存量导入的专家待逐项核验第六条" in dashboard
    listed = client.get(reverse("experts:expert_list"), {"eligibility": "unverified_import"})
    assert {e.name for e in listed.context["page"]} == {e.name for e in experts}
    # Staff without the review right do not get the item: they cannot review.
    clerk = client_for(make_user("staff", username="clerk"))
    assert "存量导入的专家" not in clerk.get(reverse("core:dashboard")).content.decode()

    # The first passes art. 6 with its work history; the second has none on record.
    review = reverse("experts:expert_legacy_review", args=[first.pk])
    client.post(review)
    refused = client.post(
        reverse("experts:expert_legacy_review", args=[second.pk]), follow=True
    ).content.decode()
    assert "不符合第六条" in refused
    client.post(
        reverse("experts:expert_legacy_review", args=[second.pk]),
        {"exception_reason": "存量专家，工作经历另行补录"},
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.legacy_reviewed_at == NOW and first.admission_exception_reason == ""
    assert second.legacy_reviewed_by == reviewer
    assert second.admission_exception_reason == "存量专家，工作经历另行补录"
    listed = client.get(reverse("experts:expert_list"), {"eligibility": "unverified_import"})
    assert [e.name for e in listed.context["page"]] == [_third.name]
    page = client.get(reverse("experts:expert_detail", args=[first.pk])).content.decode()
    assert "存量导入（已逐项核验）" in page and "已于 2026-11-27 逐项核验第六条" in page
    assert AuditEntry.objects.filter(action="experts.legacy_import.reviewed").count() == 2


def test_an_import_that_does_not_admit_marks_nobody(
    reviewer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import_rows(
        client_for(reviewer), [roster_row(1)], django_capture_on_commit_callbacks, admit=False
    )

    expert = Expert.objects.get()
    assert (expert.status, expert.legacy_import) == (Status.APPLICANT, False)


def test_the_template_has_a_work_history_column_explained_on_the_notes_sheet(
    reviewer: Any,
) -> None:
    content = client_for(reviewer).get(reverse("experts:import_template")).content

    wb = load_workbook(io.BytesIO(content))
    headers = [c.value for c in wb["专家名单"][1]]
    assert headers[-1] == "工作经历"
    notes = {row[1]: row[3] for row in wb["填写说明"].iter_rows(min_row=5, values_only=True)}
    assert "单位，起始年月，截止年月或“至今”" in str(notes["工作经历"])


def test_work_history_cells_become_employment_and_count_for_art_6(
    reviewer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    row = {
        **roster_row(1),
        "工作经历": "广州计量院，2005-03，2015-02，是\n广东质量研究院1所，2015-03，至今，否",
    }

    import_rows(client_for(reviewer), [row], django_capture_on_commit_callbacks)

    expert = Expert.objects.get()
    assert [(e.organisation, e.start, e.end, e.in_field) for e in Employment.objects.all()] == [
        ("广东质量研究院1所", dt.date(2015, 3, 1), None, False),
        ("广州计量院", dt.date(2005, 3, 1), dt.date(2015, 2, 28), True),
    ]
    page = client_for(reviewer).get(reverse("experts:expert_detail", args=[expert.pk]))
    assert page.context["result"].months_in_field == 119  # ten years less the last day
