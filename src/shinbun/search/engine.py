"""The search index's common interface, on the database's own full-text engine.

Each engine (search/engines/sqlite.py: FTS5; search/engines/postgres.py: a tsvector
table with a RUM or GIN index) keeps one row per article, keyed by the document's
time-ordered sort key, so newest first is a walk down that key which stops after the
page. What both share lives here:

- the interface: ``add``, ``remove``, ``clear`` (indexing), ``search`` (one page of
  sort keys and the count), ``term_postings`` (a word's newest articles, for 自動検索);
- the capped count: past COUNT_CAP matches readers see 「10000件以上」, and no page
  beyond it can be reached (services.MAX_OFFSET), so counting stops there;
- planning by the words' exact document frequencies (search/termstats.py): a query
  made only of common words has its count estimated from how densely its newest
  matches lie, instead of counted (an index scan cannot stop early for a count);
- relevance ranks within the newest matches (RELEVANCE_WINDOW), which for news is what
  a reader means by relevant, and costs a bounded amount however common the words.
"""

import math
from dataclasses import dataclass

from django.db import connections

from shinbun.search.facets import is_facet_marker
from shinbun.search.query import ParsedQuery
from shinbun.search.termstats import document_frequencies

# Counting every match of a very common word costs time that grows with the archive;
# past this many, readers see "10000件以上".
COUNT_CAP = 10_000
MIN_KEY, MAX_KEY = 0, 2**62  # the whole range of sort keys
RELEVANCE_WINDOW = COUNT_CAP
TITLE_WEIGHT, BODY_WEIGHT = 4.0, 1.0


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

    table: str  # the engine's own table, searched
    key: str  # the time-ordered key column
    rank: str  # ORDER BY expression for relevance (best first)
    rank_uses_match = False  # whether `rank` takes the match parameters again
    narrow = 3 * COUNT_CAP  # a word in at most this many articles: count the matches
    probe = 20  # the newest matches that tell how dense the matches are
    window = 1_000  # relevance among common words ranks the newest this many matches

    def __init__(self, read_alias: str = "default", write_alias: str | None = None):
        # Searches read through the database router's choice, index writes go to its
        # writer (backends.backend() asks the router for both).
        self.read_alias = read_alias
        self.write_alias = write_alias or read_alias

    def reading(self):
        return connections[self.read_alias].cursor()

    def writing(self):
        return connections[self.write_alias].cursor()

    # What each engine provides.

    def create(self, cursor) -> None:
        """Make the engine's table and index (migrations)."""
        raise NotImplementedError

    def drop(self, cursor) -> None:
        raise NotImplementedError

    def add(self, entries: list[IndexEntry]) -> None:
        raise NotImplementedError

    def remove(self, entries: list[IndexEntry]) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    def term_postings(self, form: str, limit: int) -> list[int]:
        """Sort keys of the newest documents holding a word (title or body)."""
        raise NotImplementedError

    def condition(self, query: ParsedQuery) -> tuple[str, list]:
        """The engine's match condition and its parameters."""
        raise NotImplementedError

    # The search flow.

    def count(self, cursor, where: str, params: list) -> int:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {self.table} WHERE {where} "
            f"LIMIT {COUNT_CAP + 1}) t",
            params,
        )
        return cursor.fetchone()[0]

    def plan(self, query: ParsedQuery, key_from: int, key_to: int) -> "Plan":
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
        with self.reading() as cursor:
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
            f"SELECT {self.key} FROM {self.table} WHERE {plan.where} "
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
            f"SELECT {self.key} FROM {self.table} WHERE {plan.where} "
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
                f"SELECT {self.key} FROM {self.table} WHERE {plan.where} "
                f"ORDER BY {self.key} DESC LIMIT 1 OFFSET {RELEVANCE_WINDOW - 1}",
                plan.params,
            )
            row = cursor.fetchone()  # none when an estimated count overshot
            floor = row[0] if row else floor
        cursor.execute(
            f"SELECT {self.key} FROM {self.table} WHERE {plan.where} "
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
    return None if is_facet_marker(form) else form


def _documents_between(cursor, low: int, high: int) -> int:
    cursor.execute(
        "SELECT count(*) FROM search_searchdocument WHERE sort_key BETWEEN %s AND %s",
        [low, high],
    )
    return cursor.fetchone()[0]
