"""Newsletter benchmark (「ニュース5本」, DESIGN flow 4): planning an edition for 100,000
subscribers, and sending it through the real worker into a local SMTP sink, against a bare
smtplib loop that sends the same rendered messages to the same sink.

    .venv/bin/python bench/newsletter.py
    .venv/bin/python bench/newsletter.py \\
        --database-url postgres://postgres@127.0.0.1:5432/shinbun_bench_newsletter

The database (SQLite in --data, by default var/bench/newsletter; or --database-url, created
if missing) is migrated and given --subscribers active subscribers (bench-N@example.jp),
plus 2 % more active ones whose address is suppressed and 2 % unsubscribed ones, which
planning must leave out; the edition's five articles are the newest published ones, or
made if there are fewer.

Each of --runs rounds:

- **plan**: a fresh edition is planned (`delivery.plan`), timed; it must add exactly
  --subscribers rows. The edition's deliveries after the first --send are then set aside
  (skipped), so the sending below takes minutes, not half an hour.
- **bare**: --send messages, rendered beforehand exactly as the worker renders them (each
  with its own unsubscribe link; 2,000 distinct ones, repeated), go to the sink with
  `smtplib` over one connection: the floor of what sending costs on this machine.
- **worker**: `shinbun manage newsletter_send` sends the same --send deliveries in a
  process of its own, end to end: claims, a message rendered per subscriber, SMTP over
  one connection per batch, each result recorded as the server answers. Its RSS is read
  from /proc every 0.25 s.

The sink is aiosmtpd in a process of its own (so it takes no time from the sender's
interpreter), counting messages and bytes and keeping nothing. A rate is messages per
second between the first and the last arrival at the sink. The report gives each round
and the medians: planning seconds (target < 10 s for 100,000), both rates and their
ratio (target >= 0.7), and the worker's RSS growth from its first message to its peak
(target < 50 MB). Results go to bench/results/<time>-newsletter-<label>/ (gitignored).
"""

import argparse
import json
import multiprocessing
import os
import smtplib
import socket
import statistics
import subprocess
import sys
import time
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path

from copy_to_postgres import create_database  # bench/, beside this file
from search import setup_django

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SUBJECT = "計測用のニュース5本"  # the bench's editions, removed at every round
DISTINCT_MESSAGES = 2000
LEAD = (
    "政府は来年度の予算案で、子育て支援と防災に重点を置く方針を固めた。財源の一部は"
    "歳出の見直しで賄い、残りは新たな基金の運用益を充てる。与党内には規模の拡大を求める"
    "声もあり、年末の閣議決定に向けて調整が続く。"
)


# The SMTP sink ---------------------------------------------------------------------------


def run_sink(port: int, counters, ready) -> None:
    from aiosmtpd.controller import Controller

    messages, size, first, last = counters

    class Count:
        async def handle_DATA(self, server, session, envelope):
            now = time.monotonic()  # system-wide on Linux: the bench compares it with its own
            if messages.value == 0:
                first.value = now
            messages.value += 1
            size.value += len(envelope.content)
            last.value = now
            return "250 OK"

    Controller(Count(), hostname="127.0.0.1", port=port).start()
    ready.set()
    while True:
        time.sleep(3600)


class Sink:
    """aiosmtpd in a process of its own, which counts what arrives and keeps nothing."""

    def __init__(self):
        context = multiprocessing.get_context("spawn")
        self.counters = tuple(context.RawValue(kind) for kind in ("q", "q", "d", "d"))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        ready = context.Event()
        self.process = context.Process(
            target=run_sink, args=(self.port, self.counters, ready), daemon=True
        )
        self.process.start()
        if not ready.wait(30):
            raise SystemExit("the SMTP sink did not start")

    @property
    def messages(self) -> int:
        return self.counters[0].value

    def reset(self) -> None:
        for counter in self.counters:
            counter.value = 0

    def taken(self) -> dict:
        messages, size, first, last = (counter.value for counter in self.counters)
        return {
            "messages": messages,
            "bytes_per_message": round(size / max(messages, 1)),
            "per_s": round((messages - 1) / (last - first), 1) if messages > 1 else 0.0,
        }


# Setup -----------------------------------------------------------------------------------


def setup(args) -> list:
    """The subscribers and the five articles (made once; a rerun adds what is missing)."""
    from django.core.management import call_command
    from django.utils import timezone

    from shinbun.newsletter.models import Subscriber, Suppression, new_token
    from shinbun.newsroom.models import Article, Section

    call_command("migrate", interactive=False, verbosity=0)
    extra = args.subscribers // 50
    total = args.subscribers + 2 * extra
    if Subscriber.objects.filter(email_key__startswith="bench-").count() != total:
        started = time.perf_counter()
        for start in range(0, total, 10_000):
            Subscriber.objects.bulk_create(
                [
                    Subscriber(
                        email=f"bench-{n}@example.jp",
                        email_key=f"bench-{n}@example.jp",
                        token=new_token(),
                        status="unsubscribed" if n >= args.subscribers + extra else "active",
                    )
                    for n in range(start, min(start + 10_000, total))
                ],
                ignore_conflicts=True,
            )
        Suppression.objects.bulk_create(
            [
                Suppression(email_key=f"bench-{n}@example.jp", reason="bounced")
                for n in range(args.subscribers, args.subscribers + extra)
            ],
            ignore_conflicts=True,
        )
        print(f"  {total} subscribers made: {time.perf_counter() - started:.0f} s")
    articles = list(Article.objects.published().order_by("-published_at")[:5])
    if len(articles) < 5:
        section = Section.objects.get_or_create(slug="bench-news5", defaults={"name": "計測"})[0]
        for n in range(5 - len(articles)):
            articles.append(
                Article.objects.create(
                    headline=f"予算案、子育てと防災に重点 計測用の記事{n + 1}",
                    lead=LEAD,
                    body_source=LEAD * 5,
                    section=section,
                    status=Article.Status.PUBLISHED,
                    published_at=timezone.now(),
                )
            )
    return articles


