"""Recruitment after the council (art. 7(4)–(5)): the public notice, objections, admission.

A **Notice** (公示) publishes the proposed list for 7 working days after its publication day
(``rules.notice_phase``: it ends at 24:00 Asia/Shanghai of ``ends_on`` whether or not a job has
run). Each listed applicant is a **NoticeEntry**, with what the public sees frozen at
publication (name, organisation, title, fields: no personal identifiers). Anyone may lodge an
**Objection** (异议) during the notice; staff enter those received by post or in person, accept
(受理) or reject them as invalid, record what they verified and decide within 15 working days of
acceptance; two decision letters are kept on the objection. After the notice, staff admit every
entry with no open or upheld objection: the expert gets a pool number, a **Certificate** (聘书)
and an **Announcement** (公告) on the portal.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiku.core.models import StoredFile, Transition
from zhiku.experts.models import Expert
from zhiku.recruitment.models.applications import Application


class Notice(models.Model):
    """The public notice (公示) of a proposed list, art. 7(4)."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("公示中")
        ENDED = "ended", _("公示期满")

    title = models.CharField(_("标题"), max_length=120)
    intro = models.TextField(_("公示说明"), blank=True)
    published_on = models.DateField(
        _("公示发布日期"),
        help_text=_("在质促会官网等处同步发布的，可填写该处的发布日期。当日不计入公示期。"),
    )
    ends_on = models.DateField(_("公示截止日期"))
    # The parameter notice_workdays in force on the publication day, kept with the notice.
    workdays = models.PositiveSmallIntegerField(_("公示期（工作日）"))
    postal_address = models.CharField(
        _("邮寄地址"), max_length=200, help_text=_("书面异议的邮寄地址、收件人和邮政编码。")
    )
    visit_address = models.CharField(
        _("现场递交地址"), max_length=200, help_text=_("现场递交书面异议的地点和办公时间。")
    )
    contact = models.CharField(_("联系人及电话"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PUBLISHED, db_index=True
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"))
    ended_at = models.DateTimeField(_("办结公示期满的时间"), null=True, blank=True)
    # When staff first ran the admission after the notice (later runs admit those whose
    # objections were dismissed meanwhile).
    admitted_at = models.DateTimeField(_("批准入库时间"), null=True, blank=True)
    # Every change to what the public pages show touches this: their cache keys carry it.
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-published_on", "-pk"]
        verbose_name = _("公示")
        verbose_name_plural = _("公示")

    def __str__(self) -> str:
        return self.title


class NoticeChange(Transition):
    """A notice published, or ended."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="changes")
    from_value = models.CharField(
        _("变更前"), max_length=16, choices=Notice.Status.choices, blank=True
    )
    to_value = models.CharField(_("变更后"), max_length=16, choices=Notice.Status.choices)

    audit_field = "status"

    class Meta(Transition.Meta):
        verbose_name = _("公示变更记录")


class Announcement(models.Model):
    """A public announcement (公告): of the experts admitted after a notice (art. 7(5)), or of
    experts leaving the pool (art. 9(3), written by the exits app through
    ``services.announcement_publish``).

    An admission lists its notice's entries; any other kind lists ``lines``, frozen at
    publication as the public saw them (name, pool number, organisation, date, a note).
    """

    class Kind(models.TextChoices):
        ADMISSION = "admission", _("入库公告")
        EXIT = "exit", _("出库公告")

    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices, default=Kind.ADMISSION)
    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, null=True, blank=True, related_name="announcements"
    )
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"))
    # [{"name", "pool_number", "organisation", "date", "note"}] for an announcement that lists
    # no notice entries.
    lines = models.JSONField(_("公告名单"), default=list, blank=True)
    published_on = models.DateField(_("发布日期"))
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("公告")
        verbose_name_plural = _("公告")

    def __str__(self) -> str:
        return self.title


class NoticeEntry(models.Model):
    """One applicant on a notice: what the public sees, and what became of them."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("公示中")
        ADMITTED = "admitted", _("已批准入库")
        NOT_ADMITTED = "not_admitted", _("异议成立，不予入库")

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="entries")
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="notice_entry"
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    # Frozen at publication: the list as the public saw it.
    name = models.CharField(_("姓名"), max_length=64)
    organisation = models.CharField(_("工作单位"), max_length=128)
    title = models.CharField(_("职称"), max_length=64)
    fields_text = models.CharField(_("专业领域"), max_length=300)
    outcome = models.CharField(
        _("结果"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING
    )
    outcome_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    outcome_note = models.TextField(_("说明"), blank=True)
    pool_number = models.CharField(_("专家编号"), max_length=20, blank=True)
    announcement = models.ForeignKey(
        Announcement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("入库公告"),
    )

    class Meta:
        ordering = ["notice", "position"]
        verbose_name = _("公示名单条目")
        constraints = [
            models.UniqueConstraint(fields=["notice", "position"], name="notice_entry_position")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.organisation}）"


class Objection(models.Model):
    """A written objection (异议) to one listed applicant, lodged during the notice."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("网上提交")
        POST = "post", _("邮寄")
        IN_PERSON = "in_person", _("现场递交")

    class Status(models.TextChoices):
        RECEIVED = "received", _("待受理")
        REJECTED = "rejected", _("不予受理")
        ACCEPTED = "accepted", _("已受理，核实中")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="objections")
    entry = models.ForeignKey(
        NoticeEntry,
        on_delete=models.PROTECT,
        related_name="objections",
        verbose_name=_("被异议的专家"),
    )
    channel = models.CharField(_("提出方式"), max_length=16, choices=Channel.choices)
    objector_name = models.CharField(_("异议人姓名"), max_length=64)
    objector_phone = models.CharField(_("联系电话"), max_length=32)
    objector_email = models.EmailField(_("电子邮箱"), blank=True)
    objector_address = models.CharField(_("通讯地址"), max_length=200, blank=True)
    grounds = models.TextField(_("异议事实和理由"))
    letter = models.OneToOneField(
        StoredFile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签名的书面异议扫描件"),
    )
    received_on = models.DateField(_("收到日期"))
    lodged_at = models.DateTimeField(_("登记时间"))
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    # The client address of an online objection (each address may lodge only so many).
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    due_on = models.DateField(_("处理期限"), null=True, blank=True)
    # The parameter objection_decision_workdays in force on the acceptance day.
    decision_workdays = models.PositiveSmallIntegerField(null=True, blank=True)
    rejection_reason = models.TextField(_("不予受理的理由"), blank=True)
    decided_on = models.DateField(_("处理决定日期"), null=True, blank=True)
    decision_reason = models.TextField(_("处理决定的理由"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经办人"),
    )
    letter_to_objector = models.OneToOneField(
        StoredFile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("给异议人的告知书"),
    )
    letter_to_expert = models.OneToOneField(
        StoredFile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("给专家本人的告知书"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        indexes = [models.Index(fields=["status", "due_on"], name="objection_queue")]

    def __str__(self) -> str:
        return str(_("对%(name)s的异议（第 %(n)s 号）") % {"name": self.entry.name, "n": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.RECEIVED, self.Status.ACCEPTED)


OPEN_OBJECTION_STATUSES = (Objection.Status.RECEIVED, Objection.Status.ACCEPTED)


class ObjectionChange(Transition):
    """An objection received, accepted, rejected, upheld or dismissed."""

    objection = models.ForeignKey(Objection, on_delete=models.PROTECT, related_name="changes")
    from_value = models.CharField(
        _("变更前"), max_length=16, choices=Objection.Status.choices, blank=True
    )
    to_value = models.CharField(_("变更后"), max_length=16, choices=Objection.Status.choices)

    audit_field = "status"

    class Meta(Transition.Meta):
        verbose_name = _("异议变更记录")


class ObjectionVerification(models.Model):
    """What staff checked about an objection, with the evidence (art. 7(4): 核实)."""

    objection = models.ForeignKey(Objection, on_delete=models.PROTECT, related_name="verifications")
    note = models.TextField(_("核实情况"))
    evidence = models.OneToOneField(
        StoredFile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("证明材料"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("异议核实记录")

    def __str__(self) -> str:
        return f"{self.objection_id} {self.recorded_at:%Y-%m-%d}"


class Certificate(models.Model):
    """The appointment certificate (聘书) of an admitted expert; its PDF is kept once made."""

    entry = models.OneToOneField(NoticeEntry, on_delete=models.PROTECT, related_name="certificate")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("聘书编号"), max_length=40, unique=True)
    issued_on = models.DateField(_("发证日期"))
    file = models.OneToOneField(
        StoredFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-issued_on", "number"]
        verbose_name = _("聘书")
        verbose_name_plural = _("聘书")

    def __str__(self) -> str:
        return self.number
