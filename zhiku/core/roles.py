"""The roles an account holds and the rights granted within the staff role.

They live in core because access policies are built from them; the ``accounts`` app stores
them on its models and re-exports them.
"""

from __future__ import annotations

from typing import Any, Protocol

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
    EDIT_PARAMETERS = "edit_parameters", _("修改政策参数")


class Actor(Protocol):
    """What core needs of a signed-in account (``accounts.User`` is one)."""

    @property
    def pk(self) -> Any: ...

    @property
    def username(self) -> str: ...

    @property
    def full_name(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def is_authenticated(self) -> bool: ...

    def has_right(self, right: str) -> bool: ...
