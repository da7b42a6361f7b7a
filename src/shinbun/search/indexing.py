"""Keeping the index in step with publishing: analyse once, store tokens, index them."""

import math
from collections import Counter
from datetime import datetime
from functools import cache
from itertools import chain
from operator import attrgetter, itemgetter

import numpy as np
import orjson
from django.db import connection, transaction
from django.utils import timezone

from shinbun.core.compiled import driver_cursor
from shinbun.newsroom.models import Article
from shinbun.search import topics
from shinbun.search.analysis import index_forms_many
from shinbun.search.backends import IndexEntry, backend
from shinbun.search.models import SearchDocument, TermStat

ANALYZER_VERSION = 2  # 2: words split by their context are joined again (国学院)
ID_SPACE = 10_000_000


def _dumps(value) -> str:
    """Compact JSON, text kept as written (the frequency upsert's rows, documents' terms),
    as json.dumps(value, ensure_ascii=False, separators=(",", ":")) writes it, in a
    fifth of its time (orjson; 0.1 ms an article)."""
    return orjson.dumps(value).decode()


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


def counted_forms(document: SearchDocument) -> set[str]:
    """What TermStat counts a document under: every form of its title and body (content
    and grammatical words: exactly the articles a one-word search matches, so that
    count needs no query) and its facet markers."""
    forms = getattr(document, "forms", None)
    if forms is None:  # read from the database, or made by another indexer
        forms = document.forms = {*document.title.split(), *document.body.split()}
    forms.update(document.facets.split())  # in place: no copy of a set of ~400 forms
    return forms


def _entry(document: SearchDocument) -> IndexEntry:
    return IndexEntry(document.sort_key, document.title, document.body, document.facets)


def update_term_stats(added: list[SearchDocument], removed: list[SearchDocument]) -> dict:
    """Apply document-frequency deltas in one statement. Returns the new frequencies of
    the words it changed (set_norms needs them: no second query)."""
    delta: Counter = Counter()
    for document in added:
        delta.update(counted_forms(document))
    if removed:
        for document in removed:
            delta.subtract(counted_forms(document))
        delta = Counter({form: n for form, n in delta.items() if n})
    delta[TermStat.TOTAL] = len(added) - len(removed)
    if len(delta) == 1 and not delta[TermStat.TOTAL]:
        return {}
    table = TermStat._meta.db_table
    # The rows go as one parameter, unpacked by the database (an array pair, a JSON
    # object): a batch of 100 articles moves ~8,000 of them, which executemany binds one
    # by one at several times the cost.
    if connection.vendor == "postgresql":
        # In a fixed order: no deadlocks between workers updating overlapping words.
        rows = sorted(delta.items())
        rows_from = "SELECT * FROM unnest(%s::text[], %s::int[])"
        params = [[form for form, _ in rows], [n for _, n in rows]]
    else:
        # SQLite lets one writer at a time update the whole database: any order will
        # do, and the JSON is written from the counter as it is (a third of the Python
        # time it took sorted).
        rows_from = "SELECT key, value FROM json_each(%s) WHERE true"
        params = [_dumps(delta)]
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


def vector_lengths(documents: list[SearchDocument], df: dict[str, int], total: int) -> list:
    """The length of term_weights(d.terms, df, total) of each document, every form of
    their terms in ``df``: the same figures in array arithmetic over the whole batch, a
    few array operations in all rather than a few for each document."""
    sizes = [len(d.terms) for d in documents]
    forms = [form for d in documents for form in d.terms]
    if not forms:
        return [0.0] * len(documents)
    # itemgetter reads every frequency in one call (a tuple; one form gives the value).
    frequencies = np.array(itemgetter(*forms)(df), np.float64, ndmin=1)
    counts = np.fromiter(chain.from_iterable(d.terms.values() for d in documents), np.float64)
    idf = np.log(total / np.maximum(frequencies, 1))
    idf[frequencies <= 0] = 0.0
    # A sum of squares, not a dot product: BLAS's woke OpenBLAS's threads, whose waiting
    # cost 0.6 % of indexing's instructions (callgrind).
    squares = np.square((1 + np.log(counts)) * idf)
    # The sums from where each document with terms starts to where the next one does.
    starts = np.cumsum([0, *sizes[:-1]])[np.array(sizes) > 0]
    sums = iter(np.add.reduceat(squares, starts).tolist())
    return [math.sqrt(next(sums)) if size else 0.0 for size in sizes]


def set_norms(documents: list[SearchDocument], known: dict[str, int] | None = None) -> None:
    """Each document's vector length, by the current document frequencies (``known``:
    some of them already, as update_term_stats returns them)."""
    df = dict(known or {})
    total = df.pop(TermStat.TOTAL, None)
    missing = set().union(*(d.terms.keys() for d in documents)) - df.keys()
    if missing or total is None:
        found, counted = document_frequencies(missing)
        df.update(found)
        df.update((form, 1) for form in missing - found.keys())  # as term_weights does
        total = counted if total is None else total
    norms = vector_lengths(documents, df, max(total, 1))
    for document, norm in zip(documents, norms, strict=True):
        document.norm = norm


# Columns written as the document holds them (numbers, text, bytes or None).
_PLAIN_COLUMNS = {
    "BigIntegerField",
    "FloatField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "TextField",
    "BinaryField",
}


@cache
def _document_insert(vendor: str) -> tuple[str, attrgetter]:
    """The INSERT for search documents on this kind of database and a getter of its
    plain values (every column but ``terms`` and ``indexed_at``, which follow them)."""
    fields = SearchDocument._meta.concrete_fields  # the key is the article's, not made
    plain = [f for f in fields if f.name not in ("terms", "indexed_at")]
    assert len(plain) == len(fields) - 2, "terms and indexed_at are written apart"
    for field in plain:
        assert field.get_internal_type() in _PLAIN_COLUMNS, f"convert {field.name}"
    columns = ", ".join(connection.ops.quote_name(f.column) for f in plain)
    json_mark = "%s::jsonb" if vendor == "postgresql" else "%s"
    sql = (
        f"INSERT INTO {SearchDocument._meta.db_table} ({columns}, terms, indexed_at) "
        f"VALUES ({', '.join(['%s'] * len(plain))}, {json_mark}, %s)"
    )
    return sql, attrgetter(*(f.attname for f in plain))


def insert_documents(documents: list[SearchDocument]) -> None:
    """SearchDocument.objects.bulk_create(documents), without the ORM's work on each
    field of each row (0.2M of indexing's ~19M instructions an article, callgrind): the
    values go to the driver as they are, ``terms`` as compact JSON."""
    if not documents:
        return
    sql, plain = _document_insert(connection.vendor)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [(*plain(d), _dumps(d.terms), now) for d in documents]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def index_articles(articles: list[Article]) -> int:
    """(Re)index visible articles and drop the others; returns how many are indexed."""
    engine = backend()
    visible = [a for a in articles if a.is_visible]
    keyword_ids: dict[int, list[int]] = {}
    through = Article.keywords.through.objects.filter(article_id__in=[a.pk for a in visible])
    for article_id, keyword_id in through.values_list("article_id", "keyword_id"):
        keyword_ids.setdefault(article_id, []).append(keyword_id)
    documents = build_documents(visible, keyword_ids)
    with transaction.atomic():
        old = list(SearchDocument.objects.filter(article_id__in=[a.pk for a in articles]))
        engine.remove([_entry(d) for d in old])
        SearchDocument.objects.filter(article_id__in=[d.article_id for d in old]).delete()
        set_norms(documents, update_term_stats(documents, old))
        topics.assign(documents)
        insert_documents(documents)
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
