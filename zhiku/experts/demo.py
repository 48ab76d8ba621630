"""Demonstration experts for `manage.py demo_seed`: deterministic for a seed, safe to run twice."""

from __future__ import annotations

import random
from datetime import date

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
    ("广州汽车集团股份有限公司", OrgType.ENTERPRISE, "工程师", TitleLevel.INTERMEDIATE),
    ("广东省质量协会", OrgType.SOCIAL_ORGANISATION, "高级经济师", TitleLevel.ASSOCIATE_SENIOR),
    ("香港生产力促进局", OrgType.OTHER, "首席顾问", TitleLevel.NONE),
]
AREAS = {"guangzhou": "440106", "shenzhen": "440305", "foshan": "440604", "dongguan": "441900"}
COUNT = 40


def _id_number(birth: date, n: int) -> str:
    first17 = f"440106{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + check_character(first17)


def seed_experts(rng: random.Random, *, actor: User) -> int:
    """Create the demonstration experts not yet present; return how many were created."""
    subfields = list(ExpertiseField.objects.filter(parent__isnull=False).order_by("code"))
    industries = list(Industry.objects.order_by("code"))
    demo_expert = User.objects.filter(username="expert", role=Role.EXPERT).first()
    created = 0
    for n in range(COUNT):
        gender = Gender.FEMALE if rng.random() < 0.35 else Gender.MALE
        birth = date(rng.randint(1955, 1988), rng.randint(1, 12), rng.randint(1, 28))
        if n == 7:
            birth = date(1960, 2, 29)  # a 29 February birthday
        number = _id_number(birth, 100 + n)
        org, org_type, title, level = ORGANISATIONS[rng.randrange(len(ORGANISATIONS))]
        region = rng.choice([*list(AREAS), "zhuhai", "shantou", "zhanjiang", "other_province"])
        if org == "香港生产力促进局":
            region = Region.HONG_KONG
        categories: list[str] = []
        if level == TitleLevel.SENIOR and rng.random() < 0.3:
            categories.append(rng.choice(SpecialCategory.values))
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if n == 0:
            name, gender, birth = "郑博文", Gender.MALE, date(1971, 9, 14)
            number = _id_number(birth, 100)
        primary = rng.choice(subfields)
        others = rng.sample(subfields, 2)
        sectors = rng.sample(industries, 2)
        mobile = f"139{rng.randint(0, 99_999_999):08d}"
        position = "部门负责人" if rng.random() < 0.4 else ""
        education = rng.choice([Education.DOCTORAL, Education.MASTER, Education.BACHELOR])
        degree = rng.choice([Degree.DOCTOR, Degree.MASTER, Degree.BACHELOR])
        since = date(rng.randint(1995, 2021), rng.randint(1, 12), 1)
        # Every draw is made before this check, so a second run meets the same people.
        if Expert.objects.filter(
            id_number_hash=crypto.lookup_hash(number, purpose=services.ID_HASH_PURPOSE)
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
            admit_on=None if n % 13 == 12 else date(2026, 1, 5),
        )
        services.employment_add(
            actor=actor,
            expert=expert,
            organisation=org,
            start=since,
            end=None,
            in_field=True,
        )
        if n % 11 == 5 and expert.status == Status.ACTIVE:
            services.expert_status_change(
                actor=actor,
                expert=expert,
                to_status=Status.SUSPENDED,
                on=date(2026, 3, 2),
                reason="演示：暂停",
            )
        created += 1
    return created
