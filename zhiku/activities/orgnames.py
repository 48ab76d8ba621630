"""Organisation names compared as people mean them, so that spelling cannot defeat recusal.

Two names are the same organisation when their **keys** are equal: Unicode NFKC (full-width
letters, digits and brackets become half-width), lower case, without spaces and brackets, and
without one trailing company-form suffix (股份有限公司, 有限责任公司, 有限公司, 公司, Co.,Ltd.).
"广州某某检测有限公司" and "广州某某检测有限责任公司 " have the key "广州某某检测"; "ＡＢＣ检测" and
"ABC检测" have "abc检测". Staff keep an alias table for names no rule can join (华工 → 华南理工大学).

The key is computed in the database, where the recusal query runs: on SQLite by the Python
function below (registered on every connection), on PostgreSQL by the SQL function
``zhiku_org_key`` (created by this app's migration 0002) that does the same; a test compares them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import BooleanField, Expression, F
from django.db.models.sql.compiler import SQLCompiler

SQL_FUNCTION = "zhiku_org_key"

# Spaces (also the zero-width ones NFKC keeps) and brackets, removed wherever they are.
_REMOVED = (
    " \t\n\r\f\v\u00a0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u3000\ufeff"
    "()\\[\\]{}<>【】〔〕〖〗〈〉《》「」『』"
)
_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "公司",
    "co\\.,ltd\\.",
    "co\\.,ltd",
    "co\\.ltd\\.",
    "co\\.ltd",
    "ltd\\.",
    "ltd",
)
_REMOVED_RE = re.compile(f"[{_REMOVED}]+")
_SUFFIX_RE = re.compile(f"({'|'.join(_SUFFIXES)})$")


def org_key(name: str | None) -> str:
    """Return the comparison key of an organisation name ("" for a name of no substance)."""
    text = unicodedata.normalize("NFKC", name or "").lower()
    text = _REMOVED_RE.sub("", text)
    return _SUFFIX_RE.sub("", text, count=1)


# The same steps in PostgreSQL (15+: normalize() needs a UTF8 database). Character-entry
# escapes (\uXXXX) stand for the same characters as in the Python class above.
POSTGRES_FUNCTION = rf"""
CREATE OR REPLACE FUNCTION {SQL_FUNCTION}(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT regexp_replace(
           regexp_replace(lower(normalize(coalesce(name, ''), NFKC)),
                          '[ \t\n\r\f\v\u00a0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u3000\ufeff()\[\]{{}}<>【】〔〕〖〗〈〉《》「」『』]+',
                          '', 'g'),
           '({"|".join(_SUFFIXES)})$', '')
$$;
"""
POSTGRES_DROP = f"DROP FUNCTION IF EXISTS {SQL_FUNCTION}(text);"


def register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Give a new SQLite connection the key function (the ``connection_created`` signal)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQL_FUNCTION, 1, org_key, deterministic=True)


def like_pattern(key: str) -> str | None:
    """A cheap LIKE test every name with ``key`` passes: its caseless non-ASCII characters (the
    Chinese ones) in order. None when the key has none (then only the key function decides).

    It assumes those characters are typed as themselves, not as compatibility code points
    (U+F900 CJK compatibility ideographs), which NFKC would map to them.
    """
    chars = [
        c
        for c in key
        if not c.isascii()
        and c.lower() == c == c.upper()
        and unicodedata.normalize("NFKC", c) == c
        and c not in "%_\\"
    ]
    return "%" + "%".join(chars) + "%" if chars else None


class OrganisationMatches(Expression):
    """True where the named column's key is one of ``keys`` (a LIKE prefilter, then the key)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str | Expression, keys: Iterable[str]) -> None:
        super().__init__()
        self.column: Any = F(column) if isinstance(column, str) else column
        self.keys = sorted({k for k in keys if k})

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.column,) = exprs

    def as_sql(self, compiler: SQLCompiler, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        if not self.keys:
            return "(1 = 0)", []
        column_sql, column_params = compiler.compile(self.column)
        parts: list[str] = []
        params: list[Any] = []
        for key in self.keys:
            pattern = like_pattern(key)
            if pattern is not None:
                # CASE, not AND: evaluated lazily in a SELECT list too, so the key function runs
                # only on names that pass the cheap LIKE.
                parts.append(
                    f"(CASE WHEN {column_sql} LIKE %s THEN {SQL_FUNCTION}({column_sql}) = %s "
                    "ELSE FALSE END)"
                )
                params += [*column_params, pattern, *column_params, key]
            else:
                parts.append(f"{SQL_FUNCTION}({column_sql}) = %s")
                params += [*column_params, key]
        return "(" + " OR ".join(parts) + ")", params
