from django.db import transaction

from shinbun.mynews import entries
from shinbun.mynews.models import Entry

BATCH = 500


def on_documents_indexed(sender, article_ids: list[int], **kwargs) -> None:
    """Articles were published, corrected or unpublished: their My News entries follow."""
    for start in range(0, len(article_ids), BATCH):
        entries.sync(article_ids[start : start + BATCH])


def on_article_deleted(sender, instance, **kwargs) -> None:
    """The deletion takes the article's entries with it; the counts follow once it is done."""
    targets = set(Entry.objects.filter(article_id=instance.pk).values_list("target_id", flat=True))
    if targets:
        transaction.on_commit(lambda: entries.recount(targets))
