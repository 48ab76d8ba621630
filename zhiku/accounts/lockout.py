"""Failed sign-ins: brute force is stopped, and a stranger cannot lock someone else out.

- Ten wrong passwords for one account **from one address** lock that account from that
  address (django-axes, ``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]``). Someone
  guessing a user name from elsewhere locks only their own address out: the real user, from
  their own address, still signs in.
- An address that fails ``ZHIKU_LOGIN_ADDRESS_FAILURE_LIMIT`` times across user names (default
  50) is stopped for every user name, so guessing many accounts from one place is stopped too.
  The limit is higher than one account's so that an office behind one NAT address is not
  stopped by a few colleagues' typos.
- Both last ``ZHIKU_LOGIN_LOCKOUT_MINUTES`` (30) after the last failure, end sooner when a
  security admin unlocks the account, and a locked-out user unlocks themselves with the
  password-reset link sent by e-mail (a new password clears the account's failures).
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def address_failures(ip_address: str | None, request: HttpRequest) -> int:
    """Return how many failed sign-ins came from ``ip_address`` within the cool-off, any user."""
    if not ip_address:
        return 0
    total = AccessAttempt.objects.filter(
        ip_address=ip_address, attempt_time__gte=get_cool_off_threshold(request)
    ).aggregate(n=Sum("failures_since_start"))["n"]
    return int(total or 0)


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler, plus the throttle of an address across user names."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        failures = super().get_failures(request, credentials)
        limit = get_failure_limit(request, credentials)
        ip_address = getattr(request, "axes_ip_address", None)
        if (
            failures < limit
            and address_failures(ip_address, request) >= settings.ZHIKU_LOGIN_ADDRESS_FAILURE_LIMIT
        ):
            # The lockout page tells this apart from an account locked from this address.
            request.zhiku_address_throttled = True
            return limit
        return failures


def locked_addresses(username: str) -> list[str]:
    """Return the addresses from which ``username`` is locked out now."""
    from django.utils import timezone

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(username=username, attempt_time__gte=since)
        .values("ip_address")
        .annotate(n=Sum("failures_since_start"))
        .filter(n__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("ip_address")
    )
    return [row["ip_address"] or "" for row in rows]


def lockouts_clear(username: str) -> int:
    """Forget the failed sign-ins of ``username`` from every address; return how many records."""
    from axes.utils import reset

    return int(reset(username=username) or 0)
