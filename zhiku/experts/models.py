"""The expert experts: catalogues, expert profiles and what hangs off them."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiku.core.models import Transition
from zhiku.experts import eligibility, rules
from zhiku.experts.choices import (
    OUTSIDE_GUANGDONG,
    Degree,
    Education,
    Gender,
    OrgType,
    Region,
    Status,
    TitleLevel,
)
from zhiku.experts.identity import IdType


class ExpertiseField(models.Model):
    """A field of quality work (质量工作领域); a tree of two levels, edited by staff."""

    code = models.CharField(_("代码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级领域"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("专业领域")
        verbose_name_plural = _("专业领域")

    def __str__(self) -> str:
        if self.parent is not None:
            return f"{self.parent.name} / {self.name}"
        return self.name


class Industry(models.Model):
    """A section (门类) of GB/T 4754 Industrial classification for national economic activities."""

    code = models.CharField(_("门类代码"), max_length=1, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("行业门类")
        verbose_name_plural = _("行业门类")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PoolNumberCounter(models.Model):
    """The last pool number given in a year; numbers only ever go up, so none is reused."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Expert(models.Model):
    """A person in the pool or applying to it. Protected numbers are held only encrypted."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="expert_profile",
        verbose_name=_("账户"),
    )
    pool_number = models.CharField(_("专家编号"), max_length=16, unique=True, null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.APPLICANT
    )
    # Why the expert is held suspended by a case under way elsewhere (an exit case under art.
    # 8(3)–(7)): shown to staff, and no reinstatement by hand while it is set.
    status_hold = models.CharField(_("暂停原因（办理中）"), max_length=300, blank=True)

    name = models.CharField(_("姓名"), max_length=64, db_index=True)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    id_type = models.CharField(_("证件类型"), max_length=24, choices=IdType.choices)
    # Fernet token, keyed hash (duplicates) and masked form (display) of the number.
    id_number_token = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("证件号码"), max_length=32, editable=False)
    mobile_token = models.TextField(editable=False, blank=True)
    mobile_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    mobile_masked = models.CharField(_("手机号码"), max_length=24, blank=True, editable=False)
    email = models.EmailField(_("电子邮箱"), blank=True)
    address = models.CharField(_("通讯地址"), max_length=200, blank=True)

    organisation = models.CharField(_("工作单位"), max_length=128, db_index=True)
    org_type = models.CharField(_("单位类型"), max_length=24, choices=OrgType.choices)
    position = models.CharField(_("职务"), max_length=64, blank=True)
    senior_manager = models.BooleanField(_("企业高层管理者"), default=False)
    title = models.CharField(_("职称"), max_length=64, blank=True)
    title_level = models.CharField(
        _("职称级别"), max_length=24, choices=TitleLevel.choices, default=TitleLevel.NONE
    )
    senior_certificates = models.TextField(
        _("专业技术高级水平证书"), blank=True, help_text=_("每行一项：证书名称、编号")
    )
    education = models.CharField(_("学历"), max_length=16, choices=Education.choices, blank=True)
    degree = models.CharField(_("学位"), max_length=16, choices=Degree.choices, blank=True)
    special_categories = models.JSONField(_("特殊类别"), default=list, blank=True)
    statutory_retirement_age = models.PositiveSmallIntegerField(
        _("法定退休年龄"), null=True, blank=True
    )
    region = models.CharField(_("所在地区"), max_length=24, choices=Region.choices)

    expertise_fields: models.ManyToManyField[ExpertiseField, ExpertField] = models.ManyToManyField(
        ExpertiseField, through="ExpertField", related_name="experts", verbose_name=_("专业领域")
    )
    industries = models.ManyToManyField(
        Industry, blank=True, related_name="experts", verbose_name=_("行业")
    )
    unfamiliar_fields = models.ManyToManyField(
        ExpertiseField, blank=True, related_name="+", verbose_name=_("不熟悉的领域")
    )

    ethics_declared = models.BooleanField(_("已声明职业道德与无不良记录"), default=False)
    health_declared = models.BooleanField(_("已声明身体健康、自愿参与"), default=False)
    age_override_reason = models.TextField(_("年龄条件例外的理由"), blank=True)
    age_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    age_override_at = models.DateTimeField(null=True, blank=True)
    # Art. 6: a reviewer admitted this expert although a condition failed, for this reason.
    admission_exception_reason = models.TextField(_("不符合第六条仍予入库的理由"), blank=True)
    admission_exception_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    admission_exception_at = models.DateTimeField(null=True, blank=True)
    # Admitted by a roster import, without the art. 6 check item by item, until a reviewer
    # has gone through it (then reviewed_at is set; the mark stays, as history).
    legacy_import = models.BooleanField(_("存量导入（未逐项核验）"), default=False)
    legacy_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    legacy_reviewed_at = models.DateTimeField(_("逐项核验时间"), null=True, blank=True)
    # The import that entered this expert, if one did: its audit entry is in the history.
    import_job = models.ForeignKey(
        "ImportJob",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="experts",
        editable=False,
        verbose_name=_("导入任务"),
    )

    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["pool_number", "name", "pk"]
        verbose_name = _("专家")
        verbose_name_plural = _("专家")
        # The staff list filters on these together (it must stay fast at 100,000 experts).
        # The key ends with the id so that PostgreSQL counts the list's matches from the index
        # alone (its index entries hold no id; SQLite's do): at 1,000,000 experts the count read
        # 18,000 pages of the table for field + title level + region (bench/experts.py).
        indexes = [
            models.Index(fields=["region", "title_level", "id"], name="expert_region_title_id"),
            models.Index(fields=["title_level", "org_type"], name="expert_title_org"),
            models.Index(fields=["status", "region"], name="expert_status_region"),
            # The dashboard's age limits (born on or before a day, or within 90 days of one)
            # and the list's age bands read a range of birth dates.
            models.Index(fields=["birth_date", "status"], name="expert_birth_status"),
        ]

    def __str__(self) -> str:
        # Used in the audit trail: never a protected value here.
        return f"{self.name}（{self.pool_number}）" if self.pool_number else self.name

    @property
    def out_of_province(self) -> bool:
        """Art. 3: an expert from outside Guangdong (another province, HK, Macao, TW, abroad)."""
        return self.region in OUTSIDE_GUANGDONG

    def primary_field(self) -> ExpertiseField | None:
        link = next((f for f in self.field_links.all() if f.is_primary), None)
        return link.field if link else None

    def special_category_labels(self) -> list[str]:
        from zhiku.experts.choices import SpecialCategory

        return [str(SpecialCategory(c).label) for c in self.special_categories]

    def eligibility_profile(self) -> eligibility.Profile:
        """Return what the art. 6 check needs, read from this profile and its history."""
        return eligibility.Profile(
            birth_date=self.birth_date,
            title_level=self.title_level,
            senior_manager=self.senior_manager,
            # "无" typed before the rule refused it must not count as a certificate.
            senior_certificates=""
            if rules.means_none(self.senior_certificates)
            else self.senior_certificates,
            special_categories=frozenset(self.special_categories),
            statutory_retirement_age=self.statutory_retirement_age,
            employment=tuple(
                eligibility.Period(e.start, e.end, e.in_field) for e in self.employments.all()
            ),
            ethics_declared=self.ethics_declared,
            health_declared=self.health_declared,
            age_override_reason=self.age_override_reason,
        )

    def age_on(self, day: date) -> int:
        return eligibility.age_on(self.birth_date, day)


class DuplicateLookup(models.Model):
    """One check of numbers against the pool made for an account: a save by hand (hit or not)
    or a row of an import that hit. Counted so that nobody tests numbers one after another."""

    class Source(models.TextChoices):
        HAND = "hand", _("录入或修改")
        IMPORT = "import", _("批量导入")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"))
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices)
    hit = models.BooleanField(_("命中"), default=False)

    class Meta:
        verbose_name = _("查重记录")
        indexes = [models.Index(fields=["actor", "at"], name="duplicatelookup_actor_at")]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.at:%Y-%m-%d %H:%M} {self.source}"


class ExpertField(models.Model):
    """One field of expertise of an expert; exactly one of them is the primary field."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="field_links")
    field = models.ForeignKey(ExpertiseField, on_delete=models.PROTECT, related_name="+")
    is_primary = models.BooleanField(_("主要领域"), default=False)

    class Meta:
        ordering = ["-is_primary", "field__code"]
        # The list's field filter goes from a field to its experts.
        indexes = [models.Index(fields=["field", "expert"], name="expertfield_field_expert")]
        constraints = [
            models.UniqueConstraint(fields=["expert", "field"], name="expert_field_once"),
            models.UniqueConstraint(
                fields=["expert"], condition=models.Q(is_primary=True), name="one_primary_field"
            ),
        ]

    def __str__(self) -> str:
        return str(self.field)


