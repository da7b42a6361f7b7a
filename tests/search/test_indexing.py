"""Search documents as indexing writes them (its own INSERT, not the ORM's)."""

import pytest
from django.db import connection

from shinbun.search import termstats
from shinbun.search.models import SearchDocument


def test_terms_are_stored_as_compact_json_without_escapes(make, index):
    article = make.article(headline="東京都が予算案", lead="都は予算案を発表した。")
    index(article)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT terms FROM {SearchDocument._meta.db_table} WHERE article_id = %s",
            [article.pk],
        )
        (stored,) = cursor.fetchone()
    text = stored if isinstance(stored, str) else str(stored)
    assert "東京" in text and "\\u" not in text


def test_vector_lengths_of_a_batch_are_those_of_each_documents_weights():
    """One array pass over a batch gives each document its own length, also around
    documents without terms (first, between, last) and for a single term."""
    import math
    from types import SimpleNamespace

    df = {"台風": 3, "円安": 40, "選挙": 0, "株価": 12}
    batches = [
        [{}, {"台風": 2, "円安": 1}, {}, {"選挙": 4, "株価": 1}, {}],
        [{"台風": 1}],
        [{}, {}],
        [{"株価": 3, "台風": 1}, {"円安": 7}],
    ]
    for batch in batches:
        documents = [SimpleNamespace(terms=terms) for terms in batch]
        lengths = termstats.vector_lengths(documents, df, 100)
        for terms, length in zip(batch, lengths, strict=True):
            weights = termstats.term_weights(terms, df, 100).values()
            assert length == pytest.approx(math.sqrt(sum(w * w for w in weights)))
            assert (length > 0) == any(df[form] > 0 for form in terms)
