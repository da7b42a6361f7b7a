"""ふりがな: readings over kanji words, found when an article is saved.

Each text of an article (headline, subheadline, lead, the body's paragraphs and
sub-headings) is read by SudachiPy in split mode C (whole compounds, so 株式会社 is read
カブシキガイシャ, not 株式 + 会社) and each word's reading form becomes ruby when:

- the word has a kanji beyond the configured level (``SHINBUN_FURIGANA``: kanji outside
  the 常用漢字 by default, outside what a school grade has learnt, or every kanji word;
  々 repeats a kanji and is none itself);
- the dictionary reads its written form one way only: 市場 (いちば, しじょう), 今日
  (きょう, こんにち) or 上手 depend on the context, which the dictionary does not weigh,
  so they get no ruby rather than a wrong one (the voiced form a word takes inside a
  compound, 蜘蛛 as ぐも, is not another reading);
- its reading has no long vowel mark (the dictionary reads 餃子 ギョーザ; ruby is
  written ぎょうざ);
- it is not a number, nor a counter after a number (一日 is read イチ + ニチ, 一本 イチ
  + ホン; the sound changes are not in the dictionary);
- its reading lines up with its kana: ruby sits over each run of kanji, the okurigana
  stays outside (引(ひ)き上(あ)げる).

Editors correct a reading per article (``Article.reading_fixes``: lines of 「語 よみ」,
or 「語 -」 for no ruby), which wins over the dictionary wherever the word is written.

The result is stored as HTML next to the text (``Article.ruby``); pages show it with
the ``<rt>`` hidden until the reader turns ふりがな on, so a page is rendered the same
for everyone and the toggle needs no request.
"""

import html
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f々〆ヵヶ]")
_KANJI_RUN = re.compile(KANJI.pattern + "+")
# Marks written among kanji that are no kanji to learn: 々 repeats the one before it.
_MARKS = set("々〆ヵヶ")
_KANA_ONLY = re.compile(r"[\u3041-\u309f\u30a1-\u30fcー]+")
# Parts of speech a word is read for; symbols, particles and auxiliaries have no kanji
# worth a reading, and numbers are read by context.
_NUMBER = ("名詞", "数詞")
_COUNTER = "助数詞可能"
_TAG = re.compile(r"(<[^>]*>)")


def to_hiragana(text: str) -> str:
    """Katakana as hiragana (ー and other marks as they are)."""
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


@cache
def known_kanji(level: str) -> frozenset[str]:
    """The kanji a reader at this level reads without help."""
    import kanji_lists

    if level == "all":
        return frozenset()
    if level == "joyo":
        # The 2010 table gives 𠮟, 塡, 剝 and 頰 with their usual forms 叱, 填, 剥 and 頬
        # as allowed; the list holds one of each pair.
        return frozenset(kanji_lists.JOYO) | set("𠮟叱塡填剝剥頰頬")
    grade = int(level.removeprefix("grade"))
    learnt: set[str] = set()
    for n in range(1, grade + 1):
        learnt |= getattr(kanji_lists.KYOIKU, f"GRADE{n}")
    return frozenset(learnt)


@cache
def _dictionary():
    from sudachipy import Dictionary

    return Dictionary(dict="core")


_local = threading.local()


def _tokenizer():
    """This thread's tokenizer: a Sudachi tokenizer serves one text at a time, and a
    worker's threads save articles at once."""
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        from sudachipy import SplitMode

        tokenizer = _local.tokenizer = _dictionary().tokenizer(
            mode=SplitMode.C, fields={"pos", "reading_form"}
        )
    return tokenizer


def _unvoiced_start(reading: str) -> str:
    """The reading with its first kana unvoiced (グモ -> クモ): the form a word takes
    inside a compound (連濁) is another entry of the dictionary, not another reading."""
    first = unicodedata.normalize("NFD", reading[:1])[:1]
    return first + reading[1:]


# The dictionary's answer, never reader data; bounded, as a worker sees words for ever.
@lru_cache(maxsize=65_536)
def _one_reading(surface: str, reading: str) -> bool:
    """Whether every dictionary entry written ``surface`` is read as ``reading`` (or as
    its voiced form inside compounds), and ``reading`` is the form standing alone."""
    readings = {entry.reading_form() for entry in _dictionary().lookup(surface)} | {reading}
    if len({_unvoiced_start(each) for each in readings}) > 1:
        return False
    return len(readings) == 1 or _unvoiced_start(reading) == reading


MAX_KANJI_RUNS = 6


