"""Follows, saved articles and saved figures: every change a member makes is one function
here, in one transaction, harmless to repeat. Views and the API parse, then call these;
refusals are :class:`ActionError` with the message the reader sees (Japanese).

Who may: following, saving and reading My News need a paid membership
(members.gates: "follow", "save_article", "save_figure"). Removing one's own follow or
saved item is never refused: a member whose membership ended may still tidy their lists.
"""

import uuid

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shinbun.core.cache import CachedState, forget, read_through
from shinbun.members import gates
from shinbun.members.entitlements import Reader
from shinbun.mynews import entries
from shinbun.mynews.models import Follow, SavedArticle, SavedFigure, Target
from shinbun.newsroom.models import Article, Column, Figure, Keyword, Series
from shinbun.search.analysis import normalize_text, terms

MAX_FOLLOWS = 200
MAX_WORD_CHARS = 100
MAX_FORMS_CHARS = 400  # Target.forms
STATE_SECONDS = 3600

NOT_FOUND = gettext_lazy("フォローする対象が見つかりません。")


class ActionError(Exception):
    """A member action that cannot be done; ``message`` is for the reader."""

    def __init__(self, message, status: int = 400):
        super().__init__(str(message))
        self.message = str(message)
        self.status = status


def require(reader: Reader, action: str) -> None:
    if not gates.may_use(reader, action):
        raise ActionError(gates.refusal_message(action), status=403)


# Follows ---------------------------------------------------------------------------


def clean_word(text: str) -> tuple[str, list[str]]:
    """(the word as shown, its analysed forms) of a word a member typed, or ActionError."""
    label = " ".join(normalize_text(text or "").split())
    if not label:
        raise ActionError(_("フォローする言葉を入力してください。"))
    if len(label) > MAX_WORD_CHARS:
        raise ActionError(
            _("フォローする言葉は%(limit)d文字以内で入力してください。") % {"limit": MAX_WORD_CHARS}
        )
    forms = terms(label)
    if not forms:
        raise ActionError(_("フォローできる言葉が含まれていません。別の言葉でお試しください。"))
    return label, forms


def _named_target(kind: str, slug: str) -> tuple[dict, str, list[str] | None]:
    """(the fields that identify the target, its name, the words it matches in articles'
    text) of a series, column or keyword."""
    model = {"series": Series, "column": Column, "keyword": Keyword}[kind]
    # No slug holds NUL (which PostgreSQL cannot compare) or is this long.
    exists = slug and "\x00" not in slug and len(slug) <= 100
    obj = model.objects.filter(slug=slug).first() if exists else None
    if obj is None:
        raise ActionError(NOT_FOUND, status=404)
    forms = keyword_forms(obj.name) if kind == Target.Kind.KEYWORD else None
    return {"kind": kind, kind: obj}, obj.name, forms


def keyword_forms(name: str) -> list[str]:
    """The analysed forms a keyword matches in articles' text, besides the articles its
    editors tag with it (none if its name analyses to no word, or to too many)."""
    forms = terms(name)
    return forms if len(" ".join(forms)) <= MAX_FORMS_CHARS else []


def resolve(kind: str, text: str) -> tuple[dict, str, list[str] | None]:
    """(the target's identifying fields, its label, the forms it matches in text) of what
    a member asks to follow: a series/column/keyword by slug, or a word as typed."""
    if kind == Target.Kind.WORD:
        label, forms = clean_word(text)
        return {"kind": kind, "forms": " ".join(forms)}, label, forms
    if kind in (Target.Kind.SERIES, Target.Kind.COLUMN, Target.Kind.KEYWORD):
        return _named_target(kind, text)
    raise ActionError(_("フォローの種類が正しくありません。"))


def _target(fields: dict, label: str, forms: list[str] | None) -> Target:
    """The one Target of these fields, created (and filled with its articles) if new."""
    target = Target.objects.filter(**fields).first()
    if target is not None:
        return target
    try:
        with transaction.atomic():
            target = Target.objects.create(
                **{"forms": " ".join(forms or []), **fields},
                label=label,
                **entries.anchors(forms or []),
            )
    except IntegrityError:  # another request created it a moment ago
        return Target.objects.get(**fields)
    entries.fill_new_target(target)
    return target


