from __future__ import annotations

from typing import Any, cast

import factory
from django.utils import timezone

from zhiku.accounts.models import RightGrant, User

PASSWORD = "Test-Password-2026!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = "staff"
    password = factory.django.Password(PASSWORD)


def make_account(role: str, *, rights: tuple[str, ...] = (), **kwargs: Any) -> User:
    """Create an account; rights are written directly (the services are tested on their own)."""
    user = cast(User, UserFactory(role=role, **kwargs))
    granter = cast(User, UserFactory(username="fixture-granter", role="security_admin"))
    for right in rights:
        RightGrant.objects.create(
            user=user, right=right, granted_by=granter, granted_at=timezone.now()
        )
    return user
