"""The audit trail reads in Chinese: every action, every key and the values under them as people
know them (status names, field names, 是/否, roles and rights), labels from each app's plugin."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from zhiku.accounts.models import Right
from zhiku.core import plugins
from zhiku.core.audit import log_action
from zhiku.core.models import AuditEntry
from zhiku.core.selectors import audit_row
from zhiku.experts import services as expert_services
from zhiku.experts.choices import Status
from zhiku.experts.models import Expert, ExpertiseField
from zhiku.experts.selectors import expert_history_rows
from zhiku.experts.tests.factories import make_expert

pytestmark = pytest.mark.django_db


@pytest.fixture
def gadget_app() -> Iterator[None]:
    """A plugin that declares labels and values for its own keys, registered for one test (as
    the portal's, an installed app without a plugin of its own)."""
    plugins.register(
        plugins.Plugin(
            app="zhiku.portal",
            audit_labels={"gadget.colour.changed": "更换颜色（插件）"},
            audit_fields={"colour": "颜色", "gadget.colour.changed:size": "尺寸（本操作）"},
            audit_values={
                "colour": [("red", "红色"), ("blue", "蓝色")],
                "size": lambda v: f"{v} 厘米",
            },
        )
    )
    try:
        yield
    finally:
        plugins.unregister("zhiku.portal")


def test_a_plugin_declares_how_its_keys_and_values_read(gadget_app: None) -> None:
    entry = log_action(
        "gadget.colour.changed",
        changes={"colour": ["red", "blue"]},
        data={"size": 12, "fragile": True, "parts": ["red", "blue"]},
    )

    row = audit_row(entry)

    assert row.action == "更换颜色（插件）"
    assert row.changes == [("颜色", "红色", "蓝色")]
    assert row.data == [("尺寸（本操作）", "12 厘米"), ("fragile", "是"), ("parts", "red、blue")]


def test_status_roles_rights_and_yes_no_read_as_people_know_them(make_user: Any) -> None:
    # As the account services write them (their own tests cover who may make these changes).
    log_action("accounts.right.granted", changes={"value": ["", Right.EXPORT_DATA]})
    log_action("accounts.role.changed", changes={"value": ["staff", "auditor"]})
    log_action("core.calendar_year.completed", changes={"complete": [False, True]})
    expert = make_expert(status=Status.ACTIVE)
    expert_services.expert_status_change(
        actor=make_user("staff", username="clerk2"),
        expert=expert,
        to_status=Status.SUSPENDED,
        on=date(2026, 3, 2),
        reason="暂停",
    )

    rows = {e.action: audit_row(e) for e in AuditEntry.objects.all()}

    assert rows["accounts.right.granted"].changes == [("权限", "", "导出数据")]
    assert rows["accounts.role.changed"].changes == [("角色", "工作人员", "审计员")]
    assert rows["core.calendar_year.completed"].changes == [("已录入完整", "否", "是")]
    assert rows["experts.status.changed"].changes == [("状态", "在库", "暂停")]
    assert ("生效日期", "2026-03-02") in rows["experts.status.changed"].data


def test_the_experts_fields_and_catalogue_codes_read_by_name(make_user: Any) -> None:
    staff = make_user("staff", username="clerk3")
    expert = make_expert()
    unfamiliar = ExpertiseField.objects.get(code="03.01")
    expert_services.unfamiliar_fields_set(actor=staff, expert=expert, fields=[unfamiliar])
    expert_services.conflict_declare(
        actor=staff, expert=expert, kind="organisation", party="美的集团", reason="曾任职"
    )

    rows = {e.action: audit_row(e) for e in AuditEntry.objects.all()}

    (change,) = rows["experts.unfamiliar_fields.changed"].changes
    assert change == ("不熟悉的领域", "", f"03.01 {unfamiliar.name}")
    assert ("类型", "单位") in rows["experts.conflict.declared"].data


def test_the_profile_history_shows_the_conflict_kind_and_status_in_words(make_user: Any) -> None:
    staff = make_user("staff", username="clerk4")
    expert = make_expert()
    expert_services.conflict_declare(
        actor=staff, expert=expert, kind="organisation", party="格力电器", reason="亲属任职"
    )

    (row,) = expert_history_rows(Expert.objects.get(pk=expert.pk))

    assert row.action == "声明利益冲突"
    assert ("类型", "单位") in row.data
    assert "organisation" not in str(row)


def _demo_trail() -> list[AuditEntry]:
    from importlib import import_module

    from django.apps import apps

    import_module("zhiku.experts.migrations.0002_catalogues").load(apps, None)
    call_command("demo_seed", stdout=io.StringIO())
    return list(AuditEntry.objects.order_by("seq"))


def test_every_action_and_key_the_demo_writes_has_a_chinese_label() -> None:
    entries = _demo_trail()
    assert len(entries) > 40

    unlabelled = sorted(
        {e.action for e in entries if plugins.action_label(e.action) == e.action}
        | {
            f"{e.action}:{key}"
            for e in entries
            for key in [*e.changes, *e.data]
            if plugins.field_label(key, action=e.action) is None
        }
    )

    assert unlabelled == []


def test_the_audit_page_shows_labels_and_filters_by_a_chosen_action(make_user: Any) -> None:
    _demo_trail()
    client = Client()
    client.force_login(make_user("auditor", username="auditor9"))

    page = client.get(reverse("core:audit_list"), {"action": "experts.status.changed"})
    body = page.content.decode()

    assert page.context["form"].is_valid()
    shown = {row.entry.action for row in page.context["rows"]}
    assert shown == {"experts.status.changed"}
    assert "专家状态变更" in body
    assert "状态：在库 → 暂停" in body
    assert "experts.status.changed</td>" not in body
    # The filter is a list of the declared actions, grouped by app, plus "all".
    assert '<select name="action"' in body
    assert '<optgroup label="专家库">' in body
    assert '<option value="">全部操作</option>' in body


def test_an_apps_actions_filter_together_and_an_unknown_one_is_refused(make_user: Any) -> None:
    _demo_trail()
    client = Client()
    client.force_login(make_user("auditor", username="auditor8"))

    grouped = client.get(reverse("core:audit_list"), {"action": "accounts."})
    unknown = client.get(reverse("core:audit_list"), {"action": "accounts.login"})

    actions = {row.entry.action for row in grouped.context["rows"]}
    assert actions and all(a.startswith("accounts.") for a in actions)
    assert "请从列表中选择操作" in unknown.content.decode()


def test_the_export_shows_the_filter_in_words_and_keeps_the_codes(make_user: Any) -> None:
    auditor = make_user("auditor", username="auditor7")
    log_action("core.parameter.changed", changes={"age_limit": [65, 66]}, data={"reason": "调整"})
    client = Client()
    client.force_login(auditor)

    response = client.get(
        reverse("core:audit_export"), {"action": "core.parameter.changed", "actor": "张"}
    )

    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].values)
    assert rows[2][0] == "筛选条件：操作人：张；操作：修改政策参数"
    assert AuditEntry.objects.get(action="core.audit.exported").data["filters"] == {
        "actor": "张",
        "action": "core.parameter.changed",
    }
    # The exported entry's own row is the filter's one change, read by the parameter's label.
    exported = audit_row(AuditEntry.objects.get(action="core.audit.exported"))
    assert ("筛选条件", "操作人：张；操作：修改政策参数") in exported.data


def test_a_parameter_change_reads_by_the_parameters_label_and_value() -> None:
    entry = log_action(
        "core.parameter.changed",
        changes={
            "age_exception_categories": [["academician"], ["academician", "doctoral_supervisor"]]
        },
        data={"effective_on": timezone.localdate().isoformat()},
    )

    (change,) = audit_row(entry).changes

    assert change == ("年龄例外类别", "院士", "院士、博士生导师")


# Keys whose values are people's own words or names, not codes: they read as stored.
AS_STORED = {"user", "username"}


def test_no_code_the_demo_writes_into_a_change_reads_as_a_code() -> None:
    entries = _demo_trail()

    raw = sorted(
        {
            f"{e.action}:{key}={value}"
            for e in entries
            for key, pair in e.changes.items()
            if key not in AS_STORED
            for value in pair
            if isinstance(value, str)
            and re.fullmatch(r"[a-z][a-z_]*", value)
            and plugins.value_label(key, value, action=e.action) == value
        }
    )

    assert raw == []