class Employment(models.Model):
    """A period of work; periods in the field add up to art. 6(1)'s cumulative years."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="employments")
    organisation = models.CharField(_("单位"), max_length=128)
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("截止日期"), null=True, blank=True, help_text=_("至今在职请留空"))
    in_field = models.BooleanField(_("从事本行业"), default=True)

    class Meta:
        ordering = ["-start", "pk"]
        verbose_name = _("工作经历")

    def __str__(self) -> str:
        return f"{self.organisation} {self.start}–{self.end or '至今'}"


class Unavailability(models.Model):
    """A period in which the expert cannot take part in activities (declared by them)."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="unavailabilities")
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("截止日期"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("不可参加期间")

    def __str__(self) -> str:
        return f"{self.start}–{self.end}"


class Conflict(models.Model):
    """A declared conflict of interest (art. 13(2)) with an organisation or a person."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", _("单位")
        PERSON = "person", _("个人")

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="conflicts")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    party = models.CharField(_("单位或个人名称"), max_length=128)
    reason = models.CharField(_("利害关系"), max_length=300)
    declared_at = models.DateTimeField(_("声明时间"))
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        ordering = ["-declared_at", "pk"]
        verbose_name = _("利益冲突声明")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.party}"


class StatusChange(Transition):
    """A change of an expert's status: from, to, who, when, why, and the day it takes effect."""

    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="status_changes")
    from_value = models.CharField(_("变更前"), max_length=16, choices=Status.choices, blank=True)
    to_value = models.CharField(_("变更后"), max_length=16, choices=Status.choices)
    effective_on = models.DateField(_("生效日期"))

    audit_field = "status"

    class Meta(Transition.Meta):
        verbose_name = _("状态变更记录")

    def __str__(self) -> str:
        return f"{self.expert} {self.from_value}→{self.to_value}"


