from django.apps import AppConfig


class ExitsConfig(AppConfig):
    name = "zhiku.exits"
    label = "exits"
    verbose_name = "专家出库"
