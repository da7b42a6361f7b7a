"""My News benchmark (issue 23, "Speed"): the feed, percolation, a burst of publishing and
the member actions, on a bench database (bench/generate.py --index).

    .venv/bin/python bench/mynews.py --data var/bench/sqlite-100k --setup
    .venv/bin/python bench/mynews.py --data var/bench/sqlite-100k
    .venv/bin/python bench/mynews.py --setup \\
        --database-url postgres://postgres@127.0.0.1:5432/shinbun_bench_20k

``--setup`` (it changes the database, and makes its follows anew) makes what the figures need:
300 series and 300 columns, each article in one of them with a chance of 30 % each;
100,000 members following 10 things each (1,000,000 follow rows) among those and
--words distinct followed words (content words and pairs of consecutive words taken
from the stored analysis of the archive, see followed_words); and the bench member
(bench-mynews@example.jp, a paid member) following 100: 30 series, 30 columns, the 30
editor keywords and 10 words. Every target is filled the way a first follow fills it
(fill_new_target).

Parts (``--only`` picks some):

- **feed**: ``feed.my_news`` for the bench member: the first page, and a deep page (the
  page after --deep items, reached by its cursor), p50/p95 over --reps, interleaved.
- **percolate**: one stored article against every followed word
  (``entries.matching_words``) and the whole entry sync of one article
  (``entries.sync``), for --percolate-articles articles, p50/p95.
- **actions**: follow, save, unsave and unfollow as POSTs through Django's test client
  (the whole middleware stack, a logged-in session), p50/p95 over --reps.
- **burst**: --burst new articles of a followed series published one by one through the
  real flow, `shinbun worker` running; the time from the last commit until every one is
  in the bench member's My News, and until the whole queue is done.

Results go to bench/results/<time>-mynews-<label>/ (gitignored) as JSON and markdown.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

from search import percentile, setup_django  # bench/search.py, beside this file

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BENCH_EMAIL = "bench-mynews@example.jp"
PARTS = ("feed", "percolate", "actions", "burst")


def summary(values_ms: list[float]) -> dict:
    return {
        "n": len(values_ms),
        "p50_ms": round(statistics.median(values_ms), 2),
        "p95_ms": round(percentile(values_ms, 95), 2),
        "max_ms": round(max(values_ms), 2),
    }


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


# Setup ---------------------------------------------------------------------------------


def bench_member():
    from shinbun.members.demo import load_plans, make_paid
    from shinbun.members.models import User

    user = User.objects.filter(email=BENCH_EMAIL).first()
    if user is None:
        user = User.objects.create_user(BENCH_EMAIL, "bench-password-123", display_name="計測")
        make_paid(user, load_plans()["monthly"])
    return user


def followed_words(count: int, rng: random.Random) -> list[list[str]]:
    """Distinct words to follow, as members type them: content words and pairs of
    consecutive words of the stored analysis of the newest 20,000 articles, drawn at
    random among those in at least 3 and at most 5 % of them (a name, a place, a topic:
    not the words every article has, which nobody follows to narrow the news down)."""
    from collections import Counter

    from shinbun.search.models import SearchDocument

    singles: Counter = Counter()
    pairs: Counter = Counter()
    documents = SearchDocument.objects.order_by("-sort_key").values_list("terms", "body")
    read = 0
    for terms, body in documents[:20_000].iterator(chunk_size=1000):
        read += 1
        singles.update(word for word in terms if len(word) > 1)
        forms = body.split()
        pairs.update(
            {(a, b) for a, b in zip(forms, forms[1:], strict=False) if a in terms and b in terms}
        )
    ceiling = max(3, read // 20)
    single_pool = sorted(w for w, n in singles.items() if 3 <= n <= ceiling)
    pair_pool = sorted(p for p, n in pairs.items() if 3 <= n <= ceiling)
    words = [[w] for w in rng.sample(single_pool, min(count // 2, len(single_pool)))]
    picked = rng.sample(pair_pool, min(count - len(words), len(pair_pool)))
    words += [list(p) for p in picked]
    rng.shuffle(words)
    return words


def setup(args) -> dict:
    from django.db import transaction

    from shinbun.members.models import User
    from shinbun.mynews import entries
    from shinbun.mynews.models import Follow, Target
    from shinbun.newsroom.models import Article, Column, Keyword, Series
    from shinbun.search.termstats import document_frequencies

    rng = random.Random(args.seed)
    started = time.perf_counter()
    # Made anew each time: the follows, targets and entries of a bench database.
    Follow.objects.all().delete()
    Target.objects.all().delete()
    series = [
        Series.objects.get_or_create(slug=f"mn-series-{n}", defaults={"name": f"連載{n}"})[0]
        for n in range(300)
    ]
    columns = [
        Column.objects.get_or_create(slug=f"mn-column-{n}", defaults={"name": f"コラム{n}"})[0]
        for n in range(300)
    ]
    ids = list(Article.objects.values_list("pk", flat=True))
    with transaction.atomic():
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            for pk in chunk:
                fields = {}
                if rng.random() < 0.3:
                    fields["series"] = rng.choice(series)
                if rng.random() < 0.3:
                    fields["column"] = rng.choice(columns)
                if fields:
                    Article.objects.filter(pk=pk).update(**fields)
    print(f"  articles placed in series and columns: {time.perf_counter() - started:.0f}s")

    targets = []
    for kind, objects in (("series", series), ("column", columns)):
        for obj in objects:
            targets.append(Target(kind=kind, label=obj.name, **{kind: obj}))
    for keyword in Keyword.objects.all():
        targets.append(Target(kind="keyword", label=keyword.name, keyword=keyword))
    words = followed_words(args.words, rng)
    frequency, _total = document_frequencies({form for forms in words for form in forms})
    for forms in words:
        label = "".join(forms)[:100]
        anchors = entries.anchors(forms, frequency)
        targets.append(Target(kind="word", forms=" ".join(forms), label=label, **anchors))
    Target.objects.bulk_create(targets, batch_size=2000, ignore_conflicts=True)
    named = list(Target.objects.exclude(kind="word"))
    word_targets = list(Target.objects.filter(kind="word").only("pk", "kind", "forms"))
    print(f"  targets: {len(named)} named, {len(word_targets)} words")

    member = bench_member()
    by_kind = {kind: [t for t in named if t.kind == kind] for kind in ("series", "column")}
    by_kind["keyword"] = [t for t in named if t.kind == "keyword"]
    chosen = (
        by_kind["series"][:30]
        + by_kind["column"][:30]
        + by_kind["keyword"][:30]
        + rng.sample(word_targets[:2000], 10)
    )
    Follow.objects.filter(user=member).delete()
    Follow.objects.bulk_create(Follow(user=member, target=t, label=t.label or "x") for t in chosen)
    fill_started = time.perf_counter()
    for target in named + chosen[-10:]:
        entries.fill_new_target(target)
    print(f"  entries filled: {time.perf_counter() - fill_started:.0f}s")

    existing = User.objects.filter(email__startswith="mn-member-").count()
    users = [
        User(email=f"mn-member-{n}@example.jp", display_name=f"会員{n}", password="!")
        for n in range(existing, args.members)
    ]
    User.objects.bulk_create(users, batch_size=5000)
    member_ids = list(
        User.objects.filter(email__startswith="mn-member-").values_list("pk", flat=True)
    )
    pool = [t.pk for t in named] + [t.pk for t in word_targets]
    rows = []
    for user_id in member_ids:
        for target_id in rng.sample(pool, 10):
            rows.append(Follow(user_id=user_id, target_id=target_id, label="x"))
        if len(rows) >= 50_000:
            Follow.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    Follow.objects.bulk_create(rows, ignore_conflicts=True)
    figures = {
        "follow_rows": Follow.objects.count(),
        "targets": Target.objects.count(),
        "entries": entries.Entry.objects.count(),
        "members": len(member_ids),
        "seconds": round(time.perf_counter() - started),
    }
    print(f"  setup done: {figures}")
    return figures


# Parts ----------------------------------------------------------------------------------


def part_feed(args) -> dict:
    from shinbun.mynews import feed

    member = bench_member()
    walk = feed.my_news(member, size=100)
    cursor = walk.next
    seen = len(walk.items)
    while cursor is not None and seen < args.deep:
        walk = feed.my_news(member, before=cursor, size=100)
        cursor, seen = walk.next, seen + len(walk.items)
    deep_cursor = cursor
    first, deep = [], []
    for _ in range(3):  # warm
        feed.my_news(member)
        feed.my_news(member, before=deep_cursor)
    for _ in range(args.reps):
        first.append(timed(lambda: feed.my_news(member)))
        deep.append(timed(lambda: feed.my_news(member, before=deep_cursor)))
    follows = member.follows.count()
    return {
        "follows": follows,
        "deep_items": seen,
        "first_page": summary(first),
        "deep_page": summary(deep),
    }


def part_percolate(args) -> dict:
    from shinbun.mynews import entries
    from shinbun.mynews.models import Target
    from shinbun.search.models import SearchDocument

    rng = random.Random(args.seed)
    ids = list(SearchDocument.objects.values_list("article_id", flat=True))
    sample = rng.sample(ids, min(args.percolate_articles, len(ids)))
    documents = {
        d.article_id: (d.title, d.body)
        for d in SearchDocument.objects.filter(article_id__in=sample).only("title", "body")
    }
    matching, syncing, matched = [], [], []
    for article_id in sample:
        title, body = documents[article_id]
        start = time.perf_counter()
        found = entries.matching_words(title, body)
        matching.append((time.perf_counter() - start) * 1000)
        matched.append(len(found))
        start = time.perf_counter()
        entries.sync([article_id])
        syncing.append((time.perf_counter() - start) * 1000)
    return {
        "followed_words": Target.objects.filter(kind="word").count(),
        "articles": len(sample),
        "words_matched_median": statistics.median(matched),
        "match_one_article": summary(matching),
        "sync_one_article": summary(syncing),
    }


def part_actions(args) -> dict:
    from django.test import Client

    from shinbun.newsroom.models import Article, Series

    member = bench_member()
    client = Client()
    client.force_login(member)
    article = Article.objects.published().order_by("-published_at").first()
    spare = Series.objects.get_or_create(slug="mn-spare", defaults={"name": "予備の連載"})[0]
    follow = {"kind": "series", "target": spare.slug}
    timings = {"follow": [], "unfollow": [], "save": [], "unsave": []}
    for _ in range(args.reps):
        for name, path, data in (
            ("follow", "/mynews/follow/", {**follow, "state": "on"}),
            ("save", f"/saved/articles/{article.pk}/", {"state": "on"}),
            ("unsave", f"/saved/articles/{article.pk}/", {"state": "off"}),
            ("unfollow", "/mynews/follow/", {**follow, "state": "off"}),
        ):
            start = time.perf_counter()
            response = client.post(path, data, HTTP_ACCEPT="application/json")
            timings[name].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (name, response.content)
    return {name: summary(values) for name, values in timings.items()}


def part_burst(args) -> dict:
    from django.db import transaction
    from django.utils import timezone
    from huey.contrib.djhuey import HUEY

    from shinbun.mynews.models import Entry, Follow, Target
    from shinbun.newsroom import publishing
    from shinbun.newsroom.models import Article, Section, Series
    from shinbun.search.models import SearchDocument

    member = bench_member()
    series = Series.objects.get_or_create(slug="mn-burst", defaults={"name": "速報連載"})[0]
    target = Target.objects.filter(kind="series", series=series).first()
    if target is None or not Follow.objects.filter(user=member, target=target).exists():
        from shinbun.members.entitlements import reader_for
        from shinbun.mynews import services

        services.follow(member, reader_for(member), "series", series.slug)
        target = Target.objects.get(kind="series", series=series)
    section = Section.objects.first()
    template = Article.objects.published().order_by("-published_at").first()
    drafts = [
        Article(
            headline=f"速報 {n}: {template.headline}"[:200],
            lead=template.lead,
            body_source=template.body_source,
            section=section,
            series=series,
            status=Article.Status.DRAFT,
        )
        for n in range(args.burst)
    ]
    for draft in drafts:
        draft.save()
    ids = [a.pk for a in drafts]
    HUEY.flush()  # tasks a run before left in the bench database's queue
    env = {**os.environ}
    log = open(RESULTS / "mynews-burst-worker.log", "w")  # noqa: SIM115 (closed below)
    worker = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "shinbun"), "worker"], env=env, stdout=log, stderr=log
    )
    try:
        time.sleep(3)  # the consumer starts
        started = time.perf_counter()
        for article in drafts:
            with transaction.atomic():
                publishing.publish(article, at=timezone.now() - timedelta(seconds=1))
        published = time.perf_counter()
        deadline = published + args.burst_timeout
        in_mynews, progress, shown = None, [], published
        while time.perf_counter() < deadline:
            done = Entry.objects.filter(target=target, article_id__in=ids).count()
            if done == len(ids) and in_mynews is None:
                in_mynews = time.perf_counter()
                break
            if time.perf_counter() - shown >= 5:
                shown = time.perf_counter()
                indexed = SearchDocument.objects.filter(article_id__in=ids).count()
                progress.append((round(shown - published, 1), indexed, done))
                print(f"  +{shown - published:5.1f}s indexed {indexed:5d}  in My News {done:5d}")
            time.sleep(0.05)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        log.close()
    Article.objects.filter(pk__in=ids).delete()
    return {
        "articles": len(ids),
        "publishing_seconds": round(published - started, 2),
        "publish_rate_per_s": round(len(ids) / (published - started), 1),
        "my_news_current_after_last_publish_s": None
        if in_mynews is None
        else round(in_mynews - published, 2),
        "progress_s_indexed_in_mynews": progress,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="SQLite data folder (sets SHINBUN_DATA_DIR)")
    parser.add_argument("--database-url", help="database URL (sets DATABASE_URL)")
    parser.add_argument("--label", default="")
    parser.add_argument("--setup", action="store_true", help="make the follow data first")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--only", default=",".join(PARTS))
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--deep", type=int, default=1000, help="items before the deep page")
    parser.add_argument("--percolate-articles", type=int, default=200)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--burst-timeout", type=float, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    setup_django(args.data, args.database_url)
    label = args.label or Path(args.data or args.database_url or "db").name
    results = {"label": label, "at": datetime.now().isoformat(timespec="seconds")}
    if args.setup:
        results["setup"] = setup(args)
    for part in args.only.split(","):
        if part not in PARTS:
            parser.error(f"unknown part {part!r}")
        print(f"== {part}")
        results[part] = globals()[f"part_{part}"](args)
        print(json.dumps(results[part], ensure_ascii=False, indent=1))
    out = RESULTS / f"{datetime.now():%Y%m%d-%H%M%S}-mynews-{label}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
