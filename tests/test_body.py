"""Article bodies are sanitised: a <script> typed by an editor never reaches a reader."""

import html
import json
import re

import nh3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shinbun.newsroom.body import blocks_to_text, clean_text, parse_body

SCRIPT_BODY = (
    "はじめの段落<script>alert('x')</script>です。\n\n"
    '<p onclick="steal()">クリック</p><img src=x onerror="steal()">'
    '<a href="javascript:steal()">危ないリンク</a>'
    '<a href="https://example.jp/">安全なリンク</a>\n\n'
    "## 小見出し<script>alert(2)</script>\n\n"
    "<iframe src='https://evil.example/'></iframe><style>body{}</style>最後の段落"
)


def test_parse_body_structure():
    blocks = parse_body(
        "一段落目\n二行目\n\n## 小見出し\n\n[[figure:wages-2025]]\n\n"
        "<strong>強調</strong>と<em>斜体</em>"
    )
    assert blocks == [
        {"type": "p", "html": "一段落目<br>二行目"},
        {"type": "h2", "text": "小見出し"},
        {"type": "figure", "key": "wages-2025"},
        {"type": "p", "html": "<strong>強調</strong>と<em>斜体</em>"},
    ]


def test_parse_body_removes_scripts_handlers_and_bad_links():
    blocks = parse_body(SCRIPT_BODY)
    dumped = json.dumps(blocks, ensure_ascii=False).lower()
    for bad in ("<script", "alert(", "onclick", "onerror", "javascript:", "<iframe", "<style"):
        assert bad not in dumped
    html = "".join(block.get("html", "") for block in blocks)
    assert '<a href="https://example.jp/" rel="noopener noreferrer">安全なリンク</a>' in html
    assert {"type": "h2", "text": "小見出し"} in blocks


def test_clean_text_drops_control_characters_and_normalises():
    assert clean_text(" 見出し\x00\x07\x1b\x7f\x85\ufffe\uffff ") == "見出し"
    # NFC: a composed カ + ゛ becomes ガ.
    assert clean_text("カ\u3099") == "ガ"


def test_blocks_to_text_is_plain():
    text = blocks_to_text(parse_body("<strong>A &amp; B</strong>\n\n## 見出し"))
    assert text == "A & B\n\n見出し"


@given(st.text(max_size=60))
def test_a_paragraph_without_markup_reads_as_the_html_parser_would_read_it(text):
    """blocks_to_text skips the parser for paragraphs with nothing to strip; whatever
    the text, the result is the parser's."""
    block = {"type": "p", "html": text}
    parsed = html.unescape(nh3.clean(text.replace("<br>", "\n"), tags=set()))
    assert blocks_to_text([block]) == parsed


@pytest.fixture
def scripted_article(make):
    return make.article(
        headline="スクリプト入りの記事",
        body_source=SCRIPT_BODY,
    )


def _assert_no_script(text: str):
    lowered = text.lower()
    assert "alert(" not in lowered
    assert "javascript:" not in lowered
    assert "onerror" not in lowered
    assert "onclick" not in lowered


def test_no_script_reaches_a_reader_through_any_channel(visitor, scripted_article):
    page = visitor.get(scripted_article.get_absolute_url())
    assert page.status_code == 200
    assert "はじめの段落" in page.text  # the body is there, only the script is gone
    _assert_no_script(page.text)
    # The only <script> elements are the site's own file and the JSON-LD block.
    scripts = re.findall(r"<script[^>]*>", page.text)
    assert all("site.js" in s or "application/ld+json" in s for s in scripts), scripts

    printed = visitor.get(f"/articles/{scripted_article.pk}/print/")
    assert "はじめの段落" in printed.text
    _assert_no_script(printed.text)
    assert all("site.js" in s for s in re.findall(r"<script[^>]*>", printed.text))

    api = visitor.get(f"/api/v1/articles/{scripted_article.pk}")
    assert api.status_code == 200
    assert "<script" not in api.text.lower()
    _assert_no_script(api.text)

    for feed in ("/feeds/rss/", "/feeds/atom/", "/sitemap-news.xml"):
        response = visitor.get(feed)
        assert "スクリプト入りの記事" in response.text
        assert "<script" not in response.text.lower()
        assert "&lt;script" not in response.text.lower()


def test_markup_in_plain_text_fields_is_shown_as_text(visitor, make):
    article = make.article(
        headline="<script>alert(1)</script>見出し", lead="<img src=x onerror=alert(2)>リード"
    )
    page = visitor.get(article.get_absolute_url())
    assert "<script>alert(1)" not in page.text
    assert "<img src=x" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;見出し" in page.text
    # In JSON-LD the angle brackets are escaped so the block cannot be closed early.
    assert "\\u003Cscript\\u003Ealert(1)" in page.text