def align(surface: str, reading: str) -> list[tuple[int, int, str]] | None:
    """(start, end, reading) of each kanji run of ``surface``, its okurigana matched
    against ``reading`` (hiragana); None when they do not line up in exactly one way."""
    parts = re.split(f"({_KANJI_RUN.pattern})", surface)
    runs = sum(1 for part in parts if part and KANJI.match(part))
    if not runs or runs > MAX_KANJI_RUNS:  # matching grows fast with the runs
        return None
    pattern = "".join(
        "(.+?)" if KANJI.match(part) else re.escape(to_hiragana(part)) for part in parts if part
    )
    lazy = re.fullmatch(pattern, reading)
    greedy = re.fullmatch(pattern.replace("(.+?)", "(.+)"), reading)
    if lazy is None or greedy is None or lazy.groups() != greedy.groups():
        return None
    spans, offset, group = [], 0, 0
    for part in parts:
        if not part:
            continue
        if KANJI.match(part):
            group += 1
            spans.append((offset, offset + len(part), lazy.group(group)))
        offset += len(part)
    return spans


@dataclass(frozen=True)
class Fix:
    surface: str
    reading: str  # hiragana, or "" for no ruby


def check_fixes(source: str) -> None:
    """Raise ValidationError naming each line of the corrections that is not 「語 よみ」."""
    if errors := _read_fixes(source)[1]:
        raise ValidationError(errors)


def parse_fixes(source: str) -> list[Fix]:
    """The editor's reading corrections, longest first: one 「語 よみ」 per line (よみ in
    hiragana or katakana, or - for no ruby); lines that are not are skipped (the admin
    refuses them, check_fixes)."""
    return sorted(_read_fixes(source)[0], key=lambda fix: -len(fix.surface))


