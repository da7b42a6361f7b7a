"""Fill the configured database with N synthetic articles for the benchmarks.

The text is realistic Japanese built at run time from the livedoor news corpus
(../shared/corpus/livedoor-news.jsonl.gz): headlines, leads and paragraphs are
recombined from the corpus's titles and sentences (split on 。), per category.
Nothing of the corpus is stored in the repository; the generated database is a
local benchmark fixture and must not be published (the corpus is CC BY-ND).

    .venv/bin/python bench/generate.py --articles 100000 --data var/bench-100k
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shinbun_bench \\
        .venv/bin/python bench/generate.py --articles 100000

For PostgreSQL at scale, generate into SQLite and copy with bench/copy_to_postgres.py
(COPY, index built once: 1,000,000 articles in about half an hour, against five hours
here). The database is migrated first. Runs are resumable: articles carry the external
id ``bench-<n>`` and a second run with a larger N adds only the missing ones.
Every batch is seeded from its position, so the same N gives the same data.

``--index`` also fills the search index (SearchDocument, the engine's index, TermStat)
without analysing every article: each distinct piece of text (a corpus sentence, a
headline, a 小見出し) is analysed once with ``shinbun.search.analysis.analyze`` and its
tokens cached, and since synthetic articles are concatenations of those pieces, each
article's document is assembled from the cached tokens. The result is what
``indexing.build_document`` gives for the same text except where Sudachi would
tokenise differently across a sentence boundary (after 。, at a line break, between
headline and sub-headline): there the cache has the tokens of each sentence analysed
alone. Articles found without a SearchDocument (generated earlier without --index) are
indexed the same way first, from their stored text.
"""

import argparse
import gzip
import json
import os
import random
import re
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "livedoor-news.jsonl.gz"

# Corpus category -> (section slug, section name).
SECTIONS = {
    "topic-news": ("topics", "話題"),
    "sports-watch": ("sports", "スポーツ"),
    "it-life-hack": ("tech", "テクノロジー"),
    "kaden-channel": ("gadgets", "家電"),
    "smax": ("mobile", "モバイル"),
    "movie-enter": ("movies", "映画"),
    "dokujo-tsushin": ("life", "暮らし"),
    "peachy": ("women", "女性"),
    "livedoor-homme": ("men", "男性"),
}
SERIES = [
    ("bench-series-work", "働き方の現在地"),
    ("bench-series-city", "まちの記憶"),
    ("bench-series-data", "データで読む日本"),
]
COLUMNS = [
    ("bench-column-desk", "デスクの目", "編集委員 高橋修"),
    ("bench-column-sports", "スポーツ時評", "運動部 佐藤健"),
    ("bench-column-tech", "テック考", "科学部 中村彩"),
]
KEYWORDS = [
    "スマートフォン",
    "映画",
    "サッカー",
    "野球",
    "結婚",
    "恋愛",
    "家電",
    "パソコン",
    "アプリ",
    "iPhone",
    "Android",
    "ドラマ",
    "芸能",
    "ファッション",
    "美容",
    "健康",
    "仕事",
    "節約",
    "旅行",
    "グルメ",
    "ゲーム",
    "音楽",
    "五輪",
    "SNS",
    "子育て",
    "マンガ",
    "テレビ",
    "震災",
    "就職",
    "インターネット",
]
FAMILY = [
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "松本",
    "井上",
    "木村",
    "林",
]
GIVEN = [
    "健",
    "翔太",
    "大輔",
    "拓也",
    "誠",
    "美咲",
    "陽子",
    "直樹",
    "彩",
    "恵",
    "裕子",
    "浩",
    "亮",
    "真由美",
    "剛",
    "優子",
]
DESKS = ["社会部", "運動部", "経済部", "文化部", "科学部", "生活部", "編集委員"]

# C0/C1 controls (tab and newline are handled separately) never go into the text.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
SPACE_RE = re.compile(r"[\s\u3000]+")
SENTENCE_RE = re.compile(r"[^。]+。?")
BRACKETS = ("「」", "『』", "（）", "()", "【】", "“”")


def _clean(text: str) -> str:
    return SPACE_RE.sub(" ", CONTROL_RE.sub("", text)).strip()


def _usable(sentence: str) -> bool:
    """A whole sentence: ends with 。, balanced brackets, no links or credit lines."""
    if not 12 <= len(sentence) <= 160 or not sentence.endswith("。"):
        return False
    if "http" in sentence or sentence[0] in "」』）)】”・…―-—":
        return False
    return all(sentence.count(a) == sentence.count(b) for a, b in BRACKETS)


