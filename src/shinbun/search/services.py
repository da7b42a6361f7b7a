"""Searching the archive for a reader: query, filters, the engine, snippets."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from shinbun.core.timefmt import JST
from shinbun.members import entitlements
from shinbun.newsroom.models import Article, Column, Keyword, Section, Series
from shinbun.search.analysis import normalize_text
from shinbun.search.backends import backend
from shinbun.search.engine import MAX_KEY, MIN_KEY
from shinbun.search.facets import COLUMN, KEYWORD, SECTION, SERIES, facet_marker
from shinbun.search.indexing import article_id_of, sort_key
from shinbun.search.models import SearchDocument
from shinbun.search.query import ParsedQuery, parse_query
from shinbun.search.spans import Found, first_found, form_found, matched_spans

SORTS = ("newest", "relevance")
MAX_OFFSET = 10_000
SNIPPET_CHARS = 120
# What a result shows (the page and the API's article summary): the body and the rest
# are left out, and a visitor's snippet is cut from the lead.
SUMMARY_FIELDS = (
    *("headline", "subheadline", "lead", "access", "status", "published_at", "updated_at"),
    *("section", "section__slug", "section__name"),
)
_SLUG = re.compile(r"[-\w]{1,100}")
_NO_SNIPPET = mark_safe("")


@dataclass
class Filters:
    section: str | None = None
    series: str | None = None
    column: str | None = None
    keyword: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass
class Hit:
    article: Article
    snippet: SafeString


@dataclass
class SearchPage:
    query: ParsedQuery
    count: int = 0
    count_capped: bool = False
    hits: list[Hit] = field(default_factory=list)
    hint: str = ""


class UnknownFilter(Exception):
    pass


def _facets(filters: Filters) -> list[str]:
    markers = []
    for value in (filters.section, filters.series, filters.column, filters.keyword):
        if value and not _SLUG.fullmatch(value):
            raise UnknownFilter(value)
    for value, model, kind in (
        (filters.section, Section, SECTION),
        (filters.series, Series, SERIES),
        (filters.column, Column, COLUMN),
        (filters.keyword, Keyword, KEYWORD),
    ):
        if value:
            pk = model.objects.filter(slug=value).values_list("pk", flat=True).first()
            if pk is None:
                raise UnknownFilter(value)
            markers.append(facet_marker(kind, pk))
    return markers


def _key_range(filters: Filters) -> tuple[int, int]:
    low, high = MIN_KEY, MAX_KEY
    if filters.date_from:
        start = datetime.combine(filters.date_from, time.min, tzinfo=JST)
        low = sort_key(start, 0)
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=JST)
        high = sort_key(end, 0) - 1
    return low, high


def search(
    raw_query: str,
    filters: Filters | None = None,
    sort: str = "newest",
    limit: int = 20,
    offset: int = 0,
    reader=entitlements.VISITOR,
    snippets: bool = True,
) -> SearchPage:
    filters = filters or Filters()
    query = parse_query(raw_query)
    page = SearchPage(query=query)
    if not query.include:
        page.hint = (
            _("検索語を入力してください。")
            if not raw_query.strip()
            else _("検索できる語が含まれていません。別の言葉でお試しください。")
        )
        return page
    try:
        query.facets = _facets(filters)
    except UnknownFilter:
        page.hint = _("指定された絞り込み条件が見つかりません。")
        return page
    low, high = _key_range(filters)
    if low > high:
        page.hint = _("期間の指定が正しくありません。")
        return page
    result = backend().search(
        query, sort if sort in SORTS else "newest", limit, min(offset, MAX_OFFSET), low, high
    )
    page.count, page.count_capped = result.count, result.count_capped
    articles = _articles(result.sort_keys)
    if snippets:
        _load_readable_blocks(articles, reader)
        page.hits = list(map(Hit, articles, make_snippets(articles, reader, query.words)))
    else:
        page.hits = [Hit(article, _NO_SNIPPET) for article in articles]
    if not page.count:
        page.hint = _(
            "該当する記事は見つかりませんでした。言葉を減らすか、別の言葉でお試しください。"
        )
    return page


def _summaries_by_key(now, sort_keys: list[int]):
    documents = SearchDocument.objects.filter(sort_key__in=sort_keys)
    return (
        _summary(now)
        .filter(pk__in=documents.values("pk"))
        .annotate(
            search_key=Subquery(SearchDocument.objects.filter(pk=OuterRef("pk")).values("sort_key"))
        )
    )


def _summary(now):
    # No ORDER BY: the page is put in the engine's order afterwards.
    return Article.objects.published(now).select_related("section").only(*SUMMARY_FIELDS).order_by()


def _articles(sort_keys: list[int]) -> list[Article]:
    """The published articles of these index keys, in their order, with only what a
    result shows (SUMMARY_FIELDS), in one query by the ids the keys were made from (no
    lookup of the index's documents). A key its article does not make again (an id past
    ID_SPACE, a publication time changed since it was indexed) is looked up through the
    documents."""
    if not sort_keys:
        return []
    now = timezone.now()
    found = _summary(now).filter(pk__in=list(map(article_id_of, sort_keys)))
    by_key = {sort_key(article.published_at, article.id): article for article in found}
    missing = [key for key in sort_keys if key not in by_key]
    if missing:
        by_key.update((article.search_key, article) for article in _summaries_by_key(now, missing))
    return [by_key[key] for key in sort_keys if key in by_key]


def _load_readable_blocks(articles: list[Article], reader) -> None:
    """Bodies, in one query, of the hits this reader may read in full."""
    full = [a for a in articles if entitlements.decide(reader, a.access).full_text]
    if full:
        blocks = _column_by_pk(Article, "blocks", [a.pk for a in full])
        for article in full:
            article.blocks = blocks[article.pk]


def readable_text(article: Article, reader) -> str:
    """Snippets are cut only from what this reader may read."""
    decision = entitlements.decide(reader, article.access)
    return entitlements.readable_text(article, decision)


def make_snippets(articles: list[Article], reader, words: set[str]) -> list[SafeString]:
    """Each article's snippet for this reader: a window of its readable text around the
    first match of a searched form, the matches marked.

    Analysis is the cost (~1.3 us a character), so where a searched form appears as
    written the window is cut there and only the window is analysed. Where none does (a
    word written in another form, いる for 居る; a word only in the headline, or only in
    what the reader may not read), the stored forms of the article's search document
    tell whether and where its text holds one (spans.form_found): one query for the
    page's documents, and a region of the text analysed instead of the text up to the
    match, whose words then mark the window."""
    texts = [normalize_text(readable_text(article, reader)) for article in articles]
    if not words:
        return list(map(_opening, texts))
    snippets = [_written_match(text, words) for text in texts]
    pending = [i for i, snippet in enumerate(snippets) if snippet is None]
    if not pending:
        return snippets
    stored = _column_by_pk(SearchDocument, "body", [articles[i].pk for i in pending])
    for i in pending:
        text, body = texts[i], stored.get(articles[i].pk)
        found = first_found(text, words) if body is None else form_found(text, body.split(), words)
        snippets[i] = _window(text, found.position, words, found) if found else _opening(text)
    return snippets


def _column_by_pk(model, column: str, ids: list[int]) -> dict:
    """One column of these rows by primary key."""
    return dict(model.objects.filter(pk__in=ids).values_list("pk", column))


def _opening(text: str) -> SafeString:
    """The snippet of a text without a match: its beginning."""
    return mark_safe(escape(text[:SNIPPET_CHARS]))


def _written_match(text: str, words: set[str]) -> SafeString | None:
    """The snippet around the first place a searched form appears as written, if the
    window there holds a match (京都 in 東京都 is none)."""
    found = [i for i in (text.find(word) for word in words) if i >= 0]
    return _window(text, min(found), words) if found else None


def _window(text: str, position: int, words: set[str], found: Found | None = None):
    """The snippet window around a match at position, its matches marked. Without
    ``found``, None if the window holds no match."""
    size = min(len(text), SNIPPET_CHARS)
    start = min(max(0, position - SNIPPET_CHARS // 3), len(text) - size)
    end = start + size
    if found is None:
        marks = matched_spans(text[start:end], words)
        if not marks:
            return None
    else:
        marks = _marks_around(text, start, end, words, found)
    return _highlight(text[start:end], marks, start > 0, end < len(text))


def _marks_around(text: str, start: int, end: int, words: set[str], found: Found):
    """The marks of text[start:end] from the words of the analysed piece holding the
    first match: the window is not analysed a second time. Before the piece there is no
    match; a part after it is analysed on its own (the piece ends at a sentence's end,
    where the text is cut for analysis anyway)."""
    offset = found.start - start
    marks = [
        (offset + s, offset + e)
        for s, e, form, _ in found.words
        if form in words and offset + s >= 0 and offset + e <= end - start
    ]
    if found.end < end:
        offset = found.end - start
        marks += [(offset + s, offset + e) for s, e in matched_spans(text[found.end : end], words)]
    return marks


def _merge(marks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Adjacent matches (生成 + AI) become one mark."""
    merged: list[tuple[int, int]] = []
    for start, end in marks:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _highlight(window: str, marks, cut_before: bool, cut_after: bool) -> SafeString:
    out, cursor = ["…"] if cut_before else [], 0
    for mark_start, mark_end in _merge(marks):
        out.append(escape(window[cursor:mark_start]))
        out.append(f"<mark>{escape(window[mark_start:mark_end])}</mark>")
        cursor = mark_end
    out.append(escape(window[cursor:]))
    if cut_after:
        out.append("…")
    return mark_safe("".join(out).replace("\n", " "))
