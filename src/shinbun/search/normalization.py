"""Normalising text before analysis: what makes two spellings of a character the same.

Control characters become spaces, then NFKC (half-width katakana, full-width Latin and
digits), then old kanji forms (旧字体) become the current ones. Snippets are cut from
the normalised text, so every offset analysis gives points into it.
"""

import re
import unicodedata
from functools import cache

import numpy as np

from shinbun.search.kanji import OLD_TO_NEW

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TRANSLATE = str.maketrans(OLD_TO_NEW)


def normalize_text(text: str) -> str:
    """The text the analyser sees; snippets are cut from it so offsets line up: control
    characters become spaces, then NFKC, then old kanji forms become the current ones."""
    text = text or ""
    if len(text) >= _TABLE_FROM:
        normalized = _normalize_by_table(text)
        if normalized is not None:
            return normalized
    return _normalize_by_runs(text)


def _normalize_by_runs(text: str) -> str:
    """normalize_text(text) for any text: NFKC run by run (see _nfkc)."""
    text = _nfkc(_CONTROL.sub(" ", text))
    return text.translate(_TRANSLATE) if _old_kanji().search(text) else text


# Texts from this length go through the character table: a lead or a body, where the
# table's fixed cost (~10 numpy calls) is small beside its per character gain.
_TABLE_FROM = 200
_STAYS, _MAPPED, _EXPANDS, _COMPOSES = range(4)  # kinds of characters for the table


@cache
def _normalization_table() -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """What normalize_text does to each character of the Basic Multilingual Plane, where
    that does not depend on its neighbours: (kind of each character, the one character
    it becomes, the characters an _EXPANDS character becomes).

    A character NFKC changes whose result has no character that may combine with a
    neighbour (``_changing``) is replaced by its result wherever it stands: the text's
    compatibility decomposition, which NFKC composes, stays the same. The others
    (_COMPOSES: combining marks, half-width voiced marks, Hangul jamo, ...) send the text
    to the run by run path."""
    changing = _changing()
    kinds = np.zeros(0x10000, np.uint8)
    table = np.arange(0x10000, dtype=np.uint32)
    expanded: dict[int, str] = {}
    for code in range(0x10000):
        char = chr(code)
        if _CONTROL.match(char):
            kinds[code], table[code] = _MAPPED, ord(" ")
            continue
        if not changing.match(char):
            new = char.translate(_TRANSLATE)
            if new != char:
                kinds[code], table[code] = _MAPPED, ord(new)
            continue
        result = unicodedata.normalize("NFKC", char)
        if not result or changing.search(result):
            kinds[code] = _COMPOSES
        elif len(result) == 1:
            kinds[code], table[code] = _MAPPED, ord(result.translate(_TRANSLATE))
        else:
            kinds[code], expanded[code] = _EXPANDS, result.translate(_TRANSLATE)
    return kinds, table, expanded


def _normalize_by_table(text: str) -> str | None:
    """normalize_text(text) in a few array operations (a fifth of the run by run path's
    cost on a news article), or None when the text has a character whose result
    depends on its neighbours, or one outside the Basic Multilingual Plane."""
    codes = np.frombuffer(text.encode("utf-32-le"), np.uint32)
    if codes.max() > 0xFFFF:
        return None
    kinds, table, expanded = _normalization_table()
    found = kinds[codes]
    if not found.any():
        return text
    if (found == _COMPOSES).any():
        return None
    text = table[codes].tobytes().decode("utf-32-le")
    for code in np.unique(codes[found == _EXPANDS]).tolist():
        text = text.replace(chr(code), expanded[code])
    return text


@cache
def _old_kanji() -> re.Pattern:
    return re.compile(f"[{''.join(OLD_TO_NEW)}]")


@cache
def _changing() -> re.Pattern:
    """Runs of the characters of the Basic Multilingual Plane that NFKC may change: those
    it maps to something else, combining marks, and those that compose with the
    character before them (the voiced sound marks of half-width kana, Hangul vowels)."""
    found = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul composes
    for code in range(0x10000):
        if 0x3400 <= code < 0xA000 or 0xAC00 <= code < 0xE000:
            continue  # kanji, Hangul syllables and surrogates stay as they are
        char = chr(code)
        if unicodedata.normalize("NFKC", char) != char or unicodedata.combining(char):
            found.add(code)
        decomposition = unicodedata.decomposition(char).split()
        if len(decomposition) == 2 and not decomposition[0].startswith("<"):
            found.add(int(decomposition[1], 16))
    return re.compile(f"[{''.join(re.escape(chr(code)) for code in sorted(found))}]+")


def _nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), three times faster on Japanese news: only
    the runs that may change are normalised, each with the character before it (what a
    mark may compose with). Articles are mostly kanji and kana, which NFKC leaves alone,
    while normalising the whole text costs 150 ns a character."""
    if not text or max(text) > "\uffff":
        return unicodedata.normalize("NFKC", text)
    pieces, done = [], 0
    for run in _changing().finditer(text):
        start = max(run.start() - 1, done)
        pieces += text[done:start], unicodedata.normalize("NFKC", text[start : run.end()])
        done = run.end()
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)
