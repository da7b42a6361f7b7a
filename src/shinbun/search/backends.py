"""The search index behind one interface, on the database's own engine.

- SQLite: an FTS5 table over the analysed tokens (contentless; the tokens live in
  SearchDocument). Its rowid is the document's time-ordered sort key, so newest-first
  is the engine's natural order and needs no sort.
- PostgreSQL: a narrow table of its own (search_tsv: the sort key and a tsvector
  built from the same tokens; no text search configuration is involved: the vector is
  written token by token), with a RUM index where the extension is installed
  (positions and ranking inside the index: phrases need no heap recheck, relevance no
  detoasting of every match; measured 510 -> 20 ms for a word in 55k of 98k
  articles), else GIN; its primary key on sort_key serves newest-first.

Relevance on very common words would rank every match (bm25 costs about 1.4 µs per
match); both backends rank only within the newest matches (RELEVANCE_WINDOW on SQLite,
PostgresBackend.window on PostgreSQL), which for news is what a reader means by
relevant.

Queries made only of common words (each in more than Engine.narrow articles, by the
exact document frequencies of TermStat) are planned differently: the count is
estimated from the newest matches (Engine.estimate). PostgreSQL needs this most: its
indexes cannot stop early, and a GIN or RUM scan, even under a LIMIT, reads the whole
posting list of every word (~0.2 µs a posting, 200 ms for a word in most of 1,000,000
articles), while walking the sort_key btree down stops after a page.
"""

import math
import re
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from django.db import DatabaseError, connection, transaction

from shinbun.core.compiled import driver_cursor
from shinbun.search.query import ParsedQuery

# Counting every match of a very common word costs time that grows with the archive
# (50 ms at 220k articles on SQLite, 600 ms on PostgreSQL); past this many, readers see
# "10000件以上", and no page beyond it can be reached anyway (services.MAX_OFFSET).
COUNT_CAP = 10_000
MIN_KEY, MAX_KEY = 0, 2**62  # the whole range of sort keys
RELEVANCE_WINDOW = COUNT_CAP
TITLE_WEIGHT, BODY_WEIGHT = 4.0, 1.0
FACET_PREFIX = "zz"  # begins every facet marker (indexing.facet_markers)


@dataclass
class EngineResult:
    count: int  # capped at COUNT_CAP
    sort_keys: list[int]
    count_capped: bool = False


@dataclass
class IndexEntry:
    """What an engine indexes for one article: forms separated by spaces, as stored."""

    sort_key: int
    title: str
    body: str
    facets: str


