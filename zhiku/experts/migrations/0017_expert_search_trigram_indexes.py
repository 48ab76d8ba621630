"""Trigram indexes for the staff list's search box on PostgreSQL.

The search matches part of a name, an organisation or a pool number
(``icontains``: ``UPPER(col::text) LIKE UPPER('%…%')``), which no B-tree serves: at 20,000
experts each search read the whole table twice (the count and the page), 44 ms each. GIN
indexes with ``gin_trgm_ops`` on the same expressions answer it from the index (0.6 ms).
SQLite has no such index and keeps its scan. ``pg_trgm`` is a trusted extension: the
database's owner may create it. Where it cannot be created the migration says so and goes on
without the indexes: the search stays correct, only slower.
"""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError, migrations, transaction

COLUMNS = ("name", "organisation", "pool_number")


def _index(column: str) -> str:
    return f"expert_{column}_trgm"


def create(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        print(f"\n  未能启用 pg_trgm（{error}）：专家检索不建三元组索引，结果不变，只是较慢。")
        return
    with connection.cursor() as cursor:
        for column in COLUMNS:
            cursor.execute(
                f'CREATE INDEX IF NOT EXISTS "{_index(column)}" ON "experts_expert" '
                f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
            )


def drop(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for column in COLUMNS:
            cursor.execute(f'DROP INDEX IF EXISTS "{_index(column)}"')


class Migration(migrations.Migration):
    dependencies = [("experts", "0016_expert_birth_date_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
