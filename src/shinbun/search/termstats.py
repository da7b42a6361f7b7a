"""Term statistics: how many indexed articles hold each word (TermStat's document
frequencies), and the (1 + log tf) x idf weights built on them.

Indexing keeps the frequencies in step; the engines plan queries and count a one-word
search's matches with them; 自動検索 weighs words with them. This module imports only
the search models, so every one of those can import it.
"""

import json
import math
from collections import Counter
from itertools import chain
from operator import itemgetter

import numpy as np
from django.db import connections, router

from shinbun.search.models import SearchDocument, TermStat


def counted_forms(document: SearchDocument) -> set[str]:
    """What TermStat counts a document under: every form of its title and body (content
    and grammatical words: exactly the articles a one-word search matches, so that
    count needs no query) and its facet markers."""
    forms = getattr(document, "forms", None)
    if forms is None:  # read from the database, or made by another indexer
        forms = document.forms = {*document.title.split(), *document.body.split()}
    forms.update(document.facets.split())  # in place: no copy of a set of ~400 forms
    return forms


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
    connection = connections[router.db_for_write(TermStat)]
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
        params = [json.dumps(delta, ensure_ascii=False)]
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
    with connections[router.db_for_read(TermStat)].cursor() as cursor:
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
