"""Snippets: matched words marked, cut only from what the reader may read, escaped."""

import pytest

from shinbun.members import entitlements
from shinbun.newsroom.body import parse_body
from shinbun.newsroom.models import Article
from shinbun.search import services
from tests.conftest import BODY_MARKER, Elements

SECRET = "極秘の合併計画"  # only in the paid article's body


@pytest.fixture
def paywalled(make, index):
    paid = make.article(
        access="paid",
        headline="有料記事の見出し",
        lead="大手銀行の再編が進む。",
        body_source=f"{SECRET}が明らかになった。\n\n銀行の{BODY_MARKER}。",
    )
    members = make.article(
        access="members",
        headline="会員記事の見出し",
        lead="地方銀行の動き。",
        body_source=f"会員向けの本文で{SECRET}に触れる。",
    )
    index(paid, members)
    return paid, members


def snippets_via(client, q):
    """The page's snippets (as text), the API's snippets (HTML) and the API's count."""
    page = Elements(client.get("/search/", {"q": q}).text)
    api = client.get("/api/v1/search", {"q": q}).json()
    texts = " | ".join(p["text"] for p in page.all("p", class_="snippet"))
    return texts, [item["snippet"] for item in api["items"]], api["count"]


def test_visitor_snippets_come_from_the_lead_only(visitor, paywalled):
    page, snippets, count = snippets_via(visitor, "合併")
    assert count == 2  # found by a word in the body ...
    for text in [page, *snippets]:
        assert SECRET not in text and "合併" not in text
        assert BODY_MARKER not in text
    assert "大手銀行の再編が進む。" in page  # ... but shown with its lead
    assert "大手銀行の再編が進む。" in snippets
    hits = services.search("合併", reader=entitlements.VISITOR).hits
    assert [str(h.snippet) for h in hits] == ["大手銀行の再編が進む。", "地方銀行の動き。"]


def test_words_in_the_lead_are_marked_for_everyone(visitor, paywalled):
    _, snippets, _ = snippets_via(visitor, "銀行")
    assert snippets == ["大手<mark>銀行</mark>の再編が進む。", "地方<mark>銀行</mark>の動き。"]


def test_members_article_body_for_a_member_but_not_the_paid_one(client_for, free_member, paywalled):
    paid, members = paywalled
    hits = {
        h.article.pk: str(h.snippet)
        for h in services.search("合併", reader=entitlements.reader_for(free_member)).hits
    }
    assert "<mark>合併</mark>" in hits[members.pk]
    assert SECRET not in hits[paid.pk] and "合併" not in hits[paid.pk]
    _, snippets, _ = snippets_via(client_for(free_member), "合併")
    assert len(snippets) == 2 and sum("<mark>合併</mark>" in s for s in snippets) == 1


def test_editor_snippets_come_from_the_body(client_for, editor, paywalled):
    page, snippets, count = snippets_via(client_for(editor), "合併")
    assert count == 2
    assert all("<mark>合併</mark>" in s for s in snippets)
    assert SECRET in page
    html = client_for(editor).get("/search/", {"q": "合併"}).text
    assert html.count("<mark>合併</mark>") == 2


def test_free_article_body_is_used_for_visitors(visitor, make, index):
    article = make.article(lead="リード。", body_source="本文の中ほどで為替に触れる。")
    index(article)
    _, snippets, _ = snippets_via(visitor, "為替")
    assert snippets == ["リード。  本文の中ほどで<mark>為替</mark>に触れる。"]


def test_matches_in_later_paragraphs_of_the_snippet_are_marked_too(make, index):
    index(make.article(lead="きょうは円安。", body_source="輸出企業は円安で潤う。"))
    snippet = str(services.search("円安 輸出").hits[0].snippet)
    assert (
        snippet == "きょうは<mark>円安</mark>。  <mark>輸出</mark>企業は<mark>円安</mark>で潤う。"
    )


def test_every_matched_word_and_other_forms_are_marked(visitor, make, index):
    article = make.article(lead="ウイルス対策で付属病院が休診した。", body_source="")
    index(article)
    _, snippets, _ = snippets_via(visitor, "ｳｨﾙｽ 附属")
    assert snippets == ["<mark>ウイルス</mark>対策で<mark>付属</mark>病院が休診した。"]


