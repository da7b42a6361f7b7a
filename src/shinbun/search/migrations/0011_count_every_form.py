"""TermStat counts every word of the headline and text, grammatical ones too (it
counted content words only): a one-word search's matches are then its document
frequency. Recount from the stored tokens (no analysis)."""

from collections import Counter

from django.db import migrations

TOTAL = "__total__"


def recount(apps, schema_editor):
    SearchDocument = apps.get_model("search", "SearchDocument")
    TermStat = apps.get_model("search", "TermStat")
    counts: Counter = Counter()
    documents = SearchDocument.objects.values_list("title", "body", "facets")
    for title, body, facets in documents.iterator(chunk_size=5000):
        counts.update({*title.split(), *body.split(), *facets.split()})
        counts[TOTAL] += 1
    TermStat.objects.all().delete()
    TermStat.objects.bulk_create(
        [TermStat(form=form, df=df) for form, df in sorted(counts.items())], batch_size=5000
    )


class Migration(migrations.Migration):
    dependencies = [("search", "0010_vectors_table")]

    operations = [migrations.RunPython(recount, migrations.RunPython.noop)]
