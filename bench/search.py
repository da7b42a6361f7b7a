"""Search benchmark (issue 4, "Speed"): our search layer next to the raw engine query.

    .venv/bin/python bench/search.py --data var/bench/sqlite-1m
    .venv/bin/python bench/search.py \\
        --database-url postgres://postgres@127.0.0.1:5432/shinbun_bench_1m --label pg-1m
    .venv/bin/python bench/search.py --data var/bench/sqlite-1m --only indexing
    .venv/bin/python bench/search.py --data var/bench/sqlite-1m --only recommend

The database must hold an index (``bench/generate.py --index``). Three parts:

- **search**: query classes chosen from the index itself (TermStat and stored tokens,
  deterministic): 1-word rare, 1-word common (a word in > 30 % of articles), 2-word
  and phrase ("a b", consecutive words), each sorted newest and relevance. Each
  (query, sort) is timed, interleaved in one loop, as (a) our layer,
  ``services.search(q, sort=..., snippets=False)`` and with ``snippets=True``, also
  as a first-time query (``layer_first``: the process's remembered query analyses
  forgotten just before; the other layer timings find the query's analysis remembered
  from the warm pass, as SQLite's pages are), and (b)
  the raw engine query alone: the page query our backend sends, without the count and
  the relevance window, and (c) the raw answer: that page query, the count (stopped at
  10,001 as ours) and the page's articles (by the ids the keys were made from, as our
  layer reads them), in plain SQL — what the API answers, without our planning, ORM
  and objects (SQLite: ``SELECT rowid FROM search_fts WHERE search_fts MATCH
  ? ORDER BY rowid DESC LIMIT 20`` or ``ORDER BY bm25(...)``; PostgreSQL: the same on
  the tsvector, ranked as the backend ranks: RUM's ``<=>`` or ``ts_rank_cd``).
  Parsing happens outside the raw timing. After a warm
  pass, every class gets --reps timings per sort (e.g. 200 over 20 queries); --runs
  whole runs are made and the median of their p50/p95 is reported.
- **indexing**: analysis + indexing throughput with ``indexing.index_articles`` on real
  corpus articles imported into a scratch SQLite database (or a scratch PostgreSQL
  database given with --scratch-url), in batches of --index-batch, one process (one
  core), next to our analysis alone and SudachiPy alone on the same text, in
  --index-rounds interleaved rounds; the medians of the rounds' figures and of their
  ratios (indexing ÷ SudachiPy) are reported.
- **recommend**: ``recommend.recommend(article_id)`` for --recommend-articles articles
  spread over the archive, two passes (the first touches cold pages), p50/p95.

Results go to bench/results/<time>-search-<label>/ (gitignored) as JSON and markdown.
"""

import argparse
import json
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "livedoor-news.jsonl.gz"
SORTS = ("newest", "relevance")
KINDS = ("layer", "layer_first", "layer_snippets", "raw", "raw_answer")


def setup_django(data: str | None, database_url: str | None) -> None:
    if data:
        os.environ["SHINBUN_DATA_DIR"] = str(Path(data).resolve())
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shinbun.settings")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


# --- queries -------------------------------------------------------------------------


def _single_token(form: str) -> bool:
    """Whether the form is one content word on its own (TermStat counts grammatical
    words too; the classes are of content words, as before it did)."""
    from shinbun.search.analysis import analyze

    return [(t.form, t.content) for t in analyze(form)] == [(form, True)]


def _wordlike(form: str) -> bool:
    """Two or more characters, not a number or Latin, and not a grammatical word alone
    (TermStat counts those too; the classes leave them out)."""
    from shinbun.search.analysis import analyze

    if len(form) < 2 or form.isdigit() or form.isascii():
        return False
    return [t.content for t in analyze(form)] != [False]


