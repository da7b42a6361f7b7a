"""Quality of こちらもおすすめ(自動検索) on the real corpus, through the production code.

Imports ../shared/corpus/livedoor-news.jsonl.gz into a fresh SQLite database (or the
one at --data), computes every article's recommendations with
shinbun.search.recommend, and reports P@5 (share of the 5 from the article's own
category, averaged over all articles; categories are used only for this score), how
many lists hold a near-duplicate pair, and the time per article.

    .venv/bin/python bench/recommend_eval.py [--data /tmp/reco-eval] [--limit N]
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "livedoor-news.jsonl.gz"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/tmp/shinbun-reco-eval")
    parser.add_argument("--corpus", default=str(CORPUS))
    parser.add_argument("--limit", type=int, default=0, help="evaluate a seeded sample of N")
    args = parser.parse_args()
    os.environ["SHINBUN_DATA_DIR"] = args.data
    os.environ.setdefault("SHINBUN_DEMO", "true")
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shinbun.settings")
    django.setup()
    from django.core.management import call_command

    from shinbun.newsroom.models import Article
    from shinbun.search import recommend
    from shinbun.search.models import SearchDocument

    call_command("migrate", verbosity=0)
    from shinbun.search.termstats import set_norms

    stale = list(SearchDocument.objects.filter(norm=0))
    for start in range(0, len(stale), 500):
        set_norms(stale[start : start + 500])
        SearchDocument.objects.bulk_update(stale[start : start + 500], ["norm"])
    if not Article.objects.exists():
        started = time.perf_counter()
        call_command("import_articles", args.corpus, verbosity=0)
        print(f"import + index: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    category = dict(Article.objects.values_list("pk", "section__slug"))
    ids = sorted(category)
    if args.limit:
        ids = sorted(random.Random(1).sample(ids, args.limit))
    precisions, timings, duplicate_lists, short = [], [], 0, 0
    documents = {}
    for article_id in ids:
        started = time.perf_counter()
        picks = recommend.recommend(article_id)
        timings.append(time.perf_counter() - started)
        if len(picks) < recommend.COUNT:
            short += 1
        same = sum(category[p.article_id] == category[article_id] for p in picks)
        precisions.append(same / recommend.COUNT)
        for pk in [article_id, *(p.article_id for p in picks)]:
            if pk not in documents:
                documents[pk] = SearchDocument.objects.get(pk=pk)
        if _has_near_duplicates([documents[article_id], *(documents[p.article_id] for p in picks)]):
            duplicate_lists += 1
    timings.sort()
    print(f"articles evaluated: {len(ids)}")
    print(f"P@5: {statistics.mean(precisions):.4f}")
    print(f"lists shorter than 5: {short}")
    print(
        "lists with a near-duplicate pair, the article included ((1 + log tf) x idf "
        f"cosine >= {recommend.NEAR_DUPLICATE} or Jaccard of {recommend.SHINGLE}-word "
        f"shingles >= {recommend.SHINGLE_DUPLICATE}): {duplicate_lists}"
    )
    print(
        f"time per article: p50 {timings[len(timings) // 2] * 1000:.1f} ms, "
        f"p95 {timings[int(len(timings) * 0.95)] * 1000:.1f} ms"
    )
    return 0


def _has_near_duplicates(documents) -> bool:
    """Whether any two of the article and its picks are near-duplicates by either rule."""
    from shinbun.search.recommend import (
        NEAR_DUPLICATE,
        SHINGLE_DUPLICATE,
        cosine,
        jaccard,
        shingles,
    )
    from shinbun.search.termstats import document_frequencies, term_weights

    df, total = document_frequencies(f for d in documents for f in d.terms)
    vectors = [term_weights(d.terms, df, total) for d in documents]
    texts = [shingles(d.title, d.body, d.terms) for d in documents]
    return any(
        cosine(vectors[i], vectors[j]) >= NEAR_DUPLICATE
        or jaccard(texts[i], texts[j]) >= SHINGLE_DUPLICATE
        for i in range(len(documents))
        for j in range(i + 1, len(documents))
    )


if __name__ == "__main__":
    sys.exit(main())
