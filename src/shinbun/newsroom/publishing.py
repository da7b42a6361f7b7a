"""State changes of articles: publish, schedule (予約公開), unpublish, correct (訂正),
an editor's save, the release of scheduled articles, and imports.

Each runs in one transaction and leaves exactly one revision per article it changes.
The publish flow (purging cached pages, the search index, recommendations) runs once the
transaction has committed: ``after_change`` sends ``signals.article_committed``, which
newsroom.tasks turns into a background task.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from shinbun.core.pagecache import purge_paths
from shinbun.core.timefmt import format_jst
from shinbun.newsroom import signals
from shinbun.newsroom.models import Article, ArticleRevision, Correction, Keyword

# What restoring a revision brings back: the text and who may read it, not the section
# or the publication state (an old version of a published article stays published).
RESTORED_FIELDS = (
    "headline",
    "subheadline",
    "lead",
    "body_source",
    "byline",
    "reading_fixes",
    "access",
)
SNAPSHOT_FIELDS = (*RESTORED_FIELDS, "status", "published_at", "updated_at")


def snapshot(article: Article) -> dict:
    data = {}
    for name in SNAPSHOT_FIELDS:
        value = getattr(article, name)
        data[name] = value.isoformat() if isinstance(value, datetime) else value
    data["section"] = article.section_id
    return data


def new_revision(article: Article, author=None, note: str = "") -> ArticleRevision:
    return ArticleRevision(
        article=article,
        author=author if getattr(author, "is_authenticated", False) else None,
        note=str(note)[:200],
        snapshot=snapshot(article),
    )


def record_revision(article: Article, author=None, note: str = "") -> ArticleRevision:
    revision = new_revision(article, author, note)
    revision.save()
    return revision


def after_change(article_id: int) -> None:
    """Run the publish flow (a background task) once the transaction has committed."""
    transaction.on_commit(
        lambda: signals.article_committed.send(sender=Article, article_id=article_id)
    )


@transaction.atomic
def publish(article: Article, by=None, at: datetime | None = None) -> Article:
    """Publish now, or schedule for `at` (予約公開) if it lies in the future. Without `at`,
    an article keeps a publication time it already had unless that lies ahead."""
    now = timezone.now()
    article.published_at = at or min(article.published_at or now, now)
    article.status = Article.Status.PUBLISHED
    article.save()  # Article.apply_schedule turns a future time into SCHEDULED
    scheduled = article.status == Article.Status.SCHEDULED
    record_revision(article, by, "予約公開" if scheduled else "公開")
    after_change(article.pk)
    return article


@transaction.atomic
def unpublish(article: Article, by=None) -> Article:
    article.status = Article.Status.DRAFT
    article.save(update_fields=["status", "modified"])
    record_revision(article, by, "公開取り消し")
    after_change(article.pk)
    return article


def _save_corrections(article: Article, corrections: Iterable[Correction]) -> None:
    for correction in corrections:
        correction.article = article
        correction.text = correction.text.strip()
        correction.save()


@transaction.atomic
def correct(article: Article, text: str, by=None, at: datetime | None = None) -> Correction:
    """Add a correction (訂正): shown on the page, and the article counts as updated."""
    correction = Correction(text=text, created_at=at or timezone.now())
    article.updated_at = correction.created_at
    article.save(update_fields=["updated_at", "modified"])
    _save_corrections(article, [correction])
    record_revision(article, by, "訂正")
    after_change(article.pk)
    return correction


@transaction.atomic
def save_edit(
    article: Article,
    by=None,
    *,
    created: bool = False,
    corrections: Sequence[Correction] = (),
    removed_corrections: Iterable[Correction] = (),
    note: str = "",
) -> Article:
    """An editor's save of the whole article (the admin's form), with the corrections added
    or changed in the same save and those removed: one revision, noted 訂正 when the save
    carries a correction (the article then counts as updated at the latest one)."""
    if corrections:
        article.updated_at = max(correction.created_at for correction in corrections)
    article.save()
    for correction in removed_corrections:
        correction.delete()
    _save_corrections(article, corrections)
    if not note:
        note = "訂正" if corrections else "作成" if created else "編集"
    record_revision(article, by, note)
    after_change(article.pk)
    return article


def restore(article: Article, revision: ArticleRevision, by=None) -> bool:
    """Bring back an earlier revision's text and access (RESTORED_FIELDS) as an edit would:
    one transaction, one new revision, the article's pages purged. Restoring what the
    article already says changes nothing and records nothing. Returns whether it changed
    (``article`` is reloaded)."""
    if revision.article_id != article.pk:
        raise ValueError("the revision belongs to another article")
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        restored = {
            name: value
            for name, value in revision.snapshot.items()
            if name in RESTORED_FIELDS and isinstance(value, str)
        }
        if restored.get("access") not in (None, *Article.Access.values):
            del restored["access"]
        if all(getattr(locked, name) == value for name, value in restored.items()):
            return False
        for name, value in restored.items():
            setattr(locked, name, value)
        save_edit(locked, by, note=f"{format_jst(revision.created_at)}の版に戻す")
    article.refresh_from_db()
    return True


def release_due(now: datetime | None = None) -> list[int]:
    """Scheduled articles whose time has come become published (they are already visible
    by query; this records it and runs the publish flow for them). Returns their ids."""
    now = now or timezone.now()
    due = Article.objects.filter(status=Article.Status.SCHEDULED, published_at__lte=now)
    return [pk for pk in due.values_list("pk", flat=True) if _release(pk, now)]


@transaction.atomic
def _release(article_id: int, now: datetime) -> bool:
    # The conditional UPDATE claims the article: of two workers releasing at once, the
    # one that changed the row records the revision.
    claimed = Article.objects.filter(
        pk=article_id, status=Article.Status.SCHEDULED, published_at__lte=now
    ).update(status=Article.Status.PUBLISHED)
    if not claimed:
        return False
    record_revision(Article.objects.get(pk=article_id), None, "予約時刻に公開")
    after_change(article_id)
    return True


@dataclass
class ImportedArticle:
    """An article an import creates or changes, with what is saved beside it."""

    article: Article
    keywords: list[Keyword] | None = None  # None leaves the article's keywords as they are
    corrections: list[Correction] | None = None  # replace the article's; None leaves them
    history: list[ArticleRevision] = field(default_factory=list)  # its revisions elsewhere


@transaction.atomic
def save_imported(articles: Sequence[Article | ImportedArticle], note: str = "取り込み") -> None:
    """Articles created or changed by an import (newsroom.importing): saved, one revision
    each (beside any history they bring), and every page they appear on purged once the
    transaction commits. The search index follows in batches (the import command sends
    ``signals.articles_changed``)."""
    items = [a if isinstance(a, ImportedArticle) else ImportedArticle(a) for a in articles]
    revisions = []
    for item in items:
        article = item.article
        article.save()
        if item.keywords is not None:
            article.keywords.set(item.keywords)
        if item.corrections is not None:
            article.corrections.all().delete()
            _save_corrections(article, item.corrections)
        for revision in item.history:
            revision.article = article
        revisions += [*item.history, new_revision(article, None, note)]
    ArticleRevision.objects.bulk_create(revisions)
    article_ids = [item.article.pk for item in items]
    transaction.on_commit(lambda: purge_articles(article_ids))


@transaction.atomic
def set_related(links: Mapping[Article, Sequence[int]]) -> None:
    """Editors' picks of related articles (関連記事) an import brings, each article's
    replacing what it had; the pages of those that changed are purged after commit."""
    current = Article.related.through.objects.filter(from_article__in=list(links))
    had: dict[int, set[int]] = {}
    for from_id, to_id in current.values_list("from_article_id", "to_article_id"):
        had.setdefault(from_id, set()).add(to_id)
    changed = []
    for article, ids in links.items():
        if had.get(article.pk, set()) != set(ids):
            article.related.set(ids)
            changed.append(article.pk)
    if changed:
        transaction.on_commit(lambda: purge_articles(changed))


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


def purge_articles(article_ids: Sequence[int]) -> None:
    """Purge every cached page the articles appear on."""
    articles = (
        Article.objects.select_related("section", "series", "column")
        .prefetch_related("keywords")
        .filter(pk__in=article_ids)
    )
    # Paths in the default language whatever language the caller runs in.
    with translation.override(settings.LANGUAGE_CODE):
        paths = {path for article in articles for path in pages_of(article)}
    purge_paths(sorted(paths))


def purge_article(article_id: int) -> None:
    purge_articles([article_id])
