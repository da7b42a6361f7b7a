from django.db import migrations


def create(apps, schema_editor):
    from shinbun.search.engines.postgres import PostgresEngine
    from shinbun.search.engines.sqlite import SQLiteEngine

    engine = (
        PostgresEngine(schema_editor.connection.alias)
        if schema_editor.connection.vendor == "postgresql"
        else SQLiteEngine(schema_editor.connection.alias)
    )
    with schema_editor.connection.cursor() as cursor:
        engine.create(cursor)


def drop(apps, schema_editor):
    from shinbun.search.engines.postgres import PostgresEngine
    from shinbun.search.engines.sqlite import SQLiteEngine

    engine = (
        PostgresEngine(schema_editor.connection.alias)
        if schema_editor.connection.vendor == "postgresql"
        else SQLiteEngine(schema_editor.connection.alias)
    )
    with schema_editor.connection.cursor() as cursor:
        engine.drop(cursor)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
