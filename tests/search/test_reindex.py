"""`shinbun reindex`: rebuilds the index, resumes after an interruption, --restart."""

from io import StringIO

import pytest
from django.core.management import call_command

from shinbun.newsroom.models import Article
from shinbun.search import services
from shinbun.search.indexing import index_articles, rebuild_engine_index
from shinbun.search.management.commands import reindex
from shinbun.search.models import ReindexState, SearchDocument


@pytest.fixture
def unindexed(make):
    """Six published articles and a draft that the index does not know yet."""
    made = [make.article(headline=f"再構築の記事{n}") for n in range(6)]
    make.article(headline="再構築の下書き", status=Article.Status.DRAFT)
    return sorted(a.pk for a in made)


def found(q="再構築") -> set[int]:
    return {hit.article.pk for hit in services.search(q, limit=100).hits}


def run(*args) -> str:
    out = StringIO()
    call_command("reindex", *args, stdout=out, stderr=StringIO(), verbosity=0)
    return out.getvalue()


def test_reindex_rebuilds_the_index(unindexed):
    assert found() == set()
    assert "6 articles indexed" in run()
    assert found() == set(unindexed)
    assert services.search("再構築").count == 6
    assert SearchDocument.objects.count() == 6
    state = ReindexState.objects.get(name="articles")
    assert state.finished and state.last_article_id == Article.objects.latest("pk").pk


def test_reindex_twice_does_not_duplicate(unindexed):
    run()
    run()
    assert services.search("再構築").count == 6
    assert SearchDocument.objects.count() == 6


def test_reindex_drops_what_is_no_longer_visible(unindexed, index):
    index(*Article.objects.all())
    Article.objects.filter(pk=unindexed[0]).update(status=Article.Status.DRAFT)  # behind its back
    run()
    assert found() == set(unindexed[1:])
    assert services.search("再構築").count == 5


def test_interrupted_reindex_resumes_where_it_stopped(unindexed, monkeypatch):
    monkeypatch.setattr(reindex, "BATCH", 2)
    calls = []

    def interrupted(batch):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append([a.pk for a in batch])
        return index_articles(batch)

    monkeypatch.setattr(reindex, "index_articles", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run()
    done = unindexed[:4]
    assert found() == set(done)
    state = ReindexState.objects.get(name="articles")
    assert not state.finished and state.last_article_id == done[-1]

    resumed = []
    monkeypatch.setattr(
        reindex,
        "index_articles",
        lambda batch: resumed.extend(a.pk for a in batch) or index_articles(batch),
    )
    run()
    assert found() == set(unindexed)
    assert all(pk > done[-1] for pk in resumed)  # nothing done twice
    assert ReindexState.objects.get(name="articles").finished


def test_resumes_from_a_stored_position(unindexed):
    middle = unindexed[2]
    ReindexState.objects.create(name="articles", last_article_id=middle, finished=False)
    run()
    # Articles up to the stored position count as done; the rest are indexed.
    assert found() == {pk for pk in unindexed if pk > middle}
    assert ReindexState.objects.get(name="articles").finished


def test_restart_starts_from_the_first_article(unindexed):
    ReindexState.objects.create(name="articles", last_article_id=unindexed[2], finished=False)
    assert "6 articles indexed" in run("--restart")
    assert found() == set(unindexed)


def test_a_finished_reindex_runs_in_full_next_time(unindexed):
    run()
    SearchDocument.objects.all().delete()
    rebuild_engine_index()  # the engine's table follows the emptied documents
    assert found() == set()
    assert "6 articles indexed" in run()
    assert found() == set(unindexed)


def test_postgresql_indexes_with_rum_where_the_server_has_it(unindexed):
    """The README's install adds the RUM extension; the migration then builds the RUM
    index (ranking and phrases inside the index), and a rebuild keeps it."""
    from django.db import connection

    from shinbun.search.engines.postgres import uses_rum

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        available = cursor.fetchone() is not None
    assert uses_rum(connection.alias) is available
    run()
    uses_rum.cache_clear()
    assert uses_rum(connection.alias) is available
    assert found() == set(unindexed)
    ranked = services.search('"再構築の記事3"', sort="relevance").hits
    assert [hit.article.pk for hit in ranked] == [unindexed[3]]


def test_postgresql_vectors_move_out_of_the_documents_table(unindexed):
    """Migration 0010: an index built when the vectors were a column of
    search_searchdocument (with its RUM or GIN index) moves to search_tsv as it is."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection

    from shinbun.search.engines.postgres import uses_rum

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    run()
    method = "rum (tsv rum_tsvector_ops)" if uses_rum(connection.alias) else "gin (tsv)"
    with connection.cursor() as cursor:  # the layout before the migration
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before DDL
        cursor.execute("ALTER TABLE search_searchdocument ADD COLUMN tsv tsvector")
        cursor.execute(
            "UPDATE search_searchdocument d SET tsv = t.tsv FROM search_tsv t "
            "WHERE t.sort_key = d.sort_key"
        )
        cursor.execute("DROP TABLE search_tsv")
        name = "search_tsv_rum" if uses_rum(connection.alias) else "search_tsv_gin"
        cursor.execute(f"CREATE INDEX {name} ON search_searchdocument USING {method}")
    migration = importlib.import_module("shinbun.search.migrations.0010_vectors_table")
    migration.move(None, SimpleNamespace(connection=connection))
    uses_rum.cache_clear()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'search_searchdocument' AND column_name = 'tsv'"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT tablename FROM pg_indexes WHERE indexname = %s", [name])
        assert cursor.fetchone()[0] == "search_tsv"
    assert found() == set(unindexed)
