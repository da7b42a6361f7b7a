"""ふりがな: readings from SudachiPy over kanji words beyond the configured level, made
when an article is saved; ruby over the kanji only; no ruby where the dictionary cannot
know the reading; editors' corrections; the article and print pages."""

import pytest
from django.core.management import call_command

from shinbun.newsroom import furigana
from shinbun.newsroom.models import Article
from tests.test_admin import article_form, editor_client  # noqa: F401 (a fixture)


def readings(text: str, level: str, fixes: str = "") -> list[tuple[str, str]]:
    return [
        (text[start:end], reading)
        for start, end, reading in furigana.spans(text, level, furigana.parse_fixes(fixes))
    ]


def test_ruby_sits_over_the_kanji_with_the_okurigana_outside():
    text = "政府は税率を引き上げる。"
    assert ("引", "ひ") in readings(text, "all") and ("上", "あ") in readings(text, "all")
    html = furigana.ruby_html(text, furigana.spans(text, "all"))
    assert "<ruby>引<rp>(</rp><rt>ひ</rt><rp>)</rp></ruby>き<ruby>上<rp>(</rp><rt>あ</rt>" in html
    assert "げる。" in html
    assert furigana.align("取り扱い", "とりあつかい") == [(0, 1, "と"), (2, 3, "あつか")]
    assert furigana.align("お茶", "おちゃ") == [(1, 2, "ちゃ")]
    assert furigana.align("引き上げる", "まったくちがう") is None


def test_the_level_decides_which_words_get_ruby():
    text = "社長は曖昧な噂を否定した。"
    assert readings(text, "joyo") == [("噂", "うわさ")]  # 曖昧 is 常用 since 2010
    assert ("曖昧", "あいまい") in readings(text, "grade6")
    assert ("社長", "しゃちょう") in readings(text, "all")
    assert ("社長", "しゃちょう") not in readings(text, "grade6")
    assert readings(text, "off") == []
    assert readings("人々が色々な様子", "joyo") == []  # 々 repeats a 常用 kanji


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("一日に発表した。", "一日"),  # イチ + ニチ: a number and its counter, read by context
        ("三本の矢。", "三本"),
        ("市場で野菜を買う。", "市場"),  # いちば / しじょう
        ("今日は晴れ。", "今日"),  # きょう / こんにち
        ("上手な料理。", "上手"),  # じょうず / うわて / かみて
        ("人気の料理。", "人気"),  # にんき / ひとけ
    ],
)
def test_no_ruby_where_the_dictionary_cannot_know_the_reading(text, word):
    start = text.index(word)
    found = furigana.spans(text, "all")
    assert found, "the other words of the sentence have ruby"
    assert not [span for span in found if span[0] < start + len(word) and span[1] > start]


def test_an_editors_correction_wins_and_a_dash_removes_the_ruby():
    text = "一日の市場で噂を聞いた。"
    fixed = readings(text, "joyo", "一日 ついたち\n市場 イチバ\n噂 -")
    assert fixed == [("一日", "ついたち"), ("市場", "いちば")]


def test_bad_correction_lines_are_named_in_japanese():
    with pytest.raises(Exception) as error:
        furigana.check_fixes("一日 ついたち\nこれは語ではない\n市場 ichiba")
    messages = error.value.messages
    assert len(messages) == 2
    assert "2 行目" in messages[0] and "3 行目" in messages[1]
    assert furigana.parse_fixes("これは語ではない\n一日 ついたち") == [
        furigana.Fix("一日", "ついたち")
    ]


def test_ruby_is_escaped_and_never_put_inside_tags():
    fragment = '噂の<a href="https://example.jp/噂" title="噂">鬱蒼</a> &amp; <strong>噂</strong>'
    marked = furigana.markup_with_ruby(fragment, "joyo", [])
    assert 'href="https://example.jp/噂" title="噂"' in marked
    assert marked.count("<rt>うわさ</rt>") == 2 and "<rt>うっそう</rt>" in marked
    assert "&amp;" in marked
    text = "<噂> & 噂"
    assert furigana.ruby_html(text, furigana.spans(text, "joyo")).startswith("&lt;<ruby>")


def test_a_headline_keeps_its_phrase_breaks():
    headline = "噂の店が鬱蒼とした森に"
    ruby = furigana.spans(headline, "joyo")
    html = furigana.ruby_html(headline, ruby, breaks=[2, 4])
    assert html.count("<wbr>") == 2
    assert html.startswith("<ruby>噂<rp>(</rp><rt>うわさ</rt><rp>)</rp></ruby>の<wbr>")
    # A ruby across a phrase break is left out rather than broken.
    assert "うっそう" not in furigana.ruby_html(headline, ruby, breaks=[5])


