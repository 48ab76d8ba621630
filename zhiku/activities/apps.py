from typing import Any

from django.apps import AppConfig


def _ensure_postgres_function(using: str = "default", **kwargs: Any) -> None:
    """Create the key function after every migrate (also a test database built without
    migrations); ``CREATE OR REPLACE`` makes it idempotent."""
    from django.db import connections

    from zhiku.activities.orgnames import POSTGRES_FUNCTION

    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(POSTGRES_FUNCTION)


class ActivitiesConfig(AppConfig):
    name = "zhiku.activities"
    label = "activities"
    verbose_name = "活动与抽取"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from zhiku.activities.orgnames import register_sqlite_function

        # SQLite gets the organisation-name key as a function of each connection; PostgreSQL
        # has it as an SQL function created by migration 0002 (and after every migrate).
        connection_created.connect(register_sqlite_function, dispatch_uid="zhiku_org_key")
        post_migrate.connect(_ensure_postgres_function, sender=self, dispatch_uid="zhiku_org_key")