# A round ---------------------------------------------------------------------------------


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        return None
    return None


def plan(args, articles) -> tuple:
    from django.utils import timezone

    from shinbun.newsletter import delivery
    from shinbun.newsletter.models import Delivery, Edition, EditionItem

    Delivery.objects.filter(edition__subject=SUBJECT).delete()
    Edition.objects.filter(subject=SUBJECT).delete()
    edition = Edition.objects.create(
        subject=SUBJECT, send_at=timezone.now(), status=Edition.Status.SCHEDULED
    )
    EditionItem.objects.bulk_create(
        EditionItem(edition=edition, position=n, article=article, note="編集者のひとこと")
        for n, article in enumerate(articles, start=1)
    )
    started = time.perf_counter()
    planned = delivery.plan(edition)
    seconds = time.perf_counter() - started
    if planned != args.subscribers:
        raise SystemExit(f"planning added {planned} rows, not {args.subscribers}")
    rows = Delivery.objects.filter(edition=edition).order_by("pk")
    if args.send < planned:
        last = rows.values_list("pk", flat=True)[args.send - 1]
        rows.filter(pk__gt=last).update(status=Delivery.Status.SKIPPED)
    return edition, seconds


def bare(args, sink: Sink, edition) -> dict:
    from django.conf import settings

    from shinbun.newsletter import composing
    from shinbun.newsletter.models import Delivery

    rendered = composing.render_edition(edition)
    rows = Delivery.objects.filter(edition=edition, status=Delivery.Status.PENDING)
    messages = [
        # As the worker composes it, and as Django's SMTP backend turns it into bytes.
        (row.subscriber.email, rendered.message(row).message().as_bytes(linesep="\r\n"))
        for row in rows.select_related("subscriber").order_by("pk")[:DISTINCT_MESSAGES]
    ]
    sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    sink.reset()
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for n in range(args.send):
            recipient, data = messages[n % len(messages)]
            smtp.sendmail(sender, [recipient], data)
    return sink.taken()


def worker(args, sink: Sink, edition) -> dict:
    from shinbun.newsletter import delivery

    env = {
        **os.environ,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
    }
    command = [sys.executable, "-m", "shinbun", "manage", "newsletter_send"]
    command += ["--edition", str(edition.pk), "--now", "--no-progress"]
    log_path = RESULTS / "newsletter-worker.log"
    sink.reset()
    samples = []  # (RSS in MB, messages the sink had taken)
    started = time.perf_counter()
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        while process.poll() is None:
            rss = rss_mb(process.pid)
            if rss is not None:
                samples.append((rss, sink.messages))
            time.sleep(0.25)
    seconds = time.perf_counter() - started
    sent = delivery.counts(edition)["sent"]
    if process.returncode != 0 or sent != args.send:
        raise SystemExit(f"the worker ended with {process.returncode}, {sent} sent: {log_path}")
    sending = [rss for rss, messages in samples if messages > 0]
    return {
        **sink.taken(),
        "wall_s": round(seconds, 1),
        "rss_first_message_mb": round(sending[0], 1),
        "rss_peak_mb": round(max(sending), 1),
        "rss_last_mb": round(sending[-1], 1),
        "rss_growth_mb": round(max(sending) - sending[0], 1),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", help="data folder (default var/bench/newsletter[-postgres])")
    parser.add_argument("--database-url", help="PostgreSQL instead of SQLite in --data")
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--send", type=int, default=20_000, help="messages sent each way")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--label", default="")
    args = parser.parse_args(argv)
    engine = "postgres" if args.database_url else "sqlite"
    folder = "newsletter-postgres" if args.database_url else "newsletter"
    data = args.data or str(ROOT / "var" / "bench" / folder)
    if args.database_url:
        create_database(args.database_url)
    os.environ.setdefault("SHINBUN_BASE_URL", "https://www.example.jp")
    sink = Sink()
    setup_django(data, args.database_url)
    RESULTS.mkdir(parents=True, exist_ok=True)
    articles = setup(args)
    rounds = []
    for n in range(1, args.runs + 1):
        edition, plan_seconds = plan(args, articles)
        result = {"plan_s": round(plan_seconds, 2), "bare": bare(args, sink, edition)}
        result["worker"] = worker(args, sink, edition)
        result["ratio"] = round(result["worker"]["per_s"] / result["bare"]["per_s"], 2)
        print(f"round {n}: {json.dumps(result, ensure_ascii=False)}", flush=True)
        rounds.append(result)

    def median(path: str) -> float:
        values = []
        for result in rounds:
            for key in path.split("."):
                result = result[key]
            values.append(result)
        return round(statistics.median(values), 2)

    medians = {
        name: median(name)
        for name in ("plan_s", "bare.per_s", "worker.per_s", "ratio", "worker.rss_growth_mb")
    }
    label = args.label or engine
    results = {
        "label": label,
        "at": datetime.now().isoformat(timespec="seconds"),
        "engine": engine,
        "subscribers": args.subscribers,
        "send": args.send,
        "bytes_per_message": rounds[0]["worker"]["bytes_per_message"],
        "cpus": os.cpu_count(),
        "median": medians,
        "rounds": rounds,
    }
    print(json.dumps(medians, indent=1))
    out = RESULTS / f"{datetime.now():%Y%m%d-%H%M%S}-newsletter-{label}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
