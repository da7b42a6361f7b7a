"""The one analysis function: what makes two spellings the same word for search."""

import random
import unicodedata
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shinbun.search import analysis, normalization, spans, tokenizing
from shinbun.search.analysis import analyze, normalize_text, terms
from shinbun.search.kanji import OLD_TO_NEW
from shinbun.search.normalization import _nfkc
from tests.corpus import corpus_articles


@pytest.mark.parametrize(
    ("written", "usual"),
    [
        ("ｻﾝｸﾄﾍﾟﾃﾙﾌﾞﾙｸ", "サンクトペテルブルク"),  # half-width katakana
        ("附属", "付属"),  # Sudachi's normalised form
        ("ウィルス", "ウイルス"),  # katakana variant
        ("コンピュータ", "コンピューター"),  # long vowel mark
        ("メモリ", "メモリー"),  # (not in the dictionary's normalised forms)
        ("ﾌﾟﾘﾝﾀ", "プリンター"),
        ("２０２５", "2025"),  # full-width digits
        ("ＡＩ", "AI"),  # full-width Latin
        ("Tokyo", "tokyo"),  # case
        ("ΚΌΣΜΟΣ", "κόσμος"),  # case, and a word's final sigma
        ("國學院", "国学院"),  # old kanji (kanji.py)
        ("櫻", "桜"),
        ("渡邉", "渡辺"),  # a variant kanji of names
    ],
)
def test_other_forms_analyse_like_the_usual_one(written, usual):
    assert terms(written) == terms(usual)
    assert terms(written)  # and they are words, not dropped


@pytest.mark.parametrize(("short", "long"), [("カバ", "カバー"), ("エラ", "エラー")])
def test_a_short_word_keeps_its_long_vowel(short, long):
    assert terms(short) != terms(long)


def test_words_that_differ_stay_apart():
    assert terms("付属") != terms("附則")
    assert terms("ウイルス") != terms("ウール")


def test_old_kanji_table_maps_every_old_form_to_its_new_one():
    assert OLD_TO_NEW["國"] == "国" and OLD_TO_NEW["學"] == "学"
    assert all(len(old) == 1 and len(new) == 1 and old != new for old, new in OLD_TO_NEW.items())
    assert normalize_text("國學院大學") == "国学院大学"


@pytest.mark.parametrize("compound", ["トランプ大統領", "トランプ政権", "トランプ氏の発言"])
def test_fine_split_so_a_name_finds_its_compounds(compound):
    assert terms("トランプ")[0] in terms(compound)


@pytest.mark.parametrize("text", ["国学院について", "國學院についての発表", "大学は国学院に"])
def test_a_word_split_by_what_follows_is_joined_again(text):
    # Alone 国学院 is one word; before について the dictionary reads 国学 + 院.
    (word,) = [token for token in analyze(text) if token.form.startswith("国学")]
    assert (word.form, word.surface) == ("国学院", "国学院")
    assert word.content


def test_words_are_joined_only_into_what_the_dictionary_reads_as_one_word():
    assert terms("東京都知事") == terms("東京 都 知事")  # 東京都 alone is 東京 + 都
    assert terms("トランプ大統領") == ["トランプ", "大統領"]


@pytest.mark.parametrize(("text", "not_a_word"), [("田中さんご結婚", "さんご"), ("3人目", "人目")])
def test_kana_and_counters_are_not_joined_to_their_neighbour(text, not_a_word):
    assert not_a_word not in terms(text)


def test_symbols_and_white_space_are_dropped():
    assert terms("「東京、大阪」！\u3000\u3000\t\n★ ※ ・…") == terms("東京 大阪")
    assert terms("東京") == ["東京"]
    assert terms("！？「」、。・\u3000 \t\n") == []


def test_control_characters_are_not_words_and_do_not_crash():
    assert terms("東京\x00都\x07庁\x1b\x7f\x9f") == terms("東京 都 庁")
    assert "\x00" not in normalize_text("a\x00b")


def test_offsets_point_into_the_normalised_text():
    text = normalize_text("ｻﾝｸﾄﾍﾟﾃﾙﾌﾞﾙｸで２０２５年")
    for token in analyze(text):
        assert text[token.start : token.end] == token.surface


