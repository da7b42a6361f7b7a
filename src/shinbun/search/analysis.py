"""The one analysis function: Japanese text -> normalised tokens.

Articles, queries, followed keywords and recommendation queries all go through
:func:`analyze`, so they always agree on what a word is:

- NFKC (half-width katakana, full-width Latin and digits), lower case, and old kanji
  forms (旧字体) mapped to the current ones;
- SudachiPy (SudachiDict-core) in split mode A, the finest, so トランプ finds
  トランプ大統領; a quoted phrase stays precise because phrases match consecutive
  tokens;
- each word's normalised form (附属 -> 付属, ウィルス -> ウイルス), with any
  punctuation inside it removed so the index's tokenizer keeps it whole;
- symbols and white space dropped; every other word kept, with a flag telling
  whether it carries content (nouns, verbs, adjectives, ...) for recommendations.

The dictionary is loaded once per process (about 9 MB per worker).
"""

import json
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache, partial
from importlib.resources import files
from typing import NamedTuple

import numpy as np

from shinbun.search.kanji import OLD_TO_NEW

# Texts go to Sudachi in pieces (see _chunks).
CHUNK_CHARS = 12_000
PIECE_CHARS = 100
_PARAGRAPH_END = re.compile(r"[。!?！？]\n")  # cut before the line break
MAX_WORD_CHARS = 100
FINAL_SIGMA = "ς"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_INNER_PUNCT = re.compile(r"[\W_]+")
_LONG_VOWEL_END = re.compile(r"[ァ-ヺ][ァ-ヺー]{2,}ー")
_CONTENT_POS = {"名詞", "動詞", "形容詞", "形状詞", "副詞", "連体詞", "接頭辞", "接尾辞"}
_DROP_POS = {"補助記号", "空白"}
_JOINABLE_POS = {"名詞", "接頭辞", "接尾辞"}
# Only kanji and katakana join, after a piece of two characters at least: a counter or
# a kana prefix glued to its neighbour is usually another word (2人目 is not 人目, さん
# ご結婚 not さんご). Over the corpus: 175 joins (甲子園, 自転車, ソフトバンク, ...).
_JOINABLE_TEXT = re.compile(r"[\u4e00-\u9fff々\u30a1-\u30faー]+")
_TRANSLATE = str.maketrans(OLD_TO_NEW)


class Token(NamedTuple):  # a tuple: ten times cheaper to make than a frozen dataclass
    form: str  # normalised form, as indexed
    surface: str  # the text as written (after NFKC)
    start: int  # offsets into the normalised text
    end: int
    content: bool  # carries meaning (for recommendations and keyword weights)


_local = threading.local()
# What a word's dictionary entry is read for: its part of speech, its normalised form,
# and how split mode A cuts it. The other fields (readings, dictionary forms, mode B
# splits, synonyms, ...) are left unread.
_FIELDS = {"pos", "normalized_form", "split_a"}


@cache
def _dictionary():
    from sudachipy import Config, Dictionary

    # Sudachi's default settings, but for the input plugin that normalises characters
    # (lower case, then NFKC except for a list of characters, then a list of kana
    # rewrites): normalize_text has already applied NFKC, which also does every rewrite
    # of that list, and _words lowers the text, so the plugin's pass over each character
    # would change nothing. Without it analysis takes ~5 % fewer instructions (callgrind)
    # and every piece of the corpus gives the same words, offsets, forms and parts of
    # speech (tests/search/test_analysis.py).
    defaults = json.loads((files("sudachipy") / "resources" / "sudachi.json").read_text())
    config = Config(
        inputTextPlugin=[
            plugin
            for plugin in defaults["inputTextPlugin"]
            if not plugin["class"].endswith(".DefaultInputTextPlugin")
        ]
    )
    return Dictionary(dict="core", config=config)


def _new_tokenizer():
    from sudachipy import SplitMode

    return _dictionary().tokenizer(mode=SplitMode.A, fields=_FIELDS)


def _tokenizer():
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        tokenizer = _local.tokenizer = _new_tokenizer()
        # Every piece's words are written into this one list (tokenize's ``out``),
        # which saves allocating and freeing one per piece.
        _local.morphemes = tokenizer.tokenize("")
    return tokenizer


def _lowered(text: str) -> str:
    """The text in lower case, as Sudachi's dictionary is written, character by
    character as Sudachi's own plugin lowered it, and so that Sudachi's offsets are
    offsets into ``text``: str.lower differs from that only where a character becomes
    two (İ) and for a word's final Σ (ς, where the plugin gave σ)."""
    lowered = text.lower()
    if len(lowered) == len(text) and "Σ" not in text:
        return lowered
    return "".join(low if len(low := char.lower()) == 1 else char for char in text)


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


