"""The database cache's table, which production uses when REDIS_URL is not set (config/settings.py).

Created by every `migrate`, whatever the settings of the process that migrates, so a database
migrated in development and served in production still has it (createcachetable only creates
the tables of the caches configured at the time).
"""

from django.conf import settings
from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, settings.DATABASE_CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(settings.DATABASE_CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("worker", "0003_extractionevaluation")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table, elidable=False)]