class Engine:
    """The search flow both engines share. An engine names its table, its time-ordered
    key column, its match condition and its ranking.

    Planning by the words' exact document frequencies (TermStat): when some searched
    word is in at most ``narrow`` articles, the matches are counted (up to COUNT_CAP).
    When every word is more common than that, the count is estimated from how densely
    the ``probe`` newest matches lie, and counted only if the estimate stays under
    ``narrow``: counting 10,000 phrase matches, or on PostgreSQL reading whole posting
    lists, is what made common queries slow. Newest first is then one walk down the
    key; relevance ranks within the newest matches (``ranked``)."""

    source: str  # table searched
    key: str  # the time-ordered key column
    rank: str  # ORDER BY expression for relevance (best first)
    rank_uses_match = False  # whether `rank` takes the match parameters again
    narrow = 3 * COUNT_CAP  # a word in at most this many articles: count the matches
    probe = 20  # the newest matches that tell how dense the matches are
    window = 1_000  # relevance among common words ranks the newest this many matches

    def condition(self, query: ParsedQuery) -> tuple[str, list]:
        raise NotImplementedError

    def count(self, cursor, where: str, params: list) -> int:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {self.source} WHERE {where} "
            f"LIMIT {COUNT_CAP + 1}) t",
            params,
        )
        return cursor.fetchone()[0]

    def plan(self, query: ParsedQuery, key_from: int, key_to: int) -> "Plan":
        from shinbun.search.indexing import document_frequencies

        df, total = document_frequencies(query.terms)
        match, match_params = self.condition(query)
        where = f"{match} AND {self.key} BETWEEN %s AND %s"
        return Plan(query, match, where, match_params, key_from, key_to, df, total)

    def search(self, query, sort, limit, offset, key_from, key_to) -> EngineResult:
        plan = self.plan(query, key_from, key_to)
        known = plan.known_count
        if known is not None and offset >= known:  # no match, or a page past the end
            return EngineResult(min(known, COUNT_CAP), [], known > COUNT_CAP)
        rarest = min(map(plan.frequency, query.required))
        with driver_cursor(connection) as cursor:
            # Every word common: estimated, unless the matches are too sparse among the
            # newest articles to tell (None), and then counted like a rare word's.
            count = self.estimate(cursor, plan) if rarest > self.narrow else None
            if count is None and sort == "relevance":
                count, keys = self.counted_ranked(cursor, plan, limit, offset)
                return EngineResult(min(count, COUNT_CAP), keys, count > COUNT_CAP)
            elif count is None:
                count, keys = self.counted_newest(cursor, plan, limit, offset)
                return EngineResult(min(count, COUNT_CAP), keys, count > COUNT_CAP)
            newest = plan.newest
            if sort == "relevance":
                keys = self.ranked(cursor, plan, count, limit, offset)
            elif newest is not None and (plan.complete or offset + limit <= len(newest)):
                keys = newest[offset : offset + limit]
            else:
                keys = self.newest_page(cursor, plan, count, limit, offset)
        return EngineResult(min(count, COUNT_CAP), keys, count > COUNT_CAP)

    def matches(self, cursor, plan: "Plan") -> int:
        """How many articles match, up to COUNT_CAP + 1: TermStat's count, when it
        knows it, else counted."""
        known = plan.known_count
        return self.count(cursor, plan.where, plan.params) if known is None else known

    def counted_newest(self, cursor, plan: "Plan", limit: int, offset: int):
        """(count, a page of keys newest first) for a query with a word in at most
        ``narrow`` articles: the matches counted, then the page read down the key."""
        count = self.matches(cursor, plan)
        return count, self.newest_page(cursor, plan, count, limit, offset)

    def counted_ranked(self, cursor, plan: "Plan", limit: int, offset: int):
        """(count, a page of keys best first) for a query with a word in at most
        ``narrow`` articles: the matches counted, then ranked."""
        count = self.matches(cursor, plan)
        return count, self.ranked(cursor, plan, count, limit, offset)

    def newest_page(self, cursor, plan: "Plan", count: int, limit: int, offset: int):
        cursor.execute(
            f"SELECT {self.key} FROM {self.source} WHERE {plan.where} "
            f"ORDER BY {self.newest_order(plan, count)} LIMIT %s OFFSET %s",
            [*plan.params, limit, offset],
        )
        return [row[0] for row in cursor.fetchall()]

    def estimate(self, cursor, plan: "Plan") -> int | None:
        """The count of a query of common words: COUNT_CAP + 1 (「10000件以上」) when the
        newest matches are dense enough for ``narrow`` matches in the range, else exact;
        None when the probe was not made (too sparse among the newest articles: the
        caller counts). Notes the newest matches and their density on the plan."""
        newest = self.probe_newest(cursor, plan)
        if newest is None:
            return None
        plan.newest = newest
        if len(plan.newest) < self.probe:  # the walk went through the whole range
            plan.density, plan.complete = 1.0, True
            return len(plan.newest)
        plan.density = self.probe / _documents_between(cursor, plan.newest[-1], plan.key_to)
        if plan.key_from <= MIN_KEY and plan.key_to >= MAX_KEY:
            in_range = plan.total
        else:
            in_range = _documents_between(cursor, plan.key_from, plan.key_to)
        if plan.density * in_range >= self.narrow:
            return COUNT_CAP + 1
        if plan.density * in_range > COUNT_CAP and self.surely_over_cap(cursor, plan):
            return COUNT_CAP + 1
        return self.matches(cursor, plan)

    def surely_over_cap(self, cursor, plan: "Plan") -> bool:
        """Whether a query whose density estimate passes COUNT_CAP, but not by enough
        to trust 20 matches, surely has more than COUNT_CAP matches (else they are
        counted). An engine that can tell at less than a count's cost says so here."""
        return False

    def probe_newest(self, cursor, plan: "Plan") -> list[int] | None:
        """The ``probe`` newest matches (fewer: all there are), or None to leave a
        query whose matches are sparse among the newest articles to the index."""
        cursor.execute(
            f"SELECT {self.key} FROM {self.source} WHERE {plan.where} "
            f"ORDER BY {self.key} DESC LIMIT %s",
            [*plan.params, self.probe],
        )
        return [row[0] for row in cursor.fetchall()]

    def newest_order(self, plan: "Plan", count: int) -> str:
        return f"{self.key} DESC"

    def ranked(self, cursor, plan: "Plan", count: int, limit: int, offset: int) -> list[int]:
        """One page by relevance, ranked within the newest RELEVANCE_WINDOW matches."""
        floor = plan.key_from
        if count > RELEVANCE_WINDOW:
            cursor.execute(
                f"SELECT {self.key} FROM {self.source} WHERE {plan.where} "
                f"ORDER BY {self.key} DESC LIMIT 1 OFFSET {RELEVANCE_WINDOW - 1}",
                plan.params,
            )
            row = cursor.fetchone()  # none when an estimated count overshot
            floor = row[0] if row else floor
        cursor.execute(
            f"SELECT {self.key} FROM {self.source} WHERE {plan.where} "
            f"ORDER BY {self.rank}, {self.key} DESC LIMIT %s OFFSET %s",
            [*plan.match_params, floor, plan.key_to, *self.rank_params(plan), limit, offset],
        )
        return [row[0] for row in cursor.fetchall()]

    def rank_params(self, plan: "Plan") -> list:
        return plan.match_params if self.rank_uses_match else []