class Corpus:
    """Titles and sentences of the corpus, by category."""

    def __init__(self, path: Path):
        self.titles: dict[str, list[str]] = {}
        self.sentences: dict[str, list[str]] = {}
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                category = record["category"]
                title = _clean(record["title"])
                if 8 <= len(title) <= 120:
                    self.titles.setdefault(category, []).append(title)
                pool = self.sentences.setdefault(category, [])
                for raw_line in record["body"].splitlines():
                    for match in SENTENCE_RE.finditer(raw_line):
                        sentence = _clean(match.group())
                        # Skip link lists, credits and fragments; keep real sentences.
                        if _usable(sentence):
                            pool.append(sentence)
        self.categories = sorted(c for c in self.sentences if c in SECTIONS and self.titles.get(c))
        if not self.categories:
            raise SystemExit(f"no usable articles in {path}")

    def stats(self) -> str:
        titles = sum(len(v) for v in self.titles.values())
        sentences = sum(len(v) for v in self.sentences.values())
        return f"{len(self.categories)} categories, {titles} titles, {sentences} sentences"


class ArticleFactory:
    def __init__(self, corpus: Corpus, rng: random.Random, now: datetime, years: float):
        self.corpus = corpus
        self.rng = rng
        self.now = now
        self.span = int(years * 365 * 86400)

    def sentences(self, category: str, n: int) -> str:
        return "".join(self.rng.choices(self.corpus.sentences[category], k=n))

    def headline(self, category: str) -> str:
        rng = self.rng
        if rng.random() < 0.7:
            return rng.choice(self.corpus.titles[category])[:200]
        # A headline made of one sentence, without its final 。, cut at a comma.
        sentence = rng.choice(self.corpus.sentences[category]).rstrip("。")
        if len(sentence) > 40 and "、" in sentence[10:40]:
            sentence = sentence[: sentence.index("、", 10)]
        return sentence[:60]

    def body_source(self, category: str) -> str:
        rng = self.rng
        paragraphs = [
            self.sentences(category, rng.randint(1, 4)) for _ in range(rng.randint(4, 12))
        ]
        if rng.random() < 0.3:
            for _ in range(rng.randint(1, 2)):
                heading = rng.choice(self.corpus.titles[category])[:40]
                paragraphs.insert(rng.randrange(1, len(paragraphs)), "## " + heading)
        return "\n\n".join(paragraphs)

    def fields(self, n: int) -> dict:
        rng = self.rng
        category = rng.choice(self.corpus.categories)
        published = self.now - timedelta(seconds=rng.randrange(3600, self.span))
        roll = rng.random()
        access = "free" if roll < 0.6 else "members" if roll < 0.85 else "paid"
        extra = rng.random()
        return {
            "category": category,
            "headline": self.headline(category),
            "subheadline": (
                rng.choice(self.corpus.sentences[category])[:100] if rng.random() < 0.3 else ""
            ),
            "lead": self.sentences(category, rng.randint(1, 2)),
            "body_source": self.body_source(category),
            "byline": f"{rng.choice(DESKS)} {rng.choice(FAMILY)}{rng.choice(GIVEN)}",
            "access": access,
            "newsletter_unlock": access != "free" and rng.random() < 0.1,
            "pinned": rng.random() < 0.0001,
            "published_at": published,
            "updated_at": (
                min(published + timedelta(hours=rng.randint(1, 72)), self.now)
                if rng.random() < 0.1
                else None
            ),
            "series": extra < 0.03,
            "column": 0.03 <= extra < 0.06,
            "keywords": rng.sample(range(len(KEYWORDS)), k=rng.choice((0, 1, 1, 2, 2, 3))),
            "external_id": f"bench-{n:08d}",
        }