def keyword_renamed(keyword: Keyword) -> None:
    """A followed keyword's new name is what its target matches in text from now on; its
    entries are filled again as for a keyword followed for the first time."""
    target = Target.objects.filter(kind=Target.Kind.KEYWORD, keyword=keyword).first()
    forms = keyword_forms(keyword.name)
    if target is None or (target.forms == " ".join(forms) and target.label == keyword.name):
        return
    target.forms, target.label = " ".join(forms), keyword.name
    for field, value in entries.anchors(forms).items():
        setattr(target, field, value)
    with transaction.atomic():
        target.save(update_fields=["forms", "label", "anchor", "second_anchor"])
        target.entries.all().delete()
        entries.fill_new_target(target)


def follow(user, reader: Reader, kind: str, text: str) -> Follow:
    """Follow a series, column, keyword (by slug) or a word; following again is harmless."""
    require(reader, "follow")
    fields, label, forms = resolve(kind, text)
    target = _target(fields, label, forms)
    with transaction.atomic():
        existing = Follow.objects.filter(user=user, target=target).first()
        if existing is not None:
            return existing
        # The member's row locked (PostgreSQL; SQLite serialises writers anyway), so two
        # concurrent follows cannot both pass the limit.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if Follow.objects.filter(user=user).count() >= MAX_FOLLOWS:
            raise ActionError(
                _("フォローできるのは%(limit)d件までです。フォローを解除してからお試しください。")
                % {"limit": MAX_FOLLOWS}
            )
        try:
            with transaction.atomic():
                created = Follow.objects.create(user=user, target=target, label=label)
        except IntegrityError:
            return Follow.objects.get(user=user, target=target)
    forget_marks(user.pk)
    return created


def unfollow(user, follow_id: int | None = None, target: Target | None = None) -> bool:
    """Stop following; True if something was followed. Unfollowing twice is harmless."""
    follows = Follow.objects.filter(user=user)
    follows = (
        follows.filter(pk=follow_id) if follow_id is not None else follows.filter(target=target)
    )
    deleted, _rows = follows.delete()
    if deleted:
        forget_marks(user.pk)
    return bool(deleted)


def find_target(kind: str, text: str) -> Target | None:
    """The existing target of what a member names (for unfollowing), or None."""
    fields, _label, _forms = resolve(kind, text)
    return Target.objects.filter(**fields).first()


# Saved articles and figures -----------------------------------------------------------


def visible_article(article_id: int) -> Article:
    article = Article.objects.published().filter(pk=article_id).first()
    if article is None:
        raise ActionError(_("記事が見つかりません。"), status=404)
    return article


def save_article(user, reader: Reader, article_id: int) -> SavedArticle:
    require(reader, "save_article")
    article = visible_article(article_id)
    saved, _created = _get_or_create(SavedArticle, user=user, article=article)
    forget(saved_article_key(user.pk, article.pk))
    return saved


def unsave_article(user, article_id: int) -> bool:
    deleted, _rows = SavedArticle.objects.filter(user=user, article_id=article_id).delete()
    forget(saved_article_key(user.pk, article_id))
    return bool(deleted)


def save_figure(user, reader: Reader, figure_id: int, article_id: int | None = None) -> SavedFigure:
    require(reader, "save_figure")
    figure = Figure.objects.filter(pk=figure_id).first()
    if figure is None:
        raise ActionError(_("図表が見つかりません。"), status=404)
    article = visible_article(article_id) if article_id is not None else None
    saved, _created = _get_or_create(
        SavedFigure, user=user, figure=figure, defaults={"article": article}
    )
    forget_marks(user.pk)
    return saved


def unsave_figure(user, figure_id: int) -> bool:
    deleted, _rows = SavedFigure.objects.filter(user=user, figure_id=figure_id).delete()
    forget_marks(user.pk)
    return bool(deleted)


