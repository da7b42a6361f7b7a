"""Reader queries -> a structured query both engines understand.

Syntax (what a news reader expects): words separated by spaces are ANDed; "a phrase in
quotes" must appear as written; a leading minus excludes a word or phrase. Every word
goes through the same analysis as the articles, so 全角/半角, 旧字 and katakana variants
meet. Anything else a reader types (operators of FTS5 or tsquery, brackets, stray
quotes, emoji, control characters) is just text: it is analysed, and what is not a word
disappears.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

from shinbun.search.analysis import analyze_normalized, normalize_text

MAX_QUERY_CHARS = 256
MAX_TERMS = 16
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "「": '"', "」": '"', "『": '"', "』": '"'})
_PART = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass
class ParsedQuery:
    include: list[tuple[str, ...]] = field(default_factory=list)  # phrases (tuples of forms)
    exclude: list[tuple[str, ...]] = field(default_factory=list)
    facets: list[str] = field(default_factory=list)  # markers that must all be present

    @property
    def empty(self) -> bool:
        return not self.include and not self.facets

    @property
    def words(self) -> set[str]:
        """Every form that a snippet should mark."""
        return {form for phrase in self.include for form in phrase}

    @property
    def required(self) -> list[str]:
        """Every form and facet marker a match must hold."""
        return [form for phrase in self.include for form in phrase] + self.facets

    @property
    def terms(self) -> list[str]:
        """Every form and facet marker the query names, excluded ones included."""
        return self.required + [form for phrase in self.exclude for form in phrase]


# Readers search for the same words again and again (the news of the day, the next page
# of a result): a query's analysis is remembered, per process, for this many query
# strings of up to CACHED_CHARS characters (under 10 MB however long they are).
# Analysis is a function of the string alone (the dictionary loads once per process),
# so the answer is the same: a rare word's search spends a tenth of its time in
# analysis, Sudachi reading its dictionary from memory the processor no longer holds
# in cache.
CACHED_QUERIES = 4096
CACHED_CHARS = 512


def parse_query(raw: str) -> ParsedQuery:
    raw = raw or ""
    include, exclude = _parsed(raw) if len(raw) <= CACHED_CHARS else _parse(raw)
    return ParsedQuery(include=list(include), exclude=list(exclude))


def _parse(raw: str) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]:
    """(included phrases, excluded phrases) of a query string, as tuples of forms."""
    text = normalize_text(raw)[:MAX_QUERY_CHARS].translate(_QUOTES)
    include: list[tuple[str, ...]] = []
    exclude: list[tuple[str, ...]] = []
    for match in _PART.finditer(text):
        negated_quote, quoted, word = match.group(1), match.group(2), match.group(3)
        if word is not None:
            negated = word.startswith("-") and len(word) > 1
            chunk = word[1:] if negated else word
        else:
            negated, chunk = bool(negated_quote), quoted
        tokens = analyze_normalized(chunk)  # a piece of the normalised text
        forms = tuple(token.form for token in tokens)
        if not forms:
            continue
        target = exclude if negated else include
        if forms not in target and len(include) + len(exclude) < MAX_TERMS:
            target.append(forms)
    return tuple(include), tuple(exclude)


_parsed = lru_cache(maxsize=CACHED_QUERIES)(_parse)
