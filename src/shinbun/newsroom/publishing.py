"""State changes of articles. Each runs in one transaction and leaves a revision."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from shinbun.core.pagecache import purge_paths
from shinbun.newsroom.models import Article, ArticleRevision, Correction

SNAPSHOT_FIELDS = (
    "headline",
    "subheadline",
    "lead",
    "body_source",
    "byline",
    "access",
    "status",
    "published_at",
    "updated_at",
)


def snapshot(article: Article) -> dict:
    data = {}
    for field in SNAPSHOT_FIELDS:
        value = getattr(article, field)
        data[field] = value.isoformat() if isinstance(value, datetime) else value
    data["section"] = article.section_id
    return data


def record_revision(article: Article, author=None, note: str = "") -> ArticleRevision:
    return ArticleRevision.objects.create(
        article=article,
        author=author if getattr(author, "is_authenticated", False) else None,
        note=note[:200],
        snapshot=snapshot(article),
    )


def pages_of(article: Article) -> list[str]:
    """The paths whose anonymous cache an article's change makes stale."""
    paths = [
        article.get_absolute_url(),
        reverse("newsroom:article_print", args=[article.pk]),
        reverse("newsroom:home"),
        reverse("newsroom:section", args=[article.section.slug]),
        reverse("feeds:rss"),
        reverse("feeds:atom"),
    ]
    if article.series_id:
        paths.append(article.series.get_absolute_url())
    if article.column_id:
        paths.append(article.column.get_absolute_url())
    paths += [keyword.get_absolute_url() for keyword in article.keywords.all()]
    return paths


def after_change(article_id: int) -> None:
    """Run the publish flow (a background task) once the transaction has committed."""
    from shinbun.newsroom import tasks

    transaction.on_commit(lambda: tasks.article_changed(article_id))


@transaction.atomic
def publish(article: Article, by=None, at: datetime | None = None) -> Article:
    """Publish now, or schedule for `at` (予約公開) if it lies in the future."""
    now = timezone.now()
    when = at or article.published_at or now
    if at is None and article.published_at and article.published_at > now:
        when = now
    article.published_at = when
    article.status = Article.Status.SCHEDULED if when > now else Article.Status.PUBLISHED
    article.save()
    record_revision(article, by, "予約公開" if when > now else "公開")
    after_change(article.pk)
    return article


@transaction.atomic
def unpublish(article: Article, by=None) -> Article:
    article.status = Article.Status.DRAFT
    article.save(update_fields=["status", "modified"])
    record_revision(article, by, "公開取り消し")
    after_change(article.pk)
    return article


@transaction.atomic
def correct(article: Article, text: str, by=None, at: datetime | None = None) -> Correction:
    """Add a correction (訂正): shown on the page, and the article counts as updated."""
    when = at or timezone.now()
    correction = Correction.objects.create(article=article, text=text.strip(), created_at=when)
    article.updated_at = when
    article.save(update_fields=["updated_at", "modified"])
    record_revision(article, by, "訂正")
    after_change(article.pk)
    return correction


def release_due(now: datetime | None = None) -> list[int]:
    """Scheduled articles whose time has come become published (they are already
    visible by query; this runs the publish flow for them)."""
    now = now or timezone.now()
    due = list(
        Article.objects.filter(status=Article.Status.SCHEDULED, published_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    for pk in due:
        with transaction.atomic():
            changed = Article.objects.filter(pk=pk, status=Article.Status.SCHEDULED).update(
                status=Article.Status.PUBLISHED
            )
            if changed:
                after_change(pk)
    return due


def purge_article(article_id: int) -> None:
    article = (
        Article.objects.select_related("section", "series", "column")
        .prefetch_related("keywords")
        .filter(pk=article_id)
        .first()
    )
    if article is not None:
        # Paths in the default language whatever language the caller runs in.
        with translation.override(settings.LANGUAGE_CODE):
            paths = pages_of(article)
        purge_paths(paths)