def _get_or_create(model, defaults=None, **fields):
    """get_or_create that two concurrent requests leave as one row (unique constraint)."""
    try:
        with transaction.atomic():
            return model.objects.get_or_create(**fields, defaults=defaults or {})
    except IntegrityError:
        return model.objects.get(**fields), False


# What the article page shows of a member's own state ------------------------------------


def _marks_key(user_id: int) -> str:
    return f"mynews:marks:{user_id}"


def saved_article_key(user_id: int, article_id: int) -> str:
    return f"mynews:saved:{user_id}:{article_id}"


def forget_marks(user_id: int) -> None:
    """The member's follows or saved figures changed: their button states and their
    cached My News page (cached_page_version) go."""
    forget(_marks_key(user_id))
    forget(_page_version_key(user_id))


def _page_version_key(user_id: int) -> str:
    return f"mynews:page-version:{user_id}"


def cached_page_version(user_id: int) -> CachedState:
    """A token that changes whenever the member's follows change (a new one is made when
    the old is forgotten or evicted): part of the key of their cached My News page."""
    return CachedState(_page_version_key(user_id), lambda: uuid.uuid4().hex, STATE_SECONDS)


def _load_marks(user_id: int) -> tuple[frozenset, frozenset]:
    followed = Follow.objects.filter(user_id=user_id).values_list(
        "target__kind", "target__series_id", "target__column_id", "target__keyword_id"
    )
    return (
        frozenset((kind, s or c or k) for kind, s, c, k in followed if s or c or k),
        frozenset(SavedFigure.objects.filter(user_id=user_id).values_list("figure_id", flat=True)),
    )


def cached_marks(user_id: int) -> CachedState:
    """(followed (kind, id) of series/columns/keywords, saved figure ids) of a member:
    small, read on every article page a paid member opens, forgotten on each change."""
    return CachedState(_marks_key(user_id), lambda: _load_marks(user_id), STATE_SECONDS)


def cached_saved_article(user_id: int, article_id: int) -> CachedState:
    return CachedState(
        saved_article_key(user_id, article_id),
        lambda: SavedArticle.objects.filter(user_id=user_id, article_id=article_id).exists(),
        STATE_SECONDS,
    )


class Marks:
    """A paid member's button states on one article page: "on" or "off" for each
    followable series/column/keyword, the article and each figure."""

    def __init__(self, followed=frozenset(), saved_figures=frozenset(), saved_article=False):
        self.followed = followed
        self.saved_figures = saved_figures
        self.saved_article = saved_article

    def state(self, kind: str, pk: int) -> str:
        if kind == "article":
            on = self.saved_article
        elif kind == "figure":
            on = pk in self.saved_figures
        else:
            on = (kind, pk) in self.followed
        return "on" if on else "off"


def marks_for(user_id: int, article_id: int, cached) -> Marks:
    """The Marks of a member on an article, from a CachedStates that read cached_marks and
    cached_saved_article (one round trip with the page's other states)."""
    followed, figures = cached.value(cached_marks(user_id))
    return Marks(followed, figures, cached.value(cached_saved_article(user_id, article_id)))


def marks_of(user) -> Marks | None:
    """A paid member's follow states for pages that list one followable thing (series,
    column, keyword pages); None for anyone else."""
    if not user.is_authenticated:
        return None
    followed, figures = read_through(cached_marks(user.pk))[0]
    return Marks(followed, figures)


def word_marks(user, text: str) -> tuple[str, Marks] | None:
    """(the word as it would be followed, its state as Marks under ("word", 0)) for a
    search's words, or None when they are not one followable word."""
    text = (text or "").strip().strip('"“”「」『』')
    if not text or text.startswith("-") or len(text.split()) != 1:
        return None
    try:
        fields, label, _forms = resolve(Target.Kind.WORD, text)
    except ActionError:
        return None
    followed = Follow.objects.filter(user=user, target__kind="word", target__forms=fields["forms"])
    return label, Marks(frozenset({("word", 0)}) if followed.exists() else frozenset())
