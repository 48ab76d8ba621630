"""Import jobs: where the header was found and the columns left out, and the choice to skip
the rows of people already in the pool, with those rows listed."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("experts", "0011_importjob_heartbeat"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="skip_existing",
            field=models.BooleanField(default=False, verbose_name="跳过已在库人员"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="layout",
            field=models.JSONField(blank=True, default=dict, verbose_name="表头位置与列"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="existing_rows",
            field=models.PositiveIntegerField(default=0, verbose_name="已在库的行数"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="skipped",
            field=models.JSONField(blank=True, default=list, verbose_name="跳过的行"),
        ),
    ]
