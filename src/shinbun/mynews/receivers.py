from django.db import transaction

from shinbun.core.queue import enqueue
from shinbun.mynews import entries, services, tasks
from shinbun.mynews.models import Entry


def on_documents_indexed(sender, article_ids: list[int], **kwargs) -> None:
    """Articles were published, corrected or unpublished: their My News entries follow,
    in batches (a burst of publishing queues many flows; one sync takes them all). If the
    queue is down, the sync runs here."""
    entries.queue_sync(list(article_ids))
    enqueue(tasks.sync_entries, run_if_down=True)


def on_article_deleted(sender, instance, **kwargs) -> None:
    """The deletion takes the article's entries with it; the counts follow once it is done."""
    targets = set(Entry.objects.filter(article_id=instance.pk).values_list("target_id", flat=True))
    if targets:
        transaction.on_commit(lambda: entries.recount(targets))


def on_keyword_saved(sender, instance, created, raw=False, **kwargs) -> None:
    """A followed keyword renamed in the admin matches its new name in text."""
    if not created and not raw:
        transaction.on_commit(lambda: services.keyword_renamed(instance))
