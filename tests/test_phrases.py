"""Phrase breaking (core/phrases.py, the |phrases filter): BudouX's phrase boundaries as
<wbr>, on text that stays escaped; and where the pages use it."""

import re

import pytest
from django.template import Context, Template

from shinbun.core.phrases import break_phrases, phrases_of

WBR = "<wbr>"


def render(text) -> str:
    return Template("{% load phrases %}{{ text|phrases }}").render(Context({"text": text}))


def test_phrase_boundaries_keep_words_whole():
    assert str(break_phrases("日銀が金利を引き上げ")).split(WBR) == ["日銀が", "金利を", "引き上げ"]
    # the words the issue found split at a line end stay inside one phrase
    for text, word in [
        ("政府が補助金を引き上げへ", "引き上げ"),
        ("コメ価格、高値続く", "高値"),
        ("ニュースレターの配信を停止しました", "配信"),
        ("Myニュースで連載をまとめよみ", "Myニュース"),
    ]:
        parts = str(break_phrases(text)).split(WBR)
        assert len(parts) > 1, text
        assert any(word in part for part in parts), (word, parts)


def test_text_is_the_same_text_with_breaks_only():
    headline = "内閣支持率34%、3ポイント低下　物価対策「不十分」が6割"
    html = str(break_phrases(headline))
    assert html.replace(WBR, "") == headline
    assert html.count(WBR) == len(phrases_of(headline)) - 1 >= 2


def test_markup_in_a_headline_stays_escaped():
    html = render('<script>alert("x")</script>と<b>太字</b>の見出し & more')
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html.replace(WBR, "")
    # the only markup is <wbr>: nothing but escaped text remains once it is removed
    assert re.sub(r"&(lt|gt|quot|amp|#x27);", "", html.replace(WBR, "")).count("<") == 0
    # a break never falls inside a character reference
    for part in html.split(WBR):
        assert re.fullmatch(r"([^&]|&(lt|gt|quot|amp|#x27);)*", part), part


def test_safe_input_is_still_escaped():
    from django.utils.safestring import mark_safe

    assert "<i>" not in str(break_phrases(mark_safe("<i>斜体</i>の見出し")))


@pytest.mark.parametrize("value", [None, ""])
def test_nothing_gives_nothing(value):
    assert render(value) == ""


def test_english_words_are_not_cut():
    text = "Bank of Japan raises its policy rate"
    assert str(break_phrases(text)) == text


def test_pages_break_headlines_between_phrases(visitor, make, parse_html):
    section = make.default_section
    article = make.article(
        headline="日銀が金利を引き上げ", subheadline="円相場は高値圏で推移", lead="リード。"
    )
    html = visitor.get(article.get_absolute_url()).text
    assert '<h1 class="headline" lang="ja">日銀が<wbr>金利を<wbr>引き上げ</h1>' in html
    assert "円相場は<wbr>" in html
    listing = visitor.get(section.get_absolute_url()).text
    assert ">日銀が<wbr>金利を<wbr>引き上げ</a>" in listing
    # titles, meta tags and JSON-LD carry the plain headline
    doc = parse_html(html)
    assert doc.one("meta", property="og:title")["content"] == "日銀が金利を引き上げ"
    assert '<title lang="ja">日銀が金利を引き上げ |' in html
