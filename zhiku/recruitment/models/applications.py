"""Recruitment (art. 6, 7(1)–(3), 21): calls, applications with documents, review, deliberation.

A **Call** (征集通知) is written and published by staff; it is open from its open date until
24:00 Asia/Shanghai of its close date (``rules.call_phase``; no job closes it). A person
registers (e-mail or mobile verified by a one-time code), then fills an **Application**
(入库申请) to a call: a draft of the expert profile with its work history and **documents**
(stored encrypted by ``zhiku.core.uploads``), signs the commitment and submits. Staff holding
the review right verify each document and decide (pass, return for correction, reject); a
**DeliberationRound** (理事会审议) of council members then votes on the passed applications,
or staff record a meeting held offline. Every status change is an ``ApplicationStatusChange``
row with its audit entry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiku.core.models import StoredFile, Transition
from zhiku.experts import eligibility
from zhiku.experts.choices import Degree, Education, Gender, OrgType, Region, TitleLevel
from zhiku.experts.identity import IdType
from zhiku.experts.models import Expert, ExpertiseField, Industry


class DocumentKind(models.TextChoices):
    """The documents of art. 7(2), and the proofs art. 6(1) needs."""

    APPLICATION_FORM = "application_form", _("入库申请表（签字后的扫描件）")
    IDENTITY = "identity", _("个人身份证明")
    TITLE = "title", _("职称证明")
    EDUCATION = "education", _("学历证明")
    CV = "cv", _("个人简历")
    ACHIEVEMENTS = "achievements", _("学术、专业成就证明材料")
    MANAGER_APPOINTMENT = "manager_appointment", _("企业高层管理者任职证明")
    SENIOR_CERTIFICATE = "senior_certificate", _("专业技术高级水平证书")
    SERVICE_YEARS = "service_years", _("行业工作年限证明")


# Art. 7(2): what every application carries.
ART7_DOCUMENTS = (
    DocumentKind.APPLICATION_FORM,
    DocumentKind.IDENTITY,
    DocumentKind.TITLE,
    DocumentKind.EDUCATION,
    DocumentKind.CV,
    DocumentKind.ACHIEVEMENTS,
)
# Art. 6(1): proofs of the ground the applicant claims and of the years in the field.
ART6_PROOFS = (
    DocumentKind.MANAGER_APPOINTMENT,
    DocumentKind.SENIOR_CERTIFICATE,
    DocumentKind.SERVICE_YEARS,
)


class Call(models.Model):
    """A public call for experts (征集通知, art. 7(1))."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"))
    fields_sought = models.ManyToManyField(
        ExpertiseField, blank=True, related_name="+", verbose_name=_("征集领域")
    )
    fields_note = models.CharField(
        _("征集领域说明"),
        max_length=300,
        blank=True,
        help_text=_("可补充说明所需专业方向，不填则只列所选领域。"),
    )
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(
        _("截止日期"), help_text=_("截止日当天 24:00（北京时间）后不再接收申请。")
    )
    contact = models.TextField(_("联系方式"), help_text=_("联系人、电话、电子邮箱、地址等。"))
    required_documents = models.JSONField(_("须提交的材料"), default=list)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    # When the deadline step recorded the close in the audit trail; the phase never reads it.
    closed_at = models.DateTimeField(_("截止办结时间"), null=True, blank=True)

    class Meta:
        ordering = ["-opens_on", "-pk"]
        verbose_name = _("征集通知")
        verbose_name_plural = _("征集通知")

    def __str__(self) -> str:
        return self.title

    def required_document_labels(self) -> list[str]:
        return [str(DocumentKind(k).label) for k in self.required_documents]


