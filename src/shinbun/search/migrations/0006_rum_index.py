"""PostgreSQL: the RUM index in place of GIN where the server has the extension."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from shinbun.search.engines.postgres import PostgresEngine

    with schema_editor.connection.cursor() as cursor:
        PostgresEngine(schema_editor.connection.alias).create(cursor)


class Migration(migrations.Migration):
    dependencies = [("search", "0005_document_norm")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
