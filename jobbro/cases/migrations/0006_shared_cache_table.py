"""The database table of the shared cache (settings.CACHES["shared"]), so `migrate` is the only set-up step."""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def create_table(apps, schema_editor):
    call_command("createcachetable", settings.SHARED_CACHE_TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(settings.SHARED_CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_report_lookup_indexes")]

    operations = [migrations.RunPython(create_table, drop_table)]
