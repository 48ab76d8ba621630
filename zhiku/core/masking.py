"""Masking of protected personal data for display and for the audit trail."""

from __future__ import annotations

from typing import Any


def mask(text: str, *, keep_start: int = 3, keep_end: int = 4) -> str:
    """Return ``text`` with its middle replaced by asterisks: 440***********1234."""
    if not text:
        return ""
    if len(text) <= keep_start + keep_end:
        return "*" * len(text)
    return text[:keep_start] + "*" * (len(text) - keep_start - keep_end) + text[-keep_end:]


def mask_value(value: Any) -> Any:
    if value is None or value == "":
        return value
    return mask(str(value))