def choose_queries(per_class: int, seed: int) -> dict[str, list[str]]:
    """Deterministic query sets from the index's own statistics."""
    from shinbun.search.models import SearchDocument, TermStat

    total = TermStat.objects.get(form=TermStat.TOTAL).df
    rng = random.Random(seed)
    stats = [
        (form, df)
        for form, df in TermStat.objects.exclude(form=TermStat.TOTAL)
        .filter(df__gte=max(2, total // 2000))
        .values_list("form", "df")
        if _wordlike(form)
    ]
    stats.sort(key=lambda item: (-item[1], item[0]))
    common = [(f, df) for f, df in stats if df > 0.3 * total]
    if len(common) < per_class:  # too few over 30 %: take the most frequent words
        common = stats[: per_class * 2]
    common = [(f, df) for f, df in common if _single_token(f)][:per_class]
    rare_pool = [f for f, df in stats if total * 0.0005 <= df <= total * 0.002]
    rare = rng.sample(rare_pool, min(len(rare_pool), per_class * 3))
    rare = [f for f in rare if _single_token(f)][:per_class]
    mid_pool = [f for f, df in stats if 0.02 * total <= df <= 0.3 * total and _single_token(f)]
    two = []
    for i in range(per_class):
        # Half: a common word and a mid-frequency one; half: two mid-frequency words.
        first = common[i % len(common)][0] if i % 2 == 0 else rng.choice(mid_pool)
        second = rng.choice(mid_pool)
        if second != first:
            two.append(f"{first} {second}")
    # Phrases: the most frequent pairs of consecutive content-bearing forms, taken from
    # the stored tokens of a sample of documents.
    pairs: Counter = Counter()
    wordlike = {f for f, _ in stats}
    sample = SearchDocument.objects.order_by("-sort_key").values_list("body", flat=True)[:1500]
    for body in sample:
        forms = body.split()
        for a, b in zip(forms, forms[1:], strict=False):
            if a in wordlike and b in wordlike and a != b:
                pairs[(a, b)] += 1
    phrases = []
    from shinbun.search.query import parse_query

    for (a, b), _ in pairs.most_common(per_class * 4):
        query = f'"{a}{b}"'
        if parse_query(query).include == [(a, b)]:
            phrases.append(query)
        if len(phrases) == per_class:
            break
    return {
        "rare1": rare,
        "common1": [f for f, _ in common],
        "two_words": two,
        "phrase": phrases,
    }


# --- raw engine queries ------------------------------------------------------------


def raw_runner():
    """A function (query string, sort) -> callable timing only the engine's page query."""
    from django.db import connection
    from django.utils import timezone

    from shinbun.search.backends import backend
    from shinbun.search.engine import BODY_WEIGHT, COUNT_CAP, TITLE_WEIGHT
    from shinbun.search.engines.postgres import uses_rum
    from shinbun.search.indexing import article_id_of
    from shinbun.search.query import parse_query

    engine = backend()
    postgres = connection.vendor == "postgresql"
    key = engine.key
    # The engine's own match condition, one parameter: the query expression.
    matched, _ = engine.condition(parse_query("試験"))
    matching = f"SELECT {key} FROM {engine.table} WHERE {matched} "
    newest = matching + f"ORDER BY {key} DESC LIMIT 20"
    if postgres:  # the backend's ranking: RUM's distance, or ts_rank_cd with GIN
        rank = f"{engine.rank}{'' if uses_rum(connection.alias) else ', sort_key DESC'}"
    else:
        rank = f"bm25(search_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}, 0.0), rowid DESC"
    relevance = matching + f"ORDER BY {rank} LIMIT 20"
    # What the API answers, written by hand: the count (stopped where ours stops) and
    # the page's articles with what a result shows (the API's summary).
    count = (
        f"SELECT count(*) FROM (SELECT 1 FROM {engine.table} WHERE {matched} "
        f"LIMIT {COUNT_CAP + 1}) t"
    )
    # By the ids the keys were made from, as services._articles reads them (through the
    # documents, the raw answer read pages our layer no longer reads, so it ran colder).
    articles = (
        "SELECT a.id, a.headline, a.subheadline, a.lead, a.published_at, a.updated_at, "
        "a.access, s.slug, s.name "
        "FROM newsroom_article a JOIN newsroom_section s ON s.id = a.section_id "
        "WHERE a.id IN ({}) AND a.status IN ('published', 'scheduled') "
        "AND a.published_at <= %s"
    )

    def prepare(raw: str, sort: str, answer: bool = False):
        expression = engine.expression(parse_query(raw))
        sql = newest if sort == "newest" else relevance
        twice = postgres and sort != "newest"  # RUM's and ts_rank_cd's rank take it again
        params = [expression, expression] if twice else [expression]

        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                keys = [row[0] for row in cursor.fetchall()]
                if answer:
                    cursor.execute(count, [expression])
                    cursor.fetchone()
                    if keys:
                        placeholders = ", ".join(["%s"] * len(keys))
                        ids = [article_id_of(key) for key in keys]
                        cursor.execute(articles.format(placeholders), [*ids, timezone.now()])
                        cursor.fetchall()
                return len(keys)

        return run

    return prepare


def count_matches(queries: dict[str, list[str]]) -> dict[str, list[int]]:
    from django.db import connection

    from shinbun.search.backends import backend
    from shinbun.search.query import parse_query

    engine = backend()
    out = {}
    with connection.cursor() as cursor:
        for name, items in queries.items():
            out[name] = []
            for raw in items:
                matched, params = engine.condition(parse_query(raw))
                cursor.execute(f"SELECT count(*) FROM {engine.table} WHERE {matched}", params)
                out[name].append(cursor.fetchone()[0])
    return out


def search_run(queries: dict[str, list[str]], reps: int, seed: int) -> dict:
    from shinbun.search import query as query_module
    from shinbun.search.services import search

    # An older checkout in an A/B run may remember no query.
    remembered = getattr(query_module, "_parsed", None)
    forget_queries = remembered.cache_clear if remembered else lambda: None

    prepare = raw_runner()
    raws = {
        (c, q, s, answer): prepare(q, s, answer)
        for c in queries
        for q in queries[c]
        for s in SORTS
        for answer in (False, True)
    }

    def timed(kind, cls, raw, sort) -> tuple[float, float]:
        """Wall and this process's CPU milliseconds (with SQLite, the CPU time is the
        whole cost and hardly depends on other load on the machine)."""
        if kind == "layer_first":  # as a query no reader asked before in this process
            forget_queries()
        c0, t0 = time.process_time(), time.perf_counter()
        if kind.startswith("raw"):
            raws[(cls, raw, sort, kind == "raw_answer")]()
        else:
            search(raw, sort=sort, snippets=kind == "layer_snippets")
        return (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000

    # Warm: every query once in every way.
    for cls in queries:
        for raw in queries[cls]:
            for sort in SORTS:
                for kind in KINDS:
                    timed(kind, cls, raw, sort)
    rng = random.Random(seed)
    samples = {(c, s, k): [] for c in queries for s in SORTS for k in KINDS}
    plan = []
    for cls in queries:
        items = queries[cls]
        for i in range(reps):
            for sort in SORTS:
                plan.append((cls, items[i % len(items)], sort))
    rng.shuffle(plan)
    for cls, raw, sort in plan:
        kinds = list(KINDS)
        rng.shuffle(kinds)  # no kind always runs right after another's cache warm-up
        for kind in kinds:
            samples[(cls, sort, kind)].append(timed(kind, cls, raw, sort))
    out = {}
    for (cls, sort, kind), values in samples.items():
        wall = [w for w, _ in values]
        cpu = [c for _, c in values]
        out[f"{cls}/{sort}/{kind}"] = {
            "p50": percentile(wall, 50),
            "p95": percentile(wall, 95),
            "cpu_p50": percentile(cpu, 50),
            "cpu_p95": percentile(cpu, 95),
            "n": len(values),
        }
    return out


# --- indexing throughput -------------------------------------------------------------


def import_corpus(corpus: Path, articles: int) -> None:
    """The first corpus records as articles (bulk, no signals, not indexed), once."""
    from django.core.management import call_command

    from shinbun.newsroom.body import parse_body
    from shinbun.newsroom.import_formats import read_jsonl
    from shinbun.newsroom.importing import _apply, _section
    from shinbun.newsroom.models import Article

    call_command("migrate", "--noinput", verbosity=0)
    if not Article.objects.exists():
        sections, rows = {}, []
        for _, record in read_jsonl(corpus):
            if hasattr(record, "external_id"):
                article = Article(external_id=record.external_id, access=Article.Access.FREE)
                _apply(article, record, _section(record, sections))
                article.blocks = parse_body(article.body_source)
                rows.append(article)
            if len(rows) == articles:
                break
        Article.objects.bulk_create(rows, batch_size=500)


def indexing_run(corpus: Path, articles: int, batch: int, rounds: int) -> dict:
    """Import corpus records (bulk, no signals) and time index_articles on them, next to
    SudachiPy alone on the same text, round after round (the machine's speed drifts:
    each round's ratios compare runs a few seconds apart)."""
    from django.db import connection
    from sudachipy import Dictionary, SplitMode

    from shinbun.newsroom.models import Article
    from shinbun.search import indexing
    from shinbun.search.analysis import index_forms_many, index_terms
    from shinbun.search.indexing import article_texts
    from shinbun.search.models import SearchDocument, TermStat

    import_corpus(corpus, articles)
    index_terms("ウォームアップ")  # the dictionary loads once per process, outside the timing
    loaded = list(Article.objects.order_by("pk")[:articles])
    texts = [text for a in loaded for text in article_texts(a)]
    chars = sum(map(len, texts))
    # SudachiPy alone as installed (default settings; tokenize, no attribute read), the
    # issue's reference figure: in split mode A, which analysis uses, and in the default
    # mode C (bench/instructions.py --part sudachi, sudachi-c count the same).
    dictionary = Dictionary(dict="core")
    tokenizers = {"a": dictionary.tokenizer(mode=SplitMode.A)}
    tokenizers["c"] = dictionary.tokenizer(mode=SplitMode.C)

    def index():
        SearchDocument.objects.all().delete()
        indexing.backend().clear()
        TermStat.objects.all().delete()
        for start in range(0, len(loaded), batch):
            indexing.index_articles(loaded[start : start + batch])

    def analysis():  # the analysis indexing runs, alone, on the same text
        for _ in index_forms_many(map(article_texts, loaded)):
            pass

    def sudachi(tokenizer):
        for text in texts:
            tokenizer.tokenize(text)

    steps = {"indexing": index, "analysis": analysis}
    for name, tokenizer in tokenizers.items():
        tokenizer.tokenize("ウォームアップ")
        steps[f"sudachi_{name}"] = lambda tokenizer=tokenizer: sudachi(tokenizer)
    timings = []
    names = list(steps)
    for round_ in range(rounds):
        timing = {}
        # Each round runs the steps in another order: a step runs faster after a
        # similar one (Sudachi's data is still in the processor's caches), so none
        # always follows the same.
        for name in random.Random(round_).sample(names, len(names)):
            step = steps[name]
            wall0, cpu0 = time.perf_counter(), time.process_time()
            step()
            timing[name] = time.process_time() - cpu0
            timing[f"{name}_wall"] = time.perf_counter() - wall0
        timings.append(timing)

    median = statistics.median
    per_s = {name: median(len(loaded) / t[name] for t in timings) for name in steps}
    ratios = {
        f"{step}_to_sudachi_{mode}": median(t[f"sudachi_{mode}"] / t[step] for t in timings)
        for step in ("indexing", "analysis")
        for mode in tokenizers
    }
    return {
        "vendor": connection.vendor,
        "articles": len(loaded),
        "chars_per_article": chars / len(loaded),
        "batch": batch,
        "rounds": timings,
        "articles_per_s_wall": median(len(loaded) / t["indexing_wall"] for t in timings),
        "articles_per_cpu_s": per_s["indexing"],
        "analysis_only_articles_per_cpu_s": per_s["analysis"],
        "sudachi_mode_a_articles_per_cpu_s": per_s["sudachi_a"],
        "sudachi_mode_c_articles_per_cpu_s": per_s["sudachi_c"],
        "ratios": ratios,
    }


# --- recommendations ---------------------------------------------------------------


def recommend_run(n: int, seed: int) -> dict:
    from shinbun.search.models import SearchDocument
    from shinbun.search.recommend import recommend

    total = SearchDocument.objects.count()
    rng = random.Random(seed)
    positions = sorted(rng.sample(range(total), min(n, total)))
    ids = []
    for position in positions:  # spread over the archive, by time order
        ids.append(
            SearchDocument.objects.order_by("sort_key").values_list("article_id", flat=True)[
                position
            ]
        )
    passes = []
    for _ in range(2):
        times, cpu = [], []
        for article_id in ids:
            c0, t0 = time.process_time(), time.perf_counter()
            picks = recommend(article_id)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            assert all(p.article_id != article_id for p in picks)
        passes.append(
            {
                "p50": percentile(times, 50),
                "p95": percentile(times, 95),
                "max": max(times),
                "cpu_p50": percentile(cpu, 50),
                "cpu_p95": percentile(cpu, 95),
            }
        )
    return {"articles": len(ids), "documents": total, "passes": passes}


# --- report -----------------------------------------------------------------------------


def median_of_runs(runs: list[dict]) -> dict:
    keys = runs[0].keys()
    return {
        key: {
            **{
                stat: statistics.median(r[key][stat] for r in runs)
                for stat in ("p50", "p95", "cpu_p50", "cpu_p95")
            },
            "p95_runs": [round(r[key]["p95"], 2) for r in runs],
        }
        for key in keys
    }


def markdown(report: dict) -> str:
    lines = [f"## {report['label']} ({report['vendor']}, {report.get('documents', '?')} docs)"]
    lines.append(f"load: {report['loadavg_before']} -> {report['loadavg_after']}")
    if "search" in report:
        med = report["search"]["median"]
        lines += [
            "",
            "wall ms (CPU ms of this process in brackets)",
            "",
            "| class | sort | matches (median) | raw p50 | raw p95 | raw answer p50 "
            "| raw answer p95 | layer p50 | layer p95 | +snippets p95 | layer/raw p95 "
            "| layer/raw answer p50 | layer/raw answer p95 | p95 runs (layer) "
            "| first-time layer p50 | first-time layer p95 | first-time/raw answer p50 "
            "| first-time/raw answer p95 |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
            "| ---: | --- | ---: | ---: | ---: | ---: |",
        ]
        for cls in report["search"]["queries"]:
            matches = int(statistics.median(report["search"]["matches"][cls]))
            for sort in SORTS:
                raw = med[f"{cls}/{sort}/raw"]
                answer = med[f"{cls}/{sort}/raw_answer"]
                layer = med[f"{cls}/{sort}/layer"]
                snip = med[f"{cls}/{sort}/layer_snippets"]
                first = med[f"{cls}/{sort}/layer_first"]
                lines.append(
                    f"| {cls} | {sort} | {matches:,} "
                    f"| {raw['p50']:.2f} ({raw['cpu_p50']:.2f}) "
                    f"| {raw['p95']:.2f} ({raw['cpu_p95']:.2f}) "
                    f"| {answer['p50']:.2f} ({answer['cpu_p50']:.2f}) "
                    f"| {answer['p95']:.2f} ({answer['cpu_p95']:.2f}) "
                    f"| {layer['p50']:.2f} ({layer['cpu_p50']:.2f}) "
                    f"| {layer['p95']:.2f} ({layer['cpu_p95']:.2f}) "
                    f"| {snip['p95']:.2f} ({snip['cpu_p95']:.2f}) "
                    f"| {layer['p95'] / raw['p95']:.2f} | {layer['p50'] / answer['p50']:.2f} "
                    f"| {layer['p95'] / answer['p95']:.2f} "
                    f"| {layer['p95_runs']} "
                    f"| {first['p50']:.2f} ({first['cpu_p50']:.2f}) "
                    f"| {first['p95']:.2f} ({first['cpu_p95']:.2f}) "
                    f"| {first['p50'] / answer['p50']:.2f} | {first['p95'] / answer['p95']:.2f} |"
                )
    if "indexing" in report:
        ix = report["indexing"]
        lines += [
            "",
            f"indexing: {ix['articles']} corpus articles ({ix['chars_per_article']:.0f} chars), "
            f"{ix['articles_per_cpu_s']:.0f} articles per CPU-second, "
            f"{ix['articles_per_s_wall']:.0f}/s wall; analysis alone "
            f"{ix['analysis_only_articles_per_cpu_s']:.0f}/CPU-s, SudachiPy tokenize alone "
            f"(default settings) {ix['sudachi_mode_a_articles_per_cpu_s']:.0f}/CPU-s in mode A, "
            f"{ix['sudachi_mode_c_articles_per_cpu_s']:.0f}/CPU-s in mode C "
            f"(medians of {len(ix['rounds'])} rounds)",
            "indexing ÷ SudachiPy, median of the rounds' ratios: "
            f"{ix['ratios']['indexing_to_sudachi_c']:.3f} against mode C, "
            f"{ix['ratios']['indexing_to_sudachi_a']:.3f} against mode A "
            f"(analysis alone: {ix['ratios']['analysis_to_sudachi_c']:.3f}, "
            f"{ix['ratios']['analysis_to_sudachi_a']:.3f}); 300/425 = 0.706 needed",
        ]
    if "recommend" in report:
        rc = report["recommend"]
        for i, p in enumerate(rc["passes"]):
            lines.append(
                f"recommend pass {i + 1} ({rc['articles']} articles of {rc['documents']}): "
                f"p50 {p['p50']:.1f} ms, p95 {p['p95']:.1f} ms, max {p['max']:.1f} ms "
                f"(CPU of this process: p50 {p['cpu_p50']:.1f} ms, p95 {p['cpu_p95']:.1f} ms)"
            )
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="SQLite data folder (sets SHINBUN_DATA_DIR)")
    parser.add_argument("--database-url", help="database URL (sets DATABASE_URL)")
    parser.add_argument("--label", help="name of this run (default: the data folder's)")
    parser.add_argument("--only", choices=("search", "indexing", "recommend"), action="append")
    parser.add_argument("--per-class", type=int, default=20, help="queries per class")
    parser.add_argument(
        "--classes",
        nargs="+",
        choices=("rare1", "common1", "two_words", "phrase"),
        help="time only these query classes",
    )
    parser.add_argument("--reps", type=int, default=200, help="timings per class and sort")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--index-articles", type=int, default=2000)
    parser.add_argument("--index-batch", type=int, default=100)
    parser.add_argument("--index-rounds", type=int, default=5)
    parser.add_argument(
        "--scratch-url", help="scratch PostgreSQL database for the indexing part (emptied)"
    )
    parser.add_argument("--recommend-articles", type=int, default=100)
    args = parser.parse_args(argv)
    parts = args.only or ["search", "recommend"]
    label = args.label or Path(args.data or "db").name
    report: dict = {"label": label, "loadavg_before": [round(x, 2) for x in os.getloadavg()]}
    report["started"] = datetime.now().isoformat(timespec="seconds")

    scratch = None
    if parts == ["indexing"]:
        # A scratch database, never the benchmark's.
        if args.scratch_url:
            setup_django(None, args.scratch_url)
        else:
            scratch = tempfile.mkdtemp(prefix="shinbun-index-bench-")
            setup_django(scratch, None)
    else:
        if "indexing" in parts:
            parser.error("run --only indexing on its own (it uses a scratch database)")
        setup_django(args.data, args.database_url)
    from django.db import connection

    report["vendor"] = connection.vendor
    if "search" in parts or "recommend" in parts:
        from shinbun.search.models import SearchDocument

        report["documents"] = SearchDocument.objects.count()
    try:
        if "search" in parts:
            t0 = time.perf_counter()
            queries = choose_queries(args.per_class, args.seed)
            if args.classes:
                queries = {cls: queries[cls] for cls in args.classes}
            print(f"queries chosen in {time.perf_counter() - t0:.1f}s", flush=True)
            for cls, items in queries.items():
                print(f"  {cls}: {items}", flush=True)
            report["search"] = {"queries": queries, "matches": count_matches(queries)}
            runs = []
            for run in range(args.runs):
                t0 = time.perf_counter()
                runs.append(search_run(queries, args.reps, args.seed + run))
                print(f"search run {run + 1}: {time.perf_counter() - t0:.1f}s", flush=True)
            report["search"]["runs"] = runs
            report["search"]["median"] = median_of_runs(runs)
        if "indexing" in parts:
            report["indexing"] = indexing_run(
                Path(args.corpus), args.index_articles, args.index_batch, args.index_rounds
            )
        if "recommend" in parts:
            report["recommend"] = recommend_run(args.recommend_articles, args.seed)
    finally:
        # Whatever finished is kept, even when a later part fails.
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
        report["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        out = RESULTS / f"{datetime.now():%Y%m%d-%H%M%S}-search-{label}"
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
        text = markdown(report)
        (out / "report.md").write_text(text)
        print(text)
        print(f"results in {out}")


if __name__ == "__main__":
    main()
