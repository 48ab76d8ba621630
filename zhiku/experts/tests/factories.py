"""Factories for the expert registry; identity numbers are valid and distinct by sequence."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import factory

from zhiku.core.masking import mask
from zhiku.experts import crypto, identity
from zhiku.experts.choices import Gender, OrgType, Region, Status, TitleLevel
from zhiku.experts.identity import IdType
from zhiku.experts.models import Employment, Expert, ExpertField, ExpertiseField
from zhiku.experts.services import ID_HASH_PURPOSE, MOBILE_HASH_PURPOSE


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
        lambda o: crypto.lookup_hash(o.id_number, purpose=ID_HASH_PURPOSE)
    )
    id_number_masked = factory.LazyAttribute(lambda o: mask(o.id_number))
    mobile_token = factory.LazyAttribute(lambda o: crypto.encrypt(o.mobile))
    mobile_hash = factory.LazyAttribute(
        lambda o: crypto.lookup_hash(o.mobile, purpose=MOBILE_HASH_PURPOSE)
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
