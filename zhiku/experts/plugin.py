"""What the registry adds to the shell: menu, the expert's home, dashboard items, demo data,
audit labels, and the art. 6 parameters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhiku.core.parameters import Parameter, parameter_value
from zhiku.core.plugins import DashboardItem, DashboardSource, MenuItem, Plugin, register
from zhiku.core.roles import Role
from zhiku.experts import audit, personal_data, selectors
from zhiku.experts.choices import SpecialCategory
from zhiku.experts.demo import seed_experts
from zhiku.experts.models import ImportJob
from zhiku.experts.protected import remask_id_number
from zhiku.experts.services.duplicates import KIND_LABELS
from zhiku.experts.services.imports import import_jobs_fail_stalled

DUPLICATE_KINDS = list(KIND_LABELS.items())

# A failed import stays on its uploader's dashboard as long as its marked file is kept.
FAILED_IMPORT_SHOWN = timedelta(days=7)


def _pending_changes(user: Any, today: dt.date) -> DashboardItem | None:
    pending = selectors.pending_change_requests()
    count = pending.count()
    if not count:
        return None
    first = pending.aggregate(first=Min("submitted_at"))["first"]
    return DashboardItem(
        title=_("专家提交的信息变更待确认"),
        count=count,
        url=reverse("experts:change_request_list"),
        oldest=timezone.localtime(first).date() if first else None,
    )


def _over_age(user: Any, today: dt.date) -> DashboardItem | None:
    count, oldest = selectors.over_age_summary(today)
    if not count:
        return None
    return DashboardItem(
        title=_("在库专家超龄，已不符合第六条第（五）项"),
        count=count,
        url=reverse("experts:expert_list") + "?eligibility=over_age",
        oldest=oldest,
        note=_("请核实后按第八条第（一）项办理出库，或由审核人记录例外理由。"),
    )


def _legacy_imports(user: Any, today: dt.date) -> DashboardItem | None:
    experts = selectors.legacy_imports_unreviewed()
    count = experts.count()
    if not count:
        return None
    first = experts.aggregate(first=Min("created_at"))["first"]
    return DashboardItem(
        title=_("存量导入的专家待逐项核验第六条"),
        count=count,
        url=reverse("experts:expert_list") + "?eligibility=unverified_import",
        oldest=timezone.localtime(first).date() if first else None,
        note=_("批量导入时直接入库，未逐项核验；请在专家详情页核验后点击“已逐项核验”。"),
    )


def _unsent_activations(user: Any, today: dt.date) -> DashboardItem | None:
    """The uploader's imports whose activation e-mails did not all go out (or stopped going)."""
    now = timezone.now()
    jobs = [
        job
        for job in selectors.import_jobs_of(user).filter(
            email_state__in=(
                ImportJob.EmailState.INCOMPLETE,
                ImportJob.EmailState.QUEUED,
                ImportJob.EmailState.SENDING,
            )
        )
        if not selectors.import_job_emails(job, now=now).sending
    ]
    if not jobs:
        return None
    return DashboardItem(
        title=_("我导入的专家账户有设置密码邮件未发出"),
        count=len(jobs),
        url=reverse("experts:import_job_detail", kwargs={"pk": jobs[0].pk}),
        oldest=min(timezone.localtime(j.email_updated_at or j.created_at).date() for j in jobs),
        note=_("请在导入任务页查看原因并重新发送。"),
    )


def _failed_imports(user: Any, today: dt.date) -> DashboardItem | None:
    since = timezone.now() - FAILED_IMPORT_SHOWN
    jobs = list(
        selectors.import_jobs_of(user).filter(
            status__in=(ImportJob.Status.FAILED, ImportJob.Status.REJECTED),
            finished_at__gte=since,
        )
    )
    if not jobs:
        return None
    latest = jobs[0]
    return DashboardItem(
        title=_("我上传的专家名单未能导入"),
        count=len(jobs),
        url=reverse("experts:import_job_detail", kwargs={"pk": latest.pk}),
        oldest=min(timezone.localtime(j.finished_at).date() for j in jobs if j.finished_at),
        note=_("最近一次：%(f)s（%(s)s）")
        % {"f": latest.file_name, "s": latest.get_status_display()},
    )


