"""The organisation-name key as an SQL function on PostgreSQL (SQLite gets it per connection)."""

from django.db import migrations


def create(apps, schema_editor):
    from zhiku.activities.orgnames import POSTGRES_FUNCTION

    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION)


def drop(apps, schema_editor):
    from zhiku.activities.orgnames import POSTGRES_DROP

    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_activities_and_draws")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
