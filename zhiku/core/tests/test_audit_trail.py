"""The audit trail: append-only, hash-chained, verifiable, anchored outside the database."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from zhiku.accounts import services as account_services
from zhiku.accounts.models import Right
from zhiku.accounts.tests.factories import PASSWORD
from zhiku.core.audit import diff, log_action
from zhiku.core.models import GENESIS_HASH, AuditEntry, AuditTrailIsAppendOnly

pytestmark = pytest.mark.django_db


def verify(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit_verify", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def entries(n: int) -> list[AuditEntry]:
    return [log_action("tests.thing.done", data={"n": i}) for i in range(n)]


def test_each_entry_carries_its_hash_and_the_previous_one() -> None:
    first, second = entries(2)

    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert second.hash == second.compute_hash()
    assert (first.seq, second.seq) == (1, 2)


def test_changing_or_removing_an_entry_through_the_orm_raises() -> None:
    (entry,) = entries(1)

    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.all().delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.bulk_create([AuditEntry(seq=99, action="forged")])


def test_protected_values_are_masked_in_the_before_and_after() -> None:
    changes = diff(
        {"mobile": "13800138000", "city": "广州"},
        {"mobile": "13900139000", "city": "深圳"},
        protected={"mobile"},
    )

    assert changes == {"city": ["广州", "深圳"], "mobile": ["138****8000", "139****9000"]}


def test_verify_passes_on_demo_data() -> None:
    call_command("demo_seed", stdout=io.StringIO())
    count = AuditEntry.objects.count()
    head = AuditEntry.objects.get(seq=count).hash

    assert verify() == (0, f"OK {count} {head}\n")


def test_verify_names_the_entry_edited_in_sql() -> None:
    e = entries(5)

    sql("UPDATE core_auditentry SET action = %s WHERE id = %s", ["tests.thing.undone", e[2].pk])

    code, out = verify()
    assert code == 1
    assert out.startswith(f"FAIL id={e[2].pk} seq=3:")
    assert "被修改" in out


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor_id", None),  # who did it, quietly set to nobody
        ("actor_label", "另一人"),
        ("changes", '{"status": ["active", "exited"]}'),
        ("data", '{"n": 99}'),
        ("object_repr", "别的对象"),
        ("ip", "198.51.100.7"),
        ("request_id", "forged-request-id"),
    ],
)
def test_verify_notices_any_column_edited_in_sql(make_user: Any, column: str, value: Any) -> None:
    actor = make_user("staff", username="doer")
    e = [log_action("tests.thing.done", actor=actor, data={"n": i}) for i in range(3)]

    # Columns come from the list above, values go as parameters.
    sql(f"UPDATE core_auditentry SET {column} = %s WHERE id = %s", [value, e[1].pk])  # noqa: S608

    code, out = verify()
    assert code == 1
    assert out.startswith(f"FAIL id={e[1].pk} seq=2:")


def test_verify_names_the_entry_after_one_removed_in_sql() -> None:
    e = entries(5)

    sql("DELETE FROM core_auditentry WHERE id = %s", [e[1].pk])

    code, out = verify()
    assert code == 1
    assert out.startswith(f"FAIL id={e[2].pk} seq=3:")


def test_verify_names_an_entry_appended_without_the_helper() -> None:
    e = entries(2)
    forged = AuditEntry(seq=3, at=e[1].at, action="tests.forged", prev_hash=e[1].hash)
    forged.hash = forged.compute_hash()
    sql(
        "INSERT INTO core_auditentry (seq, at, actor_label, action, object_type, object_id,"
        " object_repr, changes, data, prev_hash, hash, request_id) VALUES (%s, %s, '', %s, '',"
        " '', '', '{}', '{}', %s, %s, '')",
        [3, e[1].at, "tests.forged", forged.prev_hash, forged.hash],
    )

    code, out = verify()
    forged_id = AuditEntry.objects.get(seq=3).pk
    assert code == 1
    assert out.startswith(f"FAIL id={forged_id} seq=3:")
    assert "插入" in out


def test_removing_the_last_entry_fails_against_the_head_row() -> None:
    e = entries(3)

    sql("DELETE FROM core_auditentry WHERE id = %s", [e[2].pk])

    code, out = verify()
    assert code == 1
    assert "seq=3" in out
    assert "被删除" in out


def test_expect_head_detects_the_last_entry_removed_with_the_head_row_rewritten() -> None:
    e = entries(3)
    kept_head = verify()[1].split()[2]

    sql("DELETE FROM core_auditentry WHERE id = %s", [e[2].pk])
    sql("UPDATE core_audithead SET seq = %s, hash = %s WHERE id = 1", [2, e[1].hash])

    assert verify()[0] == 0  # without an outside record the truncation is invisible
    code, out = verify("--expect-head", kept_head)
    assert code == 1
    assert kept_head in out
    assert "被删除" in out


def test_expect_head_detects_a_recomputed_chain() -> None:
    e = entries(3)
    kept_head = e[2].hash

    # Rewrite the second entry and recompute every hash after it, as a careful forger would.
    prev = e[0].hash
    for entry in e[1:]:
        entry.prev_hash = prev
        if entry.seq == 2:
            entry.action = "tests.thing.rewritten"
        entry.hash = entry.compute_hash()
        sql(
            "UPDATE core_auditentry SET action = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [entry.action, entry.prev_hash, entry.hash, entry.pk],
        )
        prev = entry.hash
    sql("UPDATE core_audithead SET hash = %s WHERE id = 1", [prev])

    assert verify()[0] == 0
    assert verify("--expect-head", kept_head)[0] == 1
    assert verify("--expect-head", e[0].hash)[0] == 0


def test_logins_failures_logouts_and_right_changes_are_recorded(
    client: Client, make_user: Any, security_admin: Any
) -> None:
    clerk = make_user("staff", username="clerk")
    login = reverse("accounts:login")

    client.post(login, {"username": "clerk", "password": "wrong-password"})
    client.post(login, {"username": "clerk", "password": PASSWORD})
    client.post(reverse("accounts:logout"))
    account_services.right_grant(
        actor=security_admin, user=clerk, right=Right.EDIT_PARAMETERS, reason="负责政策参数"
    )
    account_services.account_set_role(
        actor=security_admin, user=clerk, role="auditor", reason="调任审计"
    )

    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    for expected in (
        "accounts.login.failed",
        "accounts.login.succeeded",
        "accounts.logout",
        "accounts.right.granted",
        "accounts.right.revoked",
        "accounts.role.changed",
    ):
        assert expected in actions
    failed = AuditEntry.objects.get(action="accounts.login.failed")
    assert failed.actor_label == "clerk"
    assert failed.ip == "127.0.0.1"
    assert verify()[0] == 0


def _anchor(tmp_path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("audit_anchor", "--dir", str(tmp_path), "--date", "2026-11-27", *args, stdout=out)
    return out.getvalue()


def test_anchor_writes_the_days_head_once_and_again_only_when_it_moved(
    tmp_path: Path, settings: Any
) -> None:
    settings.AUDIT_ANCHOR_MAIL = False
    entries(2)

    _anchor(tmp_path)
    second = _anchor(tmp_path)
    entries(1)
    _anchor(tmp_path)

    lines = (tmp_path / "audit-head-2026-11-27.txt").read_text(encoding="utf-8").splitlines()
    assert "未重复写入" in second
    assert [line.split()[:2] for line in lines] == [["2026-11-27", "2"], ["2026-11-27", "3"]]
    assert lines[-1].split()[2] == AuditEntry.objects.get(seq=3).hash


def test_anchor_mails_the_head_to_auditors_when_configured(
    tmp_path: Path, settings: Any, make_user: Any
) -> None:
    settings.AUDIT_ANCHOR_MAIL = True
    make_user("auditor", username="auditor1")
    (entry,) = entries(1)

    _anchor(tmp_path)
    _anchor(tmp_path)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["auditor1@example.org"]
    assert entry.hash in mail.outbox[0].body
    assert f"--expect-head {entry.hash}" in mail.outbox[0].body


def test_anchor_refuses_to_record_a_broken_chain(tmp_path: Path) -> None:
    e = entries(2)
    sql("UPDATE core_auditentry SET action = %s WHERE id = %s", ["x", e[0].pk])

    with pytest.raises(CommandError, match="校验失败"):
        _anchor(tmp_path)
    assert not (tmp_path / "audit-head-2026-11-27.txt").exists()


@time_machine.travel(dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC), tick=False)
def test_auditor_exports_the_filtered_trail_marked_with_who_and_when(
    client: Client, make_user: Any
) -> None:
    auditor = make_user("auditor", username="auditor1", full_name="周审言")
    log_action("core.workday.changed", changes={"2027-10-01": ["", "holiday"]})
    log_action("core.parameter.changed", changes={"age_limit": [65, 66]})
    client.force_login(auditor)

    response = client.get(reverse("core:audit_export"), {"action": "core.workday.changed"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="audit-20261127-103000.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    stamp = "导出人：周审言（auditor1）　导出时间：2026-11-27 10:30:00"
    assert rows[1][0] == stamp
    assert rows[-1][0] == stamp
    assert rows[2][0] == "筛选条件：操作：调整工作日历"
    header = rows[3]
    (entry,) = [dict(zip(header, r, strict=True)) for r in rows[4:-2]]
    # In words, as on the page, and the codes and stored data beside them.
    assert (entry["操作"], entry["操作代码"]) == ("调整工作日历", "core.workday.changed")
    assert entry["变更"] == "2027-10-01：（空） → 休息日（法定节假日）"
    assert entry["变更（原始数据）"] == '{"2027-10-01": ["", "holiday"]}'
    exported = AuditEntry.objects.get(action="core.audit.exported")
    assert exported.actor == auditor
    assert exported.data == {
        "filters": {"action": "core.workday.changed"},
        "count": 1,
        "format": "xlsx",
    }


def test_audit_page_and_export_are_refused_to_everyone_but_auditors(
    client: Client, make_user: Any
) -> None:
    client.force_login(make_user("staff", username="all-rights", rights=tuple(Right.values)))

    assert client.get(reverse("core:audit_list")).status_code == 403
    assert client.get(reverse("core:audit_export")).status_code == 403
    assert not AuditEntry.objects.filter(action="core.audit.exported").exists()


def test_export_keeps_a_formula_typed_as_a_username_as_plain_text(
    client: Client, make_user: Any
) -> None:
    client.post(reverse("accounts:login"), {"username": "=1+1", "password": "x"})
    client.force_login(make_user("auditor", username="auditor1"))

    response = client.get(reverse("core:audit_export"), {"action": "accounts.login.failed"})

    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    cell = next(c for r in sheet.iter_rows() for c in r if c.value == "=1+1")
    assert cell.data_type == "s"


@pytest.mark.django_db
def test_audit_page_folds_an_entry_with_many_fields(client: Any, make_user: Any) -> None:
    log_action("experts.expert.created", changes={f"f{i}": ["", str(i)] for i in range(5)})
    log_action("accounts.logout", changes={"a": ["1", "2"]})
    client.force_login(make_user("auditor", username="fold-auditor"))

    body = client.get("/workspace/audit/").content.decode()

    assert body.count("<details>") == 1
    assert "<summary>5 项内容</summary>" in body


def test_behind_the_proxy_the_ip_is_the_one_the_proxy_saw_not_the_clients_claim(
    settings: Any, rf: Any
) -> None:
    from zhiku.core.context import client_ip

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9", REMOTE_ADDR="10.0.0.2")

    assert client_ip(request) == "203.0.113.9"