def test_adjacent_matches_become_one_mark(visitor, make, index):
    index(make.article(lead="生成AIの規制が議論された。", body_source=""))
    _, snippets, _ = snippets_via(visitor, '"生成AI"')
    assert snippets == ["<mark>生成AI</mark>の規制が議論された。"]


def test_long_text_is_cut_around_the_first_match(visitor, make, index):
    filler = "経済の動向を見守る。" * 40
    index(make.article(lead="冒頭。", body_source=f"{filler}ここで為替が動いた。{filler}"))
    _, (snippet,), _ = snippets_via(visitor, "為替")
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>為替</mark>" in snippet
    assert len(snippet) <= services.SNIPPET_CHARS + len("<mark></mark>") + 2


def test_a_match_written_in_another_form_deep_in_the_text_is_found(visitor, make, index):
    """The searched form does not appear as written (ウィルス for ウイルス): the text is
    analysed to find it, and the window is cut there."""
    filler = "経済の動向を見守る。" * 40
    index(make.article(lead="冒頭。", body_source=f"{filler}新型ウィルスが流行した。{filler}"))
    _, (snippet,), _ = snippets_via(visitor, "ウイルス")
    assert snippet.startswith("…") and "<mark>ウィルス</mark>" in snippet


def test_the_window_around_a_match_found_by_analysis_marks_what_follows_its_sentence(
    visitor, make, index
):
    """The words of the analysed piece that holds the first match mark the window; the
    window's part after the piece (the next sentence) is analysed for its marks too."""
    opening = "経済の動向を見守る。" * 4 + "新型ウィルスが流行した。"
    index(make.article(lead="冒頭。", body_source=f"{opening}ウィルスの対策。{'市場の話。' * 20}"))
    _, (snippet,), _ = snippets_via(visitor, "ウイルス")
    assert "新型<mark>ウィルス</mark>が流行した。<mark>ウィルス</mark>の対策" in snippet


def test_a_word_only_in_the_headline_leaves_the_beginning_as_the_snippet(visitor, make, index):
    index(make.article(headline="為替の話", lead="冒頭の一文。", body_source="本文。" * 50))
    _, (snippet,), _ = snippets_via(visitor, "為替")
    assert snippet.startswith("冒頭の一文。") and "<mark>" not in snippet


SCRIPT = "<script>alert('x')</script>"


def test_article_text_is_escaped_in_snippets_and_results(visitor, client_for, editor, make, index):
    article = make.article(
        headline=f"{SCRIPT}見出し 為替",
        lead=f"{SCRIPT}為替が<b>動いた</b>。",
        body_source=f"&lt;img src=x onerror=alert(1)&gt; 為替の本文。{SCRIPT}",
    )
    index(article)
    for client in (visitor, client_for(editor)):
        page = client.get("/search/", {"q": "為替"}).text
        assert SCRIPT not in page and "<b>動いた" not in page and "<img" not in page
        assert "&lt;script&gt;" in page
        snippet = client.get("/api/v1/search", {"q": "為替"}).json()["items"][0]["snippet"]
        assert "<script>" not in snippet and "<b>" not in snippet and "<img" not in snippet
        assert "&lt;script&gt;" in snippet and "<mark>為替</mark>" in snippet
    editor_snippet = str(
        services.search("onerror", reader=entitlements.reader_for(editor)).hits[0].snippet
    )
    assert "&lt;img src=x <mark>onerror</mark>=alert(1)&gt;" in editor_snippet


def test_searching_for_markup_does_not_inject_it(visitor, make, index):
    index(make.article(lead="mark という単語。"))
    page = visitor.get("/search/", {"q": '"><mark>mark</mark><script>x</script>'}).text
    assert "<script>x</script>" not in page
    assert '"><mark>' not in page


def test_a_text_changed_since_it_was_indexed_still_gets_its_match_marked(visitor, make, index):
    """The stored forms that place a match (analysis.find_form) are the indexed text's:
    when the text has changed since, the match is looked for in the text itself."""
    filler = "経済の動向を見守る。" * 40
    article = make.article(lead="冒頭。", body_source=f"{filler}新型ウィルスが流行した。")
    index(article)
    Article.objects.filter(pk=article.pk).update(
        blocks=parse_body(f"{'市場の話題を伝える。' * 30}新型ウィルスの対策。{filler}")
    )
    _, (snippet,), _ = snippets_via(visitor, "ウイルス")
    assert snippet.startswith("…") and "<mark>ウィルス</mark>の対策" in snippet
