"""TermStat also counts facet markers (section, series, column, keyword), which search
uses to plan a filtered query: count what the index already holds."""

from collections import Counter

from django.db import migrations


def count_facets(apps, schema_editor):
    SearchDocument = apps.get_model("search", "SearchDocument")
    TermStat = apps.get_model("search", "TermStat")
    counts: Counter = Counter()
    for facets in SearchDocument.objects.values_list("facets", flat=True).iterator(20000):
        counts.update(set(facets.split()))
    table = TermStat._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (form, df) VALUES (%s, %s) "
            "ON CONFLICT (form) DO UPDATE SET df = excluded.df",
            sorted(counts.items()),
        )


class Migration(migrations.Migration):
    dependencies = [("search", "0007_topics")]

    operations = [migrations.RunPython(count_facets, migrations.RunPython.noop)]
