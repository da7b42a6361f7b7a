"""Reading normalised text into words: SudachiPy, and the one loop over its words.

- SudachiPy (SudachiDict-core) in split mode A, the finest, so トランプ finds
  トランプ大統領; a quoted phrase stays precise because phrases match consecutive
  tokens;
- each word's normalised form (附属 -> 付属, ウィルス -> ウイルス), with any
  punctuation inside it removed so the index's tokenizer keeps it whole;
- symbols and white space dropped; every other word kept, with a flag telling
  whether it carries content (nouns, verbs, adjectives, ...) for recommendations;
- two adjacent nouns or affixes that the dictionary reads as one word on their own
  joined again (see words()).

The dictionary is loaded once per process (about 9 MB per worker). What is read from
it (a word's part of speech, its normalised form, whether a text is one word) never
changes while the process runs, so it is remembered.
"""

import json
import re
import threading
from functools import cache, partial
from importlib.resources import files

# Texts go to Sudachi in pieces (see _chunks).
CHUNK_CHARS = 12_000
PIECE_CHARS = 100
_PARAGRAPH_END = re.compile(r"[。!?！？]\n")  # cut before the line break
MAX_WORD_CHARS = 100
FINAL_SIGMA = "ς"
_INNER_PUNCT = re.compile(r"[\W_]+")
_LONG_VOWEL_END = re.compile(r"[ァ-ヺ][ァ-ヺー]{2,}ー")
_CONTENT_POS = {"名詞", "動詞", "形容詞", "形状詞", "副詞", "連体詞", "接頭辞", "接尾辞"}
_DROP_POS = {"補助記号", "空白"}
_JOINABLE_POS = {"名詞", "接頭辞", "接尾辞"}
# Only kanji and katakana join, after a piece of two characters at least: a counter or
# a kana prefix glued to its neighbour is usually another word (2人目 is not 人目, さん
# ご結婚 not さんご). Over the corpus: 175 joins (甲子園, 自転車, ソフトバンク, ...).
_JOINABLE_TEXT = re.compile(r"[\u4e00-\u9fff々\u30a1-\u30faー]+")

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


_forms: dict[str, str] = {}  # Sudachi's normalised form -> our form (words repeat a lot)
_alone: dict[str, tuple[str, bool] | None] = {}  # text -> (form, content) if one word alone
MAX_JOINED_CHARS = 12
# Sudachi's ids of words it does not know (numbers, unknown katakana, ...) start here;
# their text varies, so only ids below are remembered.
_OOV_WORD_IDS = 0xF000_0000
# Dictionary word id -> ((form, content) or None when dropped, joinable): the one
# description of a known word, read from the dictionary once.
_by_word: dict[int, tuple[tuple[str, bool] | None, bool]] = {}


@cache
def _pos_kind(pos_id: int) -> tuple[bool, bool, bool]:
    """(dropped, content, joinable) of a part of speech."""
    major = _dictionary().pos_of(pos_id)[0]
    return major in _DROP_POS, major in _CONTENT_POS, major in _JOINABLE_POS


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


def _describe(morpheme) -> tuple[tuple[str, bool] | None, bool]:
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


def _walk(morphemes, chunk: str, offset: int, positions: bool, words: list, counts) -> None:
    """Append the kept words of one piece to ``words``: (start, end, form, content) with
    ``positions``, else (form, content); or, when ``counts`` is a dict, just their
    forms, with the forms of content words counted in ``counts``."""
    append = words.append
    joined_from = joined_to = -1  # the piece's text of the last word, if it may join
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
        kind = _by_word.get(word_id)
        if kind is None:
            kind = _describe(morpheme)
            if word_id < _OOV_WORD_IDS:
                _by_word[word_id] = kind
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
            alone = _join(chunk, joined_from, end)
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


def words(text: str, positions: bool = True, counts: dict | None = None) -> list:
    """Every kept word of a normalised text, as (start, end, form, content), or (form,
    content) without positions (indexing: a fifth of the time saved).

    Context can make the dictionary split a word it knows: 国学院 alone is one word, but
    in 国学院について it is read as 国学 + 院, so a search for 国学院 would miss it. Two
    adjacent nouns or affixes of kanji and katakana whose text is one word on its own
    become that word, so the text is read as a search for any of its words is."""
    tokenize = _tokenizer().tokenize
    out = _local.morphemes  # each piece is walked before the next one is read into it
    return walk_pieces(read_pieces(text, partial(tokenize, out=out)), positions, counts)


def read_pieces(text: str, tokenize=None):
    """(offset, piece, Sudachi's words of the piece) for each piece of the text."""
    tokenize = tokenize or _tokenizer().tokenize
    for offset, chunk in _chunks(text):
        yield offset, chunk, tokenize(_lowered(chunk))


def walk_pieces(pieces, positions: bool, counts: dict | None = None) -> list:
    """The kept words of these pieces (see words)."""
    found: list[tuple] = []
    if len(_by_word) > 500_000:
        _by_word.clear()
    for offset, chunk, morphemes in pieces:
        _walk(morphemes, chunk, offset, positions, found, counts)
    return found
