"""The table of the shared cache (settings.CACHES), when it is the database cache.

`createcachetable` does nothing for other caches (Redis) or when the table exists; `closeloop
init` runs it again, for a site that moves from Redis to the database later.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
