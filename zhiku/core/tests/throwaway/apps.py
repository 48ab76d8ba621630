from django.apps import AppConfig


class ThrowawayConfig(AppConfig):
    name = "zhiku.core.tests.throwaway"
    label = "throwaway"
    verbose_name = "插件测试模块"
