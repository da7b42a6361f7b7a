"""Reader pages of the newsroom. Views parse, authorise (through entitlements) and render."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from shinbun.core import variantcache
from shinbun.core.cache import CachedState, CachedStates, forget, read_through
from shinbun.core.links import absolute_url
from shinbun.core.pagecache import cache_anonymous_page
from shinbun.core.pagination import CURSOR_PARAMS, keyset_page_for
from shinbun.members import entitlements, gates
from shinbun.members.campaigns import cached_campaign_cta, campaign_cta
from shinbun.members.login_limits import client_ip
from shinbun.mynews import services as mynews
from shinbun.newsroom import ranking
from shinbun.newsroom.body import figure_keys
from shinbun.newsroom.context_processors import site
from shinbun.newsroom.models import Article, Column, Figure, Keyword, Section, Series
from shinbun.newsroom.sharing import mailto_link, share_links
from shinbun.search.recommend import cached_stamp as recommend_stamp
from shinbun.search.recommend import recommendations_for
from shinbun.think import services as think

HOME_SECTION_ITEMS = 5


def visible_articles():
    return Article.objects.published().for_listing()


@require_safe
@cache_anonymous_page
def home(request):
    """Each story once: the top stories, 新着 with the next newest, then each section's
    newest of the rest (one query per section, whatever the archive's size). The
    アクセスランキング is a list of its own and names articles wherever they stand above;
    on the anonymous page it is as old as the page (SHINBUN_PAGE_CACHE_SECONDS) at most."""
    now_visible = visible_articles()
    pinned = list(now_visible.filter(pinned=True)[:3])
    latest = [a for a in now_visible[:12] if a not in pinned]
    top = (pinned + latest)[:5]
    rest = [a for a in latest if a not in top][:7]
    shown = [a.pk for a in top + rest]
    sections = [
        (
            section,
            list(now_visible.filter(section=section).exclude(pk__in=shown)[:HOME_SECTION_ITEMS]),
        )
        for section in Section.objects.all()
    ]
    return render(
        request,
        "newsroom/home.html",
        {
            "top": top,
            "latest": rest,
            "sections": [(s, items) for s, items in sections if items],
            "ranking": ranking.ranked_articles(),
        },
    )


# The beacon is sent by the article page's script (site.js), once per article and browser
# session. It is exempt from CSRF because the page is cached (the anonymous page and the
# members' variants hold no token) and navigator.sendBeacon cannot add one; a forged
# beacon can do no more than a real one, count one read, within the client's limit.
@csrf_exempt
@require_POST
def read_beacon(request, article_id: int):
    """A reader opened a published article: one read for the アクセスランキング, counted
    in the shared cache (no database write; the article's state is read from the cache)."""
    if ranking.too_many_reads(client_ip(request)):
        response = _plain(_("短い時間にたくさんの記事が開かれました。"), 429)
        response["Retry-After"] = str(ranking.READ_WINDOW)
        return response
    if read_through(cached_article_state(article_id))[0] is None:
        return _plain(_("記事が見つかりません。"), 404)
    ranking.count_read(article_id)
    return HttpResponse(status=204)


def _plain(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _listing(request, kind: str, obj, queryset):
    page = keyset_page_for(request, queryset, settings.PAGE_SIZE)
    context = {"kind": kind, "object": obj, "articles": page.items, "page": page}
    if kind != "section":  # series, columns and keywords can be followed
        # Read only if the page shows a paid member's button (reader: context processor).
        context["marks"] = SimpleLazyObject(lambda: mynews.marks_of(request.user))
    return render(request, "newsroom/listing.html", context)


@require_safe
@cache_anonymous_page(params=CURSOR_PARAMS)
def section(request, slug):
    obj = get_object_or_404(Section, slug=slug)
    return _listing(request, "section", obj, visible_articles().filter(section=obj))


@require_safe
@cache_anonymous_page(params=CURSOR_PARAMS)
def series(request, slug):
    obj = get_object_or_404(Series, slug=slug)
    return _listing(request, "series", obj, visible_articles().filter(series=obj))


@require_safe
@cache_anonymous_page(params=CURSOR_PARAMS)
def column(request, slug):
    obj = get_object_or_404(Column, slug=slug)
    return _listing(request, "column", obj, visible_articles().filter(column=obj))


@require_safe
@cache_anonymous_page(params=CURSOR_PARAMS)
def keyword(request, slug):
    obj = get_object_or_404(Keyword, slug=slug)
    return _listing(request, "keyword", obj, visible_articles().filter(keywords=obj))


def get_article_for(request, article_id: int) -> Article:
    """A visible article, or any article for an editor (preview). 404 otherwise."""
    queryset = Article.objects.select_related("section", "series", "column")
    if not (request.user.is_authenticated and request.user.is_staff):
        queryset = queryset.published()
    return get_object_or_404(queryset, pk=article_id)


PREFETCH_HEADERS = (("Sec-Purpose", "prefetch"), ("Purpose", "prefetch"), ("X-Moz", "prefetch"))


def is_a_read(request) -> bool:
    """Whether the reader is reading the page: not a HEAD request, not a browser's
    prefetch (only a read spends one of a free member's metered articles)."""
    return request.method == "GET" and not any(
        value in request.headers.get(header, "") for header, value in PREFETCH_HEADERS
    )


def refused_prefetch(request, decision) -> HttpResponse | None:
    """The answer to a prefetch that would spend a metered read (None for any other
    request): an error status, so the browser discards it and asks again when the reader
    opens the page. A HEAD request is answered as usual, without the full text."""
    if decision.reason != entitlements.Reason.METER_NOT_SPENT or request.method != "GET":
        return None
    response = HttpResponse(status=503)
    response["Cache-Control"] = "no-store"
    return response


def article_context(request, article: Article, reader=None, decision=None) -> dict:
    if decision is None:
        reader = entitlements.reader_for_request(request)
        decision = entitlements.open_article(reader, article, spend=is_a_read(request))
    blocks = entitlements.readable_blocks(article, decision)
    figures = {}
    if blocks:
        keys = figure_keys(blocks)
        if keys:
            figures = {f.key: f for f in Figure.objects.filter(key__in=keys)}
    canonical = absolute_url(request, article.get_absolute_url())
    photo = first_photo(article, figures)
    # ふりがな (newsroom/furigana.py): the texts' ruby HTML, and each readable block's.
    ruby = {name: article.ruby.get(name, "") for name in ("headline", "subheadline", "lead")}
    block_ruby = article.ruby.get("blocks", {})
    blocks = [
        {**block, "figure": figures.get(block.get("key"))}
        if block["type"] == "figure"
        else {**block, "ruby": block_ruby.get(str(index))}
        for index, block in enumerate(blocks)
    ]
    return {
        "article": article,
        "ruby": ruby,
        # The toggle shows only over readings this reader sees (not a paywalled body's).
        "has_ruby": any(ruby.values()) or any(block.get("ruby") for block in blocks),
        "decision": decision,
        "reader": reader,
        "blocks": blocks,
        "description": article.lead,
        "canonical": canonical,
        # What a shared link shows: the article's first photo, or the site's own image.
        "share_image": {
            "url": absolute_url(request, photo.image.url if photo else OGP_IMAGE),
            "alt": photo.alt if photo else settings.SITE_NAME,
        },
        "share": share_links(canonical, article.headline),
        "mailto": mailto_link(canonical, article.headline),
        "keywords": list(article.keywords.all()),
        "corrections": list(article.corrections.all()),
        "member_action_messages": gates.MESSAGES,
    }


OGP_IMAGE = settings.STATIC_URL + "shinbun/ogp.png"


def first_photo(article: Article, loaded: dict[str, Figure]) -> Figure | None:
    """The article's first image figure (図表 of the photo kind), whether or not this
    reader may read the body it stands in; ``loaded``: the figures already read."""
    keys = figure_keys(article.blocks)
    missing = [key for key in keys if key not in loaded]
    figures = dict(loaded)
    if missing:
        figures |= {
            f.key: f for f in Figure.objects.filter(key__in=missing, kind=Figure.Kind.IMAGE)
        }
    photos = (figures.get(key) for key in keys)
    return next((f for f in photos if f and f.kind == Figure.Kind.IMAGE and f.image), None)


def article_page_context(request, obj: Article, reader=None, decision=None) -> dict:
    context = article_context(request, obj, reader, decision)
    context["think"] = think.think_for(context["reader"], obj.pk)
    context["think_can_post"] = think.may_post(request.user)
    context["related"] = list(obj.related.published().for_listing().order_by("-published_at")[:5])
    context["recommendations"] = recommendations_for(obj)
    context["json_ld"] = news_article_json_ld(request, obj, context)
    return context


@require_safe
@cache_anonymous_page
def article(request, article_id: int):
    if variantcache.applies(request) and not variantcache.has_messages(request):
        return member_article(request, article_id)
    obj = get_article_for(request, article_id)
    context = article_page_context(request, obj)
    context["marks"] = reader_marks(request, context["reader"], obj.pk)
    return _render_read(request, "newsroom/article.html", context)


def reader_marks(request, reader, article_id: int):
    """A paid member's button states on an article page (None for other readers)."""
    if not (reader.is_paid and request.user.is_authenticated):
        return None
    user_id = request.user.pk
    cached = CachedStates(
        mynews.cached_marks(user_id), mynews.cached_saved_article(user_id, article_id)
    )
    return mynews.marks_for(user_id, article_id, cached)


def _article_state_key(article_id: int) -> str:
    return f"newsroom:article-state:{article_id}"


def _visible_article_state(article_id: int) -> tuple[str, str] | None:
    visible = Article.objects.published().filter(pk=article_id)
    row = visible.values_list("access", "modified").first()
    return None if row is None else (row[0], row[1].isoformat())


def cached_article_state(article_id: int) -> CachedState:
    """(access, modified) of a visible article (``Article.objects.published()``), or None:
    what the member page reads of the article before it looks for a cached variant.

    A visible article's state is the same for every reader, so it is kept in the shared
    cache until the article is saved or deleted (forget_article_state) or the page cache's
    TTL ends, whichever comes first: as fresh as the anonymous page. An invisible one is
    never kept, so a scheduled article shows the moment its time comes."""
    return CachedState(
        _article_state_key(article_id),
        lambda: _visible_article_state(article_id),
        settings.PAGE_CACHE_SECONDS,
    )


def forget_article_state(sender, instance, **kwargs) -> None:
    """On every save or deletion of an article, and again once its transaction commits
    (a request may have cached the old state in between)."""
    forget(_article_state_key(instance.pk))


def member_article(request, article_id: int):
    """A logged-in reader's article page from the variant cache (core/variantcache.py).

    Per request: the article's access level and version, the reader's subscription, the
    running campaign and the month's meter (one round trip to the shared cache), the
    entitlement decision (which counts a metered read, exactly as for the full render),
    and the slots filled with this reader's name and CSRF token. The key holds everything
    the variant shows that depends on the reader: kind, decision, meter."""
    user = request.user
    now = timezone.now()
    article_state = cached_article_state(article_id)
    subscription_state = entitlements.cached_subscription_state(user.pk)
    campaign_state = cached_campaign_cta()
    # The meter is needed only by a free member on a paid article; reading it in the same
    # round trip costs less than a second one.
    cached = CachedStates(
        article_state,
        subscription_state,
        campaign_state,
        entitlements.cached_meter(user.pk, entitlements.meter_month(now)),
        entitlements.cached_meter_limit(),
        # A paid member's button states (followed, saved); see the meter above.
        mynews.cached_marks(user.pk),
        mynews.cached_saved_article(user.pk, article_id),
        think.cached_stamp(article_id),
        recommend_stamp(article_id),
        *([think.cached_may_post(user.pk)] if user.is_expert else []),
    )
    state = cached.value(article_state)
    if state is None:
        raise Http404("no such article")
    reader = entitlements.with_unlocks(
        entitlements.reader_of(user, cached.value(subscription_state), now), request.session
    )
    article_ref = entitlements.ArticleRef(article_id, state[0])
    decision = entitlements.open_article(reader, article_ref, now, cached, spend=is_a_read(request))
    if (refused := refused_prefetch(request, decision)) is not None:
        return refused
    meter = decision.meter
    key = variantcache.key(
        "article",
        article_id,
        state[1],  # the article's version: any save changes it
        request.path,
        request.get_host(),
        request.scheme,
        reader.kind,
        decision.full_text,
        decision.reason,
        None if meter is None else (meter.limit, meter.remaining),
        campaign_cta(cached=cached.value(campaign_state)),
        cached.value(think.cached_stamp(article_id)),  # Think!'s posts changed
        cached.value(recommend_stamp(article_id)),  # こちらもおすすめ changed
        think.may_post(user, cached),  # an expert gets the form to post
    )

    def render_page() -> bytes:
        obj = get_article_for(request, article_id)
        context = {**site(request), **article_page_context(request, obj, reader, decision)}
        return variantcache.render_variant(request, "newsroom/article.html", context)

    marks = mynews.marks_for(user.pk, article_id, cached) if reader.is_paid else None
    return variantcache.serve(request, key, render_page, marks)


@require_safe
@cache_anonymous_page
def article_print(request, article_id: int):
    obj = get_article_for(request, article_id)
    return _render_read(request, "newsroom/article_print.html", article_context(request, obj))


def _render_read(request, template_name: str, context: dict) -> HttpResponse:
    return refused_prefetch(request, context["decision"]) or render(request, template_name, context)


def news_article_json_ld(request, article: Article, context: dict) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "description": article.lead,
        "mainEntityOfPage": context["canonical"],
        "url": context["canonical"],
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": article.last_modified.isoformat() if article.last_modified else None,
        "articleSection": article.section.name,
        "inLanguage": "ja",
        "isAccessibleForFree": article.access == Article.Access.FREE,
        "publisher": {
            "@type": "Organization",
            "name": settings.SITE_NAME,
            "logo": {
                "@type": "ImageObject",
                "url": absolute_url(request, settings.STATIC_URL + "shinbun/logo.png"),
            },
        },
        "image": [context["share_image"]["url"]],
        "articleBody": entitlements.readable_text(article, context["decision"]),
    }
    if article.byline:
        data["author"] = [{"@type": "Person", "name": article.byline}]
    if article.access != Article.Access.FREE:
        data["hasPart"] = {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": ".paywalled",
        }
    return data
