"""The articles each followed target holds (Entry rows) and My News, a page of them.

Entries are kept in step with publishing: once the search index has analysed an article
(search.signals.documents_indexed), :func:`sync` works out which followed targets hold
it: its series, column and the keywords it is tagged with, and every followed word or
keyword whose analysed forms appear in a row in its analysed title or body (percolation:
the article against the distinct followed words, found by their two rarest forms through
an index, never member by member). A correction changes the entries, an unpublished or
deleted article loses them. Articles are synced in batches (:func:`sync_pending`): a
burst of publishing costs one transaction and one query a group, not one of each per
article.

A target followed for the first time is filled from the archive (:func:`fill_new_target`):
a series, column or keyword with its newest BACKFILL_MAX articles, and a word or keyword
with the articles of the last BACKFILL_DAYS days that the search index finds for it.

My News (:func:`page`) is one query: for each followed target, the top of its range of
the (target, sort_key) index below the cursor, merged newest first. Its cost depends on
the number of follows and the page size, not on the size of the archive.
"""

import uuid
from collections import Counter, defaultdict
from datetime import timedelta

from django.db import connections, router, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from shinbun.core.cache import CachedState, forget
from shinbun.mynews.models import Entry, PendingSync, Target
from shinbun.newsroom.models import Article
from shinbun.search.backends import backend
from shinbun.search.engine import MAX_KEY
from shinbun.search.indexing import sort_key
from shinbun.search.models import SearchDocument
from shinbun.search.query import ParsedQuery
from shinbun.search.termstats import document_frequencies

BACKFILL_MAX = 1000
BACKFILL_DAYS = 30
MATCH_GROUP = 100  # articles matched together: their words are read once
ANCHORS_PER_QUERY = 5000  # forms a query names (SQLite takes up to 32,766 parameters)
SYNC_BATCH = 100  # articles synced in one transaction (how long a write waits for it)
CLAIM_EXPIRES = timedelta(minutes=5)


def anchors(forms: list[str], frequency: dict[str, int] | None = None) -> dict[str, str]:
    """The two rarest of a word's forms in the archive (the longer first where the archive
    does not tell): an article holds the word only if it holds both, and few articles
    hold two rare forms, so percolation reads few words that then do not match.
    ``frequency``: the forms' document frequencies, if already read."""
    if not forms:
        return {"anchor": "", "second_anchor": ""}
    if frequency is None:
        frequency, _total = document_frequencies(forms)
    rarest = sorted(set(forms), key=lambda form: (frequency.get(form, 0), -len(form), form))
    return {
        "anchor": rarest[0][:100],
        "second_anchor": rarest[1][:100] if len(rarest) > 1 else "",
    }


def matching_words(title: str, body: str) -> set[int]:
    """The followed words and keywords (target ids) whose forms appear in a row in an
    article's analysed title or body (forms separated by spaces, as the search index
    stores them)."""
    return matching_words_many({0: (title, body)})[0]


def matching_words_many(texts: dict[int, tuple[str, str]]) -> dict[int, set[int]]:
    """matching_words for many articles (id -> (title, body)), MATCH_GROUP at a time: one
    indexed query a group finds the words both of whose anchors appear in the group's
    articles; each article then keeps those whose anchors it holds itself, and for a
    word of several forms, those it holds as a phrase."""
    found: dict[int, set[int]] = {}
    items = list(texts.items())
    for start in range(0, len(items), MATCH_GROUP):
        found.update(_match_group(dict(items[start : start + MATCH_GROUP])))
    return found