class FastIndexer:
    """SearchDocuments for synthetic articles from cached per-sentence analyses."""

    # Lines are cut into sentences after 。 (as the generator joined them).
    PIECE_RE = re.compile(r"[^。]*。|[^。]+$")

    def __init__(self):
        from shinbun.search.backends import backend

        self.engine = backend()
        self.cache: dict[str, tuple[tuple[str, bool], ...]] = {}
        self.analysed_chars = 0

    def tokens(self, piece: str) -> tuple[tuple[str, bool], ...]:
        cached = self.cache.get(piece)
        if cached is None:
            from shinbun.search.analysis import analyze

            self.analysed_chars += len(piece)
            cached = tuple((sys.intern(t.form), t.content) for t in analyze(piece))
            self.cache[piece] = cached
        return cached

    def text_tokens(self, text: str) -> list[tuple[str, bool]]:
        out: list[tuple[str, bool]] = []
        for line in text.split("\n"):
            for match in self.PIECE_RE.finditer(line):
                out.extend(self.tokens(match.group()))
        return out

    def document(self, article, keyword_ids):
        from collections import Counter

        from shinbun.search import indexing
        from shinbun.search.models import SearchDocument

        # build_document analyses "headline subheadline" and "lead\nbody_text".
        title = self.text_tokens(article.headline)
        if article.subheadline:
            title += self.text_tokens(article.subheadline)
        body = self.text_tokens(article.lead + "\n" + article.body_text)
        terms = Counter(form for form, content in body if content)
        for form, content in title:
            if content:
                terms[form] += 1
        return SearchDocument(
            article_id=article.pk,
            sort_key=indexing.sort_key(article.published_at, article.pk),
            title=" ".join(form for form, _ in title),
            body=" ".join(form for form, _ in body),
            facets=" ".join(indexing.facet_markers(article, keyword_ids)),
            terms=dict(terms),
            length=len(body) + len(title),
            analyzer_version=indexing.ANALYZER_VERSION,
        )

    def index(self, articles, keyword_ids: dict[int, list[int]]) -> None:
        """Insert the documents of new articles (inside the caller's transaction)."""
        from shinbun.search import indexing
        from shinbun.search.models import SearchDocument

        documents = [self.document(a, keyword_ids.get(a.pk, [])) for a in articles]
        # As index_articles: document frequencies first, then the vector lengths that
        # recommendations use, weighed with them.
        indexing.update_term_stats(documents, [])
        indexing.set_norms(documents)
        SearchDocument.objects.bulk_create(documents, batch_size=500)
        self.engine.add([indexing._entry(d) for d in documents])

    def catch_up(self, batch: int) -> None:
        """Index bench articles that have no SearchDocument yet (made without --index),
        and give documents indexed before vector lengths were stored their length."""
        from django.db import transaction

        from shinbun.newsroom.models import Article
        from shinbun.search import indexing
        from shinbun.search.models import SearchDocument

        filled, after = 0, 0
        while True:
            documents = list(
                SearchDocument.objects.filter(norm=0, pk__gt=after)
                .order_by("pk")
                .only("pk", "terms", "norm")[:batch]
            )
            if not documents:
                break
            after = documents[-1].pk
            indexing.set_norms(documents)
            with transaction.atomic():
                SearchDocument.objects.bulk_update(documents, ["norm"], batch_size=500)
            filled += len(documents)
            if filled % (batch * 25) < batch:
                print(f"  vector lengths of {filled} documents", flush=True)

        through = Article.keywords.through
        last, done, t0 = 0, 0, time.perf_counter()
        while True:
            ids = list(
                Article.objects.filter(external_id__startswith="bench-", pk__gt=last)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            last = ids[-1]
            have = set(
                SearchDocument.objects.filter(article_id__in=ids).values_list(
                    "article_id", flat=True
                )
            )
            todo = [pk for pk in ids if pk not in have]
            if not todo:
                continue
            articles = list(Article.objects.filter(pk__in=todo).order_by("pk"))
            keyword_ids: dict[int, list[int]] = {}
            for article_id, keyword_id in through.objects.filter(article_id__in=todo).values_list(
                "article_id", "keyword_id"
            ):
                keyword_ids.setdefault(article_id, []).append(keyword_id)
            with transaction.atomic():
                self.index([a for a in articles if a.is_visible], keyword_ids)
            done += len(todo)
            print(
                f"  indexed {done} existing articles ({done / (time.perf_counter() - t0):.0f}/s)",
                flush=True,
            )


def setup_django(args) -> None:
    if args.data:
        Path(args.data).mkdir(parents=True, exist_ok=True)
        os.environ["SHINBUN_DATA_DIR"] = str(Path(args.data).resolve())
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shinbun.settings")
    # The settings refuse to start without a key; this process never signs anything.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def taxonomy():
    from django.utils.text import slugify

    from shinbun.newsroom.models import Column, Keyword, Section, Series

    sections = {}
    for position, (category, (slug, name)) in enumerate(SECTIONS.items()):
        sections[category], _ = Section.objects.get_or_create(
            slug=slug, defaults={"name": name, "position": position}
        )
    series = [
        Series.objects.get_or_create(slug=slug, defaults={"name": name})[0] for slug, name in SERIES
    ]
    columns = [
        Column.objects.get_or_create(slug=slug, defaults={"name": name, "author": author})[0]
        for slug, name, author in COLUMNS
    ]
    keywords = [
        Keyword.objects.get_or_create(
            slug=slugify(name, allow_unicode=True), defaults={"name": name}
        )[0]
        for name in KEYWORDS
    ]
    return sections, series, columns, keywords


def generate(args) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from shinbun.newsroom.body import parse_body
    from shinbun.newsroom.models import Article

    started = time.perf_counter()
    corpus = Corpus(Path(args.corpus))
    print(f"corpus: {corpus.stats()} ({time.perf_counter() - started:.1f}s)", flush=True)
    call_command("migrate", "--noinput", verbosity=0)
    sections, series, columns, keywords = taxonomy()
    through = Article.keywords.through

    indexer = FastIndexer() if args.index else None
    if indexer:
        indexer.catch_up(args.batch)
    existing = Article.objects.filter(external_id__startswith="bench-").count()
    if existing >= args.articles:
        print(f"{connection.vendor}: already {existing} bench articles, nothing to do")
        return
    # One clock for the whole data set, so a resumed run continues the same spread.
    now = datetime(2025, 1, 1, tzinfo=UTC) if args.fixed_clock else datetime.now(UTC)
    total = args.articles - existing
    print(
        f"{connection.vendor}: {existing} bench articles, adding {total} (batches of {args.batch})",
        flush=True,
    )
    t0 = time.perf_counter()
    done = 0
    for start in range(existing, args.articles, args.batch):
        stop = min(start + args.batch, args.articles)
        factory = ArticleFactory(corpus, random.Random(args.seed * 1_000_003 + start), now, 6)
        rows, article_keywords = [], []
        for n in range(start, stop):
            f = factory.fields(n)
            rows.append(
                Article(
                    headline=f["headline"],
                    subheadline=f["subheadline"],
                    lead=f["lead"],
                    body_source=f["body_source"],
                    blocks=parse_body(f["body_source"]),
                    byline=f["byline"],
                    section=sections[f["category"]],
                    series=factory.rng.choice(series) if f["series"] else None,
                    column=factory.rng.choice(columns) if f["column"] else None,
                    access=f["access"],
                    newsletter_unlock=f["newsletter_unlock"],
                    pinned=f["pinned"],
                    status=Article.Status.PUBLISHED,
                    published_at=f["published_at"],
                    updated_at=f["updated_at"],
                    external_id=f["external_id"],
                )
            )
            article_keywords.append(f["keywords"])
        with transaction.atomic():
            Article.objects.bulk_create(rows, batch_size=500)
            if rows[0].pk is None:  # a backend that cannot return ids
                ids = dict(
                    Article.objects.filter(
                        external_id__in=[a.external_id for a in rows]
                    ).values_list("external_id", "id")
                )
                for a in rows:
                    a.pk = ids[a.external_id]
            through.objects.bulk_create(
                [
                    through(article_id=a.pk, keyword_id=keywords[k].pk)
                    for a, ks in zip(rows, article_keywords, strict=True)
                    for k in ks
                ],
                batch_size=2000,
            )
            if indexer:
                indexer.index(
                    rows,
                    {
                        a.pk: [keywords[k].pk for k in ks]
                        for a, ks in zip(rows, article_keywords, strict=True)
                    },
                )
        done += len(rows)
        elapsed = time.perf_counter() - t0
        if done == total or done % args.report_every < args.batch:
            print(
                f"  {existing + done:>9} articles  {done / elapsed:8.0f} articles/s  "
                f"{elapsed:7.1f}s",
                flush=True,
            )
    elapsed = time.perf_counter() - t0
    print(f"inserted {done} articles in {elapsed:.1f}s: {done / elapsed:.0f} articles/s")
    if indexer:
        print(
            f"index: {len(indexer.cache)} distinct pieces analysed "
            f"({indexer.analysed_chars} characters)",
            flush=True,
        )
    t1 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"ANALYZE {time.perf_counter() - t1:.1f}s; total {time.perf_counter() - started:.1f}s")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, required=True, help="total bench articles (N)")
    parser.add_argument("--data", help="SQLite data folder (sets SHINBUN_DATA_DIR)")
    parser.add_argument("--database-url", help="database URL (sets DATABASE_URL)")
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report-every", type=int, default=20000)
    parser.add_argument(
        "--fixed-clock",
        action="store_true",
        help="spread dates back from 2025-01-01 instead of now (reproducible data)",
    )
    parser.add_argument(
        "--index",
        action="store_true",
        help="also fill the search index from cached per-sentence analyses",
    )
    args = parser.parse_args(argv)
    if not 0 < args.articles <= 10_000_000:
        parser.error("--articles must be between 1 and 10,000,000")
    setup_django(args)
    generate(args)


if __name__ == "__main__":
    main()
