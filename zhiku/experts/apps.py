from django.apps import AppConfig


class ExpertsConfig(AppConfig):
    name = "zhiku.experts"
    label = "experts"
