"""My News, saved articles and figures, and the member actions behind the buttons.

Each action is a plain form (POST, CSRF, then a redirect back: it works without JS) that
the site's script also sends in the background: asked with ``Accept: application/json``
it answers ``{"state": "on"|"off"}``, or ``{"title", "message"}`` with a 4xx status.
A form names the state it wants ("on" or "off"), never "toggle", so sending it twice
is harmless.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST, require_safe

from shinbun.core import variantcache
from shinbun.core.cache import CachedStates
from shinbun.core.pagination import BadPage, Cursor, cursors_of
from shinbun.members import gates
from shinbun.members.entitlements import VISITOR, reader_for
from shinbun.mynews import entries, feed, services
from shinbun.mynews.models import Target
from shinbun.newsroom.context_processors import site

private = cache_control(private=True, no_cache=True)

ON, OFF = "on", "off"


def _reader(request):
    return reader_for(request.user) if request.user.is_authenticated else VISITOR


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _state(request) -> str:
    state = request.POST.get("state", "")
    if state not in (ON, OFF):
        raise services.ActionError(_("操作の指定が正しくありません。"))
    return state


def _done(request, state: str, message: str, fallback: str):
    if _wants_json(request):
        return JsonResponse({"state": state, "message": message})
    messages.success(request, message)
    return redirect(_back(request, fallback))


def _failed(request, error: services.ActionError, fallback: str):
    title = str(gates.ACTION_FAILED_TITLE)
    if _wants_json(request):
        return JsonResponse({"title": title, "message": error.message}, status=error.status)
    context = {"title": title, "message": error.message, "back": _back(request, fallback)}
    return render(request, "mynews/action_failed.html", context, status=error.status)


def _member_action(request, act, fallback: str):
    """Run act(reader) -> (state, message) for a member; refusals become the page or
    JSON answer with the reader's message."""
    try:
        if not request.user.is_authenticated:
            raise services.ActionError(gates.FOLLOW_REFUSED, status=403)
        state, message = act(_reader(request))
    except services.ActionError as error:
        return _failed(request, error, fallback)
    return _done(request, state, message, fallback)


@require_POST
def follow(request):
    """Follow or stop following: kind (series/column/keyword/word) and target (a slug or
    the word), or the id of one of the member's follows (``follow``) to stop it."""
    user = request.user

    def act(reader):
        state = _state(request)
        follow_id = request.POST.get("follow", "")
        if state == OFF and follow_id.isascii() and follow_id.isdigit():
            services.unfollow(user, follow_id=int(follow_id))
            return OFF, _("フォローを解除しました。")
        kind, text = request.POST.get("kind", ""), request.POST.get("target", "")
        if state == ON:
            done = services.follow(user, reader, kind, text)
            return ON, _("「%(name)s」をフォローしました。") % {"name": done.label}
        target = services.find_target(kind, text)
        if target is not None:
            services.unfollow(user, target=target)
        return OFF, _("フォローを解除しました。")

    return _member_action(request, act, reverse("mynews:index"))


@require_POST
def save_article(request, article_id: int):
    user = request.user

    def act(reader):
        if _state(request) == ON:
            services.save_article(user, reader, article_id)
            return ON, _("記事を保存しました。")
        services.unsave_article(user, article_id)
        return OFF, _("記事の保存を取り消しました。")

    return _member_action(request, act, reverse("mynews:saved_articles"))


@require_POST
def save_figure(request, figure_id: int):
    user = request.user

    def act(reader):
        if _state(request) == ON:
            raw = request.POST.get("article", "")
            article_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
            services.save_figure(user, reader, figure_id, article_id)
            return ON, _("図表を保存しました。")
        services.unsave_figure(user, figure_id)
        return OFF, _("図表の保存を取り消しました。")

    return _member_action(request, act, reverse("mynews:saved_figures"))


def _cursor(request) -> Cursor | None:
    """The ?before= cursor: these lists are walked from the newest only."""
    bad = _("ページの指定(カーソル)が正しくありません。")
    try:
        cursors = cursors_of(request)
    except BadPage:
        raise BadPage(bad) from None
    if "after" in cursors:
        raise BadPage(bad)
    return cursors.get("before")


