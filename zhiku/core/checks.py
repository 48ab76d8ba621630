from __future__ import annotations

from typing import Any

from django.core.checks import Error, register


@register("urls")
def every_view_has_a_policy(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Refuse to start when a URL pattern's view declares no access policy."""
    from zhiku.core.permissions import views_without_policy

    return [
        Error(
            f"视图没有声明访问策略：{route}",
            hint="用 zhiku.core.permissions.policy(...) 包装该视图。",
            id="zhiku.E001",
        )
        for route in views_without_policy()
    ]