def _deadlines(now: dt.datetime) -> Iterator[str]:
    """Mark failed the imports whose worker died (no progress for a while). Idempotent."""
    minutes = parameter_value("import_stall_minutes", timezone.localdate(now))
    for job in import_jobs_fail_stalled(now=now, stalled_after=timedelta(minutes=minutes)):
        yield gettext("导入任务 #%(id)d（%(f)s）超过 %(m)d 分钟没有进展，已标记为系统错误。") % {
            "id": job.pk,
            "f": job.file_name,
            "m": minutes,
        }


register(
    Plugin(
        app="zhiku.experts",
        **personal_data.HOOKS,  # the download's section, disclosures, key rotation
        role_homes={Role.EXPERT: MenuItem(_("我的主页"), "me:home", order=0)},
        menu=[
            MenuItem(_("专家库"), "experts:expert_list", order=20),
            MenuItem(_("批量导入"), "experts:import_page", order=21),
            MenuItem(_("导入值对照"), "experts:value_alias_list", group=_("设置"), order=83),
            MenuItem(_("报告信息变更"), "me:change", order=20),
            MenuItem(_("回避与可参加情况"), "me:declarations", order=21),
            MenuItem(_("我的个人信息"), "me:personal_data", order=90),
        ],
        dashboard=[
            DashboardSource("experts:change_request_list", _pending_changes, order=20),
            DashboardSource("experts:expert_list", _over_age, order=21),
            DashboardSource("experts:import_page", _legacy_imports, order=24),
            DashboardSource("experts:import_page", _failed_imports, order=23),
            DashboardSource("experts:import_page", _unsent_activations, order=25),
        ],
        demo=seed_experts,
        deadlines=_deadlines,
        audit_labels={
            "experts.expert.created": _("录入专家"),
            "experts.expert.updated": _("修改专家信息"),
            "experts.status.changed": _("专家状态变更"),
            "experts.status.hold_changed": _("记录或解除暂停原因"),
            "experts.identity.revealed": _("查看完整证件号码"),
            "experts.mobile.revealed": _("查看完整手机号码"),
            "experts.age_override.recorded": _("记录年龄条件例外"),
            "experts.employment.added": _("添加工作经历"),
            "experts.employment.removed": _("删除工作经历"),
            "experts.conflict.declared": _("声明利益冲突"),
            "experts.conflict.withdrawn": _("撤回利益冲突声明"),
            "experts.unfamiliar_fields.changed": _("变更不熟悉的领域"),
            "experts.unavailability.added": _("添加不可参加期间"),
            "experts.unavailability.removed": _("删除不可参加期间"),
            "experts.change_request.submitted": _("本人提交信息变更"),
            "experts.change_request.confirmed": _("确认信息变更"),
            "experts.change_request.rejected": _("退回信息变更"),
            # Written by the previous release; a request is an exit case now (exits app).
            "experts.exit_request.submitted": _("本人申请退出智库"),
            "experts.catalogue.field_saved": _("保存专业领域"),
            "experts.catalogue.industry_renamed": _("修改行业名称"),
            "experts.value_alias.created": _("添加导入值对照"),
            "experts.value_alias.deleted": _("删除导入值对照"),
            "experts.import.started": _("上传专家名单"),
            "experts.import.completed": _("导入专家名单"),
            "experts.import.rejected": _("专家名单有误，未导入"),
            "experts.import.failed": _("导入专家名单时系统出错"),
            "experts.import.stalled": _("导入任务中断（后台处理长时间没有进展）"),
            "experts.import.retried": _("重试导入专家名单"),
            "experts.import.activation_sent": _("发送导入账户的设置密码邮件"),
            "experts.import.activation_resent": _("重新发送导入账户的设置密码邮件"),
            "experts.import.error_file_downloaded": _("下载导入错误文件"),
            "experts.duplicate.found": _("查重命中已登记的号码"),
            "experts.admission_exception.recorded": _("记录不符合第六条仍予入库的理由"),
            "experts.legacy_import.reviewed": _("逐项核验存量导入的专家"),
            "experts.account.invited": _("为专家发送设置密码邮件"),
            "experts.list.exported": _("导出专家名单"),
            **personal_data.AUDIT_LABELS,
            # Written by the previous release; refusals are now accounts.access.refused.
            "experts.list.export_refused": _("导出专家名单被拒绝"),
        },
        audit_fields={
            **audit.labels(),  # the profile's fields, an import's figures, the list's filters
            **personal_data.AUDIT_FIELDS,
            "id_number": _("证件号码"),
            "mobile": _("手机号码"),
            "fields": _("专业领域"),
            "industries": _("行业"),
            "unfamiliar_fields": _("不熟悉的领域"),
            "status": _("状态"),
            "status_hold": _("暂停原因（办理中）"),
            "exit_case": _("出库案件编号"),
            "user": _("关联账户"),
            "on": _("日期"),
            "submitted_on": _("申请日期"),
            "employment": _("工作经历"),
            "in_field": _("从事本行业"),
            "kind": _("类型"),
            "party": _("单位或个人"),
            "start": _("起始日期"),
            "end": _("截止日期"),
            "change_request": _("变更申请编号"),
            "source": _("来源"),
            "value": _("号码（已遮蔽）"),
            "holder_named": _("是否告知持有人"),
            "job": _("导入任务编号"),
            "row": _("行号"),
            "admission_exception_reason": _("不符合第六条仍予入库的理由"),
            "failed_conditions": _("不符合的条件"),
            "passed": _("核验时符合第六条"),
            "to": _("收件地址"),
            "account_created": _("新开设账户"),
            "experts.duplicate.found:kind": _("号码类型"),
            "experts.value_alias.created:column": _("列"),
            "experts.value_alias.created:written": _("名单中的写法"),
            "experts.value_alias.created:value": _("导入为"),
            "experts.value_alias.deleted:column": _("列"),
            "experts.value_alias.deleted:written": _("名单中的写法"),
            "experts.value_alias.deleted:value": _("导入为"),
            "experts.import.activation_sent:sent": _("本轮发出"),
            "experts.import.activation_sent:failed": _("本轮发送失败"),
            "experts.import.activation_sent:pending": _("仍待发送"),
            "experts.import.activation_sent:stopped": _("停止原因"),
            "experts.import.stalled:last_progress": _("最近进展时间"),
            "experts.import.stalled:minutes": _("判定中断的时间（分钟）"),
        },
        audit_values={
            **audit.values(),
            **personal_data.AUDIT_VALUES,
            # Entries written before the mask hid all but two characters read as it does now.
            "id_number": remask_id_number,
            "experts.duplicate.found:kind": DUPLICATE_KINDS,
            "experts.duplicate.found:source": [
                ("hand", _("录入或修改")),
                ("import", _("批量导入")),
            ],
        },
        parameters=[
            Parameter(
                "age_limit",
                _("年龄上限（周岁）"),
                _("第六条第（五）项：入库专家年龄一般不超过此值。"),
                65,
                "int",
                minimum=40,
                maximum=80,
            ),
            Parameter(
                "min_years_in_field",
                _("从业年限下限（年）"),
                _("第六条第（一）项：在相关领域工作的最少年数。"),
                5,
                "int",
                minimum=0,
                maximum=40,
            ),
            Parameter(
                "age_exception_categories",
                _("年龄例外类别"),
                _("第六条第（五）项：这些专家可任职至法定退休年龄（高于年龄上限时）。"),
                frozenset(SpecialCategory.values),
                "choices",
                choices=SpecialCategory.choices,
            ),
            Parameter(
                "import_stall_minutes",
                _("导入任务中断判定时间（分钟）"),
                _(
                    "批量导入处理中超过此时间没有进展，视为后台进程已中断：到期事项办理时将其"
                    "标记为系统错误（未写入任何数据），导入人可以重试。"
                ),
                30,
                "int",
                minimum=5,
                maximum=1440,
            ),
        ],
    )
)
