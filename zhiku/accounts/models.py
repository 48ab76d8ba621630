"""Accounts, the one role each account holds, and the rights granted to staff one by one."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STAFF = "staff", _("工作人员")
    COUNCIL = "council", _("理事会成员")
    SUPERVISOR = "supervisor", _("监督人")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDITOR = "auditor", _("审计员")
    EXPERT = "expert", _("专家")


class Right(models.TextChoices):
    """Rights within the staff role, granted one by one by a security admin."""

    REVIEW_APPLICATIONS = "review_applications", _("审核入库申请")
    RUN_DRAWS = "run_draws", _("组织随机抽取")
    APPROVE_DESIGNATIONS = "approve_designations", _("批准指定专家")
    REVEAL_PERSONAL_DATA = "reveal_personal_data", _("查看受保护的个人信息")
    EXPORT_DATA = "export_data", _("导出数据")
    EDIT_POLICY = "edit_policy", _("修改政策参数")


class User(AbstractUser):
    """A person who signs in. One role per account keeps duties apart."""

    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    full_name = models.CharField(_("姓名"), max_length=64)
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)

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


class AccountChange(models.Model):
    """A row for every change to an account's role, rights or standing: from, to, who, when, why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("创建账户")
        ROLE_CHANGED = "role_changed", _("变更角色")
        RIGHT_GRANTED = "right_granted", _("授予权限")
        RIGHT_REVOKED = "right_revoked", _("撤销权限")
        DEACTIVATED = "deactivated", _("停用账户")
        ACTIVATED = "activated", _("启用账户")
        UNLOCKED = "unlocked", _("解除登录锁定")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="changes"
    )
    kind = models.CharField(_("变更类型"), max_length=32, choices=Kind.choices)
    from_value = models.CharField(_("变更前"), max_length=64, blank=True)
    to_value = models.CharField(_("变更后"), max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    at = models.DateTimeField(_("时间"))
    reason = models.TextField(_("原因"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("账户变更记录")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"

    @staticmethod
    def label_of(value: str) -> str:
        """Return the Chinese label of a stored role, right or state code."""
        for enum in (Role, Right):
            if value in enum.values:
                return str(enum(value).label)
        return {"active": str(_("启用")), "inactive": str(_("停用"))}.get(value, value)

    def from_label(self) -> str:
        return self.label_of(self.from_value)

    def to_label(self) -> str:
        return self.label_of(self.to_value)
