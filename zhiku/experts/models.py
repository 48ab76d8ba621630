"""The expert registry: catalogues, expert profiles and what hangs off them."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiku.experts import eligibility
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

    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["pool_number", "name", "pk"]
        verbose_name = _("专家")
        verbose_name_plural = _("专家")
        # The staff list filters on these together (issue 5: the list must stay fast at 100,000).
        indexes = [
            models.Index(fields=["region", "title_level"], name="expert_region_title"),
            models.Index(fields=["title_level", "org_type"], name="expert_title_org"),
            models.Index(fields=["status", "region"], name="expert_status_region"),
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
            senior_certificates=self.senior_certificates,
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


class StatusChange(models.Model):
    """A row for every change of an expert's status: from, to, who, when, why."""

    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(_("变更前"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("变更后"), max_length=16, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"))
    on = models.DateField(_("生效日期"))
    reason = models.TextField(_("原因"))

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("状态变更记录")

    def __str__(self) -> str:
        return f"{self.expert} {self.from_status}→{self.to_status}"


class ChangeRequest(models.Model):
    """Changes an expert reports (art. 13(4)); staff confirm or reject them, both are kept."""

    class State(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("已退回")

    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="change_requests")
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.PENDING)
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
        return f"{self.expert} · {self.get_state_display()}"

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


class ExitRequest(models.Model):
    """An expert's written request to leave the pool (art. 8(2), 12(4)); handled as an exit case."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")

    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="exit_requests")
    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.SUBMITTED
    )
    reason = models.TextField(_("申请理由"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    on = models.DateField(_("申请日期"))

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("退出申请")

    def __str__(self) -> str:
        return f"{self.expert} · {self.on}"


class ImportJob(models.Model):
    """One upload of a roster spreadsheet (issue 5): its file, progress, outcome and who ran it.

    The uploaded file lives under MEDIA_ROOT/imports/ (never served) only until the job ends.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("处理中")
        COMPLETED = "completed", _("已导入")
        REJECTED = "rejected", _("未导入（文件有误）")
        FAILED = "failed", _("未导入（系统错误）")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("导入人"),
    )
    created_at = models.DateTimeField(_("上传时间"))
    started_at = models.DateTimeField(_("开始处理时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.QUEUED)
    file_name = models.CharField(_("文件名"), max_length=200)
    # Relative to MEDIA_ROOT; emptied once the file is deleted.
    stored_file = models.CharField(max_length=200, blank=True, editable=False)
    error_file = models.CharField(max_length=200, blank=True, editable=False)
    admit = models.BooleanField(_("导入后直接入库"), default=True)
    admit_on = models.DateField(_("入库日期"), null=True, blank=True)
    base_url = models.CharField(max_length=200, blank=True, editable=False)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已校验行数"), default=0)
    created_count = models.PositiveIntegerField(_("导入专家数"), default=0)
    account_count = models.PositiveIntegerField(_("开设账户数"), default=0)
    no_email_count = models.PositiveIntegerField(_("无邮箱未开户数"), default=0)
    emails_sent = models.PositiveIntegerField(_("已发送激活邮件数"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    # [{"row": 5, "column": "证件号码", "message": "..."}], the first errors only (see MAX_LISTED).
    errors = models.JSONField(_("错误"), default=list, blank=True)
    message = models.TextField(_("说明"), blank=True)
    first_pool_number = models.CharField(max_length=16, blank=True)
    last_pool_number = models.CharField(max_length=16, blank=True)
    account_ids = models.JSONField(default=list, blank=True, editable=False)

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
        return self.state in {self.State.COMPLETED, self.State.REJECTED, self.State.FAILED}
