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

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache

from shinbun.search.kanji import OLD_TO_NEW

# Sudachi refuses inputs above ~49 KB; analyse long texts in pieces cut at line ends.
CHUNK_CHARS = 12_000
MAX_WORD_CHARS = 100
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_INNER_PUNCT = re.compile(r"[\W_]+")
_CONTENT_POS = {"名詞", "動詞", "形容詞", "形状詞", "副詞", "連体詞", "接頭辞", "接尾辞"}
_DROP_POS = {"補助記号", "空白"}
_TRANSLATE = str.maketrans(OLD_TO_NEW)


@dataclass(frozen=True, slots=True)
class Token:
    form: str  # normalised form, as indexed
    surface: str  # the text as written (after NFKC)
    start: int  # offsets into the normalised text
    end: int
    content: bool  # carries meaning (for recommendations and keyword weights)


_local = threading.local()


@cache
def _dictionary():
    from sudachipy import Dictionary

    return Dictionary(dict="core")


def _tokenizer():
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        from sudachipy import SplitMode

        tokenizer = _dictionary().tokenizer(mode=SplitMode.A)
        _local.tokenizer = tokenizer
    return tokenizer


def normalize_text(text: str) -> str:
    """The text the analyser sees; snippets are cut from it so offsets line up."""
    text = unicodedata.normalize("NFKC", _CONTROL.sub(" ", text or ""))
    return text.translate(_TRANSLATE)


def _chunks(text: str):
    start = 0
    while start < len(text):
        end = min(len(text), start + CHUNK_CHARS)
        if end < len(text):
            cut = text.rfind("\n", start, end)
            if cut <= start:
                cut = max(text.rfind("。", start, end), text.rfind(" ", start, end))
            if cut > start:
                end = cut + 1
        yield start, text[start:end]
        start = end


_pos_kinds: dict[int, tuple[bool, bool]] = {}  # POS id -> (dropped, content word)
_forms: dict[str, str] = {}  # Sudachi's normalised form -> our form (words repeat a lot)


def _pos_kind(pos_id: int) -> tuple[bool, bool]:
    kind = _pos_kinds.get(pos_id)
    if kind is None:
        major = _dictionary().pos_of(pos_id)[0]
        kind = _pos_kinds[pos_id] = (major in _DROP_POS, major in _CONTENT_POS)
    return kind


def _form(normalized: str) -> str:
    form = _forms.get(normalized)
    if form is None:
        if len(_forms) > 500_000:
            _forms.clear()
        # Engines refuse very long words (PostgreSQL: 2 KB); no real word is this long.
        form = _forms[normalized] = _INNER_PUNCT.sub("", normalized.lower())[:MAX_WORD_CHARS]
    return form


def _morphemes(text: str):
    """(offset, morpheme, form, content) for every kept word: the one analysis loop."""
    tokenizer = _tokenizer()
    for offset, chunk in _chunks(text):
        for morpheme in tokenizer.tokenize(chunk):
            dropped, content = _pos_kind(morpheme.part_of_speech_id())
            if dropped:
                continue
            form = _form(morpheme.normalized_form())
            if form:
                yield offset, morpheme, form, content


def analyze_normalized(text: str) -> list[Token]:
    return [
        Token(
            form=form,
            surface=morpheme.surface(),
            start=offset + morpheme.begin(),
            end=offset + morpheme.end(),
            content=content,
        )
        for offset, morpheme, form, content in _morphemes(text)
    ]


def index_terms(text: str) -> list[tuple[str, bool]]:
    """The same analysis without positions (form, content word): what indexing needs,
    at a fraction of the cost of building Token objects."""
    return [(form, content) for _, _, form, content in _morphemes(normalize_text(text))]


def analyze(text: str) -> list[Token]:
    return analyze_normalized(normalize_text(text))


def terms(text: str) -> list[str]:
    """Just the normalised forms, in order."""
    return [token.form for token in analyze(text)]
