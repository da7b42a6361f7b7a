"""The one analysis function: Japanese text -> normalised tokens.

Articles, queries, followed keywords and recommendation queries all go through this
module, so they always agree on what a word is: the text is normalised
(search/normalization.py: NFKC, lower case, old kanji forms mapped to the current
ones), then read into words (search/tokenizing.py: SudachiPy in split mode A, each
word's normalised form, symbols dropped, a flag for content words).

- :func:`analyze` gives Token objects (queries, keyword follows);
- :func:`index_terms` and :func:`index_forms_many` give just the forms, what indexing
  stores, without an object per word.
"""

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from shinbun.search.normalization import normalize_text
from shinbun.search.tokenizing import read_pieces, walk_pieces, words

__all__ = [
    "Token",
    "analyze",
    "analyze_normalized",
    "index_forms_many",
    "index_terms",
    "normalize_text",
    "terms",
]


class Token(NamedTuple):  # a tuple: ten times cheaper to make than a frozen dataclass
    form: str  # normalised form, as indexed
    surface: str  # the text as written (after NFKC)
    start: int  # offsets into the normalised text
    end: int
    content: bool  # carries meaning (for recommendations and keyword weights)


def analyze(text: str) -> list[Token]:
    return analyze_normalized(normalize_text(text))


def analyze_normalized(text: str) -> list[Token]:
    """The tokens of a text normalize_text has already normalised."""
    return [
        Token(form=form, surface=text[start:end], start=start, end=end, content=content)
        for start, end, form, content in words(text)
    ]


def terms(text: str) -> list[str]:
    """Just the normalised forms, in order."""
    return [token.form for token in analyze(text)]


def index_terms(text: str) -> list[tuple[str, bool]]:
    """The same analysis without positions (form, content word): what indexing needs,
    at a fraction of the cost of building Token objects."""
    return words(normalize_text(text), positions=False)


# Indexing's analysis reads texts in groups of about this many characters (see
# index_forms_many).
GROUP_CHARS = 100_000


def index_forms_many(documents: Iterable[Sequence[str]]):
    """For each document (an article's few texts), the forms of index_terms(text) for
    each of its texts and the counts of the content words of them all: what indexing
    stores, without a pair per word to take apart again.

    The documents are read in groups of GROUP_CHARS, step by step: every text of a
    group is normalised, then Sudachi reads every piece, then the word loop walks them.
    Sudachi's lattice, trie and connection costs stay in the processor's caches from
    one piece to the next, and so do the loop's dicts; interleaved text by text, each
    step evicts the others' data and indexing takes 15-30 % more CPU time an article.
    A group's morphemes raise the peak memory by ~45 MB."""
    group: list[list[str]] = []
    size = 0
    for texts in documents:
        group.append([normalize_text(text) for text in texts])
        size += sum(map(len, group[-1]))
        if size >= GROUP_CHARS:
            yield from _walked(_read(group))
            group, size = [], 0
    yield from _walked(_read(group))


def _read(group: list[list[str]]) -> list[list[list[tuple]]]:
    """Sudachi's words of every piece of these documents' normalised texts."""
    return [[list(read_pieces(text)) for text in texts] for texts in group]


def _walked(group: list[list[list[tuple]]]):
    """(each text's forms, the content words' counts) of each document _read read."""
    for read in group:
        counts: dict[str, int] = {}
        yield [walk_pieces(pieces, False, counts=counts) for pieces in read], counts
