"""Think!: every change of a post is one function here, run in one transaction, the post's
row locked; refusals raise ThinkError with a Japanese message. Editors' hiding and the
appointment of experts leave an audit row (members' audit log: who, what, when, why).

Reading goes through :func:`think_for` (the reader's view of an article's posts: the
count for everyone, the posts for members) and :func:`stamp`; both read one cached copy
per article (:func:`article_think`) that think.receivers forgets on every saved or
deleted post and every change of an expert's name or profile, and whose pages (the
article's and the expert's) are purged once the change commits.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shinbun.core.cache import CachedState, CachedStates, forget, read_through
from shinbun.core.pagecache import purge_paths
from shinbun.members import gates
from shinbun.members.entitlements import Reader
from shinbun.members.models import User
from shinbun.members.services import audit
from shinbun.newsroom import publishing
from shinbun.newsroom.body import clean_text
from shinbun.newsroom.models import Article
from shinbun.think.models import ExpertProfile, Post
from shinbun.think.text import InvalidBody, clean_body

ARTICLE_THINK_LIMIT = 100  # posts shown under an article; the count counts them all
ARTICLE_THINK_SECONDS = 600  # bounds a missed invalidation; every change forgets it
REASON_MAX_LENGTH = 300


class ThinkError(Exception):
    """A change that cannot be made; the message is for the reader (Japanese), ``code``
    says which kind of refusal it is (the API answers 403, 404 or 422 by it)."""

    FORBIDDEN = "forbidden"  # not an expert, not their post, not an editor
    NOT_FOUND = "not_found"  # no such post, or an article readers cannot see
    CLOSED = "closed"  # the edit window has passed, the post is hidden
    INVALID = "invalid"  # the text cannot be posted

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


# Who may post ----------------------------------------------------------------------


def _load_may_post(user_id: int) -> bool:
    profile = ExpertProfile.objects.select_related("user").filter(user_id=user_id).first()
    return profile is not None and profile.may_post


def _may_post_key(user_id: int) -> str:
    return f"think:may-post:{user_id}"


def cached_may_post(user_id: int) -> CachedState:
    """Whether an expert may post, in the shared cache (forgotten when the profile or the
    account changes), so an expert's article page costs no more queries than another's."""
    return CachedState(_may_post_key(user_id), lambda: _load_may_post(user_id), 3600)


def forget_may_post(user_id: int) -> None:
    forget(_may_post_key(user_id))


def may_post(user, cached: CachedStates | None = None) -> bool:
    """Is this user an expert with a profile? Nothing to read for anyone else; for an
    expert, the cached answer (from ``cached`` if the caller read it with other states)."""
    if not (getattr(user, "is_authenticated", False) and user.is_expert):
        return False
    state = cached_may_post(user.pk)
    return (cached or CachedStates(state)).value(state)


def _locked_profile(user) -> ExpertProfile:
    """The poster's profile, locked: one expert's posts are written one after the other."""
    profile = (
        ExpertProfile.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(user_id=getattr(user, "pk", None))
        .first()
    )
    if profile is None or not profile.may_post:
        raise ThinkError(_("Think! に投稿できるのはエキスパートのみです。"), ThinkError.FORBIDDEN)
    return profile


def _clean(body: str) -> str:
    try:
        return clean_body(body)
    except InvalidBody as exc:
        raise ThinkError(str(exc), ThinkError.INVALID) from None


def _locked_post(post: Post) -> Post | None:
    return (
        Post.objects.select_for_update(of=("self",))
        .select_related("expert__user")
        .filter(pk=post.pk)
        .first()
    )


def _found(row: Post | None) -> Post:
    if row is None:
        raise ThinkError(_("投稿が見つかりません。"), ThinkError.NOT_FOUND)
    return row


def _own(user, row: Post) -> Post:
    if row.expert.user_id != getattr(user, "pk", None):
        raise ThinkError(_("ご自身の投稿のみ変更できます。"), ThinkError.FORBIDDEN)
    return row


# Experts' changes ------------------------------------------------------------------


@transaction.atomic
def create_post(
    expert_user: User, article: Article, body: str, now: datetime | None = None
) -> Post:
    """Post on a visible article. The same text sent again (a double click, a retry)
    returns the post it made the first time."""
    now = now or timezone.now()
    profile = _locked_profile(expert_user)
    if not Article.objects.published().filter(pk=article.pk).exists():
        raise ThinkError(_("この記事には投稿できません。"), ThinkError.NOT_FOUND)
    text = _clean(body)
    existing = Post.objects.filter(expert=profile, article_id=article.pk, body=text).first()
    if existing is not None:
        return existing
    return Post.objects.create(
        article_id=article.pk, expert=profile, body=text, created_at=now, changed_at=now
    )


@transaction.atomic
def edit_post(user: User, post: Post, body: str, now: datetime | None = None) -> Post:
    """The author corrects their post, within EDIT_WINDOW of writing it. Sending the text
    the post already has changes nothing."""
    now = now or timezone.now()
    row = _own(user, _found(_locked_post(post)))
    text = _clean(body)
    if text == row.body:
        return row
    if row.is_hidden:
        raise ThinkError(_("非表示になった投稿は編集できません。"), ThinkError.CLOSED)
    if now > row.editable_until:
        raise ThinkError(
            _("投稿から15分を過ぎたため、編集できません。削除はできます。"), ThinkError.CLOSED
        )
    row.body, row.edited_at, row.changed_at = text, now, now
    row.save(update_fields=["body", "edited_at", "changed_at"])
    return row


@transaction.atomic
def delete_post(user: User, post: Post, now: datetime | None = None) -> None:
    """The author deletes their post (the row: see Post). A post already deleted is
    done with."""
    row = _locked_post(post)
    if row is None:
        return
    _own(user, row)
    post_id, article_id = row.pk, row.article_id
    row.delete()
    audit(
        "think.post_deleted",
        subject=row.expert.user,
        actor=user,
        now=now,
        post=post_id,
        article=article_id,
    )


# Editors' moderation ---------------------------------------------------------------


def _editor(user) -> User:
    if not (getattr(user, "is_staff", False) and user.is_active):
        raise ThinkError(_("投稿を非表示にできるのは編集者のみです。"), ThinkError.FORBIDDEN)
    return user


@transaction.atomic
def hide_post(editor: User, post: Post, reason: str, now: datetime | None = None) -> Post:
    """An editor hides a post from readers at once, saying why (audited). A post already
    hidden keeps its first hiding and reason."""
    now = now or timezone.now()
    _editor(editor)
    reason = clean_text(reason)
    if not reason or len(reason) > REASON_MAX_LENGTH:
        raise ThinkError(
            _("非表示の理由を%(max)d文字以内で書いてください。") % {"max": REASON_MAX_LENGTH},
            ThinkError.INVALID,
        )
    row = _found(_locked_post(post))
    if row.is_hidden:
        return row
    row.hidden_at, row.hidden_by, row.hidden_reason, row.changed_at = now, editor, reason, now
    row.save(update_fields=["hidden_at", "hidden_by", "hidden_reason", "changed_at"])
    audit(
        "think.post_hidden",
        subject=row.expert.user,
        actor=editor,
        reason=reason,
        now=now,
        post=row.pk,
        article=row.article_id,
    )
    return row


@transaction.atomic
def unhide_post(editor: User, post: Post, reason: str = "", now: datetime | None = None) -> Post:
    """An editor shows a hidden post again (audited). A post not hidden stays as it is."""
    now = now or timezone.now()
    _editor(editor)
    row = _found(_locked_post(post))
    if not row.is_hidden:
        return row
    hidden_reason = row.hidden_reason
    row.hidden_at, row.hidden_by, row.hidden_reason, row.changed_at = None, None, "", now
    row.save(update_fields=["hidden_at", "hidden_by", "hidden_reason", "changed_at"])
    audit(
        "think.post_unhidden",
        subject=row.expert.user,
        actor=editor,
        reason=clean_text(reason)[:REASON_MAX_LENGTH],
        now=now,
        post=row.pk,
        article=row.article_id,
        hidden_reason=hidden_reason,
    )
    return row


# Operators' appointments -----------------------------------------------------------


@transaction.atomic
def appoint(
    profile: ExpertProfile,
    *,
    by: User | None,
    name: str | None = None,
    title: str | None = None,
    affiliation: str | None = None,
    now: datetime | None = None,
) -> ExpertProfile:
    """Save an expert's profile (new: the appointment) and the name, title and affiliation
    kept on their account; the member becomes an expert (audited)."""
    now = now or timezone.now()
    created = profile.pk is None
    if created:
        profile.appointed_at = now
    user = User.objects.select_for_update().get(pk=profile.user_id)
    wanted = {
        "is_expert": True,
        "display_name": name,
        "expert_title": title,
        "expert_affiliation": affiliation,
    }
    fields = [f for f, v in wanted.items() if v is not None and getattr(user, f) != v]
    for field in fields:
        setattr(user, field, wanted[field])
    if fields:
        user.save(update_fields=fields)
    profile.user = user
    profile.save()
    audit(
        "think.expert_appointed" if created else "think.expert_changed",
        subject=user,
        actor=by,
        now=now,
        profile=profile.pk,
        slug=profile.slug,
        changed=fields,
    )
    return profile


# Reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpertCard:
    """What a post shows of its expert. No URL: the template reverses the slug in the
    reader's language."""

    slug: str
    name: str
    title: str
    affiliation: str
    photo_url: str