def _match_group(texts: dict[int, tuple[str, str]]) -> dict[int, set[int]]:
    read = {pk: [title.split(), body.split()] for pk, (title, body) in texts.items()}
    forms_of = {pk: set(title) | set(body) for pk, (title, body) in read.items()}
    every = set().union(*forms_of.values())
    if not every:
        return {pk: set() for pk in texts}
    by_anchor: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    every_list = sorted(every)
    for start in range(0, len(every_list), ANCHORS_PER_QUERY):
        anchors = every_list[start : start + ANCHORS_PER_QUERY]
        # Words and keywords: the targets with forms (the others' anchor is "").
        words = Target.objects.filter(anchor__in=anchors)
        for pk, anchor, second, word in words.values_list("pk", "anchor", "second_anchor", "forms"):
            if not second or second in every:
                by_anchor[anchor].append((pk, second, word))
    found = {}
    for pk, forms in forms_of.items():
        # Most followed words are one or two forms: a pair is looked up among the
        # article's neighbouring forms; a longer word is searched for in the text.
        pairs = {f"{a} {b}" for text in read[pk] for a, b in zip(text, text[1:], strict=False)}
        spaced = [f" {text} " for text in texts[pk]]
        hits = set()
        for form in forms & by_anchor.keys():
            for word_pk, second, word in by_anchor[form]:
                if second and second not in forms:
                    continue
                spaces = word.count(" ")
                if (
                    spaces == 0
                    or (spaces == 1 and word in pairs)
                    or (spaces > 1 and any(f" {word} " in text for text in spaced))
                ):
                    hits.add(word_pk)
        found[pk] = hits
    return found


def _named_targets(articles: list[Article]) -> dict[int, set[int]]:
    """For each article, the followed series, column and keyword targets that hold it by
    its tags."""
    keywords = Article.keywords.through.objects.filter(article_id__in=[a.pk for a in articles])
    keywords_of: dict[int, set[int]] = {}
    for article_id, keyword_id in keywords.values_list("article_id", "keyword_id"):
        keywords_of.setdefault(article_id, set()).add(keyword_id)
    series = {a.series_id for a in articles if a.series_id}
    columns = {a.column_id for a in articles if a.column_id}
    all_keywords = set().union(*keywords_of.values()) if keywords_of else set()
    found = Target.objects.filter(
        Q(kind=Target.Kind.SERIES, series_id__in=series)
        | Q(kind=Target.Kind.COLUMN, column_id__in=columns)
        | Q(kind=Target.Kind.KEYWORD, keyword_id__in=all_keywords)
    ).values_list("pk", "kind", "series_id", "column_id", "keyword_id")
    by_ref = {(kind, s or c or k): pk for pk, kind, s, c, k in found}
    return {
        a.pk: {
            by_ref[ref]
            for ref in [
                (Target.Kind.SERIES, a.series_id),
                (Target.Kind.COLUMN, a.column_id),
                *((Target.Kind.KEYWORD, k) for k in keywords_of.get(a.pk, ())),
            ]
            if ref in by_ref
        }
        for a in articles
    }


def wanted_entries(article_ids: list[int]) -> dict[int, tuple[int, set[int]]]:
    """For each visible article among these: (its sort key, the targets that hold it)."""
    articles = list(
        Article.objects.published()
        .filter(pk__in=article_ids)
        .only("id", "published_at", "series_id", "column_id")
    )
    named = _named_targets(articles)
    documents = SearchDocument.objects.filter(article_id__in=[a.pk for a in articles])
    texts = {
        article_id: (title, body)
        for article_id, title, body in documents.values_list("article_id", "title", "body")
    }
    words = matching_words_many({a.pk: texts.get(a.pk, ("", "")) for a in articles})
    return {a.pk: (sort_key(a.published_at, a.pk), named[a.pk] | words[a.pk]) for a in articles}


def sync(article_ids: list[int], claim: str = "") -> None:
    """Bring the entries of these articles in step with what they are now (published,
    corrected, unpublished): idempotent, so a retried task changes nothing. What they
    hold is worked out before the write, with no lock held; ``claim``: the sync_pending
    claim whose notes the same transaction settles."""
    article_ids = list(article_ids)
    if article_ids:
        wanted = wanted_entries(article_ids)
        with transaction.atomic(using=router.db_for_write(Entry)):
            apply(article_ids, wanted)
            if claim:
                PendingSync.objects.filter(claim=claim).delete()
            forget(ENTRIES_STAMP)


