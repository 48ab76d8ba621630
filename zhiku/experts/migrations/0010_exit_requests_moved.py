"""Exit requests are exit cases now: ``exits/0002`` turned each into one (ground 2)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('experts', '0009_expert_status_hold'),
        ('exits', '0002_exit_requests_to_cases'),
    ]

    operations = [
        migrations.DeleteModel(
            name='ExitRequest',
        ),
    ]