@dataclass(frozen=True)
class ThinkPost:
    id: int
    expert: ExpertCard
    body: str  # plain text as written: pages show it through think.text.render_body
    created_at: datetime
    edited_at: datetime | None


@dataclass(frozen=True)
class ArticleThink:
    """An article's Think! as a reader sees it: the count of visible posts, and (if the
    reader may read them) the newest ARTICLE_THINK_LIMIT of them, newest first."""

    article_id: int
    count: int
    posts: tuple[ThinkPost, ...]
    stamp: str
    readable: bool = True


def expert_card(profile: ExpertProfile) -> ExpertCard:
    return ExpertCard(
        slug=profile.slug,
        name=profile.name,
        title=profile.title,
        affiliation=profile.affiliation,
        photo_url=profile.photo.url if profile.photo else "",
    )


def think_post(post: Post) -> ThinkPost:
    return ThinkPost(
        id=post.pk,
        expert=expert_card(post.expert),
        body=post.body,
        created_at=post.created_at,
        edited_at=post.edited_at,
    )


def _load_article_think(article_id: int) -> ArticleThink:
    """Two queries whatever the number of posts. The caller has checked that readers may
    see the article (the article page, the API), so only hidden posts are left out."""
    posts = Post.objects.unhidden().filter(article_id=article_id)
    totals = posts.aggregate(count=Count("id"), latest=Max("changed_at"))
    newest = posts.select_related("expert__user").order_by("-created_at", "-id")
    latest = totals["latest"]
    return ArticleThink(
        article_id=article_id,
        count=totals["count"],
        posts=tuple(think_post(post) for post in newest[:ARTICLE_THINK_LIMIT]),
        # Any change of the visible posts changes the count or makes one the latest.
        stamp=f"{totals['count']}-{round(latest.timestamp() * 1e6) if latest else 0}",
    )


