"""Bring stored identity numbers, mobiles and e-mail addresses to their one form, mask identity
numbers to their first and last character, and report records that turn out to be one person.

Nothing is merged: colliding records are listed for staff to resolve (also later, with
``manage.py experts_find_duplicates``). Records no configured key decrypts are listed too and
only re-masked. Safe to run again.
"""

from django.db import migrations


def normalise(apps, schema_editor):
    from zhiku.experts.normalisation import normalise_stored

    report = normalise_stored(apps.get_model("experts", "Expert"), apply=True)
    if report.examined and (report.changed or report.collisions or report.unreadable):
        for line in report.lines():
            print(f"\n  {line}", end="")


class Migration(migrations.Migration):
    dependencies = [("experts", "0006_admission_checks")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
