from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from zhiku.accounts.models import Right
from zhiku.core.errors import AccessDenied
from zhiku.core.models import AuditEntry
from zhiku.experts import services
from zhiku.experts.choices import Status
from zhiku.experts.models import ChangeRequest, Expert, ExpertiseField, StatusChange
from zhiku.experts.tests.factories import (
    BIRTH,
    ID_NUMBER,
    MOBILE,
    create,
    make_expert,
    resident_number,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar(make_user: Callable[..., Any]) -> Any:
    return make_user("staff", username="registrar", rights=(Right.REVIEW_APPLICATIONS,))


@pytest.fixture
def expert_user(make_user: Callable[..., Any]) -> Any:
    return make_user("expert", username="lin")


def test_admission_gives_the_next_pool_number_of_the_year_and_leaves_rows(registrar: Any) -> None:
    first = create(registrar)
    second = create(registrar, id_number=resident_number(BIRTH, 518), mobile="")
    assert (first.pool_number, second.pool_number) == ("GDQ-2026-0001", "GDQ-2026-0002")
    assert first.status == Status.ACTIVE
    rows = list(StatusChange.objects.filter(expert=first).order_by("pk"))
    assert [(r.from_value, r.to_value) for r in rows] == [
        ("", Status.APPLICANT),
        (Status.APPLICANT, Status.ACTIVE),
    ]


def test_pool_numbers_are_never_reused_after_an_exit(registrar: Any) -> None:
    first = create(registrar)
    services.expert_status_change(
        actor=registrar,
        expert=first,
        to_status=Status.EXITED,
        on=date(2026, 5, 1),
        reason="本人申请",
        exit_case=1,  # an exit comes from an exit case (the exits app's)
    )
    second = create(registrar, id_number=resident_number(BIRTH, 518), mobile="")
    assert second.pool_number == "GDQ-2026-0002"


def test_an_exit_by_hand_without_an_exit_case_is_refused(registrar: Any) -> None:
    expert = create(registrar)
    with pytest.raises(services.ExpertError, match="出库管理"):
        services.expert_status_change(
            actor=registrar, expert=expert, to_status=Status.EXITED, on=date(2026, 5, 1), reason="x"
        )
    expert.refresh_from_db()
    assert expert.status == Status.ACTIVE
    assert not StatusChange.objects.filter(expert=expert, to_value=Status.EXITED).exists()


def test_a_held_suspension_is_not_lifted_by_hand(registrar: Any) -> None:
    expert = create(registrar)
    services.expert_status_change(
        actor=registrar,
        expert=expert,
        to_status=Status.SUSPENDED,
        on=date(2026, 5, 1),
        reason="出库案件核实中",
        hold="出库案件第 1 号核实中",
    )
    with pytest.raises(services.ExpertError, match="出库案件第 1 号核实中"):
        services.expert_status_change(
            actor=registrar, expert=expert, to_status=Status.ACTIVE, on=date(2026, 5, 2), reason="y"
        )
    services.expert_status_change(
        actor=registrar,
        expert=expert,
        to_status=Status.ACTIVE,
        on=date(2026, 5, 2),
        reason="案件撤销",
        hold="",
    )
    expert.refresh_from_db()
    assert (expert.status, expert.status_hold) == (Status.ACTIVE, "")


def test_invalid_transition_is_refused_with_the_states_named(registrar: Any) -> None:
    expert = create(registrar)
    services.expert_status_change(
        actor=registrar,
        expert=expert,
        to_status=Status.EXITED,
        on=date(2026, 5, 1),
        reason="x",
        exit_case=1,
    )
    with pytest.raises(services.ExpertError, match="已出库"):
        services.expert_status_change(
            actor=registrar, expert=expert, to_status=Status.ACTIVE, on=date(2026, 5, 2), reason="y"
        )


def test_adding_an_expert_needs_the_review_right(
    expert_user: Any, make_user: Callable[..., Any]
) -> None:
    clerk = make_user("staff", username="clerk")
    for actor in (expert_user, clerk):
        with pytest.raises(AccessDenied, match="审核入库申请"):
            create(actor)
    assert not Expert.objects.exists()


def test_bad_identity_number_writes_nothing(registrar: Any) -> None:
    with pytest.raises(services.ExpertError, match="校验位"):
        create(registrar, id_number=ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1"))
    assert not Expert.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="experts.").exists()


def test_changing_the_birth_date_rechecks_the_stored_number(registrar: Any) -> None:
    expert = create(registrar)
    with pytest.raises(services.ExpertError, match="不一致"):
        services.expert_update(
            actor=registrar, expert=expert, profile={"birth_date": date(1972, 8, 10)}
        )


def test_expert_reports_a_new_mobile_and_staff_confirm_it(registrar: Any, expert_user: Any) -> None:
    expert = create(registrar, user=expert_user)
    cr = services.change_request_submit(
        actor=expert_user,
        expert=expert,
        changes={"organisation": "广东工业大学", "email": expert.email},
        mobile="13698765432",
    )
    expert.refresh_from_db()
    assert expert.mobile_masked == "138****5678"  # nothing changes before confirmation
    assert cr.changes == {"organisation": ["广东省质量监督检测中心", "广东工业大学"]}
    assert cr.protected_masked == {"mobile": ["138****5678", "136****5432"]}
    services.change_request_decide(actor=registrar, change_request=cr, confirm=True)
    expert.refresh_from_db()
    assert expert.mobile_masked == "136****5432"
    assert expert.organisation == "广东工业大学"
    cr.refresh_from_db()
    assert cr.status == ChangeRequest.Status.CONFIRMED
    with pytest.raises(services.ExpertError, match="已处理"):
        services.change_request_decide(
            actor=registrar, change_request=cr, confirm=False, reason="x"
        )


def test_rejection_needs_a_reason_and_keeps_the_request(registrar: Any, expert_user: Any) -> None:
    expert = create(registrar, user=expert_user)
    cr = services.change_request_submit(
        actor=expert_user, expert=expert, changes={"position": "院长"}
    )
    with pytest.raises(services.ExpertError, match="理由"):
        services.change_request_decide(actor=registrar, change_request=cr, confirm=False)
    services.change_request_decide(
        actor=registrar, change_request=cr, confirm=False, reason="请附任职文件"
    )
    cr.refresh_from_db()
    expert.refresh_from_db()
    assert (cr.status, cr.decision_reason, expert.position) == ("rejected", "请附任职文件", "")


def test_unchanged_submission_is_refused(registrar: Any, expert_user: Any) -> None:
    expert = create(registrar, user=expert_user)
    with pytest.raises(services.ExpertError, match="没有修改"):
        services.change_request_submit(actor=expert_user, expert=expert, changes={}, mobile=MOBILE)


def test_expert_cannot_file_changes_for_someone_else(
    registrar: Any, expert_user: Any, make_user: Callable[..., Any]
) -> None:
    create(registrar, user=expert_user)
    other = make_expert()
    with pytest.raises(AccessDenied, match="本人"):
        services.change_request_submit(actor=expert_user, expert=other, changes={"position": "x"})
    with pytest.raises(AccessDenied, match="本人"):
        services.conflict_declare(
            actor=expert_user, expert=other, kind="person", party="张三", reason="亲属"
        )


def test_declarations_take_effect_directly(registrar: Any, expert_user: Any) -> None:
    expert = create(registrar, user=expert_user)
    conflict = services.conflict_declare(
        actor=expert_user, expert=expert, kind="organisation", party="某检测公司", reason="曾任顾问"
    )
    services.unfamiliar_fields_set(
        actor=expert_user, expert=expert, fields=ExpertiseField.objects.filter(code="06.03")
    )
    services.unavailability_add(
        actor=expert_user, expert=expert, start=date(2026, 7, 1), end=date(2026, 8, 31)
    )
    services.conflict_withdraw(actor=expert_user, conflict=conflict)
    assert list(expert.unfamiliar_fields.values_list("code", flat=True)) == ["06.03"]
    assert expert.unavailabilities.count() == 1
    conflict.refresh_from_db()
    assert conflict.withdrawn_at is not None


def test_age_override_is_recorded_with_its_reason(registrar: Any) -> None:
    expert = create(registrar)
    services.expert_age_override(actor=registrar, expert=expert, reason="理事会特别同意")
    expert.refresh_from_db()
    assert expert.eligibility_profile().age_override_reason == "理事会特别同意"
    with pytest.raises(services.ExpertError):
        services.expert_age_override(actor=registrar, expert=expert, reason=" ")


def test_employment_periods_feed_the_years_in_field(registrar: Any) -> None:
    expert = create(registrar, work_history=[], exception_reason="理事会认定")
    services.employment_add(
        actor=registrar,
        expert=expert,
        organisation="广州计量院",
        start=date(2018, 1, 1),
        end=date(2023, 1, 1),
        in_field=True,
    )
    periods = expert.eligibility_profile().employment
    assert [(p.start, p.end, p.in_field) for p in periods] == [
        (date(2018, 1, 1), date(2023, 1, 1), True)
    ]


def test_catalogue_field_codes_are_unique_and_two_levels_deep(registrar: Any) -> None:
    parent = ExpertiseField.objects.get(code="01")
    child = services.expertise_field_save(
        actor=registrar, code="01.99", name="质量成本管理", parent=parent
    )
    with pytest.raises(services.ExpertError, match="已被使用"):
        services.expertise_field_save(actor=registrar, code="01.99", name="x", parent=parent)
    with pytest.raises(services.ExpertError, match="两级"):
        services.expertise_field_save(actor=registrar, code="01.98", name="x", parent=child)


def test_catalogues_are_loaded_by_migration() -> None:
    from zhiku.experts.models import Industry

    assert Industry.objects.count() == 20
    assert "".join(Industry.objects.values_list("code", flat=True)) == "ABCDEFGHIJKLMNOPQRST"
    roots = set(ExpertiseField.objects.filter(parent__isnull=True).values_list("name", flat=True))
    assert {"质量管理", "标准化", "计量", "认证认可", "检验检测", "特种设备"} <= roots


def test_staff_link_an_expert_account_once(
    registrar: Any, expert_user: Any, make_user: Callable[..., Any]
) -> None:
    expert = create(registrar)
    services.expert_update(actor=registrar, expert=expert, profile={}, user=expert_user)
    expert.refresh_from_db()
    assert expert.user == expert_user
    entry = AuditEntry.objects.get(action="experts.expert.updated")
    assert entry.changes["user"] == ["", "lin"]
    with pytest.raises(services.ExpertError, match="已关联账户"):
        services.expert_update(
            actor=registrar, expert=expert, profile={}, user=make_user("expert", username="x")
        )
    with pytest.raises(services.ExpertError, match="不是专家账户"):
        create(registrar, id_number=resident_number(BIRTH, 519), user=registrar)


def test_staff_without_the_review_right_cannot_admit(make_user: Callable[..., Any]) -> None:
    clerk = make_user("staff", username="clerk")
    expert = make_expert(status=Status.APPLICANT, pool_number=None)

    with pytest.raises(AccessDenied, match="审核入库申请"):
        services.expert_admit(actor=clerk, expert=expert, on=date(2026, 11, 27), reason="直接入库")

    expert.refresh_from_db()
    assert expert.status == Status.APPLICANT
    assert expert.pool_number is None


def test_the_field_catalogue_stays_two_levels(make_user: Callable[..., Any]) -> None:
    staff = make_user("staff", username="cataloguer")
    top = ExpertiseField.objects.get(code="01")
    other_top = ExpertiseField.objects.get(code="02")

    for parent, message in ((top, "自身"), (other_top, "子领域")):
        with pytest.raises(services.ExpertError, match=message):
            services.expertise_field_save(
                actor=staff, field=top, code="01", name=top.name, parent=parent
            )

    assert ExpertiseField.objects.get(code="01").parent is None
