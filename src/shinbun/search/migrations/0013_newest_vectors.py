"""PostgreSQL: the newest articles' vectors kept again in a table of their own, in the
row (search_tsv_newest, see PostgresBackend.newest), filled from search_tsv."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from shinbun.search.backends import PostgresBackend

    engine = PostgresBackend()
    with schema_editor.connection.cursor() as cursor:
        engine.create_table(cursor)
        engine.sync_newest(cursor)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from shinbun.search.backends import PostgresBackend

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {PostgresBackend.newest}")


class Migration(migrations.Migration):
    dependencies = [("search", "0012_ascii_tokenizer")]

    operations = [migrations.RunPython(create, drop)]
