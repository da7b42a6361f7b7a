"""PostgreSQL: the second copy of the newest articles' vectors (search_tsv_newest) is
dropped; every search reads search_tsv alone."""

from django.db import migrations


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS search_tsv_newest")


class Migration(migrations.Migration):
    dependencies = [("search", "0013_newest_vectors")]

    operations = [migrations.RunPython(drop, migrations.RunPython.noop)]
