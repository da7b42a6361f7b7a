"""Search documents as indexing writes them (its own INSERT, not the ORM's)."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from shinbun.search import indexing
from shinbun.search.models import SearchDocument


def test_written_documents_read_back_field_by_field(make, index):
    articles = [
        make.article(headline="東京都が予算案", lead="都は来年度の予算案を発表した。"),
        make.article(headline="Ｊリーグ開幕", lead='開幕戦は満員だった。\n\n"引用"と\\記号'),
    ]
    documents = indexing.build_documents(articles, {a.pk: [7, 8] for a in articles})
    documents[0].topic, documents[0].norm = b"\x00\x01\xff", 1.25
    before = timezone.now()
    SearchDocument.objects.filter(article_id__in=[a.pk for a in articles]).delete()
    indexing.insert_documents(documents)
    for document in documents:
        stored = SearchDocument.objects.get(pk=document.article_id)
        for field in SearchDocument._meta.concrete_fields:
            if field.name != "indexed_at":
                expected = getattr(document, field.attname)
                got = getattr(stored, field.attname)
                got = bytes(got) if isinstance(got, memoryview) else got
                assert got == expected, field.name
        assert before - datetime.timedelta(seconds=1) <= stored.indexed_at <= timezone.now()
    assert "東京" in SearchDocument.objects.get(pk=articles[0].pk).terms


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


def test_nothing_to_write_is_no_statement(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        indexing.insert_documents([])


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
        lengths = indexing.vector_lengths(documents, df, 100)
        for terms, length in zip(batch, lengths, strict=True):
            weights = indexing.term_weights(terms, df, 100).values()
            assert length == pytest.approx(math.sqrt(sum(w * w for w in weights)))
            assert (length > 0) == any(df[form] > 0 for form in terms)