def queue_sync(article_ids: list[int]) -> None:
    """Note these articles for sync_pending; noting one that waits, or that a sync has
    taken, makes it wait again (that sync may have read it before this change)."""
    now = timezone.now()
    PendingSync.objects.bulk_create(
        [PendingSync(article_id=pk, queued_at=now) for pk in article_ids],
        update_conflicts=True,
        unique_fields=["article_id"],
        update_fields=["queued_at", "claim", "claimed_at"],
    )


def _claim(batch: int) -> tuple[str, list[int]]:
    """Take up to ``batch`` waiting articles for this sync alone (a conditional UPDATE:
    concurrent syncs take different ones); a claim older than CLAIM_EXPIRES is free."""
    token, now = uuid.uuid4().hex, timezone.now()
    free = Q(claim="") | Q(claimed_at__lt=now - CLAIM_EXPIRES)
    waiting = PendingSync.objects.filter(free).order_by("queued_at")
    ids = list(waiting.values_list("article_id", flat=True)[:batch])
    PendingSync.objects.filter(free, article_id__in=ids).update(claim=token, claimed_at=now)
    return token, list(PendingSync.objects.filter(claim=token).values_list("article_id", flat=True))


def sync_pending(batch: int = SYNC_BATCH) -> int:
    """Sync the articles queue_sync noted, a batch at a time, until none wait; returns
    how many were synced. One noted again while its batch is synced keeps waiting (its
    note no longer holds the claim) for another round."""
    done = 0
    while True:
        token, article_ids = _claim(batch)
        if not article_ids:
            return done
        sync(article_ids, claim=token)
        done += len(article_ids)


def apply(article_ids: list[int], wanted: dict[int, tuple[int, set[int]]]) -> None:
    """Make the articles' entries what ``wanted`` says (inside the caller's transaction),
    and change the targets' counts by as much."""
    # Changes of the same articles wait for each other (a row lock on PostgreSQL;
    # SQLite's writers take turns), so the difference below is exact.
    list(Article.objects.select_for_update().filter(pk__in=article_ids).values_list("pk"))
    existing = Entry.objects.filter(article_id__in=article_ids).values_list(
        "target_id", "article_id", "sort_key"
    )
    have = {(t, a): key for t, a, key in existing}
    want = {(t, a): key for a, (key, targets) in wanted.items() for t in targets}
    gone = [pair for pair in have if pair not in want]
    moved = [pair for pair in have if pair in want and want[pair] != have[pair]]
    new = [pair for pair in want if pair not in have]
    stale: dict[int, list[int]] = defaultdict(list)
    for target_id, article_id in gone + moved:
        stale[article_id].append(target_id)
    for article_id, target_ids in stale.items():
        Entry.objects.filter(article_id=article_id, target_id__in=target_ids).delete()
    # A burst of publishing adds hundreds of entries an article: plain rows, without a
    # model instance each (which cost four times the insert itself).
    with connections[router.db_for_write(Entry)].cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {Entry._meta.db_table} (target_id, article_id, sort_key)"
            " VALUES (%s, %s, %s)",
            [(t, a, want[(t, a)]) for t, a in new + moved],
        )
    change = Counter(t for t, _a in new)
    change.subtract(t for t, _a in gone)
    by_change: dict[int, list[int]] = defaultdict(list)
    for target_id, delta in change.items():
        if delta:
            by_change[delta].append(target_id)
    for delta, target_ids in by_change.items():
        counted = F("article_count") + delta
        Target.objects.filter(pk__in=target_ids).update(article_count=counted)


ENTRIES_STAMP = "mynews:entries-stamp"


def cached_stamp() -> CachedState:
    """A token that changes whenever entries are synced or filled (an article published,
    corrected or unpublished; a target filled): part of the key of every cached My News
    page, so a page never shows a list older than its articles."""
    return CachedState(ENTRIES_STAMP, lambda: uuid.uuid4().hex, 3600)


