from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhiku.core"
    label = "core"
    verbose_name = "公共服务"

    def ready(self) -> None:
        from zhiku.core import checks  # noqa: F401
        from zhiku.core.plugins import discover

        discover()