def test_saving_an_article_stores_its_ruby_and_the_pages_show_it(client, make, parse_html):
    article = make.article(
        headline="噂の真相",
        lead="鬱蒼とした森の話。",
        body_source="## 蜘蛛の巣\n\n森で<strong>蜘蛛</strong>を見た。\n\n普通の段落。",
    )
    assert set(article.ruby) == {"headline", "lead", "blocks"}
    assert set(article.ruby["blocks"]) == {"0", "1"}
    page = client.get(article.get_absolute_url())
    html = page.text
    assert '<h1 class="headline" lang="ja"><ruby>噂<rp>(</rp><rt>うわさ</rt>' in html
    assert "<rt>うっそう</rt>" in html and "<strong><ruby>蜘蛛" in html
    assert '<p lang="ja">普通の段落。</p>' in html
    toggle = parse_html(page).one("button", class_="furigana-toggle")
    assert toggle["aria-pressed"] == "false" and "ふりがな" in toggle["text"]
    printed = client.get(f"/articles/{article.pk}/print/")
    assert "<rt>うわさ</rt>" in printed.text and "furigana-toggle" in printed.text


def test_an_article_without_ruby_has_no_toggle(client, make):
    article = make.article(headline="社長が会見", lead="国会で質問した。", body_source="本文。")
    assert article.ruby == {}
    assert "furigana-toggle" not in client.get(article.get_absolute_url()).text


def test_the_paywall_keeps_the_body_ruby_hidden_from_visitors(client, make):
    article = make.article(access=Article.Access.PAID, body_source="森で蜘蛛を見た。")
    page = client.get(article.get_absolute_url()).text
    assert article.ruby["blocks"] and "くも" not in page
    assert "furigana-toggle" not in page  # nothing this reader sees has a reading


def test_refresh_follows_a_new_level(settings, make):
    article = make.article(headline="社長の噂", lead="リード。", body_source="本文。")
    assert "しゃちょう" not in article.ruby["headline"]
    settings.FURIGANA_LEVEL = "all"
    call_command("refresh_furigana", stdout=open("/dev/null", "w"))  # noqa: SIM115
    article.refresh_from_db()
    assert "<rt>しゃちょう</rt>" in article.ruby["headline"]
    assert article.revisions.count() == 0  # derived data: no new revision


def test_the_editor_corrects_a_reading_in_the_admin(editor_client, make):  # noqa: F811
    section, keyword = make.section(name="政治"), make.keyword(name="国会")
    data = article_form(section, keyword, headline="一日の噂", reading_fixes="一日 ついたち")
    response = editor_client.post("/admin/newsroom/article/add/", data)
    assert response.status_code == 302
    article = Article.objects.get(headline="一日の噂")
    assert "<rt>ついたち</rt>" in article.ruby["headline"]
    change = editor_client.get(f"/admin/newsroom/article/{article.pk}/change/")
    assert "一日(ついたち)、噂(うわさ)" in change.text

    bad = article_form(section, keyword, headline="別の記事", reading_fixes="一日 tsuitachi")
    response = editor_client.post("/admin/newsroom/article/add/", bad)
    assert response.status_code == 200
    assert "1 行目: よみはひらがなかカタカナで書いてください" in response.text
    assert not Article.objects.filter(headline="別の記事").exists()


def test_a_text_longer_than_sudachi_reads_at_once_is_read_in_pieces(make):
    long_paragraph = "森で蜘蛛の噂を聞いた。" * 6_000  # 66,000 characters, ~200 KB in UTF-8
    article = make.article(lead="リード。", body_source=long_paragraph)
    assert article.ruby["blocks"]["0"].count("<rt>うわさ</rt>") == 6_000
    assert article.ruby["blocks"]["0"].count("<rt>くも</rt>") == 6_000


def test_a_correction_applies_to_the_word_itself_not_inside_another():
    text = "一日と十一日と二十一日に市場調査をした。"
    found = readings(text, "joyo", "一日 ついたち\n市場 いちば")
    assert found == [("一日", "ついたち")]


def test_a_mark_that_belongs_to_a_kanji_is_never_cut_off():
    name = "渡邉\U000e0100さんと鬱\U000e0101蒼とした森の噂"
    html = furigana.ruby_html(name, furigana.spans(name, "all"))
    assert "邉\U000e0100" in html and "鬱\U000e0101" in html  # each kept with its kanji
    assert "<rt>うわさ</rt>" in html


def test_threads_saving_at_once_all_get_ruby():
    from concurrent.futures import ThreadPoolExecutor

    text = "鬱蒼とした森で蜘蛛の噂を聞いた。" * 50
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: furigana.spans(text, "joyo"), range(24)))
    assert all(result == results[0] for result in results) and len(results[0]) == 150


def test_saving_other_fields_keeps_the_stored_ruby(make):
    article = make.article(headline="噂の真相", lead="リード。", body_source="本文。")
    stale = Article.objects.get(pk=article.pk)
    article.headline = "鬱蒼とした森"
    article.save()
    stale.pinned = True
    stale.save(update_fields=["pinned"])  # an older copy of the article, saving one flag
    article.refresh_from_db()
    assert article.headline == "鬱蒼とした森" and "うっそう" in article.ruby["headline"]
    assert article.pinned
