from django.apps import AppConfig


class ExpertsConfig(AppConfig):
    name = "zhiku.experts"
    label = "experts"
    verbose_name = "专家库"

    def ready(self) -> None:
        # Settings are complete here (test settings included): refuse to start without keys.
        from zhiku.experts.crypto import check_configuration

        check_configuration()