def _think_key(article_id: int) -> str:
    return f"think:article:{article_id}"


def cached_article_think(article_id: int) -> CachedState:
    """The article's ArticleThink in the shared cache (to read with other states in one
    round trip: core.cache.CachedStates)."""
    return CachedState(
        _think_key(article_id), lambda: _load_article_think(article_id), ARTICLE_THINK_SECONDS
    )


def article_think(article_id: int) -> ArticleThink:
    """Every visible post of the article (for any reader: see think_for)."""
    return read_through(cached_article_think(article_id))[0]


def readable_think(reader: Reader, think: ArticleThink) -> ArticleThink:
    """What this reader may see of it: members read the posts, others only the count."""
    if gates.may_use(reader, "think"):
        return think
    return replace(think, posts=(), readable=False)


def think_for(reader: Reader, article_id: int) -> ArticleThink:
    """The article's Think! for this reader: what pages and the API show."""
    return readable_think(reader, article_think(article_id))


def _stamp_key(article_id: int) -> str:
    return f"think:stamp:{article_id}"


def cached_stamp(article_id: int) -> CachedState:
    """The article's stamp alone, in the shared cache: what a member page's cache key
    needs on every request, a few bytes where the posts are kilobytes."""
    return CachedState(
        _stamp_key(article_id), lambda: article_think(article_id).stamp, ARTICLE_THINK_SECONDS
    )


def stamp(article_id: int) -> str:
    """Changes whenever the article's visible posts change (for page cache keys)."""
    return article_think(article_id).stamp


def expert_posts(profile: ExpertProfile):
    """The expert's visible posts with their articles, for their page (newest first)."""
    return Post.objects.visible().filter(expert=profile).select_related("article")


def hidden_posts(profile: ExpertProfile, limit: int = 50) -> list[Post]:
    """The expert's posts an editor hid, latest first: shown to the expert alone, with the
    editor's reason, on their own page."""
    hidden = Post.objects.filter(expert=profile, hidden_at__isnull=False)
    return list(hidden.select_related("article").order_by("-hidden_at", "-id")[:limit])


# Invalidation (think.receivers calls these) ----------------------------------------


def _expert_path(slug: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return reverse("think:expert", args=[slug])


def _purge(article_ids: list[int], expert_id: int) -> None:
    publishing.purge_articles(article_ids)
    slug = ExpertProfile.objects.filter(pk=expert_id).values_list("slug", flat=True).first()
    if slug:
        purge_paths([_expert_path(slug)])


def posts_changed(article_ids: list[int], expert_id: int) -> None:
    """Forget the articles' cached posts now (and again at commit), and purge the cached
    anonymous pages that show their count once the change commits."""
    for article_id in article_ids:
        forget(_think_key(article_id))
        forget(_stamp_key(article_id))
    if article_ids:
        transaction.on_commit(lambda: _purge(article_ids, expert_id))


def expert_changed(profile_id: int) -> None:
    """The expert's name, title, affiliation, slug or photo changed: every article they
    posted on shows it."""
    article_ids = list(
        Post.objects.filter(expert_id=profile_id).values_list("article_id", flat=True).distinct()
    )
    posts_changed(article_ids, profile_id)


def profile_removed(slug: str) -> None:
    transaction.on_commit(lambda: purge_paths([_expert_path(slug)]))
