"""Recruitment's part of personal-data rights (PIPL): its section of an expert's own download,
the rotation of its protected numbers' keys, and the retention rule for refused applications
and for the applications of experts whose identifiers were removed.

A refused application (资格审核未通过, 理事会审议未通过, 公示异议成立不予入库) keeps its
documents and identifiers for ``rejected_application_retention_years`` (a parameter, default
3) from its decision; then ``run_deadlines`` deletes the documents' bytes (their rows stay,
marked removed) and empties the identity number, mobile, e-mail, address, birth date and
certificate numbers, in the application and in its submission snapshots, with one audit entry.
The name, organisation, title, fields and the decisions stay: the record of who applied and
what was decided. Pure function of the day of ``now``; a second run does nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiku.core import crypto
from zhiku.core.audit import log_action
from zhiku.core.parameters import Parameter, parameter_value
from zhiku.core.personal_data import jsonable, record, records
from zhiku.core.uploads import stored_file_remove
from zhiku.experts.crypto import ID_HASH_PURPOSE
from zhiku.experts.models import Expert
from zhiku.recruitment.models import Application, ApplicationDocument

RETENTION_KEY = "rejected_application_retention_years"
REFUSED = (
    Application.Status.REJECTED,
    Application.Status.NOT_APPROVED,
    Application.Status.NOT_ADMITTED,
)
# Keys of a submission snapshot that identify or reach the person.
SNAPSHOT_REMOVED = ("id_number", "mobile", "email", "address", "birth_date", "senior_certificates")
REMOVED_MARK = "（已删除）"

RETENTION_PARAMETER = Parameter(
    RETENTION_KEY,
    gettext_lazy("未获入库申请的个人信息保存年限（年）"),
    gettext_lazy(
        "资格审核未通过、理事会审议未通过或公示异议成立不予入库的申请，自作出决定之日起满此年限后，"
        "系统删除其上传的材料，并删除证件号码、手机号码、电子邮箱、通讯地址、出生日期和证书编号"
        "（保留姓名、单位、职称与审核记录）。"
    ),
    3,
    "int",
    minimum=1,
    maximum=30,
)


# --- the expert's download ------------------------------------------------------------------


def _application(application: Application) -> dict[str, Any]:
    return {
        **record(
            application,
            exclude=("user", "expert"),
            id_number=crypto.decrypt(application.id_number_token),
            mobile=crypto.decrypt(application.mobile_token),
            call=application.call.title,
            other_fields=[f"{f.code} {f.name}" for f in application.other_fields.all()],
            industries=[f"{i.code} {i.name}" for i in application.industries.all()],
        ),
        "employment": records(application.employments.all(), exclude=("application",)),
        "documents": [
            {
                "kind": d.get_kind_display(),
                "file_name": d.file.original_name,
                "size": d.file.size,
                "uploaded_at": jsonable(d.uploaded_at),
                "removed_at": jsonable(d.removed_at or d.file.removed_at),
                "verified_by": str(d.verified_by or ""),
                "verified_at": jsonable(d.verified_at),
            }
            for d in application.documents.select_related("file", "verified_by")
        ],
        "status_changes": records(
            application.status_changes.order_by("at", "pk"), exclude=("application",)
        ),
    }


def section(expert: Expert) -> dict[str, Any] | None:
    """The expert's applications (their own account's, and any the registry record came from),
    with their documents (names, not contents), work history and decisions."""
    who = Q(expert=expert)
    if expert.user_id:
        who |= Q(user_id=expert.user_id)
    applications = Application.objects.filter(who).select_related("call").order_by("created_at")
    if not applications:
        return None
    return {"applications": [_application(a) for a in applications]}


# --- key rotation ----------------------------------------------------------------------------


def applications_rotate_keys() -> int:
    """Re-encrypt every application's numbers under the current key and recompute its lookup
    hash with the newest hash key; return how many were rewritten. Safe to run twice."""
    count = 0
    holding = Application.objects.exclude(id_number_token="", mobile_token="")
    for pk in holding.values_list("pk", flat=True):
        with transaction.atomic():
            a = Application.objects.select_for_update().get(pk=pk)
            a.id_number_token = crypto.rotate(a.id_number_token)
            a.mobile_token = crypto.rotate(a.mobile_token)
            a.id_number_hash = crypto.lookup_hash(
                crypto.decrypt(a.id_number_token), purpose=ID_HASH_PURPOSE
            )
            a.save(update_fields=["id_number_token", "mobile_token", "id_number_hash"])
            count += 1
    return count


# --- retention -------------------------------------------------------------------------------


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (29 February: the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


_HOLDS = (
    ~Q(id_number_token="")
    | ~Q(mobile_token="")
    | ~Q(email="")
    | ~Q(address="")
    | ~Q(senior_certificates="")
    | Q(birth_date__isnull=False)
    | Q(documents__file__removed_at__isnull=True)
)


def applications_due(today: dt.date) -> tuple[list[Application], list[Application]]:
    """The applications whose personal data the rule removes on ``today``: refused at least the
    retention period before (by their local decision day), and those of experts whose own
    identifiers were removed; only those still holding something."""
    years = parameter_value(RETENTION_KEY, today)
    cutoff = years_before(today, years)
    # decided_at is a moment; the day it fell on in Beijing is what counts.
    end = timezone.make_aware(dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time()))
    holding = Application.objects.filter(_HOLDS).distinct()
    refused = list(holding.filter(status__in=REFUSED, decided_at__lt=end).order_by("pk"))
    gone = list(
        holding.filter(expert__isnull=False, expert__id_number_token="")
        .exclude(pk__in=[a.pk for a in refused])
        .order_by("pk")
    )
    return refused, gone


@transaction.atomic
def application_personal_data_remove(
    *, application: Application, reason: str, now: dt.datetime
) -> bool:
    """Delete an application's documents and empty its identifiers (see the module's note);
    False when nothing was left."""
    a = Application.objects.select_for_update().get(pk=application.pk)
    documents = ApplicationDocument.objects.filter(application=a).select_related("file")
    removed_files = sum(stored_file_remove(d.file, now=now) for d in documents)
    removed = [
        name
        for name, value in (
            ("id_number", a.id_number_token),
            ("mobile", a.mobile_token),
            ("email", a.email),
            ("address", a.address),
            ("birth_date", a.birth_date),
            ("senior_certificates", a.senior_certificates),
        )
        if value
    ]
    if not removed and not removed_files:
        return False
    a.id_number_token = a.id_number_hash = a.mobile_token = ""
    a.id_number_masked = REMOVED_MARK if a.id_number_masked else ""
    a.mobile_masked = REMOVED_MARK if a.mobile_masked else ""
    a.email = a.address = a.senior_certificates = ""
    a.birth_date = None
    a.save(
        update_fields=[
            "id_number_token",
            "id_number_hash",
            "id_number_masked",
            "mobile_token",
            "mobile_masked",
            "email",
            "address",
            "senior_certificates",
            "birth_date",
            "updated_at",
        ]
    )
    for submission in a.submissions.all():
        snapshot = dict(submission.snapshot)
        for key in SNAPSHOT_REMOVED:
            if key in snapshot and isinstance(snapshot[key], list) and len(snapshot[key]) == 2:
                snapshot[key] = [snapshot[key][0], REMOVED_MARK]
        if snapshot != submission.snapshot:
            submission.snapshot = snapshot
            submission.save(update_fields=["snapshot"])
    log_action(
        "recruitment.application.personal_data_removed",
        obj=a,
        data={"removed": removed, "files": removed_files, "reason": reason},
    )
    return True


def applications_retention(now: dt.datetime) -> Iterator[str]:
    """The deadline step: apply the retention rule on the day of ``now``. Idempotent."""
    today = timezone.localdate(now)
    refused, gone = applications_due(today)
    years = parameter_value(RETENTION_KEY, today)
    done = 0
    for application in refused:
        done += application_personal_data_remove(
            application=application,
            reason=_("未获入库，自决定之日起已满 %(y)d 年") % {"y": years},
            now=now,
        )
    for application in gone:
        done += application_personal_data_remove(
            application=application,
            reason=_("申请人出库后其个人信息已按保存期限删除"),
            now=now,
        )
    if done:
        yield _("已按保存期限删除 %(n)d 份入库申请的材料与身份信息") % {"n": done}


_REMOVED = "recruitment.application.personal_data_removed"
AUDIT_FIELDS = {
    f"{_REMOVED}:removed": gettext_lazy("删除的信息"),
    f"{_REMOVED}:files": gettext_lazy("删除的材料文件数"),
    f"{_REMOVED}:reason": gettext_lazy("依据"),
}
AUDIT_VALUES = {
    f"{_REMOVED}:removed": [
        ("id_number", gettext_lazy("证件号码")),
        ("mobile", gettext_lazy("手机号码")),
        ("email", gettext_lazy("电子邮箱")),
        ("address", gettext_lazy("通讯地址")),
        ("birth_date", gettext_lazy("出生日期")),
        ("senior_certificates", gettext_lazy("证书编号")),
    ]
}

# What the plugin adds to core for personal-data rights.
HOOKS: dict[str, Any] = {
    "personal_data": section,
    "rotate_keys": applications_rotate_keys,
}
