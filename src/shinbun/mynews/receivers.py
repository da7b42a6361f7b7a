from django.conf import settings
from django.db import transaction

from shinbun.core.queue import enqueue
from shinbun.core.timefmt import iso_jst
from shinbun.mynews import entries, services, tasks
from shinbun.mynews.models import Entry, Follow, SavedArticle, SavedFigure, Visit


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


def personal_data(sender, user, **kwargs) -> dict:
    """What My News keeps about a reader, for their data download."""
    visit = Visit.objects.filter(user=user).first()
    return {
        "follows": [
            {
                "kind": follow.target.kind,
                "label": follow.label,
                "followed_at": iso_jst(follow.created),
            }
            for follow in Follow.objects.filter(user=user)
            .select_related("target")
            .order_by("created", "id")
        ],
        "saved_articles": [
            {
                "article_id": saved.article_id,
                "headline": saved.article.headline,
                "url": settings.BASE_URL + saved.article.get_absolute_url(),
                "saved_at": iso_jst(saved.created),
            }
            for saved in SavedArticle.objects.filter(user=user)
            .select_related("article")
            .order_by("created", "id")
        ],
        "saved_figures": [
            {
                "figure": saved.figure.title,
                "article_id": saved.article_id,
                "saved_at": iso_jst(saved.created),
            }
            for saved in SavedFigure.objects.filter(user=user)
            .select_related("figure")
            .order_by("created", "id")
        ],
        "my_news_visits": {
            "last_seen": iso_jst(visit.last_seen) if visit else None,
            "previous_seen": iso_jst(visit.previous_seen) if visit else None,
        },
    }
