"""PostgreSQL: the search vectors move from a column of search_searchdocument to a
narrow table of their own, search_tsv (engines.postgres.PostgresEngine), keeping what is
indexed."""

from django.db import migrations


def move(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from shinbun.search.engines.postgres import PostgresEngine

    engine = PostgresEngine(schema_editor.connection.alias)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_name = 'search_searchdocument' AND column_name = 'tsv'"
        )
        if cursor.fetchone() is not None:
            # The old indexes carry the names the new table's take.
            cursor.execute("DROP INDEX IF EXISTS search_tsv_rum")
            cursor.execute("DROP INDEX IF EXISTS search_tsv_gin")
            engine.create_table(cursor)
            cursor.execute(
                f"INSERT INTO {engine.table} (sort_key, tsv) SELECT sort_key, tsv "
                "FROM search_searchdocument WHERE tsv IS NOT NULL ON CONFLICT DO NOTHING"
            )
            cursor.execute("ALTER TABLE search_searchdocument DROP COLUMN tsv")
        engine.create(cursor)  # the index, built once over the moved rows


class Migration(migrations.Migration):
    dependencies = [("search", "0009_topic_vectors_index")]

    operations = [migrations.RunPython(move, migrations.RunPython.noop)]
