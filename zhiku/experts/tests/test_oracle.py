"""One person once, and no identity-number oracle (issue 9, items 3 and 6).

Reproduced as found: a number typed in full-width digits with an ASCII X entered the pool a
second time, by the form and by the import; any member of staff could confirm whether a number
was in the pool, 30 probes in 4.8 s, with no limit and no trace.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from zhiku.accounts.models import Right
from zhiku.core.models import AuditEntry
from zhiku.experts import crypto, services
from zhiku.experts.models import DuplicateLookup, Expert, ExpertiseField
from zhiku.experts.services import duplicates
from zhiku.experts.tests.factories import make_expert, resident_number, roster_row
from zhiku.experts.tests.support import (
    BIRTH,
    NOW,
    client_for,
    form_data,
    full_width,
    import_rows,
    number_ending_in_x,
)

pytestmark = pytest.mark.django_db
NUMBER = number_ending_in_x()  # a woman born 1968-03-08 whose number ends in X
# As found: full-width digits, an ASCII X.
FULL_WIDTH = full_width(NUMBER[:17]) + "X"


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


@pytest.fixture
def revealer(make_user: Callable[..., Any]) -> Any:
    return make_user(
        "staff",
        username="revealer",
        full_name="陈质远",
        rights=(Right.REVIEW_APPLICATIONS, Right.REVEAL_PERSONAL_DATA),
    )


def holder() -> Expert:
    """The person already in the pool, entered with the number in ASCII."""
    return make_expert(
        name="林一人",
        gender="female",
        birth_date=BIRTH,
        id_number=NUMBER,
        pool_number="GDQ-2026-0039",
        email="lin.yiren@example.org",
    )


# --- item 3: the full-width number is the same person -------------------------------------


def test_the_full_width_number_with_an_ascii_x_is_refused_by_the_form(reviewer: Any) -> None:
    holder()
    assert FULL_WIDTH != NUMBER and FULL_WIDTH.endswith("X")

    response = client_for(reviewer).post(
        reverse("experts:expert_create"), form_data(id_number=FULL_WIDTH, mobile="")
    )

    assert response.status_code == 200
    errors = response.context["form"].errors["id_number"]
    assert "已登记在专家库中另一位专家名下" in errors[0]
    assert Expert.objects.count() == 1


def test_the_full_width_number_is_refused_by_the_import_in_the_pool_and_within_the_file(
    reviewer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    holder()
    in_pool = {**roster_row(1), "出生日期": BIRTH, "性别": "女", "证件号码": FULL_WIDTH}
    twice = [roster_row(n) for n in (2, 4)]
    twice[1]["证件号码"] = full_width(twice[0]["证件号码"])
    twice[1]["出生日期"] = twice[0]["出生日期"]

    job = import_rows(client_for(reviewer), [in_pool, *twice], django_capture_on_commit_callbacks)

    assert [(e["row"], e["column"]) for e in job.errors] == [
        (2, "证件号码"),
        (3, "证件号码"),
        (4, "证件号码"),
    ]
    assert "已登记在专家库中" in job.errors[0]["message"]
    # Both copies of the person repeated in the file are marked.
    assert job.errors[1]["message"] == "与第 4 行重复（证件号码相同），同一人只能填写一行。"
    assert job.errors[2]["message"] == "与第 3 行重复（证件号码相同），同一人只能填写一行。"
    assert Expert.objects.count() == 1


def test_the_service_stores_one_form_of_every_number_even_when_called_directly(
    reviewer: Any,
) -> None:
    expert = services.expert_create(
        actor=reviewer,
        profile={
            "name": "全角",
            "gender": "female",
            "birth_date": BIRTH,
            "id_type": "resident",
            "email": " ＬＩＮ.Ｙｉ@Example.ORG ",
            "organisation": "单位",
            "org_type": "university",
            "region": "guangzhou",
        },
        # Full-width digits, a zero-width space, a lower-case x; +86 and full-width digits.
        id_number=full_width(NUMBER[:6]) + "\u200b" + NUMBER[6:17] + "x",
        mobile="+86 １３８ ０００１ ２２３３",
        primary_field=ExpertiseField.objects.get(code="03.01"),
    )

    expert.refresh_from_db()
    assert crypto.decrypt(expert.id_number_token) == NUMBER
    assert expert.id_number_hash == crypto.lookup_hash(NUMBER, purpose=crypto.ID_HASH_PURPOSE)
    assert expert.id_number_masked == NUMBER[0] + "*" * 16 + "X"
    assert crypto.decrypt(expert.mobile_token) == "13800012233"
    assert expert.email == "lin.yi@example.org"


# --- item 6: adding needs a right, hits are audited, probes are limited -------------------


def test_staff_without_the_review_right_cannot_reach_the_add_form(
    make_user: Callable[..., Any],
) -> None:
    clerk = client_for(make_user("staff", username="clerk"))
    holder()

    assert clerk.get(reverse("experts:expert_create")).status_code == 403
    response = clerk.post(reverse("experts:expert_create"), form_data(id_number=NUMBER))

    assert response.status_code == 403
    assert "已登记" not in response.content.decode()
    assert not DuplicateLookup.objects.exists()


def test_a_match_is_an_audit_entry_on_the_holder_and_names_them_only_to_revealers(
    reviewer: Any, revealer: Any
) -> None:
    person = holder()

    plain = client_for(reviewer).post(
        reverse("experts:expert_create"), form_data(id_number=NUMBER, mobile="")
    )
    named = client_for(revealer).post(
        reverse("experts:expert_create"), form_data(id_number=NUMBER, mobile="")
    )

    plain_error = plain.context["form"].errors["id_number"][0]
    named_error = named.context["form"].errors["id_number"][0]
    assert "林一人" not in plain_error and "GDQ-2026-0039" not in plain_error
    assert "查看受保护的个人信息" in plain_error
    assert "林一人（GDQ-2026-0039）" in named_error
    entries = AuditEntry.objects.filter(action="experts.duplicate.found").order_by("seq")
    assert [(e.actor, e.object_id, e.data["holder_named"]) for e in entries] == [
        (reviewer, str(person.pk), False),
        (revealer, str(person.pk), True),
    ]
    assert entries[0].data["value"] == NUMBER[0] + "*" * 16 + "X"
    assert NUMBER not in str(entries[0].data)
    # The holder's profile shows who tried to enter them again.
    page = client_for(revealer).get(reverse("experts:expert_detail", args=[person.pk]))
    assert "查重命中已登记的号码" in page.content.decode()


def test_the_probe_as_found_stops_after_twenty_lookups_an_hour(
    reviewer: Any, time_machine: Any
) -> None:
    holder()
    client = client_for(reviewer)
    url = reverse("experts:expert_create")

    answers = [
        client.post(url, form_data(id_number=NUMBER, mobile="")).context["form"].errors
        for _probe in range(30)
    ]

    matched = [a for a in answers if "已登记" in a.get("id_number", [""])[0]]
    refused = [a for a in answers if "每小时最多进行 20 次查重" in a.get("id_number", [""])[0]]
    assert (len(matched), len(refused)) == (20, 10)
    assert "请于 2026-11-27 11:30 后再试" in refused[0]["id_number"][0]
    assert AuditEntry.objects.filter(action="experts.duplicate.found").count() == 20

    time_machine.move_to(NOW + dt.timedelta(hours=1, seconds=1), tick=False)
    client = client_for(reviewer)  # a new session: the last one ended after 30 idle minutes
    again = client.post(url, form_data(id_number=NUMBER, mobile="")).context["form"].errors
    assert "已登记" in again["id_number"][0]


def test_thirty_matches_in_a_day_stop_the_checks_by_hand(reviewer: Any, time_machine: Any) -> None:
    holder()
    url = reverse("experts:expert_create")
    for minutes, probes in ((1, 20), (62, 10)):
        time_machine.move_to(NOW + dt.timedelta(minutes=minutes), tick=False)
        client = client_for(reviewer)
        for _probe in range(probes):
            client.post(url, form_data(id_number=NUMBER, mobile=""))
    time_machine.move_to(NOW + dt.timedelta(hours=3), tick=False)
    client = client_for(reviewer)

    errors = client.post(url, form_data(id_number=NUMBER, mobile="")).context["form"].errors

    assert "24 小时内查重命中已登记的号码 30 次" in errors["id_number"][0]
    assert "请于 2026-11-28 10:31 后再试" in errors["id_number"][0]
    # A new person is refused too: no lookup at all until the day has passed.
    other = resident_number(BIRTH, 30)
    errors = client.post(url, form_data(id_number=other, mobile="")).context["form"].errors
    assert "30 次" in errors["id_number"][0]
    assert Expert.objects.count() == 1


def test_an_import_audits_every_match_and_lists_rows_only_up_to_the_daily_limit(
    reviewer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [roster_row(n) for n in range(35)]
    for n, row in enumerate(rows):
        make_expert(
            id_number=row["证件号码"], birth_date=row["出生日期"], pool_number=f"GDQ-2025-{n:04d}"
        )

    job = import_rows(client_for(reviewer), rows, django_capture_on_commit_callbacks)

    listed = [e for e in job.errors if e["row"] > 1]
    assert [e["row"] for e in listed] == list(range(2, 32))
    assert all("已登记在专家库中另一位专家名下" in e["message"] for e in listed)
    summary = next(e for e in job.errors if e["row"] == 1)
    assert summary["message"].startswith("另有 5 行")
    assert "这些行不逐行列出" in summary["message"]
    entries = AuditEntry.objects.filter(action="experts.duplicate.found")
    assert entries.count() == 35
    assert {e.data["source"] for e in entries} == {"import"}
    assert {e.data["job"] for e in entries} == {job.pk}
    assert DuplicateLookup.objects.filter(actor=reviewer, hit=True).count() == 35


def test_an_import_names_the_holder_only_to_a_revealer(
    revealer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    holder()
    row = {**roster_row(1), "出生日期": BIRTH, "性别": "女", "证件号码": NUMBER}

    job = import_rows(client_for(revealer), [row], django_capture_on_commit_callbacks)

    assert (
        job.errors[0]["message"]
        == "该证件号码已登记在专家 林一人（GDQ-2026-0039） 名下，同一人不能重复录入。"
    )


def test_lookups_outside_a_request_are_not_counted(reviewer: Any) -> None:
    """The demo seed and commands run by whoever can read the database anyway."""
    for n in range(duplicates.HAND_LOOKUPS_PER_HOUR + 1):
        services.expert_create(
            actor=reviewer,
            profile={
                "name": f"种子{n}",
                "gender": "female",
                "birth_date": BIRTH,
                "id_type": "resident",
                "organisation": "单位",
                "org_type": "university",
                "region": "guangzhou",
            },
            id_number=resident_number(BIRTH, 2 * n),
            mobile="",
            primary_field=ExpertiseField.objects.get(code="03.01"),
        )
    assert Expert.objects.count() == duplicates.HAND_LOOKUPS_PER_HOUR + 1
    assert not DuplicateLookup.objects.exists()


# --- the mask: the masked number and the birth date no longer leave ~90 candidates ---------


def test_the_profile_hides_the_area_code_and_the_serial_number(reviewer: Any) -> None:
    person = holder()

    body = client_for(reviewer).get(reverse("experts:expert_detail", args=[person.pk]))

    text = body.content.decode()
    assert NUMBER[0] + "*" * 16 + "X" in text
    assert NUMBER[:3] + "*" not in text  # the former mask showed the first three …
    assert NUMBER[14:] not in text  # … and the last four, the serial number among them


def test_an_older_entry_in_the_history_reads_in_the_current_mask(reviewer: Any) -> None:
    from zhiku.core.audit import log_action

    person = holder()
    log_action(
        "experts.expert.updated",
        actor=reviewer,
        obj=person,
        changes={"id_number": ["", NUMBER[:3] + "*" * 11 + NUMBER[-4:]]},
    )

    text = client_for(reviewer).get(reverse("experts:expert_detail", args=[person.pk]))

    body = text.content.decode()
    assert NUMBER[0] + "*" * 16 + "X" in body
    assert NUMBER[-4:] not in body
