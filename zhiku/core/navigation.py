"""The workspace menu, built from the user's role and rights."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhiku.accounts.models import Right, Role


@dataclass(frozen=True)
class NavItem:
    label: Any
    url: str


def workspace_navigation(user: Any) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    items: list[NavItem] = []
    role = user.role
    if role == Role.STAFF:
        items.append(NavItem(_("工作台"), reverse("core:staff_home")))
        items.append(NavItem(_("专家库"), reverse("registry:expert_list")))
        if user.has_right(Right.REVIEW_APPLICATIONS):
            items.append(NavItem(_("批量导入"), reverse("registry:import_page")))
        if user.has_right(Right.EDIT_POLICY):
            items.append(NavItem(_("工作日历"), reverse("core:workday_calendar_today")))
            items.append(NavItem(_("政策参数"), reverse("core:policy_list")))
    elif role == Role.COUNCIL:
        items.append(NavItem(_("理事会工作台"), reverse("core:council_home")))
    elif role == Role.SUPERVISOR:
        items.append(NavItem(_("监督工作台"), reverse("core:supervisor_home")))
    elif role == Role.SECURITY_ADMIN:
        items.append(NavItem(_("账户与权限"), reverse("accounts:account_list")))
        items.append(NavItem(_("新建账户"), reverse("accounts:account_create")))
    elif role == Role.AUDITOR:
        items.append(NavItem(_("审计日志"), reverse("core:audit_list")))
    elif role == Role.EXPERT:
        items.append(NavItem(_("我的主页"), reverse("experts:portal_home")))
        items.append(NavItem(_("报告信息变更"), reverse("experts:portal_change")))
        items.append(NavItem(_("回避与可参加情况"), reverse("experts:portal_declarations")))
    items.append(NavItem(_("修改密码"), reverse("accounts:password_change")))
    return items
