"""The staff list's (region, title level) index ends with the id, so that PostgreSQL counts the
list's matches from the index alone instead of reading the table (bench/experts.py: at 1,000,000
experts that count read 18,000 pages of the table). On SQLite the index holds the same entries
as before (its index entries always carry the row id)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("experts", "0014_value_aliases_and_import_notices"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="expert", name="expert_region_title"),
        migrations.AddIndex(
            model_name="expert",
            index=models.Index(
                fields=["region", "title_level", "id"], name="expert_region_title_id"
            ),
        ),
    ]
