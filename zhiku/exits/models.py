"""Exit from the pool (出库, art. 8, 9, 12(4)): an **ExitCase** names one ground of art. 8, the
facts and the evidence, who raised it and when, and moves through art. 9's steps — verified,
notified in writing (a PDF kept on the case), announced on the portal — until the registry marks
the expert 已出库; or it is dropped with a reason. Every step is an ``ExitCaseChange``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiku.core.models import StoredFile, Transition
from zhiku.exits.choices import ITEMS, OPEN_STATUSES, CaseStatus, Ground, Source
from zhiku.experts.models import Expert


class ExitCase(models.Model):
    """One exit case of one expert (出库案件)."""

    expert = models.ForeignKey(
        Expert, on_delete=models.PROTECT, related_name="exit_cases", verbose_name=_("专家")
    )
    ground = models.CharField(_("出库情形"), max_length=16, choices=Ground.choices)
    facts = models.TextField(_("事实"))
    # What the system found, for the cases it raises: the age and the limit that applies, or the
    # unexcused absences it counted (each activity, its start and title).
    basis = models.JSONField(_("系统核查依据"), default=dict, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("立案人"),
    )
    raised_at = models.DateTimeField(_("立案时间"))
    status = models.CharField(
        _("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.RAISED
    )
    # The suspension a case under art. 8(3)–(7) put on the expert (False: they were suspended
    # before it opened, and dropping the case leaves that suspension as it was).
    suspended_by_case = models.BooleanField(_("立案时暂停"), default=False)
    # Verification (核实, art. 9(1)).
    checked = models.TextField(_("核实情况"), blank=True)
    finding = models.TextField(_("核实结论"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核实人"),
    )
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    bars_reapplication = models.BooleanField(_("限制重新申请入库"), default=False)
    # Written notice (书面告知, art. 9(2)).
    notice_file = models.OneToOneField(
        StoredFile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("书面告知书"),
    )
    notified_on = models.DateField(_("告知日期"), null=True, blank=True)
    notice_emailed = models.BooleanField(_("告知书已发送电子邮件"), default=False)
    # Exit (出库, art. 9(3)): the announcement and the day the registry was updated.
    announcement = models.ForeignKey(
        "recruitment.Announcement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("出库公告"),
    )
    ground_published = models.BooleanField(_("公告中注明出库情形"), default=False)
    exited_on = models.DateField(_("出库日期"), null=True, blank=True)
    bar_years = models.PositiveSmallIntegerField(_("限制年限"), null=True, blank=True)
    barred_until = models.DateField(_("不得重新申请入库至"), null=True, blank=True)
    dropped_reason = models.TextField(_("撤销理由"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("出库案件")
        verbose_name_plural = _("出库案件")
        constraints = [
            # One case at a time: a second ground is written into the open case's facts.
            models.UniqueConstraint(
                fields=["expert"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="exitcase_one_open_per_expert",
            )
        ]
        indexes = [models.Index(fields=["expert", "ground"], name="exitcase_expert_ground")]

    def __str__(self) -> str:
        return str(_("出库案件第 %(n)s 号（%(e)s）") % {"n": self.pk, "e": self.expert})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def article(self) -> str:
        """The item of the regulation the ground is: 第八条第（三）项."""
        return str(_("第八条第%(i)s项") % {"i": ITEMS[Ground(self.ground)]})

    @property
    def ground_text(self) -> str:
        """The ground as a letter or a page names it: 第八条第（三）项（不负责任、…）."""
        return f"{self.article}（{self.get_ground_display()}）"


class ExitCaseChange(Transition):
    """A case raised, verified, notified, announced (the expert exited) or dropped."""

    case = models.ForeignKey(ExitCase, on_delete=models.PROTECT, related_name="changes")
    from_value = models.CharField(
        _("变更前"), max_length=16, choices=CaseStatus.choices, blank=True
    )
    to_value = models.CharField(_("变更后"), max_length=16, choices=CaseStatus.choices)

    audit_field = "status"

    class Meta(Transition.Meta):
        verbose_name = _("出库案件变更记录")

    def __str__(self) -> str:
        return f"{self.case_id} {self.from_value}→{self.to_value}"


class ExitEvidence(models.Model):
    """A file of evidence on a case (uploaded as core's uploads are: typed, bounded, encrypted)."""

    case = models.ForeignKey(ExitCase, on_delete=models.PROTECT, related_name="evidence")
    file = models.OneToOneField(StoredFile, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("说明"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("上传时间"))

    class Meta:
        ordering = ["added_at", "pk"]
        verbose_name = _("出库案件证据")

    def __str__(self) -> str:
        return f"{self.case_id} {self.file_id}"
