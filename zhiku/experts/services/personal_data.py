"""Personal-data rights (PIPL): the expert's own download, and the removal of an exited expert's
identifiers once their retention period has passed.

The download gathers every app's section through the plugins' ``personal_data`` hooks and
their files (the dossier PDF) through ``personal_files``; core and the registry know no other
app.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core.audit import log_action
from zhiku.core.models import AuditEntry
from zhiku.core.personal_data import FORMAT, jsonable
from zhiku.core.plugins import personal_data, personal_files
from zhiku.experts.models import ChangeRequest, Expert
from zhiku.experts.services._common import ExpertError

DOWNLOADS_PER_DAY = 5
DATA_FILE = "personal-data.json"
# What a removed identity number's unique lookup hash becomes: unique, and no hash of anything.
REMOVED_HASH = "removed:{pk}"
# The registry's fields that identify or reach the person, emptied when the retention ends.
REMOVED_FIELDS = ("id_number", "mobile", "email", "address", "senior_certificates")
# Shown where the number was.
REMOVED_MARK = "（已删除）"


@dataclass(frozen=True)
class Download:
    content: bytes
    file_name: str


def _readme(expert: Expert, now: dt.datetime, files: list[str]) -> str:
    lines = [
        _("广东省质量发展智库 个人信息副本"),
        _("专家：%(e)s；生成时间：%(t)s") % {"e": expert, "t": jsonable(now)},
        "",
        _(
            "%(f)s 为本系统保存的关于您的全部信息（UTF-8 编码的 JSON），各键的含义见系统文档"
            "“个人信息副本”一节；证件号码与手机号码为完整号码，请妥善保管。"
        )
        % {"f": DATA_FILE},
    ]
    lines += [_("附件：%(f)s") % {"f": name} for name in files]
    return "\n".join(lines) + "\n"


@transaction.atomic
def personal_data_download(*, actor: User, now: dt.datetime | None = None) -> Download:
    """Everything the system holds about the signed-in expert, as one zip: the data (JSON) and
    every app's files about them (the dossier PDF); audited, at most a few a day."""
    now = now or timezone.now()
    expert = Expert.objects.filter(user=actor).first()
    if expert is None:
        raise ExpertError(_("您的账户尚未关联专家信息，没有可下载的个人信息。"))
    since = now - dt.timedelta(days=1)
    recent = AuditEntry.objects.filter(
        action="experts.personal_data.downloaded", actor=actor, at__gte=since
    ).count()
    if recent >= DOWNLOADS_PER_DAY:
        raise ExpertError(
            _("个人信息副本每 24 小时最多下载 %(n)d 次，您已达上限，请明天再试。")
            % {"n": DOWNLOADS_PER_DAY}
        )
    sections = personal_data(expert)
    files = personal_files(expert)
    data = {
        "format": FORMAT,
        "produced_at": jsonable(now),
        "expert": {"pk": expert.pk, "name": expert.name, "pool_number": expert.pool_number},
        "sections": sections,
        "files": [name for name, _content in files],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(DATA_FILE, json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("README.txt", _readme(expert, now, [name for name, _c in files]))
        for name, content in files:
            archive.writestr(name, content)
    log_action(
        "experts.personal_data.downloaded",
        actor=actor,
        obj=expert,
        data={"sections": sorted(sections), "files": len(files)},
    )
    stamp = timezone.localtime(now).strftime("%Y%m%d")
    return Download(buffer.getvalue(), f"个人信息-{expert.pool_number or expert.pk}-{stamp}.zip")


def holds_identifiers(expert: Expert) -> bool:
    return bool(
        expert.id_number_token
        or expert.mobile_token
        or expert.email
        or expert.address
        or expert.senior_certificates
    )


@transaction.atomic
def expert_identifiers_remove(*, expert: Expert, reason: str, now: dt.datetime) -> bool:
    """Empty an expert's identifiers (identity and mobile numbers, e-mail, address, certificate
    numbers, numbers in pending change requests) once the retention rule says so; False when
    nothing was left to remove. The name, pool number, birth date and professional record stay:
    the pool's history (draws, fees, the exit announcement) needs to say who it was."""
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    requests = ChangeRequest.objects.filter(expert=expert).exclude(protected_token="")
    if not holds_identifiers(expert) and not requests.exists():
        return False
    removed = [
        name
        for name, value in (
            ("id_number", expert.id_number_token),
            ("mobile", expert.mobile_token),
            ("email", expert.email),
            ("address", expert.address),
            ("senior_certificates", expert.senior_certificates),
        )
        if value
    ]
    expert.id_number_token = ""
    expert.id_number_hash = REMOVED_HASH.format(pk=expert.pk)
    expert.id_number_masked = REMOVED_MARK
    expert.mobile_token = expert.mobile_hash = expert.mobile_masked = ""
    expert.email = expert.address = expert.senior_certificates = ""
    expert.save(
        update_fields=[
            "id_number_token",
            "id_number_hash",
            "id_number_masked",
            "mobile_token",
            "mobile_hash",
            "mobile_masked",
            "email",
            "address",
            "senior_certificates",
            "updated_at",
        ]
    )
    changed = requests.update(protected_token="")
    log_action(
        "experts.personal_data.removed",
        obj=expert,
        data={"removed": removed, "change_requests": changed, "reason": reason},
    )
    return True
