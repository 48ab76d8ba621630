"""Personal-data rights (issue 17, item 7; PIPL): the expert downloads everything the system
holds about them, and an expert's page tells holders of the reveal right who saw or exported
their protected data (and nobody else)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhiku.accounts.models import Right
from zhiku.core.audit import log_action
from zhiku.core.models import AuditEntry, AuditSubject
from zhiku.core.tests.factories import pdf_text
from zhiku.evaluations import services as evaluations
from zhiku.experts import personal_data, services
from zhiku.experts.models import Expert
from zhiku.experts.tests.factories import make_expert
from zhiku.experts.tests.support import NOW, client_for

pytestmark = pytest.mark.django_db
NUMBER = "440106197005170011"
MOBILE = "13912340000"


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def lin(make_user: Callable[..., Any]) -> Expert:
    user = make_user("expert", username="lin", full_name="林质安")
    return make_expert(
        user=user, name="林质安", id_number=NUMBER, mobile=MOBILE, email="lin@example.org"
    )


@pytest.fixture
def revealer(make_user: Callable[..., Any]) -> Any:
    return make_user(
        "staff",
        username="revealer",
        full_name="陈质远",
        rights=(Right.REVEAL_PERSONAL_DATA, Right.EXPORT_DATA),
    )


@pytest.fixture
def clerk(make_user: Callable[..., Any]) -> Any:
    return make_user("staff", username="clerk", full_name="黄一般", rights=(Right.EXPORT_DATA,))


def download(client: Client) -> tuple[dict[str, Any], zipfile.ZipFile]:
    response = client.post(reverse("me:personal_data"))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return json.loads(archive.read("personal-data.json").decode("utf-8")), archive


# --- the expert's download ------------------------------------------------------------------


def test_the_expert_downloads_their_data_with_numbers_in_clear_and_the_dossier(
    lin: Expert,
) -> None:
    assert lin.user is not None
    services.conflict_declare(
        actor=lin.user, expert=lin, kind="employer", party="某检测公司", reason="曾任顾问"
    )
    client = client_for(lin.user)

    page = client.get(reverse("me:personal_data"))
    assert "下载我的个人信息" in page.content.decode()
    data, archive = download(client)

    assert data["format"] == "zhiku-personal-data/1"
    assert data["expert"]["name"] == "林质安"
    registry = data["sections"]["experts"]
    assert registry["record"]["id_number"] == NUMBER
    assert registry["record"]["mobile"] == MOBILE
    assert registry["record"]["email"] == "lin@example.org"
    assert registry["record"]["gender"] == "男"  # coded values as their label
    assert not any(k.endswith(("_hash", "_token")) for k in registry["record"])
    assert registry["conflicts"][0]["party"] == "某检测公司"
    assert registry["account"]["username"] == "lin"
    assert "experts.conflict.declared" in [e["action"] for e in registry["audit"]]
    # Every file named in the data is in the archive: the dossier PDF of the evaluations app.
    (dossier,) = data["files"]
    assert dossier.startswith("综合考核档案-") and dossier.endswith(".pdf")
    assert "林质安" in pdf_text(archive.read(dossier))
    assert "personal-data.json" in archive.read("README.txt").decode("utf-8")
    entry = AuditEntry.objects.get(action="experts.personal_data.downloaded")
    assert (entry.actor, entry.object_id) == (lin.user, str(lin.pk))
    assert NUMBER not in json.dumps(entry.data)


def test_each_expert_downloads_only_their_own_data(
    lin: Expert, make_user: Callable[..., Any]
) -> None:
    other = make_expert(user=make_user("expert", username="wang"), name="王另一")

    data, _archive = download(client_for(other.user))

    assert data["expert"]["name"] == "王另一"
    assert "林质安" not in json.dumps(data, ensure_ascii=False)
    assert NUMBER not in json.dumps(data)


def test_staff_cannot_reach_the_download_and_an_account_without_a_record_gets_none(
    lin: Expert, revealer: Any, make_user: Callable[..., Any]
) -> None:
    assert client_for(revealer).post(reverse("me:personal_data")).status_code == 403
    bare = client_for(make_user("expert", username="bare"))
    response = bare.post(reverse("me:personal_data"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert not AuditEntry.objects.filter(action="experts.personal_data.downloaded").exists()


def test_downloads_are_limited_to_five_a_day_with_a_chinese_message(lin: Expert) -> None:
    for _n in range(5):
        log_action("experts.personal_data.downloaded", actor=lin.user, obj=lin)
    client = client_for(lin.user)

    response = client.post(reverse("me:personal_data"), follow=True)

    assert response["Content-Type"].startswith("text/html")
    assert "每 24 小时最多下载 5 次" in response.content.decode()
    assert AuditEntry.objects.filter(action="experts.personal_data.downloaded").count() == 5


# --- who saw an expert's protected data -----------------------------------------------------


def test_the_page_lists_reveals_exports_and_dossiers_to_holders_of_the_reveal_right_only(
    lin: Expert, revealer: Any, clerk: Any
) -> None:
    bystander = make_expert(name="旁人")
    client_for(revealer).post(reverse("experts:expert_reveal", args=[lin.pk, "identity"]))
    services.expert_list_export(actor=revealer, filters={}, today=NOW.date(), now=NOW)
    services.expert_list_export(actor=clerk, filters={}, today=NOW.date(), now=NOW)  # masked
    evaluations.dossier_pdf(actor=clerk, expert=lin)
    services.expert_mobile_reveal(actor=revealer, expert=bystander)

    rows = personal_data.disclosures_of(lin)

    # Newest first; the masked export and the bystander's reveal are not about lin's data.
    assert [r.what for r in rows] == [
        "综合考核档案（PDF）",
        "导出专家名单（含完整号码）",
        "完整证件号码",
    ]
    assert ["黄一般" in rows[0].actor, "陈质远" in rows[1].actor, "陈质远" in rows[2].actor] == [
        True,
        True,
        True,
    ]
    # The export named each expert it disclosed; the masked one named none.
    export = AuditEntry.objects.filter(action="experts.list.exported").order_by("seq")
    assert export[0].data["subjects"] == 2 and "subjects" not in export[1].data
    assert AuditSubject.objects.filter(entry=export[1]).count() == 0

    shown = client_for(revealer).get(reverse("experts:expert_detail", args=[lin.pk]))
    html = shown.content.decode()
    assert "受保护个人信息的查看与导出记录" in html
    assert shown.context["disclosures"] == rows

    hidden = client_for(clerk).get(reverse("experts:expert_detail", args=[lin.pk]))
    html = hidden.content.decode()
    assert hidden.status_code == 200
    assert hidden.context["disclosures"] is None
    assert "受保护个人信息的查看与导出记录" not in html
    # Nor through the change history beside it.
    assert "查看完整证件号码" not in html and "导出综合考核档案" not in html
    assert "查看完整证件号码" in shown.content.decode()


def test_the_list_of_disclosures_takes_the_same_queries_however_long_the_trail(
    lin: Expert, revealer: Any, django_assert_max_num_queries: Any
) -> None:
    for _n in range(30):
        services.expert_identity_reveal(actor=revealer, expert=lin)
        log_action("experts.expert.updated", actor=revealer, obj=lin)

    with django_assert_max_num_queries(4):
        rows = personal_data.disclosures_of(lin)

    assert len(rows) == 30


def test_an_expert_removed_under_the_retention_rule_downloads_what_is_left(lin: Expert) -> None:
    services.expert_identifiers_remove(expert=lin, reason="测试", now=NOW)
    assert not services.expert_identifiers_remove(expert=lin, reason="测试", now=NOW)

    data, _archive = download(client_for(lin.user))

    record = data["sections"]["experts"]["record"]
    assert (record["id_number"], record["mobile"], record["email"]) == ("", "", "")
    assert record["id_number_masked"] == "（已删除）"
    assert dt.date.fromisoformat(record["birth_date"]) == lin.birth_date
