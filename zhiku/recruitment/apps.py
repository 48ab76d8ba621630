from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "zhiku.recruitment"
    label = "recruitment"
    verbose_name = "专家征集与入库申请"
