from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "zhiku.accounts"
    label = "accounts"
    verbose_name = "账户与权限"

    def ready(self) -> None:
        from zhiku.accounts import signals  # noqa: F401
