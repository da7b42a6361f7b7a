"""Keeping the index in step with publishing: analyse once, store tokens, index them."""

import json
import math
from collections import Counter
from datetime import datetime
from operator import itemgetter

import numpy as np
from django.db import connection, transaction

from shinbun.core.compiled import driver_cursor
from shinbun.newsroom.models import Article
from shinbun.search import topics
from shinbun.search.analysis import index_terms
from shinbun.search.backends import IndexEntry, backend
from shinbun.search.models import SearchDocument, TermStat

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
    markers = [f"zzsec{article.section_id}"]
    if article.series_id:
        markers.append(f"zzser{article.series_id}")
    if article.column_id:
        markers.append(f"zzcol{article.column_id}")
    markers += [f"zzkw{pk}" for pk in keyword_ids]
    return markers


_form, _content = itemgetter(0), itemgetter(1)  # of index_terms's (form, content) pairs


def build_document(article: Article, keyword_ids) -> SearchDocument:
    title_tokens = index_terms(" ".join(filter(None, [article.headline, article.subheadline])))
    body_tokens = index_terms(article.lead + "\n" + article.body_text)
    # map and filter over itemgetters: the counting and joining loops stay in C.
    terms = Counter(map(_form, filter(_content, body_tokens)))
    terms.update(map(_form, filter(_content, title_tokens)))
    return SearchDocument(
        article_id=article.pk,
        sort_key=sort_key(article.published_at, article.pk),
        title=" ".join(map(_form, title_tokens)),
        body=" ".join(map(_form, body_tokens)),
        facets=" ".join(facet_markers(article, keyword_ids)),
        terms=dict(terms),
        length=len(body_tokens) + len(title_tokens),
        analyzer_version=ANALYZER_VERSION,
    )


def _entry(document: SearchDocument) -> IndexEntry:
    return IndexEntry(document.sort_key, document.title, document.body, document.facets)


def update_term_stats(added: list[SearchDocument], removed: list[SearchDocument]) -> dict:
    """Apply document-frequency deltas in one statement, in a fixed order (no deadlocks
    between workers updating overlapping words). Returns the new frequencies of the
    words it changed (set_norms needs them: no second query)."""
    delta: Counter = Counter()
    for document in added:
        delta.update(document.terms.keys())
        delta.update(set(document.facets.split()))
    for document in removed:
        delta.subtract(document.terms.keys())
        delta.subtract(set(document.facets.split()))
    delta[TermStat.TOTAL] = len(added) - len(removed)
    rows = sorted((form, n) for form, n in delta.items() if n)
    if not rows:
        return {}
    table = TermStat._meta.db_table
    # The rows go as one parameter, unpacked by the database (an array pair, a JSON
    # object): a batch of 100 articles moves ~8,000 of them, which executemany binds one
    # by one at several times the cost.
    if connection.vendor == "postgresql":
        rows_from = "SELECT * FROM unnest(%s::text[], %s::int[])"
        params = [[form for form, _ in rows], [n for _, n in rows]]
    else:
        rows_from = "SELECT key, value FROM json_each(%s) WHERE true"
        params = [json.dumps(dict(rows), ensure_ascii=False)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (form, df) {rows_from} "
            f"ON CONFLICT (form) DO UPDATE SET df = {table}.df + excluded.df "
            "RETURNING form, df",
            params,
        )
        return dict(cursor.fetchall())


def document_frequencies(forms) -> tuple[dict[str, int], int]:
    """Document frequencies of words, and the number of indexed articles (one query)."""
    forms = [*{*forms}, TermStat.TOTAL]
    table = TermStat._meta.db_table
    found: dict[str, int] = {}
    with driver_cursor(connection) as cursor:
        for start in range(0, len(forms), 5000):
            chunk = forms[start : start + 5000]
            marks = ",".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT form, df FROM {table} WHERE form IN ({marks})", chunk)
            found.update(cursor.fetchall())
    return found, max(found.pop(TermStat.TOTAL, 0), 1)


def idf(df: int, total: int) -> float:
    return math.log(total / df) if df > 0 else 0.0


def term_weights(terms: dict[str, int], df: dict[str, int], total: int) -> dict[str, float]:
    """Each word's (1 + log tf) x idf: the weighting that ranks same-topic articles best
    (see docs/RECOMMENDATIONS.md; raw tf lost ten points of P@5)."""
    log = math.log
    return {form: (1 + log(tf)) * idf(df.get(form, 1), total) for form, tf in terms.items()}


def vector_length(terms: dict[str, int], df: dict[str, int], total: int) -> float:
    """The length of term_weights(terms, df, total), every form of ``terms`` in ``df``:
    the same figures in array arithmetic, three times faster than over the dict."""
    count = len(terms)
    frequencies = np.fromiter(map(df.__getitem__, terms), np.float64, count)
    idf = np.log(total / np.maximum(frequencies, 1))
    idf[frequencies <= 0] = 0.0
    weights = (1 + np.log(np.fromiter(terms.values(), np.float64, count))) * idf
    return math.sqrt(weights @ weights)


def set_norms(documents: list[SearchDocument], known: dict[str, int] | None = None) -> None:
    """Each document's vector length, by the current document frequencies (``known``:
    some of them already, as update_term_stats returns them)."""
    df = dict(known or {})
    total = df.pop(TermStat.TOTAL, None)
    missing = {f for d in documents for f in d.terms if f not in df}
    if missing or total is None:
        found, counted = document_frequencies(missing)
        df.update(found)
        df.update((form, 1) for form in missing - found.keys())  # as term_weights does
        total = counted if total is None else total
    total = max(total, 1)
    for document in documents:
        document.norm = vector_length(document.terms, df, total)


def index_articles(articles: list[Article]) -> int:
    """(Re)index visible articles and drop the others; returns how many are indexed."""
    engine = backend()
    visible = [a for a in articles if a.is_visible]
    keyword_ids: dict[int, list[int]] = {}
    through = Article.keywords.through.objects.filter(article_id__in=[a.pk for a in visible])
    for article_id, keyword_id in through.values_list("article_id", "keyword_id"):
        keyword_ids.setdefault(article_id, []).append(keyword_id)
    documents = [build_document(a, keyword_ids.get(a.pk, [])) for a in visible]
    with transaction.atomic():
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
    with transaction.atomic():
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