def _closed(request, template: str, status: int = 403):
    """The page of a member without a paid membership: what it is and the way in."""
    return render(request, template, {"closed": True, "reader": _reader(request)}, status=status)


@login_required
@require_safe
@private
def index(request):
    reader = _reader(request)
    if not gates.may_use(reader, "follow"):
        return _closed(request, "mynews/index.html")
    if not request.GET and variantcache.applies(request) and not variantcache.has_messages(request):
        return cached_index(request, reader)
    raw = request.GET.get("follow", "")
    follow_id = None
    if raw:
        if not (raw.isascii() and raw.isdigit() and len(raw) < 19):
            raise BadPage(feed.UNKNOWN_FOLLOW)
        follow_id = int(raw)
    try:
        page = feed.my_news(request.user, follow_id, _cursor(request))
    except services.ActionError as error:
        raise BadPage(error.message) from None
    if page.next is None and not page.items and request.GET.get("before"):
        raise BadPage(_("この先に記事はありません。"))
    return render(request, "mynews/index.html", index_context(page, reader))


def index_context(page: feed.MyNewsPage, reader) -> dict:
    return {
        "page": page,
        "follows": follow_rows(page),
        "undo_short": _("解除"),
        "reader": reader,
        "max_follows": services.MAX_FOLLOWS,
        "max_word_chars": services.MAX_WORD_CHARS,
    }


def cached_index(request, reader):
    """My News's first page from the variant cache (core/variantcache.py), kept per member:
    its key holds a token of the member's follows, a token of every entry sync and the
    start of the visit the 新着 marks count from, so a follow, a publication or a new
    visit shows at once. Per request: those three in one round trip, then the page."""
    user, now = request.user, timezone.now()
    follows_state, entries_state = services.cached_page_version(user.pk), entries.cached_stamp()
    cached = CachedStates(follows_state, entries_state, feed.cached_visit(user.pk))
    new_since = feed.visit(user, now, cached)
    key = variantcache.key(
        "mynews",
        user.pk,
        cached.value(follows_state),
        cached.value(entries_state),
        new_since,
        request.path,
        request.get_host(),
        request.scheme,
    )

    def render_page() -> bytes:
        page = feed.my_news(user, now=now, new_since=new_since)
        context = {**site(request), **index_context(page, reader)}
        return variantcache.render_variant(request, "mynews/index.html", context)

    return variantcache.serve(request, key, render_page)


def follow_rows(page: feed.MyNewsPage) -> list[dict]:
    """What the follow list shows of each follow, its texts made here: up to 200 rows,
    where template tags a row would cost more than the rest of the page."""
    kinds = dict(Target.Kind.choices)
    selected = page.selected.pk if page.selected else None
    # The row's label names the follow (aria-describedby): the label stays one text.
    undo = _("フォローを解除する")
    return [
        {
            "pk": f.pk,
            "label": f.label,
            "kind": kinds[f.target.kind],
            "count": ngettext("%(n)s件", "%(n)s件", f.target.article_count)
            % {"n": f.target.article_count},
            "undo": undo,
            "selected": f.pk == selected,
        }
        for f in page.follows
    ]


@login_required
@require_safe
@private
def saved_articles(request):
    reader = _reader(request)
    if not gates.may_use(reader, "save_article"):
        return _closed(request, "mynews/saved_articles.html")
    items, next_cursor = feed.saved_articles(request.user, _cursor(request))
    return render(
        request,
        "mynews/saved_articles.html",
        {"articles": items, "next": next_cursor, "reader": reader},
    )


@login_required
@require_safe
@private
def saved_figures(request):
    reader = _reader(request)
    if not gates.may_use(reader, "save_figure"):
        return _closed(request, "mynews/saved_figures.html")
    rows, next_cursor = feed.saved_figures(request.user, _cursor(request))
    return render(
        request,
        "mynews/saved_figures.html",
        {"saved": rows, "next": next_cursor, "reader": reader},
    )
