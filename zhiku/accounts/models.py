"""Accounts, the one role each account holds, and the rights granted to staff one by one."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiku.core.models import Transition
from zhiku.core.roles import Right, Role

__all__ = [
    "SENSITIVE_RIGHTS",
    "AccessRefusal",
    "AccountChange",
    "Approval",
    "ApprovalChange",
    "Right",
    "RightGrant",
    "Role",
    "User",
]

# Rights that expose personal data: granting one needs a second security admin's approval.
SENSITIVE_RIGHTS = frozenset(
    {Right.REVEAL_PERSONAL_DATA, Right.EXPORT_DATA, Right.REVIEW_APPLICATIONS}
)


class User(AbstractUser):
    """A person who signs in. One role per account keeps duties apart."""

    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    full_name = models.CharField(_("姓名"), max_length=64)
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    # Set on an account a security admin creates: its password, if any, is not one the holder
    # chose. Until the holder sets their own (the password-change page or the e-mailed link),
    # the site shows them nothing but the password-change page.
    must_change_password = models.BooleanField(_("须修改密码"), default=False, db_default=False)

    REQUIRED_FIELDS = ["email", "full_name", "role"]

    class Meta:
        verbose_name = _("账户")
        verbose_name_plural = _("账户")

    def __str__(self) -> str:
        return f"{self.full_name}（{self.username}）"

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name

    def active_rights(self) -> frozenset[str]:
        """Return the staff rights this account holds now (cached per instance)."""
        cached: frozenset[str] | None = getattr(self, "_active_rights", None)
        if cached is None:
            if self.role != Role.STAFF or not self.is_active:
                cached = frozenset()
            else:
                cached = frozenset(
                    self.right_grants.filter(revoked_at__isnull=True).values_list(
                        "right", flat=True
                    )
                )
            self._active_rights = cached
        return cached

    def has_right(self, right: str) -> bool:
        return right in self.active_rights()


class RightGrant(models.Model):
    """One right held by one staff account, from its grant until its revocation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="right_grants"
    )
    right = models.CharField(_("权限"), max_length=32, choices=Right.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("授予时间"))
    # A right that exposes personal data is granted on a second security admin's approval.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("批准人"),
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True)

    class Meta:
        verbose_name = _("权限授予")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "right"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_active_grant_per_right",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_right_display()}"


class AccountChange(Transition):
    """A change to an account's role, rights or standing: from, to, who, when, why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("创建账户")
        ROLE_CHANGED = "role_changed", _("变更角色")
        RIGHT_GRANTED = "right_granted", _("授予权限")
        RIGHT_REVOKED = "right_revoked", _("撤销权限")
        DEACTIVATED = "deactivated", _("停用账户")
        ACTIVATED = "activated", _("启用账户")
        UNLOCKED = "unlocked", _("解除登录锁定")
        SECOND_FACTOR_RESET = "second_factor_reset", _("重置双因素认证")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="changes"
    )
    kind = models.CharField(_("变更类型"), max_length=32, choices=Kind.choices)

    class Meta(Transition.Meta):
        verbose_name = _("账户变更记录")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"

    @staticmethod
    def label_of(value: str) -> str:
        """Return the Chinese label of a stored role, right or state code."""
        for enum in (Role, Right):
            if value in enum.values:
                return str(enum(value).label)
        return {
            "active": str(_("启用")),
            "inactive": str(_("停用")),
            "edit_policy": str(Right.EDIT_PARAMETERS.label),  # the code of the previous release
        }.get(value, value)

    def from_label(self) -> str:
        return self.label_of(self.from_value)

    def to_label(self) -> str:
        return self.label_of(self.to_value)


class AccessRefusal(models.Model):
    """How often one account was refused one page under one policy on one day.

    Kept so that the audit trail records a refusal without being flooded by repeats: the first
    refusal of the day gets an entry, then the 10th, the 100th, …, each with the count so far
    (see ``zhiku.accounts.refusals``). Not part of the audit trail: a tally, updated in place.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_refusals"
    )
    day = models.DateField(_("日期"))
    view_name = models.CharField(_("页面"), max_length=200)
    policy = models.CharField(_("访问策略"), max_length=200)
    count = models.PositiveIntegerField(_("次数"), default=0)
    first_path = models.CharField(_("首次访问的地址"), max_length=200)
    first_at = models.DateTimeField(_("首次时间"))
    last_at = models.DateTimeField(_("最近时间"))

    class Meta:
        verbose_name = _("访问被拒记录")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "day", "view_name", "policy"], name="one_refusal_tally_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.view_name} · {self.count}"


class Approval(models.Model):
    """A change to accounts that one security admin asks for and another must approve.

    Granting a right that exposes personal data, creating a security admin, and changing the
    role of a security admin (or making an account one) take two people: nothing changes until
    a security admin other than the requester (and other than the account concerned) approves.
    """

    class Kind(models.TextChoices):
        GRANT_RIGHT = "grant_right", _("授予权限")
        SET_ROLE = "set_role", _("变更角色")
        CREATE_ACCOUNT = "create_account", _("创建安全管理员账户")

    class Status(models.TextChoices):
        PENDING = "pending", _("待批准")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("已拒绝")
        WITHDRAWN = "withdrawn", _("已撤回")

    kind = models.CharField(_("申请事项"), max_length=32, choices=Kind.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    # The account concerned; for a new account, the one created on approval.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="approvals",
        null=True,
        blank=True,
        verbose_name=_("账户"),
    )
    right = models.CharField(_("权限"), max_length=32, choices=Right.choices, blank=True)
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, blank=True)
    # A new account's details, until it is created.
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    send_activation = models.BooleanField(_("批准后发送设置密码的邮件"), default=False)
    reason = models.TextField(_("申请原因"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("处理人"),
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_note = models.TextField(_("处理意见"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("待批准的账户变更")
        verbose_name_plural = _("待批准的账户变更")

    def __str__(self) -> str:
        return self.describe()

    def account_label(self) -> str:
        if self.user is not None:
            return str(self.user)
        return f"{self.full_name}（{self.username}）"

    def describe(self) -> str:
        """Say what is asked, in words: 授予 陈质远（clerk）“导出数据”权限."""
        who = self.account_label()
        if self.kind == self.Kind.GRANT_RIGHT:
            right = Right(self.right).label if self.right in Right.values else self.right
            return str(_("授予 %(who)s“%(right)s”权限")) % {"who": who, "right": right}
        if self.kind == self.Kind.SET_ROLE:
            role = Role(self.role).label if self.role in Role.values else self.role
            return str(_("将 %(who)s 的角色变更为%(role)s")) % {"who": who, "role": role}
        return str(_("创建安全管理员账户 %(who)s")) % {"who": who}

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class ApprovalChange(Transition):
    """A step of an approval: requested, approved, refused or withdrawn (from, to, who, when, why)."""

    approval = models.ForeignKey(Approval, on_delete=models.PROTECT, related_name="changes")

    audit_field = "status"

    class Meta(Transition.Meta):
        verbose_name = _("审批记录")
        verbose_name_plural = _("审批记录")

    def __str__(self) -> str:
        return f"{self.approval} · {self.to_label()}"

    @staticmethod
    def label_of(value: str) -> str:
        if value in Approval.Status.values:
            return str(Approval.Status(value).label)
        return value

    def from_label(self) -> str:
        return self.label_of(self.from_value)

    def to_label(self) -> str:
        return self.label_of(self.to_value)
