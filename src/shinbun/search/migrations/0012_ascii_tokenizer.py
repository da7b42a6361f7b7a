"""Words are kept exactly as analysis writes them.

- A word's final sigma (ς) is now the letter σ in analysis (it was kept, and only SQLite's
  tokenizer folded it): stored forms holding it are rewritten, with TermStat's counts
  and, on PostgreSQL, the documents' engine rows. No new analysis: the forms are what
  analysis now gives. The documents' vector lengths are kept (a word merged with its
  other spelling weighs a little differently until the article is indexed again).
- SQLite: the FTS5 table is made again with the ``ascii`` tokenizer (it had
  ``unicode61``, see SQLiteEngine.tokenizer) and refilled from the stored documents.
"""

from collections import Counter

from django.db import migrations
from django.db.models import F, Q

FINAL_SIGMA, SIGMA = "ς", "σ"  # as analysis.FINAL_SIGMA


def _forms(document) -> set[str]:
    return {*document.title.split(), *document.body.split()}


def fold_final_sigma(apps, schema_editor):
    SearchDocument = apps.get_model("search", "SearchDocument")
    TermStat = apps.get_model("search", "TermStat")
    held = Q(title__contains=FINAL_SIGMA) | Q(body__contains=FINAL_SIGMA)
    delta: Counter = Counter()
    changed = []
    for document in SearchDocument.objects.filter(held).iterator(chunk_size=500):
        before = _forms(document)
        document.title = document.title.replace(FINAL_SIGMA, SIGMA)
        document.body = document.body.replace(FINAL_SIGMA, SIGMA)
        terms: Counter = Counter()
        for form, count in document.terms.items():
            terms[form.replace(FINAL_SIGMA, SIGMA)] += count
        document.terms = dict(terms)
        after = _forms(document)
        delta.update(after - before)
        delta.subtract(before - after)
        changed.append(document)
    SearchDocument.objects.bulk_update(changed, ["title", "body", "terms"], batch_size=500)
    for form, count in sorted(delta.items()):
        if count and not TermStat.objects.filter(form=form).update(df=F("df") + count):
            TermStat.objects.create(form=form, df=count)
    if changed and schema_editor.connection.vendor == "postgresql":
        from shinbun.search.engine import IndexEntry
        from shinbun.search.engines.postgres import PostgresEngine

        PostgresEngine(schema_editor.connection.alias).add(
            [IndexEntry(d.sort_key, d.title, d.body, d.facets) for d in changed]
        )


def refill(tokenizer: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        from shinbun.search.engines.sqlite import SQLiteEngine

        with schema_editor.connection.cursor() as cursor:
            SQLiteEngine(schema_editor.connection.alias).refill(cursor, tokenizer)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0011_count_every_form")]

    operations = [
        migrations.RunPython(fold_final_sigma, migrations.RunPython.noop),
        migrations.RunPython(refill("ascii"), refill("unicode61 remove_diacritics 0")),
    ]
