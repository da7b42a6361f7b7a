"""PostgreSQL: the RUM index in place of GIN where the server has the extension."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from shinbun.search.backends import PostgresBackend

    with schema_editor.connection.cursor() as cursor:
        PostgresBackend().create(cursor)


class Migration(migrations.Migration):
    dependencies = [("search", "0005_document_norm")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