def _chunks(text: str):
    """(offset, piece) of the text for Sudachi, in order.

    Pieces are cut before the line break after a sentence's end, once PIECE_CHARS are
    reached: the words around such a cut are read as in the whole text (a line break
    always starts a new word, and a sentence's final mark ends one), which the corpus
    test checks article by article. Sudachi's cost grows faster than the length of its
    input (joining numbers and katakana moves the rest of the text's path), so pieces of
    a paragraph or two take 9 % fewer instructions than whole articles (measured with
    callgrind over 300 corpus articles). Pieces past CHUNK_CHARS are cut again by
    _bounded."""
    start = 0
    for found in _PARAGRAPH_END.finditer(text, PIECE_CHARS - 1):
        cut = found.end() - 1
        if cut - start >= PIECE_CHARS:
            yield from _bounded(text, start, cut)
            start = cut
    yield from _bounded(text, start, len(text))


def _bounded(text: str, start: int, stop: int):
    """text[start:stop] in pieces of at most CHUNK_CHARS, cut at a line end, a sentence
    end or a space where there is one: Sudachi refuses inputs above ~49 KB."""
    while start < stop:
        end = min(stop, start + CHUNK_CHARS)
        if end < stop:
            cut = text.rfind("\n", start, end)
            if cut <= start:
                cut = max(text.rfind("。", start, end), text.rfind(" ", start, end))
            if cut > start:
                end = cut + 1
        yield start, text[start:end]
        start = end


_pos_kinds: dict[int, tuple[bool, bool, bool]] = {}  # POS id -> (dropped, content, joinable)
_forms: dict[str, str] = {}  # Sudachi's normalised form -> our form (words repeat a lot)
_alone: dict[str, tuple[str, bool] | None] = {}  # text -> (form, content) if one word alone
MAX_JOINED_CHARS = 12
# Sudachi's ids of words it does not know (numbers, unknown katakana, ...) start here;
# their text varies, so only ids below are cached.
_OOV_WORD_IDS = 0xF000_0000
_by_word: dict[int, tuple[tuple[str, bool] | None, bool]] = {}


def _pos_kind(pos_id: int) -> tuple[bool, bool, bool]:
    kind = _pos_kinds.get(pos_id)
    if kind is None:
        major = _dictionary().pos_of(pos_id)[0]
        kind = _pos_kinds[pos_id] = (
            major in _DROP_POS,
            major in _CONTENT_POS,
            major in _JOINABLE_POS,
        )
    return kind


def _form(normalized: str) -> str:
    form = _forms.get(normalized)
    if form is None:
        if len(_forms) > 500_000:
            _forms.clear()
        # Engines refuse very long words (PostgreSQL: 2 KB); no real word is this long.
        # A word's final sigma is the letter σ, as in upper case (ΚΌΣΜΟΣ, κόσμος).
        lowered = normalized.lower().replace(FINAL_SIGMA, "σ")
        form = _INNER_PUNCT.sub("", lowered)[:MAX_WORD_CHARS]
        # A loanword's final long vowel is written or left out (メモリ, メモリー; the
        # dictionary knows this for some words only): left out, past three kana, so
        # カバー and カバ stay apart.
        if _LONG_VOWEL_END.fullmatch(form):
            form = form[:-1]
        _forms[normalized] = form
    return form


_UNSEEN = object()


def _as_one_word(text: str) -> tuple[str, bool] | None:
    """(form, content) when the dictionary reads ``text`` on its own as one word."""
    found = _alone.get(text, _UNSEEN)
    if found is not _UNSEEN:
        return found
    if len(_alone) > 200_000:
        _alone.clear()
    lookup = getattr(_local, "lookup", None)
    if lookup is None:  # its own tokenizer: the main one is in the middle of a text
        lookup = _local.lookup = _new_tokenizer()
        _local.entries = lookup.tokenize("")
    lowered, found = _lowered(text), None
    # Read alone as one known word, the text is that word's entry (Sudachi's input
    # plugins change only runs of long vowel marks and yomigana in brackets here): four
    # in five texts have no entry, and looking that up costs a fraction of analysing.
    if "ーー" not in lowered and not len(_dictionary().lookup(lowered, out=_local.entries)):
        words = ()
    else:
        words = lookup.tokenize(lowered)
    if len(words) == 1 and not words[0].is_oov():
        _, content, _ = _pos_kind(words[0].part_of_speech_id())
        found = (_form(words[0].normalized_form()), content)
    _alone[text] = found
    return found


def _word(morpheme) -> tuple[tuple[str, bool] | None, bool]:
    """((form, content), joinable) of one morpheme; None instead of the pair when the
    word is dropped (a symbol, white space, nothing left after removing punctuation)."""
    dropped, content, joinable = _pos_kind(morpheme.part_of_speech_id())
    form = "" if dropped else _form(morpheme.normalized_form())
    return ((form, content) if form else None), joinable


def _join(chunk: str, start: int, end: int) -> tuple[str, bool] | None:
    """(form, content) when chunk[start:end], two or more adjacent joinable words, is
    one word when the dictionary reads it alone."""
    if _JOINABLE_TEXT.fullmatch(chunk, start, end):
        return _as_one_word(chunk[start:end])
    return None


