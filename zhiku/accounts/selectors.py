from __future__ import annotations

from django.db.models import Q, QuerySet

from zhiku.accounts.models import AccountChange, Role, User


def internal_accounts(*, role: str = "", q: str = "") -> QuerySet[User]:
    """Accounts a security admin manages: every role but expert (they see no expert data)."""
    qs = User.objects.exclude(role=Role.EXPERT).order_by("role", "username")
    if role:
        qs = qs.filter(role=role)
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    return qs


def account_history(user: User) -> QuerySet[AccountChange]:
    return AccountChange.objects.filter(user=user).select_related("actor")