def _read_fixes(source: str) -> tuple[list[Fix], list[str]]:
    fixes, errors = [], []
    for number, line in enumerate((source or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        fields = line.replace("\u3000", " ").split()
        if len(fields) != 2 or not KANJI.search(fields[0]):
            errors.append(
                _("%(line)d 行目: 「漢字を含む語 よみ」の形で書いてください(%(text)s)。")
                % {"line": number, "text": line}
            )
        elif fields[1] != "-" and not _KANA_ONLY.fullmatch(fields[1]):
            errors.append(
                _("%(line)d 行目: よみはひらがなかカタカナで書いてください(%(text)s)。")
                % {"line": number, "text": line}
            )
        else:
            fixes.append(Fix(fields[0], "" if fields[1] == "-" else to_hiragana(fields[1])))
    return fixes, errors


# Sudachi refuses inputs over ~49 KB: longer texts are read in pieces cut after a
# sentence's end or a line break, else after a space, a kana or a symbol (a word of
# kanji or katakana is never cut).
PIECE_CHARS = 5_000
_SENTENCE_END = re.compile(r"[。！？!?\n]")
_SOFT_END = re.compile(r"[\s\u3040-\u309f、，,・「」『』（）()]")


def _piece_end(text: str, start: int) -> int:
    if len(text) - start <= PIECE_CHARS:
        return len(text)
    for boundary in (_SENTENCE_END, _SOFT_END):
        cuts = [m.end() for m in boundary.finditer(text, start + 1, start + PIECE_CHARS)]
        if cuts:
            return cuts[-1]
    return start + PIECE_CHARS


def _words(text: str):
    """(start, end, Sudachi's word) for every word of the text."""
    start = 0
    while start < len(text):
        end = _piece_end(text, start)
        for word in _tokenizer().tokenize(text[start:end]):
            yield start + word.begin(), start + word.end(), word
        start = end


def spans(text: str, level: str, fixes: list[Fix] = ()) -> list[tuple[int, int, str]]:
    """(start, end, reading) of every ruby in ``text``, in order; none when Sudachi cannot
    read the text (logged: a save never fails for want of ふりがな)."""
    if level == "off" or not KANJI.search(text):
        return []
    from sudachipy.errors import SudachiError

    try:
        return _spans(text, level, fixes)
    except SudachiError:
        logger.exception("ふりがな: Sudachi could not read a text of %d characters", len(text))
        return []


def _marked(text: str, end: int) -> bool:
    """Whether a mark belonging to the character before ``end`` follows it (a variation
    selector of a name's kanji, a combining mark): a ruby ending there would cut it off."""
    return end < len(text) and unicodedata.category(text[end]) == "Mn"


def _spans(text: str, level: str, fixes: list[Fix]) -> list[tuple[int, int, str]]:
    words = list(_words(text))
    bounds = {start for start, _, _ in words} | {end for _, end, _ in words}
    found: list[tuple[int, int, str]] = []
    fixed = [False] * len(text)
    for fix in fixes:
        for match in re.finditer(re.escape(fix.surface), text):
            start, end = match.span()
            # Only the word itself: 一日 corrected is not the 一日 inside 十一日.
            if start not in bounds or end not in bounds or any(fixed[start:end]):
                continue
            fixed[start:end] = [True] * (end - start)
            if fix.reading and not _marked(text, end):
                aligned = align(fix.surface, fix.reading) or [(0, len(fix.surface), fix.reading)]
                found += [(start + s, start + e, r) for s, e, r in aligned]
    known = known_kanji(level)
    after_number = False
    for start, end, word in words:
        pos = word.part_of_speech()
        counted, after_number = after_number, pos[:2] == _NUMBER
        surface = text[start:end]
        if (
            any(fixed[start:end])
            or after_number
            or (counted and pos[2] == _COUNTER)
            or word.is_oov()
            or _marked(text, end)
            or not any(KANJI.match(c) and c not in known and c not in _MARKS for c in surface)
            or "ー" in word.reading_form()
            or not _one_reading(surface, word.reading_form())
        ):
            continue
        aligned = align(surface, to_hiragana(word.reading_form()))
        if aligned:
            found += [(start + s, start + e, r) for s, e, r in aligned]
    return sorted(found)


def ruby_html(text: str, ruby: list[tuple[int, int, str]], breaks: list[int] = ()) -> str:
    """``text`` escaped, with each ruby, and ``<wbr>`` at each offset in ``breaks`` (a
    ruby across a break is left out)."""
    breaks = sorted(set(breaks))
    out, position = [], 0
    cut = iter([*breaks, len(text) + 1])
    next_break = next(cut)
    for start, end, reading in ruby:
        if start < position:
            continue
        while next_break <= start:
            out.append(html.escape(text[position:next_break], quote=False) + "<wbr>")
            position, next_break = next_break, next(cut)
        if next_break < end:  # the ruby spans a phrase break
            continue
        out.append(html.escape(text[position:start], quote=False))
        out.append(
            f"<ruby>{html.escape(text[start:end], quote=False)}<rp>(</rp>"
            f"<rt>{html.escape(reading, quote=False)}</rt><rp>)</rp></ruby>"
        )
        position = end
    while next_break <= len(text):
        out.append(html.escape(text[position:next_break], quote=False) + "<wbr>")
        position, next_break = next_break, next(cut)
    out.append(html.escape(text[position:], quote=False))
    return "".join(out)


def markup_with_ruby(fragment: str, level: str, fixes: list[Fix]) -> str:
    """A sanitised HTML fragment (a paragraph) with ruby in its text, never in its tags."""
    parts = _TAG.split(fragment)
    for index in range(0, len(parts), 2):  # text between tags
        text = html.unescape(parts[index])
        if ruby := spans(text, level, fixes):
            parts[index] = ruby_html(text, ruby)
    return "".join(parts)


def level() -> str:
    return settings.FURIGANA_LEVEL


def annotate(article, phrases_of) -> dict:
    """The ruby HTML of an article's texts, or {} when none has a ruby. ``phrases_of``
    cuts a headline into phrases (core/phrases.py), so the headline keeps its breaks."""
    current = level()
    fixes = parse_fixes(article.reading_fixes)
    result: dict = {}

    def with_breaks(text: str) -> str | None:
        ruby = spans(text, current, fixes)
        if not ruby:
            return None
        breaks, offset = [], 0
        for phrase in phrases_of(text)[:-1]:
            offset += len(phrase)
            breaks.append(offset)
        return ruby_html(text, ruby, breaks)

    for name in ("headline", "subheadline"):
        if (marked := with_breaks(getattr(article, name))) is not None:
            result[name] = marked
    if ruby := spans(article.lead, current, fixes):
        result["lead"] = ruby_html(article.lead, ruby)
    blocks = {}
    for index, block in enumerate(article.blocks):
        if block["type"] == "p":
            marked = markup_with_ruby(block["html"], current, fixes)
            if marked != block["html"]:
                blocks[str(index)] = marked
        elif block["type"] == "h2" and (ruby := spans(block["text"], current, fixes)):
            blocks[str(index)] = ruby_html(block["text"], ruby)
    if blocks:
        result["blocks"] = blocks
    return result


_RUBY = re.compile(r"<ruby>(.*?)<rp>\(</rp><rt>(.*?)</rt><rp>\)</rp></ruby>")


def annotated_words(ruby: dict) -> list[str]:
    """Each 「漢字(よみ)」 of an article's stored ruby, once, in order of appearance."""
    texts = [ruby.get(name, "") for name in ("headline", "subheadline", "lead")]
    texts += ruby.get("blocks", {}).values()
    found = (
        f"{html.unescape(base)}({html.unescape(reading)})"
        for text in texts
        for base, reading in _RUBY.findall(text)
    )
    return list(dict.fromkeys(found))
