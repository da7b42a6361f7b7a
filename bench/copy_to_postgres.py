"""Copy a SQLite bench database (made by bench/generate.py) into PostgreSQL.

Generating straight into PostgreSQL ran at 43-58 articles/s here (every batch updates
the vectors under a live RUM index), which is five hours for 1,000,000 articles. This
copies the same articles, index rows and topic vectors with COPY instead, with the
search index dropped during the load and built once at the end, so both databases hold
the same archive and their figures compare directly:

    .venv/bin/python bench/copy_to_postgres.py --data var/bench/sqlite-1m \\
        --database-url postgres://postgres@127.0.0.1:5432/shinbun_bench_1m

The target database is created if missing and migrated; the bench tables are emptied
first. ``--articles N`` copies only the first N articles (by id: the generator spreads
them over the whole period), e.g. a 100,000-article copy of a 1,000,000 archive for
experiments; TermStat is then the full archive's, which only recommendations read.
Each document's tsvector is written from its stored tokens by the backend's own
``tsvector`` (what indexing writes), so the engine's index matches the SQLite one.
"""

import argparse
import os
import secrets
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# In the order their foreign keys need; the search documents and the engine's rows last.
ENGINE_TABLE = "search_tsv"  # engines.postgres.PostgresEngine.table
TABLES = [
    "newsroom_section",
    "newsroom_series",
    "newsroom_column",
    "newsroom_keyword",
    "newsroom_article",
    "newsroom_article_keywords",
    "search_termstat",
    "search_topicmodel",
    "search_searchdocument",
    ENGINE_TABLE,
]


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shinbun.settings")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def create_database(database_url: str) -> None:
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            admin.execute(f'CREATE DATABASE "{name}"')


def columns_of(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


# The column that ties a row to an article, for --articles.
ARTICLE_COLUMN = {
    "newsroom_article": "id",
    "newsroom_article_keywords": "article_id",
    "search_searchdocument": "article_id",
    ENGINE_TABLE: "article_id",  # read from the documents
}


def source_rows(source, cursor, table: str, articles: int):
    """(the target's column names, the rows to copy) of one table. The engine's rows
    are written from the documents' tokens by the engine's own ``tsvector``."""
    from shinbun.search.engine import IndexEntry
    from shinbun.search.engines.postgres import tsvector

    where = (
        f"WHERE {ARTICLE_COLUMN[table]} <= {articles}"
        if articles and table in ARTICLE_COLUMN
        else ""
    )
    if table == ENGINE_TABLE:
        rows = source.execute(
            f"SELECT sort_key, title, body, facets FROM search_searchdocument {where} "
            "ORDER BY rowid"
        )
        vectors = (
            (key, tsvector(IndexEntry(key, title, body, facets)))
            for key, title, body, facets in rows
        )
        return "sort_key, tsv", vectors
    have = {row[1] for row in source.execute(f'PRAGMA table_info("{table}")')}
    columns = [c for c in columns_of(cursor, table) if c in have]
    rows = source.execute(f'SELECT {", ".join(columns)} FROM "{table}" {where} ORDER BY rowid')
    return ", ".join(f'"{c}"' for c in columns), rows


def copy_table(source, cursor, table: str, report_every: int, articles: int) -> int:
    names, rows = source_rows(source, cursor, table, articles)
    done, started = 0, time.perf_counter()
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            done += 1
            if done % report_every == 0:
                rate = done / (time.perf_counter() - started)
                print(f"  {table}: {done} rows ({rate:.0f}/s)", flush=True)
    return done


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="the SQLite bench data folder")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--report-every", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=0, help="copy only the first N")
    args = parser.parse_args(argv)
    source_path = Path(args.data) / "shinbun.sqlite3"
    if not source_path.exists():
        parser.error(f"no database at {source_path}")
    create_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection, transaction

    from shinbun.search.backends import backend

    started = time.perf_counter()
    call_command("migrate", "--noinput", verbosity=0)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    engine = backend()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")  # SQLite holds naive UTC times
        cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
        engine.drop(cursor)  # the vectors' table and index: the index built after the load
        engine.create_table(cursor)
        for table in TABLES:
            t0 = time.perf_counter()
            n = copy_table(source, cursor, table, args.report_every, args.articles)
            print(f"{table}: {n} rows in {time.perf_counter() - t0:.1f}s", flush=True)
            if "id" in columns_of(cursor, table):
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)",
                    [table],
                )
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        engine.create(cursor)
    print(f"search index built in {time.perf_counter() - t0:.1f}s", flush=True)
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"VACUUM ANALYZE {time.perf_counter() - t0:.1f}s")
    print(f"total {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
