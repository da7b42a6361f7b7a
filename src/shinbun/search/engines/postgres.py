"""PostgreSQL: a narrow table of its own (search_tsv: the sort key and a tsvector built
from the analysed tokens).

No text search configuration is involved: the vector is written token by token. The
index is RUM where the extension is installed (positions and ranking inside the index:
phrases need no heap recheck, relevance no detoasting of every match), else GIN; the
primary key on sort_key serves newest first.

A GIN or RUM scan, even under a LIMIT, reads the whole posting list of every word,
while walking the sort_key btree down stops after a page: for queries of common words
the plan (engine.Engine) walks the key, and this engine adds two shortcuts of its own
(counting and paging in one pass, estimating a count from the share of the rarer
word's articles that hold the rest).
"""

from contextlib import contextmanager
from functools import cache

from django.db import DatabaseError, connections, transaction

from shinbun.search.engine import COUNT_CAP, MAX_KEY, MIN_KEY, Engine, IndexEntry, Plan
from shinbun.search.query import ParsedQuery


def tsvector(entry: IndexEntry) -> str:
    """A tsvector literal, written token by token (forms are word characters only)."""
    positions: dict[str, list[str]] = {}
    position = 0
    for weight, forms in (("A", entry.title), ("D", entry.body), ("D", entry.facets)):
        for form in forms.split():
            position += 1
            mark = f"{min(position, 16383)}{'A' if weight == 'A' else ''}"
            positions.setdefault(form, []).append(mark)
    return " ".join(f"'{form}':{','.join(marks[:256])}" for form, marks in positions.items())


class PostgresEngine(Engine):
    # A narrow table of its own, like SQLite's: the vectors (~5 KB, stored out of line)
    # leave rows of ~60 bytes, so the 1,000,000 rows' sort keys fit in shared buffers
    # (60 MB instead of the documents' 1 GB), and a new topic vector or norm on a
    # document does not write its vector again.
    table = "search_tsv"
    key = "sort_key"
    rank_uses_match = True

    # Measured with RUM at 1,000,000 articles (100,000: 0.2 and 20): ranking in the
    # index reads ~0.5 µs per posting of the words; reading and ranking a row's vector
    # in sort_key order ~50 µs.
    posting_cost, row_cost = 0.5, 50.0
    row_budget = 2_000  # rows walked to rank common words (~100 ms)
    candidates = 100  # a phrase's best by its words, ranked again by the phrase
    # The newest articles the probe may read: a row's vector costs ~7 µs from the narrow
    # table at 1,000,000 articles, so 2,000 rows (~15 ms) find 20 matches of a query in
    # 1 % of the articles.
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
            f"SELECT sort_key FROM (SELECT sort_key, tsv FROM {self.table} "
            "WHERE sort_key BETWEEN %s AND %s ORDER BY sort_key DESC LIMIT %s) w "
            f"WHERE {plan.match} ORDER BY sort_key DESC LIMIT %s",
            [plan.key_from, plan.key_to, rows, *plan.match_params, self.probe],
        )
        newest = [row[0] for row in cursor.fetchall()]
        if len(newest) == self.probe:
            return newest
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {self.table} "
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
        if not self.has_rum:
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
        if not self.has_rum or any(len(words) > 1 for words in plan.query.include):
            return super().counted_ranked(cursor, plan, limit, offset)
        return self._counted_page(cursor, plan, self.rank, self.rank_params(plan), limit, offset)

    def _counted_page(self, cursor, plan: Plan, order: str, order_params, limit, offset):
        """(count, a page of keys in this order) from one query: every match is counted
        (``count(*) OVER ()``) on the way to the page."""
        cursor.execute(
            f"SELECT sort_key, count(*) OVER () FROM {self.table} WHERE {plan.where} "
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
        and ``narrow``: counting costs 40-70 ms at 1,000,000 articles (開始 デジタル,
        此の ずっと: 32,000-35,000 matches), reading the share a third of that."""
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
            f"SELECT sort_key, {plan.match} FROM (SELECT sort_key, tsv FROM {self.table} "
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
            not self.has_rum
            or window / plan.density * self.row_cost
            <= sum(map(plan.frequency, plan.query.terms)) * self.posting_cost
        )
        if by_rows:
            return self.ranked_newest(cursor, plan, window, limit, offset)
        rank_params = self.rank_params(plan)
        if self.has_rum and any(len(words) > 1 for words in plan.query.include):
            cursor.execute(
                f"SELECT sort_key FROM (SELECT sort_key, tsv FROM {self.table} "
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
        elif self.has_rum:
            # The index hands out matches best first: no second sort key (which would
            # make the planner sort every match itself).
            cursor.execute(
                f"SELECT sort_key FROM {self.table} WHERE {plan.where} "
                f"ORDER BY {self.rank} LIMIT %s OFFSET %s",
                [*plan.params, *rank_params, limit, offset],
            )
        else:
            return super().ranked(cursor, plan, count, limit, offset)
        return [row[0] for row in cursor.fetchall()]

    def ranked_newest(self, cursor, plan: Plan, window: int, limit: int, offset: int):
        """The newest ``window`` matches ranked, a page of them."""
        cursor.execute(
            f"SELECT sort_key FROM (SELECT sort_key, tsv FROM {self.table} "
            f"WHERE {plan.where} ORDER BY sort_key DESC LIMIT %s) w "
            f"ORDER BY {self.rank}, sort_key DESC LIMIT %s OFFSET %s",
            [*plan.params, window, *self.rank_params(plan), limit, offset],
        )
        return [row[0] for row in cursor.fetchall()]

    def count(self, cursor, where: str, params: list) -> int:
        if not self.has_rum:
            return super().count(cursor, where, params)
        # The planner expects a common word's matches to be cheaper to find by reading
        # the table, but every row's vector must then be read and, for a phrase, its
        # positions checked; the RUM index has both (100k articles: a phrase 211 -> 127
        # ms, a word in 99 % of them 86 -> 57 ms).
        with _through_the_index(cursor):
            return super().count(cursor, where, params)

    @property
    def has_rum(self) -> bool:
        return uses_rum(self.read_alias)

    @property
    def rank(self) -> str:
        if self.has_rum:
            return "tsv <=> %s::tsquery"  # RUM's distance: ts_rank over weights D..A
        # Weights D, C, B, A: the title (A) counts ten times the body (D).
        return "ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', tsv, %s::tsquery, 1) DESC"

    def create_table(self, cursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} "
            "(sort_key bigint PRIMARY KEY, tsv tsvector NOT NULL)"
        )

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
        uses_rum.cache_clear()

    def drop(self, cursor) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
        uses_rum.cache_clear()

    def add(self, entries: list[IndexEntry]) -> None:
        with self.writing() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table} (sort_key, tsv) VALUES (%s, %s::tsvector) "
                "ON CONFLICT (sort_key) DO UPDATE SET tsv = EXCLUDED.tsv",
                [(e.sort_key, tsvector(e)) for e in entries],
            )

    def remove(self, entries: list[IndexEntry]) -> None:
        with self.writing() as cursor:
            cursor.execute(
                f"DELETE FROM {self.table} WHERE sort_key = ANY(%s)",
                [[e.sort_key for e in entries]],
            )

    def clear(self) -> None:
        with self.writing() as cursor:
            cursor.execute(f"TRUNCATE {self.table}")

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
        with self.reading() as cursor:
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
    with transaction.atomic(using=cursor.db.alias):
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
def uses_rum(alias: str) -> bool:
    """Whether the index is RUM (remembered per process: only a migration changes it,
    and it clears this)."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'search_tsv_rum'")
        return cursor.fetchone() is not None
