"""Keeping the index in step with publishing: analyse once, store tokens, index them."""

from datetime import datetime

from django.db import router, transaction

from shinbun.newsroom.models import Article
from shinbun.search import topics
from shinbun.search.analysis import index_forms_many
from shinbun.search.backends import backend
from shinbun.search.engine import IndexEntry
from shinbun.search.facets import COLUMN, KEYWORD, SECTION, SERIES, facet_marker
from shinbun.search.models import SearchDocument
from shinbun.search.termstats import set_norms, update_term_stats

ANALYZER_VERSION = 2  # 2: words split by their context are joined again (国学院)
ID_SPACE = 10_000_000


def sort_key(published_at: datetime, article_id: int) -> int:
    """Grows with the publication time; unique through the article id."""
    return int(published_at.timestamp()) * ID_SPACE + article_id % ID_SPACE


def article_id_of(key: int) -> int:
    """The id of the article a sort key was made for, if that id is below ID_SPACE (an
    article's own sort_key tells whether it is)."""
    return key % ID_SPACE


def facet_markers(article: Article, keyword_ids) -> list[str]:
    markers = [facet_marker(SECTION, article.section_id)]
    if article.series_id:
        markers.append(facet_marker(SERIES, article.series_id))
    if article.column_id:
        markers.append(facet_marker(COLUMN, article.column_id))
    markers += [facet_marker(KEYWORD, pk) for pk in keyword_ids]
    return markers


def article_texts(article: Article) -> tuple[str, str]:
    """What indexing analyses of an article: its lead and body, and its title."""
    return (
        article.lead + "\n" + article.body_text,
        " ".join(filter(None, [article.headline, article.subheadline])),
    )


def build_documents(articles: list[Article], keyword_ids: dict[int, list[int]]):
    """The search documents of these articles, analysed together (index_forms_many)."""
    analysed = index_forms_many(map(article_texts, articles))
    return [
        build_document(article, keyword_ids.get(article.pk, []), body, title, terms)
        for article, ((body, title), terms) in zip(articles, analysed, strict=True)
    ]


def build_document(article: Article, keyword_ids, body, title, terms) -> SearchDocument:
    """The document of an article whose texts were analysed: the forms of its body and
    of its title, and its content words' counts (``terms``)."""
    document = SearchDocument(
        article_id=article.pk,
        sort_key=sort_key(article.published_at, article.pk),
        title=" ".join(title),
        body=" ".join(body),
        facets=" ".join(facet_markers(article, keyword_ids)),
        terms=terms,
        length=len(body) + len(title),
        analyzer_version=ANALYZER_VERSION,
    )
    document.forms = {*body, *title}  # what TermStat counts it under (counted_forms)
    return document


def _entry(document: SearchDocument) -> IndexEntry:
    return IndexEntry(document.sort_key, document.title, document.body, document.facets)


def index_articles(articles: list[Article]) -> int:
    """(Re)index visible articles and drop the others; returns how many are indexed."""
    engine = backend()
    visible = [a for a in articles if a.is_visible]
    keyword_ids: dict[int, list[int]] = {}
    through = Article.keywords.through.objects.filter(article_id__in=[a.pk for a in visible])
    for article_id, keyword_id in through.values_list("article_id", "keyword_id"):
        keyword_ids.setdefault(article_id, []).append(keyword_id)
    documents = build_documents(visible, keyword_ids)
    with transaction.atomic(using=router.db_for_write(SearchDocument)):
        old = list(SearchDocument.objects.filter(article_id__in=[a.pk for a in articles]))
        engine.remove([_entry(d) for d in old])
        SearchDocument.objects.filter(article_id__in=[d.article_id for d in old]).delete()
        set_norms(documents, update_term_stats(documents, old))
        topics.assign(documents)
        SearchDocument.objects.bulk_create(documents)
        engine.add([_entry(d) for d in documents])
    return len(documents)


def index_article(article_id: int) -> bool:
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        remove_article(article_id)
        return False
    return index_articles([article]) == 1


def remove_article(article_id: int) -> None:
    with transaction.atomic(using=router.db_for_write(SearchDocument)):
        old = list(SearchDocument.objects.filter(article_id=article_id))
        backend().remove([_entry(d) for d in old])
        SearchDocument.objects.filter(article_id=article_id).delete()
        update_term_stats([], old)


def rebuild_engine_index() -> None:
    """Re-feed the engine from stored tokens (no analysis), e.g. after a restore."""
    engine = backend()
    engine.clear()
    batch: list[SearchDocument] = []
    for document in SearchDocument.objects.order_by("pk").iterator(chunk_size=2000):
        batch.append(document)
        if len(batch) == 2000:
            engine.add([_entry(d) for d in batch])
            batch = []
    engine.add([_entry(d) for d in batch])
