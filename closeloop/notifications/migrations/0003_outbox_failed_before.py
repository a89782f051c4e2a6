from django.db import migrations
from django.utils import timezone


def mark_exhausted_failed(apps, schema_editor):
    # Before claims, a message gave up silently after 10 attempts; say so, as now.
    OutboxMessage = apps.get_model("notifications", "OutboxMessage")
    OutboxMessage.objects.filter(sent_at__isnull=True, attempts__gte=10).update(
        failed_at=timezone.now()
    )


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0002_outbox_claims"),
    ]

    operations = [
        migrations.RunPython(mark_exhausted_failed, migrations.RunPython.noop),
    ]