@dataclass
class Plan:
    """One search as the engine runs it."""

    query: ParsedQuery
    match: str  # the engine's match condition
    where: str  # the match and the key range
    match_params: list
    key_from: int
    key_to: int
    df: dict[str, int]  # document frequencies of the searched words
    total: int  # articles in the index
    newest: list[int] | None = None  # the newest matches, when probed
    density: float | None = None  # matches per article near the newest ones
    complete: bool = False  # the probe found every match

    @property
    def params(self) -> list:
        return [*self.match_params, self.key_from, self.key_to]

    def frequency(self, form: str) -> int:
        """How many articles hold the form (TermStat's document frequency)."""
        return self.df.get(form, 0)

    @property
    def known_count(self) -> int | None:
        """The number of matches when TermStat holds it (see one_word)."""
        form = one_word(self.query, self.key_from, self.key_to)
        return None if form is None else self.frequency(form)

    def independent_share(self, forms) -> float:
        """The share of articles holding all these forms, were they independent."""
        return math.prod(min(1.0, self.frequency(f) / (self.total or 1)) for f in forms)


def one_word(query: ParsedQuery, key_from: int, key_to: int) -> str | None:
    """The word of a search for one word over the whole archive. Its matches are
    exactly the articles TermStat counts for the word (a form is one token to both
    engines: analysis leaves lower-case word characters only), so they need no count:
    counting them was half of a rare word's search on SQLite."""
    if query.exclude or query.facets or len(query.include) != 1 or len(query.include[0]) != 1:
        return None
    if key_from > MIN_KEY or key_to < MAX_KEY:
        return None
    form = query.include[0][0]
    # A facet marker typed as a word: counted for its articles, matched in none.
    return None if form.startswith(FACET_PREFIX) else form


def _documents_between(cursor, low: int, high: int) -> int:
    cursor.execute(
        "SELECT count(*) FROM search_searchdocument WHERE sort_key BETWEEN %s AND %s",
        [low, high],
    )
    return cursor.fetchone()[0]


BM25_K1, BM25_B = 1.2, 0.75


def bm25_order(keys: list[int], plan: Plan) -> list[int]:
    """The documents' sort keys best first by BM25 over their stored tokens: each
    searched phrase's occurrences (a title one counts TITLE_WEIGHT times), its idf from
    TermStat (the rarest of its words, an upper bound on the phrase's articles). Ties go
    to the newer."""
    from shinbun.search.models import SearchDocument

    rows = list(
        SearchDocument.objects.filter(sort_key__in=keys).values_list(
            "sort_key", "title", "body", "length"
        )
    )
    if not rows:
        return []
    total = max(plan.total, len(rows))
    phrases = []
    for phrase in plan.query.include:
        articles = min(plan.frequency(form) for form in phrase)
        idf = math.log(1 + (total - articles + 0.5) / (articles + 0.5))
        phrases.append((re.compile(f"(?= {re.escape(' '.join(phrase))} )"), idf))
    average = sum(length for *_, length in rows) / len(rows) or 1.0
    scored = []
    for key, title, body, length in rows:
        score = 0.0
        norm = BM25_K1 * (1 - BM25_B + BM25_B * length / average)
        for pattern, idf in phrases:
            tf = TITLE_WEIGHT * len(pattern.findall(f" {title} ")) + BODY_WEIGHT * len(
                pattern.findall(f" {body} ")
            )
            score += idf * tf * (BM25_K1 + 1) / (tf + norm)
        scored.append((-score, -key))
    scored.sort()
    return [-key for _, key in scored]


