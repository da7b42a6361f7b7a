"""アクセスランキング: the articles most read in the last 24 hours.

Reads are counted in the shared cache, never in the database: one counter per article
and hour, kept a little over a day, incremented by the article page's beacon. Every five
minutes a task sums the last 24 hours of the candidates (articles of the last week and
those ranked now) and keeps the ten most read under one key, which the home page reads.
"""

from collections import Counter
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from shinbun.core.cache import count
from shinbun.newsroom.models import Article

RANKING_SIZE = 10
RANKING_KEY = "newsroom:ranking"
# Longer than the task's interval; if the worker stops, the box empties within the hour
# rather than showing yesterday's ranking as today's.
RANKING_SECONDS = 3600

HOURS = 24
COUNTER_SECONDS = 25 * 3600  # the 24 hours summed, and the hour being counted
CANDIDATE_DAYS = 7
KEYS_PER_READ = 1000  # counters asked for in one round trip

# Reads one client may count in READ_WINDOW seconds: enough for a reader and for a
# household or an office behind one address, too few to move the ranking alone.
READ_LIMIT = 60
READ_WINDOW = 600


def _hour(now: datetime) -> int:
    return int(now.timestamp() // 3600)


def counter_key(article_id: int, hour: int) -> str:
    return f"newsroom:reads:{article_id}:{hour}"


def too_many_reads(client: str | None) -> bool:
    """Whether this client has counted READ_LIMIT reads in the window (this one included)."""
    return count(f"newsroom:reads-by:{client}", READ_WINDOW) > READ_LIMIT


def count_read(article_id: int, now: datetime | None = None) -> None:
    """One read of a published article (the caller checks that it is one)."""
    count(counter_key(article_id, _hour(now or timezone.now())), COUNTER_SECONDS)


def ranked_ids() -> list[int]:
    """The ids of the current ranking, most read first (empty until the task has run)."""
    return cache.get(RANKING_KEY) or []


def most_read(now: datetime | None = None) -> list[int]:
    """The ids of the RANKING_SIZE published articles read most in the 24 hours up to
    ``now`` (this hour and the 23 before it), most read first; ties go to the newer id.
    Articles nobody read are not ranked."""
    now = now or timezone.now()
    visible = Article.objects.published(now)
    recent = visible.filter(published_at__gte=now - timedelta(days=CANDIDATE_DAYS))
    candidates = set(recent.values_list("pk", flat=True))
    current = ranked_ids()
    if current:
        candidates.update(visible.filter(pk__in=current).values_list("pk", flat=True))
    last = _hour(now)
    article_of = {
        counter_key(article_id, hour): article_id
        for article_id in candidates
        for hour in range(last - HOURS + 1, last + 1)
    }
    keys = list(article_of)
    reads = Counter()
    for start in range(0, len(keys), KEYS_PER_READ):
        chunk = keys[start : start + KEYS_PER_READ]
        found = cache.get_many(chunk)
        for key in chunk:
            reads[article_of[key]] += found.get(key) or 0
    ranked = sorted(
        (pk for pk, count in reads.items() if count > 0), key=lambda pk: (-reads[pk], -pk)
    )
    return ranked[:RANKING_SIZE]


def refresh_ranking(now: datetime | None = None) -> list[int]:
    """Work out the ranking and keep it for the home page."""
    ids = most_read(now)
    cache.set(RANKING_KEY, ids, RANKING_SECONDS)
    return ids


def ranked_articles() -> list[Article]:
    """The ranking's articles that are still published, most read first: one cache read,
    and one query when there is a ranking."""
    ids = ranked_ids()
    if not ids:
        return []
    found = Article.objects.published().for_listing().in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]