def recount(target_ids) -> None:
    """Count again how many articles each of these targets holds (the follow list shows
    it): after a deletion, when a target is filled, and in the daily upkeep."""
    if not target_ids:
        return
    counted = (
        Entry.objects.filter(target=OuterRef("pk"))
        .order_by()
        .values("target")
        .annotate(n=Count("*"))
        .values("n")
    )
    Target.objects.filter(pk__in=target_ids).update(article_count=Coalesce(Subquery(counted), 0))


def upkeep(now=None) -> int:
    """The nightly upkeep: targets nobody follows leave percolation and take their entries
    with them (following again fills them anew), unless made in the last day (a target is
    made a moment before its first follow); the others' article counts are counted again,
    in case a failed task left one off. Returns how many targets were dropped."""
    day_ago = (now or timezone.now()) - timedelta(days=1)
    _total, deleted = Target.objects.filter(follows__isnull=True, created__lt=day_ago).delete()
    ids = list(Target.objects.values_list("pk", flat=True))
    for start in range(0, len(ids), 1000):
        recount(ids[start : start + 1000])
    return deleted.get(Target._meta.label, 0)


def fill_new_target(target: Target, now=None) -> None:
    """The archive's articles of a target followed for the first time: those its tags
    name, and those whose text holds its forms (a word's, a keyword's name) of late."""
    held = Q()
    if target.kind in (Target.Kind.SERIES, Target.Kind.COLUMN):
        held = Q(**{f"{target.kind}_id": target.ref[1]})
    elif target.kind == Target.Kind.KEYWORD:
        tagged = Article.keywords.through.objects.filter(keyword_id=target.keyword_id)
        held = Q(pk__in=tagged.values("article_id"))
    if target.forms:
        since = (now or timezone.now()) - timedelta(days=BACKFILL_DAYS)
        query = ParsedQuery(include=[tuple(target.forms.split())])
        result = backend().search(query, "newest", BACKFILL_MAX, 0, sort_key(since, 0), MAX_KEY)
        found = SearchDocument.objects.filter(sort_key__in=result.sort_keys)
        held |= Q(pk__in=found.values("article_id"))
    visible = Article.objects.published().filter(held)
    rows = visible.order_by("-published_at", "-id").values_list("pk", "published_at")
    with transaction.atomic(using=router.db_for_write(Entry)):
        Entry.objects.bulk_create(
            (
                Entry(target=target, article_id=pk, sort_key=sort_key(published_at, pk))
                for pk, published_at in rows[:BACKFILL_MAX]
            ),
            ignore_conflicts=True,
        )
        recount([target.pk])
        forget(ENTRIES_STAMP)


def page(target_ids: list[int], before: int | None, size: int) -> list[tuple[int, int]]:
    """(sort_key, article_id) of the newest size articles held by any of these targets,
    older than the sort key ``before``: one query, each target's range read from the top
    (at most size rows each), merged. An article held by several targets is listed once."""
    if not target_ids:
        return []
    table = Entry._meta.db_table
    below = "" if before is None else " AND sort_key < %s"
    part = (
        f"SELECT * FROM (SELECT sort_key, article_id FROM {table} WHERE target_id = %s{below}"
        f" ORDER BY sort_key DESC LIMIT %s) AS e{{n}}"
    )
    parts, params = [], []
    for n, target_id in enumerate(target_ids):
        parts.append(part.format(n=n))
        params += [target_id, *([before] if before is not None else []), size]
    sql = (
        f"SELECT DISTINCT sort_key, article_id FROM ({' UNION ALL '.join(parts)}) AS merged"
        " ORDER BY sort_key DESC LIMIT %s"
    )
    with connections[router.db_for_read(Entry)].cursor() as cursor:
        cursor.execute(sql, [*params, size])
        return [tuple(row) for row in cursor.fetchall()]