class SQLiteBackend(Engine):
    table = source = "search_fts"
    key = "rowid"
    rank = f"bm25(search_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}, 0.0)"
    # Measured at 1,000,000 articles: bm25 reads ~0.1 µs per posting of the searched
    # words; ranking a match from its stored tokens costs ~45 µs.
    posting_cost, row_cost = 0.1, 45.0

    def search(self, query, sort, limit, offset, key_from, key_to) -> EngineResult:
        form = one_word(query, key_from, key_to) if sort == "newest" else None
        if form is None:
            return super().search(query, sort, limit, offset, key_from, key_to)
        # The most common search, one word newest first, is one statement: the page,
        # walked down the key (FTS5's own order, which stops after the page), and the
        # word's count from TermStat beside it, where planning would look it up first.
        from shinbun.search.indexing import document_frequencies
        from shinbun.search.models import TermStat

        with driver_cursor(connection) as cursor:
            cursor.execute(
                f"SELECT rowid, (SELECT df FROM {TermStat._meta.db_table} WHERE form = %s) "
                f"FROM {self.table} WHERE {self.table} MATCH %s "
                "ORDER BY rowid DESC LIMIT %s OFFSET %s",
                [form, self.expression(query), limit, offset],
            )
            rows = cursor.fetchall()
            if rows:
                count = max(rows[0][1] or 0, offset + len(rows))
            else:  # no match, or a page past the end
                count = document_frequencies([form])[0].get(form, 0)
        keys = [key for key, _ in rows]
        return EngineResult(min(count, COUNT_CAP), keys, count > COUNT_CAP)

    def ranked(self, cursor, plan: Plan, count: int, limit: int, offset: int) -> list[int]:
        """FTS5's bm25 first counts every article matching each searched phrase (its
        idf), reading the words' whole posting lists: 250-350 ms for a phrase of two
        common words at 1,000,000 articles, ~100 ms for a common word beside a rare one.
        When that would cost more than reading the newest ``window`` matches' stored
        tokens, those are ranked here instead, by the same BM25."""
        postings = sum(map(plan.frequency, plan.query.words))
        if postings * self.posting_cost <= min(count, self.window) * self.row_cost:
            return super().ranked(cursor, plan, count, limit, offset)
        cursor.execute(
            f"SELECT rowid FROM {self.table} WHERE {plan.where} ORDER BY rowid DESC LIMIT %s",
            [*plan.params, max(self.window, offset + limit)],
        )
        keys = [row[0] for row in cursor.fetchall()]
        return bm25_order(keys, plan)[offset : offset + limit]

    # FTS5's tokenizer. Rows and queries are analysis's forms, one space apart: lower
    # case, word characters only. ``ascii`` keeps each form whole and as written, where
    # ``unicode61`` (until migration 0012) folded a few letters more (final sigma,
    # micro sign, ...), so that FTS5 and TermStat could disagree on a word, and read
    # every character through its Unicode tables: 0.34M of indexing's 18.8M
    # instructions an article (callgrind).
    tokenizer = "ascii"

    def create(self, cursor, tokenizer: str | None = None) -> None:
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.table} USING fts5("
            f"title, body, facets, content='', tokenize='{tokenizer or self.tokenizer}')"
        )

    def refill(self, cursor, tokenizer: str | None = None) -> None:
        """The engine table made again with this tokenizer, from the stored documents."""
        self.drop(cursor)
        self.create(cursor, tokenizer)
        cursor.execute(
            f"INSERT INTO {self.table}(rowid, title, body, facets) "
            "SELECT sort_key, title, body, facets FROM search_searchdocument"
        )

    def drop(self, cursor) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS {self.table}")

    def add(self, entries: list[IndexEntry]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table}(rowid, title, body, facets) VALUES (%s, %s, %s, %s)",
                [(e.sort_key, e.title, e.body, e.facets) for e in entries],
            )

    def remove(self, entries: list[IndexEntry]) -> None:
        # A contentless FTS5 table forgets a row when told the values it indexed.
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table}({self.table}, rowid, title, body, facets) "
                "VALUES ('delete', %s, %s, %s, %s)",
                [(e.sort_key, e.title, e.body, e.facets) for e in entries],
            )

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {self.table}({self.table}) VALUES ('delete-all')")

    @staticmethod
    def expression(query: ParsedQuery) -> str:
        def phrase(forms):
            # Forms hold only word characters (analysis removes the rest), so quoting
            # them cannot produce FTS5 syntax.
            return '{title body} : "' + " ".join(forms) + '"'

        parts = [phrase(p) for p in query.include]
        parts += [f'facets : "{marker}"' for marker in query.facets]
        expr = " AND ".join(f"({part})" for part in parts)
        for excluded in query.exclude:
            expr = f"({expr}) NOT ({phrase(excluded)})"
        return expr

    def condition(self, query: ParsedQuery) -> tuple[str, list]:
        return f"{self.table} MATCH %s", [self.expression(query)]

    def term_postings(self, form: str, limit: int) -> list[int]:
        """Sort keys of the newest documents containing a word (title or body)."""
        with driver_cursor(connection) as cursor:
            cursor.execute(
                f"SELECT rowid FROM {self.table} WHERE {self.table} MATCH %s "
                "ORDER BY rowid DESC LIMIT %s",
                ['{title body} : "' + form + '"', limit],
            )
            return [row[0] for row in cursor.fetchall()]


