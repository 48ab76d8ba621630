"""Invitations (邀请函): one per candidate or designated expert, with its answer and deliveries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiku.activities.choices import (
    AnsweredVia,
    DeclineReason,
    DeliveryChannel,
    DeliveryStatus,
    InvitationStatus,
    Source,
    WithdrawReason,
)
from zhiku.activities.models.activities import Activity
from zhiku.activities.models.designations import DesignatedExpert
from zhiku.activities.models.draws import Candidate
from zhiku.core.models import Transition
from zhiku.experts.models import Expert


class Invitation(models.Model):
    """An invitation to one expert for one activity (a letter, an e-mail, a text message with a
    personal link) and the expert's answer by a deadline.

    The personal link's token is never stored: only its SHA-256 (to find the invitation) and the
    nonce it is derived from with the site's secret key (see ``services.invitations``).
    """

    code = models.CharField(_("邀请函编号"), max_length=24, unique=True)
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="invitations")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="invitations")
    source = models.CharField(_("产生方式"), max_length=16, choices=Source.choices)
    candidate = models.OneToOneField(
        Candidate, on_delete=models.PROTECT, null=True, blank=True, related_name="invitation"
    )
    designee = models.OneToOneField(
        DesignatedExpert,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitation",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_nonce = models.CharField(max_length=32, editable=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.SENT
    )
    sent_at = models.DateTimeField(_("发出时间"))
    sent_by = models.ForeignKey(  # None: sent by the system when the round was drawn
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deadline = models.DateField(_("答复期限"))
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_via = models.CharField(
        _("答复方式"), max_length=16, choices=AnsweredVia.choices, blank=True
    )
    # Staff who recorded the answer on the expert's behalf, and how they reached the expert.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    contact_note = models.CharField(_("联系情况"), max_length=300, blank=True)
    decline_reason = models.CharField(
        _("拒绝原因"), max_length=16, choices=DeclineReason.choices, blank=True
    )
    note = models.TextField(_("说明"), blank=True)  # the expert's words: not in the draw record
    no_conflict_declared = models.BooleanField(_("已声明无利害关系"), default=False)
    confidentiality_signed = models.BooleanField(_("已签署保密承诺"), default=False)
    declaration = models.TextField(_("声明与承诺全文"), blank=True)
    withdrawn_at = models.DateTimeField(_("退出时间"), null=True, blank=True)
    withdrawn_via = models.CharField(
        _("退出方式"), max_length=16, choices=AnsweredVia.choices, blank=True
    )
    withdraw_reason = models.CharField(
        _("退出原因"), max_length=16, choices=WithdrawReason.choices, blank=True
    )
    withdraw_note = models.TextField(_("退出说明"), blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("邀请函")
        verbose_name_plural = _("邀请函")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(candidate__isnull=False, designee__isnull=True)
                    | models.Q(candidate__isnull=True, designee__isnull=False)
                ),
                name="invitation_for_candidate_or_designee",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="invitation_status_deadline")]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status == InvitationStatus.SENT

    @property
    def on_behalf(self) -> bool:
        """Answered (or withdrawn) by staff on the expert's behalf."""
        return AnsweredVia.STAFF in (self.answered_via, self.withdrawn_via)


class InvitationChange(Transition):
    """An invitation sent, answered, lapsed, withdrawn from or cancelled, and how."""

    invitation = models.ForeignKey(Invitation, on_delete=models.PROTECT, related_name="changes")
    via = models.CharField(_("方式"), max_length=16, choices=AnsweredVia.choices, blank=True)

    audit_field = "status"

    class Meta(Transition.Meta):
        verbose_name = _("邀请函状态变更")

    def __str__(self) -> str:
        return f"{self.invitation} {self.from_value}→{self.to_value}"

    def from_label(self) -> str:
        return str(InvitationStatus(self.from_value).label) if self.from_value else ""

    def to_label(self) -> str:
        return str(InvitationStatus(self.to_value).label)


class Delivery(models.Model):
    """One e-mail or text message that carried an invitation (the SMS log among them)."""

    invitation = models.ForeignKey(Invitation, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(_("渠道"), max_length=8, choices=DeliveryChannel.choices)
    status = models.CharField(_("状态"), max_length=8, choices=DeliveryStatus.choices)
    to_masked = models.CharField(_("收件人"), max_length=128, blank=True)
    at = models.DateTimeField(_("时间"))
    detail = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("邀请送达记录")

    def __str__(self) -> str:
        return f"{self.invitation} {self.channel} {self.status}"


class LinkMiss(models.Model):
    """A request for a personal link that matches no invitation (counted per client address, so
    that guessing is stopped; each is also in the audit trail until the limit)."""

    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["ip", "at"], name="linkmiss_ip_at")]

    def __str__(self) -> str:
        return f"{self.ip} {self.at}"
