"""The throwaway app's plugin: a menu item, a role home, a dashboard item, an action label."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from zhiku.core.plugins import DashboardItem, DashboardSource, MenuItem, Plugin, register
from zhiku.core.roles import Role


def _waiting(user: Any, today: dt.date) -> DashboardItem:
    return DashboardItem(
        title="等待见证的抽取（插件）",
        count=3,
        url=reverse("throwaway:queue"),
        oldest=dt.date(2026, 11, 20),
    )


register(
    Plugin(
        app="zhiku.core.tests.throwaway",
        role_homes={Role.SUPERVISOR: MenuItem("见证工作台（插件）", "throwaway:home", order=0)},
        menu=[
            MenuItem("待见证的抽取（插件）", "throwaway:queue", order=50, group="见证（插件）"),
            MenuItem("见证记录（插件）", "throwaway:log", order=51, group="见证（插件）"),
        ],
        dashboard=[DashboardSource("throwaway:queue", _waiting)],
        audit_labels={"throwaway.draw.witnessed": "见证抽取（插件）"},
    )
)