def _walk_python(morphemes, chunk, offset, positions, by_word, describe, join, words, counts):
    """Append the kept words of one chunk to ``words``: the loop _walk.c runs in C, used
    when that module is not built (tests compare the two). Words are (start, end, form,
    content) with ``positions``, else (form, content); or, when ``counts`` is a dict,
    just their forms, with the forms of content words counted in ``counts``."""
    append = words.append
    joined_from = joined_to = -1  # the chunk's text of the last word, if it may join
    counted = False  # the last word appended was counted in counts

    def shaped(pair, start, end):
        nonlocal counted
        if positions:
            return (offset + start, offset + end, *pair)
        if counts is None:
            return pair
        form, counted = pair
        if counted:
            counts[form] = counts.get(form, 0) + 1
        return form

    for morpheme in morphemes:
        # A dictionary word's id stands for its part of speech and normalised form:
        # one call instead of two, and one lookup.
        word_id = morpheme.word_id()
        kind = by_word.get(word_id)
        if kind is None:
            kind = describe(morpheme)
            if word_id < _OOV_WORD_IDS:
                by_word[word_id] = kind
        pair, joinable = kind
        if pair is None:
            joined_to = -1
            continue
        if not (joinable or positions):
            append(shaped(pair, 0, 0))
            joined_to = -1
            continue
        begin, end = morpheme.begin(), morpheme.end()
        if (
            joinable
            and joined_to == begin
            and begin - joined_from >= 2
            and end - joined_from <= MAX_JOINED_CHARS
        ):
            alone = join(chunk, joined_from, end)
            if alone is not None:
                if counted:  # the joined word replaces the last one, and its count
                    if counts[words[-1]] == 1:
                        del counts[words[-1]]
                    else:
                        counts[words[-1]] -= 1
                words[-1] = shaped(alone, joined_from, end)
                joined_to = end
                continue
        append(shaped(pair, begin, end))
        joined_from, joined_to = (begin, end) if joinable else (-1, -1)


try:
    from shinbun.search._walk import walk as _walk
except ImportError:  # not built (no C compiler): the same loop in Python
    _walk = _walk_python


def _words(text: str, positions: bool = True, walk=None, counts=None) -> list:
    """Every kept word, as (start, end, form, content), or (form, content) without
    positions (indexing: a fifth of the time saved): the one analysis loop.

    Context can make the dictionary split a word it knows: 国学院 alone is one word, but
    in 国学院について it is read as 国学 + 院, so a search for 国学院 would miss it. Two
    adjacent nouns or affixes of kanji and katakana whose text is one word on its own
    become that word, so the text is read as a search for any of its words is."""
    tokenize = _tokenizer().tokenize
    out = _local.morphemes  # each piece is walked before the next one is read into it
    return _walk_pieces(_pieces(text, partial(tokenize, out=out)), positions, walk, counts)


def _pieces(text: str, tokenize):
    """(offset, piece, Sudachi's words of the piece) for each piece of the text."""
    for offset, chunk in _chunks(text):
        yield offset, chunk, tokenize(_lowered(chunk))


def _walk_pieces(pieces, positions: bool, walk=None, counts=None) -> list:
    """The kept words of these pieces (see _words)."""
    walk = walk or _walk
    words: list[tuple] = []
    if len(_by_word) > 500_000:
        _by_word.clear()
    for offset, chunk, morphemes in pieces:
        walk(morphemes, chunk, offset, positions, _by_word, _word, _join, words, counts)
    return words


def analyze_normalized(text: str) -> list[Token]:
    return [
        Token(form=form, surface=text[start:end], start=start, end=end, content=content)
        for start, end, form, content in _words(text)
    ]


def matched_spans(text: str, forms: set[str]) -> list[tuple[int, int]]:
    """(start, end) of each word of this normalised text with one of these forms (a
    snippet's marks), without Token objects (a fifth of a window's analysis)."""
    return [(start, end) for start, end, form, _ in _words(text) if form in forms]


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
        words = _words(text[start:end])
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
        words = _words(text[cut:end])
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


def index_terms(text: str) -> list[tuple[str, bool]]:
    """The same analysis without positions (form, content word): what indexing needs,
    at a fraction of the cost of building Token objects."""
    return _words(normalize_text(text), positions=False)


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
    one piece to the next, and so do the loop's dicts. Interleaved text by text, each
    step evicts the others' data: indexing took 15-30 % more CPU time an article for the
    same work (docs/PERFORMANCE.md, eleventh session). A group's morphemes raise the
    peak memory by ~45 MB (20,000 characters: 8 MB, but less gain)."""
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
    tokenize = _tokenizer().tokenize
    return [[list(_pieces(text, tokenize)) for text in texts] for texts in group]


def _walked(group: list[list[list[tuple]]]):
    """(each text's forms, the content words' counts) of each document _read read."""
    for read in group:
        counts: dict[str, int] = {}
        yield [_walk_pieces(pieces, False, counts=counts) for pieces in read], counts


def analyze(text: str) -> list[Token]:
    return analyze_normalized(normalize_text(text))


def terms(text: str) -> list[str]:
    """Just the normalised forms, in order."""
    return [token.form for token in analyze(text)]
