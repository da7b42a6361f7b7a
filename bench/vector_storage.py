"""What a walk from the newest row down costs by how PostgreSQL stores the vectors.

The probe and share walks (backends.PostgresBackend) read the vectors of the newest
articles one row after another. This writes the vectors of the first corpus articles,
as indexing writes them (analysis.index_terms, backends._tsvector), into three scratch
tables that differ only in the vector column's storage, and times the share walk's
statement over each (median of ``--reps``, alternating the tables):

    .venv/bin/python bench/vector_storage.py --database-url postgres://postgres@127.0.0.1:5432/test

- ``extended``: PostgreSQL's default, compressed with pglz and moved out of line past
  ~2 KB (search_tsv's vectors);
- ``lz4``: the same with lz4 compression;
- ``main``: compressed but kept in the row (search_tsv_newest's).

The tables are dropped at the end.
"""

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "livedoor-news.jsonl.gz"
STORAGES = {  # (compression, storage); PostgreSQL 15 sets a column's storage by ALTER
    "extended": ("pglz", "EXTENDED"),
    "lz4": ("lz4", "EXTENDED"),
    "main": ("pglz", "MAIN"),
}


def vectors(corpus: Path, articles: int) -> list[tuple[int, str]]:
    from shinbun.search import analysis
    from shinbun.search.backends import IndexEntry, _tsvector

    out = []
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        for key, line in enumerate(lines):
            if key == articles:
                break
            record = json.loads(line)
            title, body = (
                " ".join(form for form, _ in analysis.index_terms(record[field]))
                for field in ("title", "body")
            )
            out.append((key, _tsvector(IndexEntry(key, title, body, ""))))
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--reps", type=int, default=15)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    import psycopg

    rows = vectors(Path(args.corpus), args.articles)
    walk = (
        "SELECT sort_key, tsv @@ '日本 & 政府'::tsquery FROM (SELECT sort_key, tsv "
        "FROM {table} ORDER BY sort_key DESC LIMIT %s) w WHERE tsv @@ '政府'::tsquery"
    )
    with psycopg.connect(args.database_url, autocommit=True) as db:
        for name, (compression, storage) in STORAGES.items():
            table = f"bench_vectors_{name}"
            db.execute(f"DROP TABLE IF EXISTS {table}")
            db.execute(
                f"CREATE TABLE {table} "
                f"(sort_key bigint PRIMARY KEY, tsv tsvector COMPRESSION {compression})"
            )
            db.execute(f"ALTER TABLE {table} ALTER COLUMN tsv SET STORAGE {storage}")
            with db.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO bench_vectors_{name} VALUES (%s, %s::tsvector)", rows
                )
            db.execute(f"VACUUM ANALYZE bench_vectors_{name}")
        times: dict[str, list[float]] = {name: [] for name in STORAGES}
        for _ in range(args.reps):
            for name in STORAGES:
                started = time.perf_counter()
                db.execute(walk.format(table=f"bench_vectors_{name}"), [len(rows)]).fetchall()
                times[name].append((time.perf_counter() - started) * 1000)
        for name in STORAGES:
            size = db.execute(
                f"SELECT pg_size_pretty(pg_relation_size('bench_vectors_{name}')), "
                f"pg_size_pretty(pg_total_relation_size('bench_vectors_{name}'))"
            ).fetchone()
            median = statistics.median(times[name])
            print(
                f"{name:9s} walk of {len(rows)} rows: median {median:.1f} ms"
                f" (table {size[0]}, with TOAST {size[1]})"
            )
            db.execute(f"DROP TABLE bench_vectors_{name}")


if __name__ == "__main__":
    main()
