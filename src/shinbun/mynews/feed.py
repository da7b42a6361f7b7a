"""My News for one member: the articles of what they follow, newest first, a page at a
time, with 新着 marks for what was published since their previous visit."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shinbun.core.cache import CachedState, CachedStates, forget
from shinbun.core.pagination import Cursor
from shinbun.mynews import entries
from shinbun.mynews.models import Follow, SavedArticle, SavedFigure, Visit
from shinbun.mynews.services import ActionError
from shinbun.newsroom.models import Article
from shinbun.search.indexing import sort_key

# A visit ends after this long without opening My News; the next one marks as 新着 what
# was published since it began. Within a visit, the marks stay as they were.
VISIT_GAP = timedelta(minutes=30)
# How often a visit's last moment is written while it goes on (one write, not one a page).
VISIT_WRITE_EVERY = timedelta(minutes=5)

UNKNOWN_FOLLOW = _("指定されたフォローが見つかりません。")


@dataclass
class MyNewsPage:
    follows: list[Follow]
    selected: Follow | None = None
    items: list[Article] = field(default_factory=list)  # each with .is_new
    next: Cursor | None = None
    new_since: datetime | None = None


def _visit_key(user_id: int) -> str:
    return f"mynews:visit:{user_id}"


def cached_visit(user_id: int) -> CachedState:
    """(last_seen, previous_seen) of the member's visits, kept beside the row."""
    return CachedState(
        _visit_key(user_id),
        lambda: (
            Visit.objects.filter(user_id=user_id).values_list("last_seen", "previous_seen").first()
        ),
        3600,
    )


def visit(user, now: datetime, cached: CachedStates | None = None) -> datetime | None:
    """Record that the member opened My News; returns the moment after which articles
    are 新着 (None on a first visit: nothing is marked). ``cached``: the visit state read
    with the page's other states."""
    state = cached_visit(user.pk)
    seen = (cached or CachedStates(state)).value(state)
    if seen is None:
        Visit.objects.get_or_create(user=user, defaults={"last_seen": now})
        forget(state.key)
        return None
    last_seen, previous_seen = seen
    if now - last_seen > VISIT_GAP:
        Visit.objects.filter(user=user).update(previous_seen=last_seen, last_seen=now)
        forget(state.key)
        return last_seen
    if now - last_seen > VISIT_WRITE_EVERY:
        Visit.objects.filter(user=user).update(last_seen=now)
        forget(state.key)
    return previous_seen


def my_news(
    user,
    follow_id: int | None = None,
    before: Cursor | None = None,
    size: int = 20,
    now: datetime | None = None,
    new_since: datetime | None | bool = False,
) -> MyNewsPage:
    """A page of My News; the visit is recorded (see visit) unless the caller did and
    passes its ``new_since``."""
    now = now or timezone.now()
    follows = list(Follow.objects.filter(user=user).select_related("target"))
    page = MyNewsPage(follows=follows)
    if follow_id is not None:
        page.selected = next((f for f in follows if f.pk == follow_id), None)
        if page.selected is None:
            raise ActionError(UNKNOWN_FOLLOW, status=404)
    targets = [page.selected.target_id] if page.selected else [f.target_id for f in follows]
    below = None if before is None else sort_key(before.published_at, before.id)
    rows = entries.page(targets, below, size + 1)
    found = Article.objects.published(now).for_listing().in_bulk([pk for _key, pk in rows[:size]])
    page.items = [found[pk] for _key, pk in rows[:size] if pk in found]
    if len(rows) > size and page.items:
        page.next = Cursor.of(page.items[-1])
    page.new_since = visit(user, now) if new_since is False else new_since
    for article in page.items:
        article.is_new = page.new_since is not None and article.published_at > page.new_since
    return page


def saved_articles(user, before: Cursor | None = None, size: int = 20):
    """(saved articles newest saved first, each with .saved_at; the next cursor)."""
    saved = SavedArticle.objects.filter(user=user, article__in=Article.objects.published())
    rows = list(_older(saved, before).select_related("article__section")[: size + 1])
    items = []
    for row in rows[:size]:
        row.article.saved_at = row.created
        items.append(row.article)
    return items, _next(rows, size)


def saved_figures(user, before: Cursor | None = None, size: int = 20):
    """(saved figures newest saved first, each with its article if still visible; next)."""
    # The article with its section: the page and the API show both for each figure.
    saved = SavedFigure.objects.filter(user=user).select_related("figure", "article__section")
    rows = list(_older(saved, before)[: size + 1])
    for row in rows:
        if row.article is not None and not row.article.is_visible:
            row.article = None
    return rows[:size], _next(rows, size)


def _older(queryset, before: Cursor | None):
    """Newest saved first (a saved row's cursor is its saving time and id)."""
    if before is not None:
        queryset = queryset.filter(created__lt=before.published_at) | queryset.filter(
            created=before.published_at, pk__lt=before.id
        )
    return queryset.order_by("-created", "-id")


def _next(rows: list, size: int) -> Cursor | None:
    if len(rows) <= size:
        return None
    last = rows[size - 1]
    return Cursor(last.created, last.pk)


def saved_count(user, kind: str) -> int:
    """How many articles (kind "article", those still visible) or figures a member saved."""
    if kind == "article":
        return SavedArticle.objects.filter(
            user=user, article__in=Article.objects.published()
        ).count()
    return SavedFigure.objects.filter(user=user).count()