class CallChange(Transition):
    """A call published (or, later, withdrawn)."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="changes")
    from_value = models.CharField(
        _("变更前"), max_length=16, choices=Call.Status.choices, blank=True
    )
    to_value = models.CharField(_("变更后"), max_length=16, choices=Call.Status.choices)

    audit_field = "status"

    class Meta(Transition.Meta):
        verbose_name = _("征集通知变更记录")


class Application(models.Model):
    """One person's application to one call: a draft of the expert profile, then its review."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交，待资格审核")
        RETURNED = "returned", _("退回修改")
        REJECTED = "rejected", _("资格审核未通过")
        PASSED = "passed", _("资格审核通过，待理事会审议")
        DELIBERATING = "deliberating", _("理事会审议中")
        APPROVED = "approved", _("理事会审议通过，列入拟入库名单")
        NOT_APPROVED = "not_approved", _("理事会审议未通过")
        NOTICE = "notice", _("拟入库名单公示中")
        ADMITTED = "admitted", _("已批准入库")
        NOT_ADMITTED = "not_admitted", _("公示异议成立，不予入库")

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("申请人账户"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )

    # The draft of the expert profile. Blank until filled; complete at submission.
    name = models.CharField(_("姓名"), max_length=64, blank=True)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_type = models.CharField(_("证件类型"), max_length=24, choices=IdType.choices, blank=True)
    id_number_token = models.TextField(editable=False, blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_masked = models.CharField(_("证件号码"), max_length=32, blank=True, editable=False)
    mobile_token = models.TextField(editable=False, blank=True)
    mobile_masked = models.CharField(_("手机号码"), max_length=24, blank=True, editable=False)
    email = models.EmailField(_("电子邮箱"), blank=True)
    address = models.CharField(_("通讯地址"), max_length=200, blank=True)
    organisation = models.CharField(_("工作单位"), max_length=128, blank=True)
    org_type = models.CharField(_("单位类型"), max_length=24, choices=OrgType.choices, blank=True)
    position = models.CharField(_("职务"), max_length=64, blank=True)
    senior_manager = models.BooleanField(_("企业高层管理者"), default=False)
    title = models.CharField(_("职称"), max_length=64, blank=True)
    title_level = models.CharField(
        _("职称级别"), max_length=24, choices=TitleLevel.choices, default=TitleLevel.NONE
    )
    senior_certificates = models.TextField(
        _("专业技术高级水平证书"), blank=True, help_text=_("每行一项：证书名称、编号；没有请留空")
    )
    education = models.CharField(_("学历"), max_length=16, choices=Education.choices, blank=True)
    degree = models.CharField(_("学位"), max_length=16, choices=Degree.choices, blank=True)
    special_categories = models.JSONField(_("特殊类别"), default=list, blank=True)
    region = models.CharField(_("所在地区"), max_length=24, choices=Region.choices, blank=True)
    primary_field = models.ForeignKey(
        ExpertiseField,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("主要专业领域"),
    )
    other_fields = models.ManyToManyField(
        ExpertiseField, blank=True, related_name="+", verbose_name=_("其他专业领域")
    )
    industries = models.ManyToManyField(
        Industry, blank=True, related_name="+", verbose_name=_("行业")
    )
    achievements = models.TextField(
        _("主要学术、专业成就"), blank=True, help_text=_("简要列举，详细材料请上传。")
    )
    ethics_declared = models.BooleanField(
        _("本人具备良好的职业道德和行业操守，没有违纪违法等不良记录"), default=False
    )
    health_declared = models.BooleanField(
        _("本人身体健康，自愿参与研究、评审、咨询等工作"), default=False
    )

    privacy_notice_version = models.CharField(max_length=16, blank=True, editable=False)
    privacy_agreed_at = models.DateTimeField(_("同意个人信息告知时间"), null=True, blank=True)
    commitment_signed_at = models.DateTimeField(_("签署承诺书时间"), null=True, blank=True)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("最近保存"), auto_now=True)
    submitted_at = models.DateTimeField(_("最近提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("最近处理时间"), null=True, blank=True)
    # What staff last asked to correct, or why they rejected (the applicant sees both).
    decision_note = models.TextField(_("审核意见"), blank=True)
    # The registry's record of this person, written when the application passes review.
    expert = models.ForeignKey(
        Expert, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("入库申请")
        verbose_name_plural = _("入库申请")
        constraints = [
            models.UniqueConstraint(fields=["call", "user"], name="one_application_per_call")
        ]
        indexes = [models.Index(fields=["status", "submitted_at"], name="application_queue")]

    def __str__(self) -> str:
        return f"{self.name or self.user.full_name} · {self.call}"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    def eligibility_profile(self) -> eligibility.Profile | None:
        """Return what the art. 6 check needs, or None while the birth date is missing."""
        if self.birth_date is None:
            return None
        return eligibility.Profile(
            birth_date=self.birth_date,
            title_level=self.title_level,
            senior_manager=self.senior_manager,
            senior_certificates=self.senior_certificates,
            special_categories=frozenset(self.special_categories),
            employment=tuple(
                eligibility.Period(e.start, e.end, e.in_field) for e in self.employments.all()
            ),
            ethics_declared=self.ethics_declared,
            health_declared=self.health_declared,
        )

    def active_documents(self) -> models.QuerySet[ApplicationDocument]:
        return self.documents.filter(removed_at__isnull=True).select_related("file", "verified_by")


class ApplicationEmployment(models.Model):
    """A period of the applicant's work history; periods in the field count toward art. 6(1)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="employments"
    )
    organisation = models.CharField(_("单位"), max_length=128)
    position = models.CharField(_("职务或岗位"), max_length=64, blank=True)
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("截止日期"), null=True, blank=True, help_text=_("至今在职请留空"))
    in_field = models.BooleanField(_("从事本行业"), default=True)

    class Meta:
        ordering = ["-start", "pk"]
        verbose_name = _("工作经历")

    def __str__(self) -> str:
        return f"{self.organisation} {self.start}–{self.end or '至今'}"


class ApplicationDocument(models.Model):
    """One uploaded document of an application; verified by a reviewer (art. 21: who, when)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("材料类型"), max_length=32, choices=DocumentKind.choices)
    file = models.OneToOneField(StoredFile, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))
    # A document removed after it was submitted stays on record (what was submitted is evidence).
    removed_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核验人"),
    )
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)

    class Meta:
        ordering = ["kind", "uploaded_at", "pk"]
        verbose_name = _("申请材料")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.file.original_name}"


