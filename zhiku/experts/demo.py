"""Demonstration experts for `manage.py demo_seed`: deterministic for a seed, safe to run twice.

The history is true: the experts are entered, admitted and suspended on the day the demo is
seeded, as its audit trail records. Every expert of the pool meets art. 6 on that day (the few
applicants are not yet admitted); the organisations are in their real cities (美的 in 佛山,
格力 in 珠海), and the out-of-province experts work outside Guangdong.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date

from django.utils import timezone

from zhiku.accounts.models import Role, User
from zhiku.experts import crypto, services
from zhiku.experts.choices import (
    Degree,
    Education,
    Gender,
    OrgType,
    Region,
    SpecialCategory,
    Status,
    TitleLevel,
)
from zhiku.experts.identity import IdType, check_character
from zhiku.experts.models import Expert, ExpertiseField, Industry
from zhiku.experts.rules import WorkPeriod

SURNAMES = "陈林黄张李王吴刘蔡杨郑许谢梁罗何郭邓叶冯曾钟苏卢"
GIVEN = [
    "志明",
    "秀英",
    "国强",
    "丽华",
    "建华",
    "晓东",
    "海燕",
    "文博",
    "振宇",
    "雅琴",
    "立新",
    "慧敏",
    "伟杰",
    "静怡",
    "德明",
    "嘉欣",
]
ORGANISATIONS = [
    ("华南理工大学", OrgType.UNIVERSITY, "教授", TitleLevel.SENIOR),
    ("中山大学", OrgType.UNIVERSITY, "副教授", TitleLevel.ASSOCIATE_SENIOR),
    ("广东省计量科学研究院", OrgType.RESEARCH, "研究员", TitleLevel.SENIOR),
    ("广东省标准化研究院", OrgType.RESEARCH, "副研究员", TitleLevel.ASSOCIATE_SENIOR),
    (
        "广东产品质量监督检验研究院",
        OrgType.PUBLIC_INSTITUTION,
        "教授级高级工程师",
        TitleLevel.SENIOR,
    ),
    (
        "广东省特种设备检测研究院",
        OrgType.PUBLIC_INSTITUTION,
        "高级工程师",
        TitleLevel.ASSOCIATE_SENIOR,
    ),
    ("美的集团股份有限公司", OrgType.ENTERPRISE, "质量总监", TitleLevel.NONE),
    ("格力电器股份有限公司", OrgType.ENTERPRISE, "高级工程师", TitleLevel.ASSOCIATE_SENIOR),
    ("广州汽车集团股份有限公司", OrgType.ENTERPRISE, "高级工程师", TitleLevel.ASSOCIATE_SENIOR),
    ("广东省质量协会", OrgType.SOCIAL_ORGANISATION, "高级经济师", TitleLevel.ASSOCIATE_SENIOR),
    ("香港生产力促进局", OrgType.OTHER, "首席顾问（高级工程师）", TitleLevel.ASSOCIATE_SENIOR),
    ("中国计量大学", OrgType.UNIVERSITY, "教授", TitleLevel.SENIOR),
    ("中国标准化研究院", OrgType.RESEARCH, "研究员", TitleLevel.SENIOR),
]
# Where an organisation is; the others (universities, institutes in Guangdong) are drawn from
# the province's cities.
ORGANISATION_REGIONS = {
    "美的集团股份有限公司": Region.FOSHAN,
    "格力电器股份有限公司": Region.ZHUHAI,
    "广州汽车集团股份有限公司": Region.GUANGZHOU,
    "华南理工大学": Region.GUANGZHOU,
    "中山大学": Region.GUANGZHOU,
    "广东省计量科学研究院": Region.GUANGZHOU,
    "广东省标准化研究院": Region.GUANGZHOU,
    "香港生产力促进局": Region.HONG_KONG,
    "中国计量大学": Region.OTHER_PROVINCE,  # 浙江杭州
    "中国标准化研究院": Region.OTHER_PROVINCE,  # 北京
}
CITIES = [Region.GUANGZHOU, Region.SHENZHEN, Region.FOSHAN, Region.DONGGUAN, Region.ZHUHAI]
COUNT = 40


def _id_number(birth: date, n: int) -> str:
    first17 = f"440106{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + check_character(first17)


def seed_experts(rng: random.Random) -> Iterator[str]:
    """Create the demonstration experts not yet present (as the demo staff member), entered and
    admitted today."""
    today = timezone.localdate()
    actor = User.objects.get(username="staff")
    subfields = list(ExpertiseField.objects.filter(parent__isnull=False).order_by("code"))
    industries = list(Industry.objects.order_by("code"))
    demo_expert = User.objects.filter(username="expert", role=Role.EXPERT).first()
    created = 0
    for n in range(COUNT):
        gender = Gender.FEMALE if rng.random() < 0.35 else Gender.MALE
        # Aged 38 to 62 in 2026: within art. 6(5)'s 65 until 2029 at least. The draws never
        # depend on the day, so a second run on any day meets the same people.
        birth = date(rng.randint(1964, 1988), rng.randint(1, 12), rng.randint(1, 28))
        if n == 7:
            birth = date(1964, 2, 29)  # a 29 February birthday, an academician's (limit 70)
        # The 17th digit states the gender: odd for a man, even for a woman.
        serial = 100 + 2 * n + (1 if gender == Gender.MALE else 0)
        number = _id_number(birth, serial)
        org, org_type, title, level = ORGANISATIONS[rng.randrange(len(ORGANISATIONS))]
        city = rng.choice(CITIES)
        region = ORGANISATION_REGIONS.get(org, city)
        categories: list[str] = []
        if level == TitleLevel.SENIOR and rng.random() < 0.3:
            categories.append(rng.choice(SpecialCategory.values))
        if n == 7:
            org, org_type, title, level = ORGANISATIONS[0]
            region, categories = ORGANISATION_REGIONS[org], [SpecialCategory.ACADEMICIAN]
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if n == 0:
            name, gender, birth = "郑博文", Gender.MALE, date(1971, 9, 14)
            number = _id_number(birth, 101)
        primary = rng.choice(subfields)
        others = rng.sample(subfields, 2)
        sectors = rng.sample(industries, 2)
        mobile = f"139{rng.randint(0, 99_999_999):08d}"
        position = "部门负责人" if rng.random() < 0.4 else ""
        education = rng.choice([Education.DOCTORAL, Education.MASTER, Education.BACHELOR])
        degree = rng.choice([Degree.DOCTOR, Degree.MASTER, Degree.BACHELOR])
        # Five years or more in the field from 2026 on (art. 6(1)), after their studies.
        since = date(rng.randint(1995, 2020), rng.randint(1, 12), 1)
        since = max(since, date(birth.year + 22, 7, 1))  # nobody works before they are 16
        # Every draw is made before this check, so a second run meets the same people.
        if Expert.objects.filter(
            id_number_hash=crypto.lookup_hash(number, purpose=crypto.ID_HASH_PURPOSE)
        ).exists():
            continue
        expert = services.expert_create(
            actor=actor,
            profile={
                "name": name,
                "gender": gender,
                "birth_date": birth,
                "id_type": IdType.RESIDENT,
                "email": f"demo{n:02d}@example.org",
                "address": "广东省广州市",
                "organisation": org,
                "org_type": org_type,
                "position": position,
                "senior_manager": org_type == OrgType.ENTERPRISE and level == TitleLevel.NONE,
                "title": title,
                "title_level": level,
                "education": education,
                "degree": degree,
                "special_categories": categories,
                "statutory_retirement_age": 70
                if SpecialCategory.ACADEMICIAN in categories
                else None,
                "region": region,
                "ethics_declared": True,
                "health_declared": True,
            },
            id_number=number,
            mobile=mobile,
            primary_field=primary,
            other_fields=others,
            industries=sectors,
            user=demo_expert if n == 0 else None,
            admit_on=None if n % 13 == 12 else today,
            work_history=[WorkPeriod(org, since, None, True)],
            # Used only for those who fail art. 6 on the day of admission.
            exception_reason="演示数据：理事会认定其专业水平符合要求，仍予入库。",
        )
        if n % 11 == 5 and expert.status == Status.ACTIVE:
            services.expert_status_change(
                actor=actor,
                expert=expert,
                to_status=Status.SUSPENDED,
                on=today,
                reason="演示：本人出国一年，暂停参加活动",
            )
        created += 1
    yield f"演示专家：新建 {created} 位。"
