from django.db import migrations


def create(apps, schema_editor):
    from shinbun.search.backends import PostgresBackend, SQLiteBackend

    engine = (
        PostgresBackend() if schema_editor.connection.vendor == "postgresql" else SQLiteBackend()
    )
    with schema_editor.connection.cursor() as cursor:
        engine.create(cursor)


def drop(apps, schema_editor):
    from shinbun.search.backends import PostgresBackend, SQLiteBackend

    engine = (
        PostgresBackend() if schema_editor.connection.vendor == "postgresql" else SQLiteBackend()
    )
    with schema_editor.connection.cursor() as cursor:
        engine.drop(cursor)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
