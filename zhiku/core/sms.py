"""Text messages through a pluggable sender, as Django sends mail through a mail backend.

``ZHIKU_SMS_BACKEND`` names a class with ``send(number, text)``. The default,
:class:`LogBackend`, writes the message to the log (development, or until the association's
gateway is configured); :class:`LocmemBackend` keeps messages in :data:`outbox` for tests.
A gateway's class raises :class:`SmsError` when a message cannot be sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from zhiku.core.errors import DomainError
from zhiku.core.masking import mask

logger = logging.getLogger("zhiku.sms")


class SmsError(DomainError):
    """A text message could not be sent."""


@dataclass(frozen=True)
class TextMessage:
    number: str
    text: str


class SmsBackend(Protocol):
    def send(self, number: str, text: str) -> None: ...


class LogBackend:
    """Write the message to the log instead of sending it (the number masked)."""

    def send(self, number: str, text: str) -> None:
        logger.warning("短信（未实际发送）至 %s：%s", mask(number), text)


# Messages "sent" through LocmemBackend, oldest first; tests empty it.
outbox: list[TextMessage] = []


class LocmemBackend:
    """Keep messages in ``zhiku.core.sms.outbox`` (tests)."""

    def send(self, number: str, text: str) -> None:
        outbox.append(TextMessage(number, text))


def backend() -> SmsBackend:
    cls = import_string(getattr(settings, "ZHIKU_SMS_BACKEND", "zhiku.core.sms.LogBackend"))
    sender: SmsBackend = cls()
    return sender


def send_sms(number: str, text: str) -> None:
    """Send ``text`` to the mobile ``number`` through the configured backend."""
    backend().send(number, text)
