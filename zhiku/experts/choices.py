"""The closed lists of the expert profile (the codes are stored; the labels are shown)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class OrgType(models.TextChoices):
    UNIVERSITY = "university", _("高校")
    RESEARCH = "research", _("科研院所")
    ENTERPRISE = "enterprise", _("企业")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位")
    SOCIAL_ORGANISATION = "social_organisation", _("社会组织")
    GOVERNMENT = "government", _("机关")
    OTHER = "other", _("其他")


class TitleLevel(models.TextChoices):
    SENIOR = "senior", _("正高级")
    ASSOCIATE_SENIOR = "associate_senior", _("副高级")
    INTERMEDIATE = "intermediate", _("中级")
    JUNIOR = "junior", _("初级")
    NONE = "none", _("无")


# Art. 6(1): "副高级以上" includes 副高级 itself.
SENIOR_TITLE_LEVELS = frozenset({TitleLevel.SENIOR, TitleLevel.ASSOCIATE_SENIOR})


class Education(models.TextChoices):
    DOCTORAL = "doctoral", _("博士研究生")
    MASTER = "master", _("硕士研究生")
    BACHELOR = "bachelor", _("大学本科")
    COLLEGE = "college", _("大学专科")
    OTHER = "other", _("其他")


class Degree(models.TextChoices):
    DOCTOR = "doctor", _("博士")
    MASTER = "master", _("硕士")
    BACHELOR = "bachelor", _("学士")
    NONE = "none", _("无")


class SpecialCategory(models.TextChoices):
    """The art. 6(5) categories that may serve to their statutory retirement age."""

    ACADEMICIAN = "academician", _("院士")
    DOCTORAL_SUPERVISOR = "doctoral_supervisor", _("博士生导师")
    STATE_COUNCIL_ALLOWANCE = "state_council_allowance", _("享受国务院特殊津贴")
    PROVINCIAL_ALLOWANCE = "provincial_allowance", _("享受省政府特殊津贴")


class Region(models.TextChoices):
    GUANGZHOU = "guangzhou", _("广州市")
    SHENZHEN = "shenzhen", _("深圳市")
    ZHUHAI = "zhuhai", _("珠海市")
    SHANTOU = "shantou", _("汕头市")
    FOSHAN = "foshan", _("佛山市")
    SHAOGUAN = "shaoguan", _("韶关市")
    ZHANJIANG = "zhanjiang", _("湛江市")
    ZHAOQING = "zhaoqing", _("肇庆市")
    JIANGMEN = "jiangmen", _("江门市")
    MAOMING = "maoming", _("茂名市")
    HUIZHOU = "huizhou", _("惠州市")
    MEIZHOU = "meizhou", _("梅州市")
    SHANWEI = "shanwei", _("汕尾市")
    HEYUAN = "heyuan", _("河源市")
    YANGJIANG = "yangjiang", _("阳江市")
    QINGYUAN = "qingyuan", _("清远市")
    DONGGUAN = "dongguan", _("东莞市")
    ZHONGSHAN = "zhongshan", _("中山市")
    CHAOZHOU = "chaozhou", _("潮州市")
    JIEYANG = "jieyang", _("揭阳市")
    YUNFU = "yunfu", _("云浮市")
    OTHER_PROVINCE = "other_province", _("外省（区、市）")
    HONG_KONG = "hong_kong", _("香港")
    MACAO = "macao", _("澳门")
    TAIWAN = "taiwan", _("台湾")
    ABROAD = "abroad", _("国外")


OUTSIDE_GUANGDONG = frozenset(
    {Region.OTHER_PROVINCE, Region.HONG_KONG, Region.MACAO, Region.TAIWAN, Region.ABROAD}
)
GUANGDONG_CITIES = frozenset(set(Region.values) - OUTSIDE_GUANGDONG)


class Status(models.TextChoices):
    """Where an expert stands; only services change it, each change leaves a row."""

    APPLICANT = "applicant", _("申请人（未入库）")
    ACTIVE = "active", _("在库")
    SUSPENDED = "suspended", _("暂停")
    EXITED = "exited", _("已出库")
