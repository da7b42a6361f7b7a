from shinbun.core.queue import enqueue
from shinbun.search import indexing, tasks
from shinbun.search.signals import documents_indexed


def on_article_changed(sender, article_id: int, **kwargs) -> None:
    indexed = indexing.index_article(article_id)
    documents_indexed.send(sender=None, article_ids=[article_id])
    if indexed:
        enqueue(tasks.recommend_changed, article_id, run_if_down=True)


def on_articles_changed(sender, article_ids: list[int], **kwargs) -> None:
    from shinbun.newsroom.models import Article

    indexing.index_articles(list(Article.objects.filter(pk__in=article_ids)))
    documents_indexed.send(sender=None, article_ids=list(article_ids))
    tasks.refresh_in_background(list(article_ids))


def on_article_deleted(sender, instance, **kwargs) -> None:
    indexing.remove_article(instance.pk)


def after_flush(sender, **kwargs) -> None:
    """A database flush (tests) empties our tables but not the engine's own table."""
    from shinbun.search.backends import backend
    from shinbun.search.models import SearchDocument

    if not SearchDocument.objects.exists():
        backend().clear()
