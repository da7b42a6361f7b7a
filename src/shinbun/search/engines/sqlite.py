"""SQLite: an FTS5 table over the analysed tokens.

The table is contentless (the tokens live in SearchDocument) and its rowid is the
document's time-ordered sort key, so newest first is FTS5's natural order and needs no
sort. Relevance is FTS5's bm25 where that is cheap, else the same BM25 over the newest
matches' stored tokens (see SQLiteEngine.ranked).
"""

import math
import re

from shinbun.search.engine import (
    BODY_WEIGHT,
    COUNT_CAP,
    TITLE_WEIGHT,
    Engine,
    EngineResult,
    IndexEntry,
    Plan,
    one_word,
)
from shinbun.search.models import SearchDocument, TermStat
from shinbun.search.query import ParsedQuery
from shinbun.search.termstats import document_frequencies

BM25_K1, BM25_B = 1.2, 0.75


def bm25_by_stored_tokens(keys: list[int], plan: Plan) -> list[int]:
    """The documents' sort keys best first by BM25 over their stored tokens: each
    searched phrase's occurrences (a title one counts TITLE_WEIGHT times), its idf from
    TermStat (the rarest of its words, an upper bound on the phrase's articles). Ties go
    to the newer."""
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


class SQLiteEngine(Engine):
    table = "search_fts"
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
        with self.reading() as cursor:
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
        return bm25_by_stored_tokens(keys, plan)[offset : offset + limit]

    # FTS5's tokenizer. Rows and queries are analysis's forms, one space apart: lower
    # case, word characters only. ``ascii`` keeps each form whole and as written;
    # ``unicode61`` would fold a few letters more (final sigma, micro sign, ...), so
    # that FTS5 and TermStat could disagree on a word, and read every character
    # through its Unicode tables.
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
        with self.writing() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table}(rowid, title, body, facets) VALUES (%s, %s, %s, %s)",
                [(e.sort_key, e.title, e.body, e.facets) for e in entries],
            )

    def remove(self, entries: list[IndexEntry]) -> None:
        # A contentless FTS5 table forgets a row when told the values it indexed.
        with self.writing() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table}({self.table}, rowid, title, body, facets) "
                "VALUES ('delete', %s, %s, %s, %s)",
                [(e.sort_key, e.title, e.body, e.facets) for e in entries],
            )

    def clear(self) -> None:
        with self.writing() as cursor:
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
        with self.reading() as cursor:
            cursor.execute(
                f"SELECT rowid FROM {self.table} WHERE {self.table} MATCH %s "
                "ORDER BY rowid DESC LIMIT %s",
                ['{title body} : "' + form + '"', limit],
            )
            return [row[0] for row in cursor.fetchall()]
