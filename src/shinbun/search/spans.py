"""Where searched words stand in a text: the spans and first matches snippets are cut
around, found with the same analysis the index was built with."""

import re
from collections.abc import Sequence
from typing import NamedTuple

from shinbun.search import tokenizing


def matched_spans(text: str, forms: set[str]) -> list[tuple[int, int]]:
    """(start, end) of each word of this normalised text with one of these forms (a
    snippet's marks), without Token objects (a fifth of a window's analysis)."""
    return [(start, end) for start, end, form, _ in tokenizing.words(text) if form in forms]


_SENTENCE_MARKS = "。！？\n"
_SENTENCE_END = re.compile(f"[{_SENTENCE_MARKS}]")


class Found(NamedTuple):
    """Where the first match starts, and the analysed piece of the text that holds it:
    a snippet's window inside the piece takes its marks from the piece's words."""

    position: int
    start: int  # the piece: text[start:end]
    end: int
    words: list  # its words, (start, end, form, content), offsets into the piece


def first_match(text: str, forms: set[str]) -> int | None:
    """Where in this normalised text the first word with one of these forms starts."""
    found = first_found(text, forms)
    return None if found is None else found.position


def first_found(text: str, forms: set[str]) -> Found | None:
    """first_match, with the piece it was found in.

    The text is read in pieces cut at sentence ends, each four times the one before
    (from a sentence of ~50 characters): a common word is found in the first, while a
    text without a match is analysed in a few calls rather than sentence by sentence."""
    start, size = 0, 50
    while start < len(text):
        cut = _SENTENCE_END.search(text, start + size)
        end = cut.end() if cut else len(text)
        words = tokenizing.words(text[start:end])
        found = next((s for s, _, form, _ in words if form in forms), None)
        if found is not None:
            return Found(start + found, start, end, words)
        start, size = end, size * 4
    return None


# find_form reads a region of about this many characters around its guess.
REGION_CHARS = 160
_ALIGN_WORDS = 6  # consecutive forms that place a region in the stored ones


def find_form(text: str, stored: Sequence[str], forms: set[str]) -> int | None:
    """first_match(text, forms), found with ``stored`` (see form_found)."""
    found = form_found(text, stored, forms)
    return None if found is None else found.position


def form_found(text: str, stored: Sequence[str], forms: set[str]) -> Found | None:
    """first_found(text, forms), found with ``stored``, the forms analysis gave for a text
    that begins with this one or is this one (an article's indexed lead and body), in
    their order: only a region around the first stored match is analysed, not the text
    up to it.

    Every word covers at least one character, so the k-th stored word starts at k or
    later: a text shorter than that does not hold it (a visitor's lead, where the match
    is in the body). Otherwise the region around where the k-th word would stand if the
    words were evenly spread is analysed from a sentence's start, placed among the
    stored forms by its first few words, and moved when it lies before or after the
    match. Where the stored forms are not this text's (a document not yet reindexed) it
    falls back to first_match. Over the corpus, for words whose first place is spread
    evenly over the text, it reads a quarter of what first_match reads and gives the same
    place (tests/search/test_analysis.py)."""
    first = next((i for i, form in enumerate(stored) if form in forms), None)
    if first is None or first >= len(text):
        return None
    if len(text) <= 2 * REGION_CHARS:  # read from its start at no greater cost
        return first_found(text, forms)
    cut = _region_start(text, first * len(text) // len(stored))
    for _ in range(4):
        found = _SENTENCE_END.search(text, cut + REGION_CHARS)
        end = found.end() if found else len(text)
        words = tokenizing.words(text[cut:end])
        region = [form for _, _, form, _ in words]
        placed = _place(region, stored, cut * len(stored) // len(text))
        if placed is None:
            break
        at = first - placed
        if 0 <= at < len(words):
            # The region's words up to the match are the stored ones: it is the first.
            if region[: at + 1] == list(stored[placed : first + 1]):
                return Found(cut + words[at][0], cut, end, words)
            break
        # Moved by the region's own characters per word: on past its end, or back to a
        # sentence before its start.
        guess = cut + round(at * (end - cut) / max(1, len(words)))
        if at > 0:
            cut = max(_region_start(text, guess), end)
        else:
            cut = min(
                _region_start(text, guess - REGION_CHARS // 4), _sentence_start(text, cut - 1)
            )
    return first_found(text, forms)


def _region_start(text: str, guess: int) -> int:
    """Where a region centred on guess starts: at the start of a sentence."""
    return _sentence_start(text, max(0, guess - REGION_CHARS // 2))


def _sentence_start(text: str, position: int) -> int:
    """Where the sentence holding position starts (after the last sentence end before it)."""
    if position <= 0:
        return 0
    return max(text.rfind(mark, 0, position) for mark in _SENTENCE_MARKS) + 1


def _place(region: list[str], stored: Sequence[str], near: int) -> int | None:
    """The index in ``stored`` where the region's first words follow each other as in the
    region (the nearest to ``near`` where they do so more than once), or None."""
    head = region[:_ALIGN_WORDS]
    if not head:
        return None
    found = [
        i
        for i, form in enumerate(stored)
        if form == head[0] and list(stored[i : i + len(head)]) == head
    ]
    return min(found, key=lambda i: abs(i - near)) if found else None
