from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "zhiku.evaluations"
    label = "evaluations"
    verbose_name = "培训与考核评价"