class ApplicationSubmission(models.Model):
    """What an application said when it was submitted (each time), to show what changed."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="submissions"
    )
    number = models.PositiveSmallIntegerField(_("第几次提交"))
    submitted_at = models.DateTimeField(_("提交时间"))
    # {key: [label, shown value]} in the order of the form.
    snapshot = models.JSONField(default=dict)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="submission_number")
        ]

    def __str__(self) -> str:
        return f"{self.application} #{self.number}"


class ApplicationStatusChange(Transition):
    """A change of an application's status: submitted, returned, rejected, passed, voted on."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="status_changes"
    )
    from_value = models.CharField(
        _("变更前"), max_length=16, choices=Application.Status.choices, blank=True
    )
    to_value = models.CharField(_("变更后"), max_length=16, choices=Application.Status.choices)

    audit_field = "status"

    class Meta(Transition.Meta):
        verbose_name = _("入库申请状态变更记录")

    def __str__(self) -> str:
        return f"{self.application_id} {self.from_value}→{self.to_value}"


class DeliberationRound(models.Model):
    """A council deliberation (理事会审议) over passed applications: online votes or a meeting."""

    class Mode(models.TextChoices):
        ONLINE = "online", _("线上投票")
        MEETING = "meeting", _("会议审议（线下）")

    class Status(models.TextChoices):
        OPEN = "open", _("审议中")
        CLOSED = "closed", _("已结束")

    class Outcome(models.TextChoices):
        DECIDED = "decided", _("已形成审议结论")
        NO_QUORUM = "no_quorum", _("未达法定人数，本轮无人通过")

    title = models.CharField(_("名称"), max_length=120)
    mode = models.CharField(_("审议方式"), max_length=16, choices=Mode.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    outcome = models.CharField(_("结论"), max_length=16, choices=Outcome.choices, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("发起时间"))
    votes_close_on = models.DateField(
        _("投票截止日期"), null=True, blank=True, help_text=_("截止日当天 24:00 结束投票。")
    )
    # The round rule in force on the day the round was opened (parameters), kept with it.
    quorum_numerator = models.PositiveSmallIntegerField()
    quorum_denominator = models.PositiveSmallIntegerField()
    majority_percent = models.PositiveSmallIntegerField()
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="deliberation_rounds", verbose_name=_("理事会成员")
    )
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_note = models.TextField(_("说明"), blank=True)
    meeting_on = models.DateField(_("会议日期"), null=True, blank=True)
    members_present = models.PositiveSmallIntegerField(_("出席人数"), null=True, blank=True)
    minutes = models.OneToOneField(
        StoredFile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("会议纪要"),
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("理事会审议")
        verbose_name_plural = _("理事会审议")

    def __str__(self) -> str:
        return self.title

    def rule_text(self) -> str:
        return str(
            _("出席（投票）人数不少于理事会成员的 %(n)d/%(d)d；同意票超过有效票的 %(m)d%%")
            % {"n": self.quorum_numerator, "d": self.quorum_denominator, "m": self.majority_percent}
        )


class RoundChange(Transition):
    """A round opened or closed (and how)."""

    round = models.ForeignKey(DeliberationRound, on_delete=models.PROTECT, related_name="changes")

    audit_field = "status"

    class Meta(Transition.Meta):
        verbose_name = _("理事会审议变更记录")


class RoundItem(models.Model):
    """One application in a round, and what the round decided about it."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("待审议")
        APPROVED = "approved", _("通过")
        NOT_APPROVED = "not_approved", _("未通过")
        NO_QUORUM = "no_quorum", _("未达法定人数，未作结论")

    round = models.ForeignKey(DeliberationRound, on_delete=models.PROTECT, related_name="items")
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="round_items"
    )
    outcome = models.CharField(
        _("结论"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING
    )
    agree = models.PositiveSmallIntegerField(_("同意"), default=0)
    disagree = models.PositiveSmallIntegerField(_("不同意"), default=0)
    abstain = models.PositiveSmallIntegerField(_("弃权"), default=0)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "application"], name="application_once_a_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.application}"


class Vote(models.Model):
    """One council member's vote on one application; secret from other members until the close."""

    class Choice(models.TextChoices):
        AGREE = "agree", _("同意")
        DISAGREE = "disagree", _("不同意")
        ABSTAIN = "abstain", _("弃权")

    item = models.ForeignKey(RoundItem, on_delete=models.PROTECT, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("表决意见"), max_length=16, choices=Choice.choices)
    comment = models.CharField(_("意见说明"), max_length=500, blank=True)
    cast_at = models.DateTimeField(_("投票时间"))

    class Meta:
        ordering = ["item", "cast_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "member"], name="one_vote_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.get_choice_display()}"


class VerificationCode(models.Model):
    """A one-time code sent to an e-mail address or a mobile, kept only as a salted hash."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("电子邮箱")
        MOBILE = "mobile", _("手机")

    channel = models.CharField(max_length=8, choices=Channel.choices)
    # Keyed hash of the normalised address (throttling per recipient) and the address itself
    # encrypted (the account is opened with it once the code is confirmed).
    recipient_hash = models.CharField(max_length=64, db_index=True)
    recipient_token = models.TextField()
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.created_at:%Y-%m-%d %H:%M}"
