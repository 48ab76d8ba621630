"""Factories and shared helpers for the registry's tests: experts written directly (valid,
distinct identity numbers), experts created through the service, and roster spreadsheets."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any, cast

import factory
from openpyxl import load_workbook

from zhiku.core.masking import mask
from zhiku.experts import crypto, identity, services
from zhiku.experts.choices import Gender, OrgType, Region, Status, TitleLevel
from zhiku.experts.identity import IdType
from zhiku.experts.models import Employment, Expert, ExpertField, ExpertiseField
from zhiku.experts.protected import mask_id_number
from zhiku.experts.rules import WorkPeriod, gender_in_number
from zhiku.experts.spreadsheets import DATA_SHEET, HEADERS


def resident_number(birth: date, serial: int, area: str = "440106") -> str:
    """Return a valid mainland resident number for ``birth`` (serial 0–999)."""
    first17 = f"{area}{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + identity.check_character(first17)


def mobile_number(n: int) -> str:
    return f"139{n % 100_000_000:08d}"


class ExpertFactory(factory.django.DjangoModelFactory):
    """An expert written directly (services are tested on their own), encrypted like the real thing."""

    class Meta:
        model = Expert
        exclude = ("id_number", "mobile")
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"专家{n}")
    gender = Gender.MALE
    birth_date = date(1970, 5, 17)
    id_type = IdType.RESIDENT
    id_number = factory.LazyAttributeSequence(lambda o, n: resident_number(o.birth_date, n))
    mobile = factory.Sequence(mobile_number)
    id_number_token = factory.LazyAttribute(lambda o: crypto.encrypt(o.id_number))
    id_number_hash = factory.LazyAttribute(
        lambda o: crypto.lookup_hash(o.id_number, purpose=crypto.ID_HASH_PURPOSE)
    )
    id_number_masked = factory.LazyAttribute(lambda o: mask_id_number(o.id_number))
    mobile_token = factory.LazyAttribute(lambda o: crypto.encrypt(o.mobile))
    mobile_hash = factory.LazyAttribute(
        lambda o: crypto.lookup_hash(o.mobile, purpose=crypto.MOBILE_HASH_PURPOSE)
    )
    mobile_masked = factory.LazyAttribute(lambda o: mask(o.mobile))
    organisation = "华南理工大学"
    org_type = OrgType.UNIVERSITY
    title = "教授"
    title_level = TitleLevel.SENIOR
    region = Region.GUANGZHOU
    status = Status.ACTIVE
    pool_number = factory.Sequence(lambda n: f"GDQ-2025-{n + 1:04d}")

    @factory.post_generation
    def primary(obj: Expert, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            field = extracted or ExpertiseField.objects.filter(parent__isnull=False).first()
            assert field is not None
            ExpertField.objects.create(expert=obj, field=field, is_primary=True)

    @factory.post_generation
    def years_in_field(obj: Expert, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            start = date(2026 - int(extracted), 1, 1)
            Employment.objects.create(
                expert=obj, organisation=obj.organisation, start=start, end=None, in_field=True
            )


def make_expert(**kwargs: Any) -> Expert:
    """Create an expert with the factory, typed as the model."""
    return cast(Expert, ExpertFactory(**kwargs))


# --- an expert created through the service, as staff enter one ----------------------------

BIRTH = date(1972, 8, 9)
ID_NUMBER = resident_number(BIRTH, 516)  # even 17th digit: a woman, as profile() says
MOBILE = "13812345678"


def profile(**kwargs: Any) -> dict[str, Any]:
    return {
        "name": "林质安",
        "gender": Gender.FEMALE,
        "birth_date": BIRTH,
        "id_type": IdType.RESIDENT,
        "organisation": "广东省质量监督检测中心",
        "org_type": OrgType.PUBLIC_INSTITUTION,
        "title_level": TitleLevel.SENIOR,
        "region": Region.FOSHAN,
        **kwargs,
    }


# Twelve years in the field by 2026-03-02: with a senior title, art. 6(1) passes.
WORK_HISTORY = [WorkPeriod("广东省质量监督检测中心", date(2014, 3, 1), None, True)]


def create(staff: Any, **kwargs: Any) -> Any:
    """Add and admit (2026-03-02) the expert of ``profile()`` through ``expert_create``; the
    gender is the one the identity number states."""
    number = kwargs.pop("id_number", ID_NUMBER)
    gender = gender_in_number(IdType.RESIDENT, identity.normalize(number)) or Gender.FEMALE
    return services.expert_create(
        actor=staff,
        profile=profile(gender=gender),
        id_number=number,
        mobile=kwargs.pop("mobile", MOBILE),
        primary_field=ExpertiseField.objects.get(code="03.01"),
        admit_on=date(2026, 3, 2),
        work_history=kwargs.pop("work_history", WORK_HISTORY),
        **kwargs,
    )


# --- roster spreadsheets, written into the downloaded template ----------------------------

FIELDS = ["01.01 质量管理体系", "02.01 标准制修订", "05.01 产品检验", "12.02 质量政策研究"]
REGIONS = ["广州市", "深圳市", "佛山市", "外省（区、市）"]
LEVELS = ["正高级", "副高级", "中级"]


def roster_row(n: int, *, email: bool = True) -> dict[str, Any]:
    """Return a valid row (header -> value) for person ``n``: distinct identity and mobile."""
    birth = date(1960, 1, 1) + timedelta(days=(n * 7) % 9000)
    return {
        "姓名": f"导入专家{n}",
        "性别": "男" if n % 2 else "女",  # as the identity number's 17th digit says
        "出生日期": birth,
        "证件类型": "居民身份证",
        "证件号码": resident_number(birth, n % 1000, area=f"44{n // 1000 % 100:02d}06"),
        "手机号码": f"137{n:08d}",
        "电子邮箱": f"expert{n}@example.org" if email else "",
        "通讯地址": f"广州市天河区华观路 {n} 号" if n % 2 else "",
        "工作单位": f"广东质量研究院{n % 7}所",
        "单位类型": "科研院所",
        "职称": "研究员",
        "职称级别": LEVELS[n % 3],
        "所在地区": REGIONS[n % 4],
        "主要专业领域": FIELDS[n % 4],
        "其他专业领域": "01.02、05.02" if n % 5 == 0 else "",
        "行业门类": "C、M" if n % 3 == 0 else "",
        "特殊类别": "博士生导师、享受国务院特殊津贴" if n % 11 == 0 else "",
        "法定退休年龄": 65 if n % 11 == 0 else None,
        "已声明职业道德与无不良记录": "是",
        "已声明身体健康、自愿参与": "是",
    }


def roster_file(template: bytes, rows: list[dict[str, Any]]) -> bytes:
    """Return the template with ``rows`` filled in from row 2."""
    wb = load_workbook(io.BytesIO(template))
    ws = wb[DATA_SHEET]
    for r, row in enumerate(rows, start=2):
        for c, header in enumerate(HEADERS, start=1):
            value = row.get(header)
            if value not in (None, ""):
                ws.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