class ChangeRequest(models.Model):
    """Changes an expert reports (art. 13(4)); staff confirm or reject them, both are kept."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("已退回")

    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="change_requests")
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    # Plain fields: {field: [current, proposed]} as submitted.
    changes = models.JSONField(_("变更内容"), default=dict)
    # Protected fields: the proposed values encrypted (JSON inside the token), shown masked.
    protected_token = models.TextField(blank=True, editable=False)
    protected_masked = models.JSONField(default=dict, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_reason = models.TextField(_("处理意见"), blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("信息变更申请")

    def __str__(self) -> str:
        return f"{self.expert} · {self.get_status_display()}"

    def items(self) -> list[tuple[str, str, str]]:
        """Return (label, before, after) for each change, readable, protected ones masked."""

        def shown(field: models.Field[Any, Any], value: object) -> str:
            if isinstance(value, bool):
                return str(_("是") if value else _("否"))
            if field.choices:
                return str(dict(field.flatchoices).get(value, value or ""))
            return "" if value is None else str(value)

        def field_of(name: str) -> models.Field[Any, Any]:
            field = Expert._meta.get_field(name)
            assert isinstance(field, models.Field)
            return field

        out = []
        for name, (before, after) in self.changes.items():
            field = field_of(name)
            out.append((str(field.verbose_name), shown(field, before), shown(field, after)))
        for name, (before, after) in self.protected_masked.items():
            out.append((str(field_of(f"{name}_masked").verbose_name), before, after))
        return out


class ImportJob(models.Model):
    """One upload of a roster spreadsheet: its file, progress, outcome and who ran it.

    The uploaded file is kept encrypted in the working storage (``core.files``; never served)
    only until the job ends.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("处理中")
        COMPLETED = "completed", _("已导入")
        REJECTED = "rejected", _("未导入（文件有误）")
        FAILED = "failed", _("未导入（系统错误）")

    class EmailState(models.TextChoices):
        NONE = "", _("无")
        QUEUED = "queued", _("等待发送")
        SENDING = "sending", _("正在发送")
        DONE = "done", _("已全部发出")
        INCOMPLETE = "incomplete", _("未全部发出")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("导入人"),
    )
    created_at = models.DateTimeField(_("上传时间"))
    started_at = models.DateTimeField(_("开始处理时间"), null=True, blank=True)
    # Touched by the worker as it goes: a running job with no news for a while lost its worker
    # (import_jobs_fail_stalled, in run_deadlines, marks it failed so that it can be retried).
    heartbeat_at = models.DateTimeField(_("最近进展时间"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    file_name = models.CharField(_("文件名"), max_length=200)
    # Names in the working storage (encrypted); emptied once the file is deleted.
    stored_file = models.CharField(max_length=200, blank=True, editable=False)
    error_file = models.CharField(max_length=200, blank=True, editable=False)
    admit = models.BooleanField(_("导入后直接入库"), default=True)
    admit_on = models.DateField(_("入库日期"), null=True, blank=True)
    # The uploader's choice: leave out the rows of people already in the pool and import the rest.
    skip_existing = models.BooleanField(_("跳过已在库人员"), default=False)
    # Where the roster was found: {"sheet", "header_row", "ignored": ["序号（A 列）"], "missing"}.
    layout = models.JSONField(_("表头位置与列"), default=dict, blank=True)
    # Rows whose identity number the pool holds (skipped, or refused without the choice).
    existing_rows = models.PositiveIntegerField(_("已在库的行数"), default=0)
    # [{"row", "name", "id_number" (masked), "pool_number", "expert"}]: the rows skipped; the
    # pool number and expert only for an uploader holding the reveal right.
    skipped = models.JSONField(_("跳过的行"), default=list, blank=True)
    # While running, an estimate for the progress bar; at the end, the data rows read. Rows read
    # = imported (created_count) + not imported (refused_rows); blank rows are not read.
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已读取行数"), default=0)
    blank_rows = models.PositiveIntegerField(_("跳过的空行数"), default=0)
    error_rows = models.PositiveIntegerField(_("有错误的行数"), default=0)
    created_count = models.PositiveIntegerField(_("导入专家数"), default=0)
    account_count = models.PositiveIntegerField(_("开设账户数"), default=0)
    no_email_count = models.PositiveIntegerField(_("无邮箱未开户数"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    # [{"row": 5, "column": "证件号码", "message": "..."}], the first errors only (see MAX_LISTED).
    errors = models.JSONField(_("错误"), default=list, blank=True)
    # What the import changed by itself and what it found probably wrong, the first of each
    # kind only (see MAX_LISTED): [{"row", "column", "kind", "original", "stored", "message"}];
    # identity numbers and mobiles masked.
    notices = models.JSONField(_("自动规范与提示"), default=list, blank=True)
    normalised_count = models.PositiveIntegerField(_("自动规范处数"), default=0)
    warning_count = models.PositiveIntegerField(_("提示核对处数"), default=0)
    message = models.TextField(_("说明"), blank=True)
    first_pool_number = models.CharField(max_length=16, blank=True)
    last_pool_number = models.CharField(max_length=16, blank=True)
    # The activation e-mails of the accounts the import opened (one ActivationEmail each).
    email_state = models.CharField(
        _("激活邮件"), max_length=16, choices=EmailState.choices, blank=True, default=""
    )
    email_error = models.TextField(_("激活邮件发送问题"), blank=True)
    # Touched by the sender after every small batch: a page seeing no news for a while knows
    # the sending stopped, even if the worker died without a word.
    email_updated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("导入任务")
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="importjob_owner_recent")
        ]

    def __str__(self) -> str:
        return f"导入任务 #{self.pk} {self.file_name}"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.COMPLETED, self.Status.REJECTED, self.Status.FAILED}

    @property
    def refused_rows(self) -> int:
        """Data rows read but not imported (all of them when the file is refused)."""
        return max(self.processed_rows - self.created_count, 0)


class ActivationEmail(models.Model):
    """The set-password e-mail an import owes one account it opened, and what became of it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        NOT_NEEDED = "not_needed", _("无需发送")

    job = models.ForeignKey(ImportJob, on_delete=models.PROTECT, related_name="activation_emails")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    error = models.CharField(_("失败原因"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("激活邮件")
        constraints = [
            models.UniqueConstraint(fields=["job", "user"], name="activationemail_once_per_job")
        ]
        indexes = [models.Index(fields=["job", "status"], name="activationemail_job_status")]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.user_id} {self.status}"


class ValueAlias(models.Model):
    """A way people write a coded value in a roster (正高, 广州, 男性) and the value it stands
    for; staff add and remove them in the browser, every change audited. The import reads the
    table once per job (``spreadsheets.values``); the template's notes sheet lists it."""

    class Column(models.TextChoices):
        GENDER = "gender", _("性别")
        ID_TYPE = "id_type", _("证件类型")
        ORG_TYPE = "org_type", _("单位类型")
        TITLE_LEVEL = "title_level", _("职称级别")
        EDUCATION = "education", _("学历")
        DEGREE = "degree", _("学位")
        REGION = "region", _("所在地区")
        YES_NO = "yes_no", _("是/否")
        SPECIAL_CATEGORIES = "special_categories", _("特殊类别")
        FIELDS = "fields", _("专业领域")
        INDUSTRIES = "industries", _("行业门类")

    column = models.CharField(_("列"), max_length=32, choices=Column.choices)
    # As staff typed it; matched after full-width to half-width, spaces removed, lower-case.
    written = models.CharField(_("填写形式"), max_length=64)
    written_key = models.CharField(max_length=64, editable=False)
    # The stored value: a choice's code, a field's or an industry's code.
    canonical = models.CharField(_("对应的值"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("添加人"),
    )
    created_at = models.DateTimeField(_("添加时间"), null=True, blank=True)

    class Meta:
        ordering = ["column", "written_key"]
        verbose_name = _("导入值对照")
        verbose_name_plural = _("导入值对照")
        constraints = [
            models.UniqueConstraint(
                fields=["column", "written_key"], name="valuealias_one_meaning_per_form"
            )
        ]

    def __str__(self) -> str:
        return f"{self.column}: {self.written} → {self.canonical}"
