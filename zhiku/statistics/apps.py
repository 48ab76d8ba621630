from django.apps import AppConfig


class StatisticsConfig(AppConfig):
    name = "zhiku.statistics"
    label = "statistics"
    verbose_name = "统计分析"