def _tsvector(entry: IndexEntry) -> str:
    """A tsvector literal, written token by token (forms are word characters only)."""
    positions: dict[str, list[str]] = {}
    position = 0
    for weight, forms in (("A", entry.title), ("D", entry.body), ("D", entry.facets)):
        for form in forms.split():
            position += 1
            mark = f"{min(position, 16383)}{'A' if weight == 'A' else ''}"
            positions.setdefault(form, []).append(mark)
    return " ".join(f"'{form}':{','.join(marks[:256])}" for form, marks in positions.items())


class PostgresBackend(Engine):
    # A narrow table of its own, like SQLite's: the vectors (~5 KB, stored out of line)
    # leave rows of ~60 bytes, so the 1,000,000 rows' sort keys fit in shared buffers
    # (60 MB instead of the documents' 1 GB), and a new topic vector or norm on a
    # document does not write its vector again.
    table = source = "search_tsv"
    key = "sort_key"
    rank_uses_match = True

    # The newest articles' vectors again, kept in the row (STORAGE MAIN: compressed, not
    # out of line): walking the key down reads each row's vector, and from a row it
    # costs 40 % of what an out-of-line vector of search_tsv costs (its chunks looked up
    # through the TOAST index: 3,000 corpus vectors, 8.4 against 20.7 ms). The table
    # always holds the newest ``newest_rows`` (or all) of search_tsv's rows and at most
    # ``newest_slack`` more, so a walk from the newest article down of at most
    # newest_rows rows reads the same rows from it (sync_newest keeps this).
    newest = "search_tsv_newest"
    newest_rows = 4_000
    newest_slack = 1_000

    # Measured with RUM at 1,000,000 articles (100,000: 0.2 and 20): ranking in the
    # index reads ~0.5 µs per posting of the words; reading and ranking a row's vector
    # in sort_key order ~50 µs.
    posting_cost, row_cost = 0.5, 50.0
    row_budget = 2_000  # rows walked to rank common words (~100 ms)
    candidates = 100  # a phrase's best by its words, ranked again by the phrase
    # The newest articles the probe may read: a row's vector costs ~7 µs from the narrow
    # table at 1,000,000 articles (~30 µs from the documents' rows before), so 2,000
    # rows (~15 ms) find 20 matches of a query in 1 % of the articles.
    probe_rows = 2_000

    def probe_newest(self, cursor, plan: Plan) -> list[int] | None:
        """Walking sort_key down reads each row's vector: the probe reads at most
        ``probe_rows`` articles, and when fewer than ``probe`` of them match (a word of
        an earlier year) the query goes to the index instead. It is not tried when the
        words' own frequencies, taken as independent, promise fewer than ``probe``
        matches in that many rows (two words each in 3-4 % of the articles): the index
        finds those sooner."""
        share = plan.independent_share(plan.query.required)
        rows = self.probe_rows
        if share * rows < self.probe:
            return None
        cursor.execute(
            f"SELECT sort_key FROM (SELECT sort_key, tsv FROM {self.walked(plan, rows)} "
            "WHERE sort_key BETWEEN %s AND %s ORDER BY sort_key DESC LIMIT %s) w "
            f"WHERE {plan.match} ORDER BY sort_key DESC LIMIT %s",
            [plan.key_from, plan.key_to, rows, *plan.match_params, self.probe],
        )
        newest = [row[0] for row in cursor.fetchall()]
        if len(newest) == self.probe:
            return newest
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {self.source} "
            "WHERE sort_key BETWEEN %s AND %s LIMIT %s) r",
            [plan.key_from, plan.key_to, rows],
        )
        return newest if cursor.fetchone()[0] < rows else None

    # The newest articles read to tell which share of the rarest word's articles hold
    # the rest of the query (~7 µs each: ~20 ms), and how sure that share must be.
    share_rows = 3_000
    share_sample = 40  # of the rarest word's articles among them, at least
    share_margin = 1.2  # the estimate must pass COUNT_CAP by this much
    # When only the count is asked (the newest matches are known), the walk stops at
    # this many of the rarer word's articles: 800 rows instead of 3,000 for a word in
    # 13 % of the articles.
    share_enough = 100

    def counted_newest(self, cursor, plan: Plan, limit: int, offset: int):
        """One pass over the index for the count and the page: every match (at most
        ``narrow``) is read once, counted and the newest kept; the rows are narrow, so
        reading 15,000 of them costs a few ms, where walking the key down reads each
        row's vector. Unless the matches surely pass COUNT_CAP (estimated_newest)."""
        if not uses_rum():
            return super().counted_newest(cursor, plan, limit, offset)
        estimated = self.estimated_newest(cursor, plan, limit, offset)
        if estimated is not None:
            return estimated
        with _through_the_index(cursor):
            return self._counted_page(cursor, plan, "sort_key + 0 DESC", [], limit, offset)

    def counted_ranked(self, cursor, plan: Plan, limit: int, offset: int):
        """One pass for the count and the page when RUM ranks the words: the index hands
        every match (at most ``narrow``) out best first, counted on the way, instead of
        a count through the index (a transaction to switch the sequential scan off) and
        then the same walk again for the page."""
        if not uses_rum() or any(len(words) > 1 for words in plan.query.include):
            return super().counted_ranked(cursor, plan, limit, offset)
        return self._counted_page(cursor, plan, self.rank, self.rank_params(plan), limit, offset)

    def _counted_page(self, cursor, plan: Plan, order: str, order_params, limit, offset):
        """(count, a page of keys in this order) from one query: every match is counted
        (``count(*) OVER ()``) on the way to the page."""
        cursor.execute(
            f"SELECT sort_key, count(*) OVER () FROM {self.source} WHERE {plan.where} "
            f"ORDER BY {order} LIMIT %s OFFSET %s",
            [*plan.params, *order_params, limit, offset],
        )
        rows = cursor.fetchall()
        if rows:
            return rows[0][1], [key for key, _ in rows]
        if offset == 0:
            return 0, []
        return self.count(cursor, plan.where, plan.params), []  # a page past the end

    def estimated_newest(self, cursor, plan: Plan, limit: int, offset: int):
        """(COUNT_CAP + 1, the page) when a common word beside a rarer one surely has
        more than COUNT_CAP matches (newest_over_cap), else None (the caller counts)."""
        matches = self.newest_over_cap(cursor, plan)
        if matches is None or len(matches) < offset + limit:
            return None
        return COUNT_CAP + 1, matches[offset : offset + limit]

    def surely_over_cap(self, cursor, plan: Plan) -> bool:
        """Two common words whose 20 newest matches put their count between COUNT_CAP
        and ``narrow``: counting was 40-70 ms at 1,000,000 articles (開始 デジタル,
        此の ずっと: 32,000-35,000 matches); with the share read instead, the whole
        searches take 21 and 28 ms (67 and 75 before)."""
        matches = self.newest_over_cap(cursor, plan, self.share_enough)
        if matches is None:
            return False
        if len(matches) > len(plan.newest):  # the newest matches, more of them
            plan.newest = matches
        return True

    def newest_over_cap(self, cursor, plan: Plan, enough: int | None = None) -> list[int] | None:
        """The matches among the newest ``share_rows`` articles (or among as many as
        hold ``enough`` of the rarer word's articles), newest first, when the query
        surely has more than COUNT_CAP matches, else None. Counting them is
        RUM's AND, which looks each article of the rarer word up in the common word's
        posting tree: 25-45 ms for 13,000-21,000 matches at 1,000,000 articles (日本 主題,
        よう アーチスト). TermStat knows exactly how many articles hold the rarer word;
        the share of them holding the rest of the query is read from the newest
        ``share_rows`` articles. Only over the whole archive (TermStat's counts are not
        per date range), and only when the words' own frequencies, taken as
        independent, already promise more than COUNT_CAP."""
        required = plan.query.required
        rarest = min(required, key=plan.frequency)
        articles = plan.frequency(rarest)
        independent = articles * plan.independent_share(f for f in required if f != rarest)
        if plan.key_from > MIN_KEY or plan.key_to < MAX_KEY or independent <= COUNT_CAP:
            return None
        cursor.execute(
            f"SELECT sort_key, {plan.match} FROM (SELECT sort_key, tsv "
            f"FROM {self.walked(plan, self.share_rows)} "
            "ORDER BY sort_key DESC LIMIT %s) w WHERE tsv @@ %s::tsquery "
            "ORDER BY sort_key DESC LIMIT %s",
            [*plan.match_params, self.share_rows, f"'{rarest}'", enough or self.share_rows],
        )
        rows = cursor.fetchall()
        matches = [key for key, matched in rows if matched]
        if len(rows) < self.share_sample:
            return None
        if articles * len(matches) / len(rows) < self.share_margin * COUNT_CAP:
            return None
        return matches

    def walked(self, plan: Plan, rows: int) -> str:
        """The table a walk of at most ``rows`` rows from the newest article down
        reads: the newest articles' own when it holds them (the range has no upper
        bound), else search_tsv."""
        if plan.key_to >= MAX_KEY and rows <= self.newest_rows:
            return self.newest
        return self.source

    def newest_order(self, plan: Plan, count: int) -> str:
        # The planner takes a rare word for a common one (it has no statistics for
        # most words) and walks sort_key down through a million rows (200-500 ms for
        # a word in 0.1 % of them). Up to COUNT_CAP matches, fetching them all from
        # the index and sorting costs a few ms; "+ 0" keeps it off the sort_key btree.
        if plan.density is None and count <= COUNT_CAP:
            return "sort_key + 0 DESC"
        return "sort_key DESC"

    def ranked(self, cursor, plan: Plan, count: int, limit: int, offset: int) -> list[int]:
        """RUM ranks every match in the index, reading the words' whole posting lists.
        For common words, ranking the newest matches row by row (walking the key down,
        reading each row's vector) is cheaper unless the matches are sparse; the walk is
        kept to ``row_budget`` rows. Phrases: RUM's in-index order for a phrase query
        is not the order of its own distance (rum 1.3, PostgreSQL 15: 6.6, 0.8, 8.2, ...
        come out in that order), so the index ranks the words ANDed and its best
        ``candidates`` are ranked again by the phrase, row by row."""
        window = max(self.window, offset + limit)
        if plan.density is not None:
            window = max(offset + limit, min(window, int(plan.density * self.row_budget)))
        by_rows = plan.density is not None and (
            not uses_rum()
            or window / plan.density * self.row_cost
            <= sum(map(plan.frequency, plan.query.terms)) * self.posting_cost
        )
        if by_rows:
            return self.ranked_newest(cursor, plan, window, limit, offset)
        rank_params = self.rank_params(plan)
        if uses_rum() and any(len(words) > 1 for words in plan.query.include):
            cursor.execute(
                f"SELECT sort_key FROM (SELECT sort_key, tsv FROM {self.source} "
                f"WHERE {plan.where} ORDER BY tsv <=> %s::tsquery LIMIT %s) c "
                f"ORDER BY {self.rank}, sort_key DESC LIMIT %s OFFSET %s",
                [
                    *plan.params,
                    self.expression(plan.query, adjacent=" & "),
                    max(self.candidates, offset + limit),
                    *rank_params,
                    limit,
                    offset,
                ],
            )
        elif uses_rum():
            # The index hands out matches best first: no second sort key (which would
            # make the planner sort every match itself).
            cursor.execute(
                f"SELECT sort_key FROM {self.source} WHERE {plan.where} "
                f"ORDER BY {self.rank} LIMIT %s OFFSET %s",
                [*plan.params, *rank_params, limit, offset],
            )
        else:
            return super().ranked(cursor, plan, count, limit, offset)
        return [row[0] for row in cursor.fetchall()]

    def ranked_newest(self, cursor, plan: Plan, window: int, limit: int, offset: int):
        """The newest ``window`` matches ranked, a page of them. The walk reads the
        newest articles' own table when it is expected to stay inside it; a walk that
        ran out of that table before finding ``window`` matches is done again over
        search_tsv (its matches are sparser than their density said)."""
        table = self.walked(plan, math.ceil(window / plan.density))
        while True:
            cursor.execute(
                f"SELECT sort_key, count(*) OVER () FROM (SELECT sort_key, tsv FROM {table} "
                f"WHERE {plan.where} ORDER BY sort_key DESC LIMIT %s) w "
                f"ORDER BY {self.rank}, sort_key DESC LIMIT %s OFFSET %s",
                [*plan.params, window, *self.rank_params(plan), limit, offset],
            )
            rows = cursor.fetchall()
            # A page past the walk's end tells nothing of it: done again, to be sure.
            if table == self.source or (rows and rows[0][1] >= window):
                return [key for key, _ in rows]
            table = self.source

    def count(self, cursor, where: str, params: list) -> int:
        if not uses_rum():
            return super().count(cursor, where, params)
        # The planner expects a common word's matches to be cheaper to find by reading
        # the table, but every row's vector must then be read and, for a phrase, its
        # positions checked; the RUM index has both (100k articles: a phrase 211 -> 127
        # ms, a word in 99 % of them 86 -> 57 ms).
        with _through_the_index(cursor):
            return super().count(cursor, where, params)

    @property
    def rank(self) -> str:
        if uses_rum():
            return "tsv <=> %s::tsquery"  # RUM's distance: ts_rank over weights D..A
        # Weights D, C, B, A: the title (A) counts ten times the body (D).
        return "ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', tsv, %s::tsquery, 1) DESC"

    def create_table(self, cursor) -> None:
        for table in (self.table, self.newest):
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {table} "
                "(sort_key bigint PRIMARY KEY, tsv tsvector NOT NULL)"
            )
        cursor.execute(f"ALTER TABLE {self.newest} ALTER COLUMN tsv SET STORAGE MAIN")

    def create(self, cursor) -> None:
        self.create_table(cursor)
        if _install_rum(cursor):
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS search_tsv_rum ON {self.table} "
                "USING rum (tsv rum_tsvector_ops)"
            )
            cursor.execute("DROP INDEX IF EXISTS search_tsv_gin")
        else:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS search_tsv_gin ON {self.table} USING gin (tsv)"
            )
        self.sync_newest(cursor)
        uses_rum.cache_clear()

    def drop(self, cursor) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS {self.table}, {self.newest}")
        uses_rum.cache_clear()

    def add(self, entries: list[IndexEntry]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table} (sort_key, tsv) VALUES (%s, %s::tsvector) "
                "ON CONFLICT (sort_key) DO UPDATE SET tsv = EXCLUDED.tsv",
                [(e.sort_key, _tsvector(e)) for e in entries],
            )
            self.sync_newest(cursor, [e.sort_key for e in entries])

    def remove(self, entries: list[IndexEntry]) -> None:
        with connection.cursor() as cursor:
            for table in (self.table, self.newest):
                cursor.execute(
                    f"DELETE FROM {table} WHERE sort_key = ANY(%s)",
                    [[e.sort_key for e in entries]],
                )
            self.sync_newest(cursor)

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {self.table}, {self.newest}")

    def sync_newest(self, cursor, keys: Sequence[int] = ()) -> None:
        """Keep search_tsv_newest the newest M rows of search_tsv, newest_rows <= M <=
        newest_rows + newest_slack (or all of them), after these keys were written to
        search_tsv or rows removed from both: filled up from below its oldest row when
        short, the written rows at or above its oldest row copied in, and cut back to
        newest_rows when past the slack. One writer at a time (a lock held to the end
        of the transaction)."""
        with transaction.atomic():
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [self.newest])
            cursor.execute(
                f"INSERT INTO {self.newest} (sort_key, tsv) SELECT sort_key, tsv "
                f"FROM {self.table} WHERE sort_key < "
                f"(SELECT coalesce(min(sort_key), %s) FROM {self.newest}) "
                "ORDER BY sort_key DESC "
                f"LIMIT greatest(0, %s - (SELECT count(*) FROM {self.newest}))",
                [MAX_KEY + 1, self.newest_rows],
            )
            if keys:
                cursor.execute(
                    f"INSERT INTO {self.newest} (sort_key, tsv) SELECT sort_key, tsv "
                    f"FROM {self.table} WHERE sort_key = ANY(%s) "
                    f"AND sort_key >= (SELECT min(sort_key) FROM {self.newest}) "
                    "ON CONFLICT (sort_key) DO UPDATE SET tsv = EXCLUDED.tsv",
                    [list(keys)],
                )
            cursor.execute(f"SELECT count(*) FROM {self.newest}")
            if cursor.fetchone()[0] > self.newest_rows + self.newest_slack:
                cursor.execute(
                    f"DELETE FROM {self.newest} WHERE sort_key < (SELECT sort_key "
                    f"FROM {self.newest} ORDER BY sort_key DESC OFFSET %s LIMIT 1)",
                    [self.newest_rows - 1],
                )

    @staticmethod
    def expression(query: ParsedQuery, adjacent: str = " <-> ") -> str:
        def phrase(forms):
            return "(" + adjacent.join(f"'{form}'" for form in forms) + ")"

        parts = [phrase(p) for p in query.include] + [f"'{m}'" for m in query.facets]
        expr = " & ".join(parts)
        for excluded in query.exclude:
            expr += f" & !{phrase(excluded)}"
        return expr

    def condition(self, query: ParsedQuery) -> tuple[str, list]:
        return "tsv @@ %s::tsquery", [self.expression(query)]

    def term_postings(self, form: str, limit: int) -> list[int]:
        with driver_cursor(connection) as cursor:
            cursor.execute(
                f"SELECT sort_key FROM {self.table} WHERE tsv @@ %s::tsquery "
                "ORDER BY sort_key DESC LIMIT %s",
                [f"'{form}'", limit],
            )
            return [row[0] for row in cursor.fetchall()]


@contextmanager
def _through_the_index(cursor):
    """The statements inside run with the sequential scan switched off (only they,
    also inside a caller's transaction)."""
    with transaction.atomic():
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            yield
        finally:
            cursor.execute("RESET enable_seqscan")


def _install_rum(cursor) -> bool:
    """Is the RUM extension in this database (created here if the server has it and we
    may)? Without it the index is GIN: slower on common words and phrases, same results."""
    cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
    if cursor.fetchone() is None:
        return False
    try:
        with transaction.atomic(using=cursor.db.alias):
            cursor.execute("CREATE EXTENSION IF NOT EXISTS rum")
    except DatabaseError:  # not allowed to: an operator can create it and migrate again
        return False
    return True


@cache
def uses_rum() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'search_tsv_rum'")
        return cursor.fetchone() is not None


def backend():
    return PostgresBackend() if connection.vendor == "postgresql" else SQLiteBackend()