def test_content_flag_marks_meaningful_words():
    flags = {token.surface: token.content for token in analyze("東京で会議が開かれた")}
    assert flags["東京"] and flags["会議"]
    assert not flags["で"] and not flags["が"]


def test_ten_thousand_characters():
    text = "政府は経済対策を発表した。" * 800  # 10,400 characters
    forms = terms(text)
    assert forms.count("経済") == 800


@pytest.mark.parametrize(
    "text",
    [
        "東京都の予算。" * 10_000,  # 70,000 characters, ~210 KB, one line
        "a" * 60_000,  # no line breaks nor sentence ends at all
        ("長い段落" * 5_000 + "\n") * 4,  # long lines
        "🎉" * 20_000,
    ],
)
def test_inputs_above_sudachis_limit_do_not_crash(text):
    assert len(text.encode()) > 49 * 1024
    forms = terms(text)
    if "予算" in text:
        assert forms.count("予算") == 10_000  # nothing lost at the chunk boundaries


def test_emoji_and_empty():
    assert terms("") == [] and terms(None) == []
    assert terms("🎉🎉") == []
    assert terms("🎉東京🎉") == ["東京"]


# --- NFKC, normalising only what may change ------------------------------------------


def test_nfkc_of_every_character_in_every_context():
    """Each character of the Basic Multilingual Plane, alone, after a base letter and
    before a combining mark, as unicodedata normalises it: the table of what may
    change has no gap."""
    for code in range(0x10000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        text = f"{char}a{char}\u0301{char}ｶ{char}\u3099漢{char}\u1161"
        assert _nfkc(text) == unicodedata.normalize("NFKC", text), hex(code)


@given(
    st.text(
        st.sampled_from(
            "あかｶｷﾞﾞﾟ\uff9e\u3099\u309a\u309b漢國ＡＢ１２　（）！ｰ-ーe\u0301\u0323\u0300"
            "\u1100\u1161\u11a8가각①㈱㍻ﬁ½\u2028\t\n 𠮷😀"
        ),
        max_size=40,
    )
)
def test_nfkc_equals_unicodedatas(text):
    assert _nfkc(text) == unicodedata.normalize("NFKC", text)


def test_nfkc_of_the_corpus_equals_unicodedatas():
    for number, article in corpus_articles(7):  # a seventh meets every kind of article
        text = article["body"]
        assert _nfkc(text) == unicodedata.normalize("NFKC", text), number


def test_pieces_cover_the_text_and_are_cut_before_a_line_break_after_a_sentence():
    paragraph = "東京都は予算案を発表した。財源は都税です!"
    text = "\n".join([paragraph * 4] * 6) + "\n見出し\n" + "終わり"
    pieces = list(tokenizing._chunks(text))
    assert len(pieces) > 1
    assert "".join(piece for _, piece in pieces) == text
    for (offset, piece), (next_offset, _) in pairwise(pieces):
        assert next_offset == offset + len(piece)
        assert text[next_offset] == "\n" and text[next_offset - 1] in "。!"
        assert len(piece) >= tokenizing.PIECE_CHARS


def _whole(monkeypatch, text):
    with monkeypatch.context() as patch:
        patch.setattr(tokenizing, "PIECE_CHARS", tokenizing.CHUNK_CHARS)
        return tokenizing.words(text)


def test_analysis_in_pieces_reads_every_word_as_the_whole_text_does(monkeypatch):
    """Cutting before a line break that follows a sentence's end changes no word: the
    articles of the corpus, analysed whole and in pieces (a tenth of them; all 7,367
    agreed when the cut was chosen, cut at every such line break, while a cut after the
    line break, or after a line without a sentence end, changed words in 1-2 %)."""
    compared = 0
    for number, article in corpus_articles(10):
        text = normalize_text(article["body"])
        if len(list(tokenizing._chunks(text))) > 1:
            assert tokenizing.words(text) == _whole(monkeypatch, text), number
            compared += 1
    assert compared > 300


def test_text_is_lowered_character_by_character_with_its_offsets_kept():
    assert tokenizing._lowered("NHKとＡＢＣ") == "nhkとａｂｃ"
    assert tokenizing._lowered("ΟΔΟΣ") == "οδοσ"  # not ς, as str.lower has it
    assert tokenizing._lowered("İstanbul") == "İstanbul"  # not i̇, two characters


def _corpus_texts(every: int, titles: bool = True) -> list[str]:
    """The bodies (and titles) of every ``every``-th corpus article; none without it."""
    texts: list[str] = []
    for _, article in corpus_articles(every):
        texts += [article["title"], article["body"]] if titles else [article["body"]]
    return texts


def _read(morphemes):
    return [(m.begin(), m.end(), m.normalized_form(), m.part_of_speech_id()) for m in morphemes]


def test_sudachi_as_set_up_reads_every_piece_as_its_default_settings_do():
    """analysis.py leaves out Sudachi's character-normalising input plugin (and reads
    fewer fields): the words, offsets, normalised forms and parts of speech of every
    piece must stay those of SudachiPy as installed (a seventh of the corpus here; all
    55,062 pieces agreed when this was set up). Without the lowering, NHK or Apple would
    be read as common nouns instead of proper ones."""
    from sudachipy import Dictionary, SplitMode

    default = Dictionary(dict="core").tokenizer(mode=SplitMode.A)
    ours = tokenizing._tokenizer()
    texts = ["NHKのニュースとiPhone、ＴＰＰ交渉でAppleが発表(はっぴょう)ーーした"]
    for text in texts + _corpus_texts(7):
        for _, piece in tokenizing._chunks(normalize_text(text)):
            expected = _read(default.tokenize(piece))
            assert _read(ours.tokenize(tokenizing._lowered(piece))) == expected, piece


# --- the fast paths give what the plain ones give -------------------------------------


def test_normalizing_by_the_table_equals_run_by_run_for_every_character():
    """Each character of the Basic Multilingual Plane in a text long enough for the
    table, between others, and again before a combining mark, a voiced sound mark and a
    Hangul vowel: the table path gives what the run by run path gives, and declines only
    texts with a character whose result depends on its neighbours."""
    padding = "東京の記事。" * (normalization._TABLE_FROM // 6)
    declined = set()
    for code in range(0x10000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        plain = f"{padding}{char}a{char}國{char}ｶ{char}"
        assert normalize_text(plain) == normalization._normalize_by_runs(plain), hex(code)
        if normalization._normalize_by_table(plain) is None:
            declined.add(code)
        marked = f"{plain}\u0301{char}\u3099{char}\u1161{char}"
        assert normalize_text(marked) == normalization._normalize_by_runs(marked), hex(code)
    assert 0x0301 in declined and 0x3099 in declined and 0xFF9E in declined
    assert len(declined) < 2500  # combining marks and the like, not whole scripts


@given(
    st.text(
        st.sampled_from(
            "あかｶｷﾞﾞﾟ\uff9e\u3099\u309a\u309b漢國ＡＢ１２　（）！ｰ-ーe\u0301\u0323…℃™㎜"
            "\u1100\u1161\u11a8가각①㈱㍻ﬁ½\u2028\t\n\x00\x1f 𠮷😀"
        ),
        min_size=normalization._TABLE_FROM,
        max_size=normalization._TABLE_FROM + 60,
    )
)
def test_normalizing_by_the_table_equals_run_by_run(text):
    assert normalize_text(text) == normalization._normalize_by_runs(text)


def test_news_text_takes_the_table_path():
    text = "（東京）２０２５年、ＡＩの國學院…　ｻﾝｸﾄ\x07" + "記事の本文です。" * 40
    assert normalization._normalize_by_table(text) == normalization._normalize_by_runs(text)


def test_forms_and_counts_for_indexing_are_those_of_the_pairs():
    """index_forms gives index_terms's forms, and counts its content words, in the
    order they first come, also where words were joined (国学院)."""
    from collections import Counter

    texts = ["国学院について国学の話。国学院の国学院大学", "東京都庁舎の大会議室で東京"]
    texts += _corpus_texts(20, titles=False)
    for text in texts:
        pairs = analysis.index_terms(text)
        counts = {}
        forms = tokenizing.words(normalize_text(text), False, counts)
        assert forms == [form for form, _ in pairs]
        expected = Counter(form for form, content in pairs if content)
        assert list(counts.items()) == list(expected.items())


def test_documents_read_in_groups_get_each_texts_forms_and_their_counts(monkeypatch):
    """index_forms_many gives each document's texts the forms index_terms gives them, and
    counts the content words of all its texts, in the order they first come, whether
    the documents fall in one group or in several (a group ends inside the list)."""
    from collections import Counter

    texts = _corpus_texts(50) or ["国学院について国学の話。", "東京都庁舎の大会議室で東京"] * 5
    documents = [texts[i : i + 2] for i in range(0, len(texts) - 1, 2)]
    documents += [["", "国学院の国学院大学"], ["東京都庁舎\n\nで東京"]]
    for group_chars in (analysis.GROUP_CHARS, 3000, 1):
        monkeypatch.setattr(analysis, "GROUP_CHARS", group_chars)
        found = list(analysis.index_forms_many(iter(documents)))
        assert len(found) == len(documents)
        for document, (forms, counts) in zip(documents, found, strict=True):
            pairs = [analysis.index_terms(text) for text in document]
            assert forms == [[form for form, _ in p] for p in pairs]
            expected = Counter(form for p in pairs for form, content in p if content)
            assert list(counts.items()) == list(expected.items())


def test_a_text_without_a_dictionary_entry_is_not_analysed_to_find_it_is_no_word(
    monkeypatch,
):
    """_as_one_word answers None without analysing a text the dictionary has no entry
    for: for every pair of adjacent joinable words of a tenth of the corpus, that
    answer is the one analysing gives."""
    texts = ["国学院について", "東京都庁舎の大会議室"] + _corpus_texts(10, titles=False)
    candidates = set()

    join = tokenizing._join

    def remember(chunk, start, end):
        candidates.add(chunk[start:end])
        return join(chunk, start, end)

    monkeypatch.setattr(tokenizing, "_join", remember)
    for text in texts:
        tokenizing.words(normalize_text(text), False)
    monkeypatch.setattr(tokenizing, "_join", join)
    assert len(candidates) > 1000
    lookup = tokenizing._new_tokenizer()
    skipped = 0
    for text in candidates:
        tokenizing._alone.pop(text, None)
        words = lookup.tokenize(tokenizing._lowered(text))
        analysed = len(words) == 1 and not words[0].is_oov()
        assert (tokenizing._as_one_word(text) is not None) == analysed, text
        skipped += not len(tokenizing._dictionary().lookup(tokenizing._lowered(text)))
    assert skipped > len(candidates) // 2


def test_the_stored_forms_find_the_first_match_that_analysing_from_the_start_finds(
    monkeypatch,
):
    """find_form places the first match where first_match does, reading regions of the
    text instead of the text up to the match: for words whose first place is spread
    evenly over the text (distinct forms of long articles of a twentieth of the corpus,
    drawn at random), in the whole text and in its first paragraph alone (a visitor's
    lead, with the whole text's forms stored); it seldom falls back to reading from the
    start, and reads nothing for a form the stored ones lack."""
    words, first_match, first_found = tokenizing.words, spans.first_match, spans.first_found
    read = {"find_form": 0, "first_match": 0, "fallback": 0}
    counting = ["first_match"]

    def counted(text, *args, **kwargs):
        read[counting[0]] += len(text)
        return words(text, *args, **kwargs)

    def fallback(*args):
        read["fallback"] += 1
        return first_found(*args)

    rng = random.Random(7)
    compared = 0
    for number, article in corpus_articles(20):
        text = normalize_text(article["body"])
        stored = [form for form, _ in analysis.index_terms(article["body"])]
        if len(text) <= 2 * spans.REGION_CHARS:
            continue
        lead = text[: text.find("\n") + 1 or len(text)]
        monkeypatch.setattr(tokenizing, "words", counted)
        for form in rng.sample(sorted(set(stored)), 5):
            searched = {form, "記事にない語"}
            for part in (text, lead):
                counting[0] = "first_match"
                expected = first_match(part, searched)
                counting[0] = "find_form"
                if part is text:  # (a short lead is read from its start)
                    monkeypatch.setattr(spans, "first_found", fallback)
                assert spans.find_form(part, stored, searched) == expected, number
                monkeypatch.setattr(spans, "first_found", first_found)
                compared += 1
        before = read["find_form"]
        assert spans.find_form(text, stored, {"記事にない語"}) is None
        assert read["find_form"] == before
        monkeypatch.setattr(tokenizing, "words", words)
    assert compared > 1000
    assert read["fallback"] < compared / 2 * 0.02
    assert read["find_form"] < read["first_match"] / 3
