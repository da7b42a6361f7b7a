"""The article page, part by part (SPEC §2)."""

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.conftest import BODY_MARKER

SHARE_SERVICES = ["note", "X(旧Twitter)", "Facebook", "はてなブックマーク", "LinkedIn", "Bluesky"]
SHARE_HOSTS = {
    "note": "note.com",
    "X(旧Twitter)": "x.com",
    "Facebook": "www.facebook.com",
    "はてなブックマーク": "b.hatena.ne.jp",
    "LinkedIn": "www.linkedin.com",
    "Bluesky": "bsky.app",
}

FOLLOW_TEXT = (
    "有料会員の方のみご利用になれます。気になる連載・コラム・キーワードをフォローすると、"
    "「Myニュース」でまとめよみができます。"
)
SAVE_TEXT = (
    "有料会員の方のみご利用になれます。保存した記事はスマホやタブレットでもご覧いただけます。"
)
THINK_TEXT = (
    "記事と併せて、エキスパート(専門家)のひとこと解説や分析を読むことができます。"
    "会員の方のみご利用になれます。"
)
FIGURE_TEXT = (
    "有料会員の方のみご利用になれます。保存した図表はスマホやタブレットでもご覧いただけます。"
)
NEWSLETTER_TEXT = "{site}の編集者が選んだ押さえておきたい「ニュース5本」をお届けします。(週5回配信)"
CONSENT_TEXT = (
    "ご登録いただいたメールアドレス宛てにニュースレターの配信と{site}のキャンペーン情報などを"
    "お送りします(登録後の配信解除も可能です)。これらメール配信の目的に限りメールアドレスを"
    "利用します。{site}IDなどその他のサービスに自動で登録されることはありません。"
)


@pytest.fixture
def article(make):
    figure = make.figure(
        key="wages", title="実質賃金の推移", caption="前年同月比", credit="出所:厚生労働省"
    )
    series = make.series(name="賃上げの行方")
    column = make.column(name="経済教室")
    keyword = make.keyword(name="賃金")
    article = make.article(
        headline="賃上げ、中小企業に広がる",
        subheadline="春季交渉の回答出そろう",
        lead="春季労使交渉の回答が出そろった。",
        body_source=(
            f"{BODY_MARKER}。\n\n## 小見出しです\n\n[[figure:{figure.key}]]\n\n最後の段落。"
        ),
        byline="経済部 山田太郎",
        series=series,
        column=column,
        keywords=[keyword],
        published_at=datetime(2025, 4, 11, 10, 30, tzinfo=UTC),
        updated_at=datetime(2025, 4, 11, 11, 5, tzinfo=UTC),
    )
    return article


def canonical_of(article) -> str:
    return f"http://testserver/articles/{article.pk}/"


def test_headline_block(visitor, article, parse_html):
    response = visitor.get(article.get_absolute_url())
    assert response.status_code == 200
    doc = parse_html(response)
    assert doc.one("h1", class_="headline")["text"] == "賃上げ、中小企業に広がる"
    assert doc.one("p", class_="subheadline")["text"] == "春季交渉の回答出そろう"
    assert doc.one("p", class_="byline")["text"] == "経済部 山田太郎"
    dateline = " ".join(doc.one("p", class_="dateline")["text"].split())
    # 10:30 UTC is 19:30 in Japan; the update on the same day shows only its time.
    assert "2025年4月11日 19:30" in dateline
    assert "更新 20:05" in dateline
    section_label = doc.one("p", class_="section-label")["text"]
    assert article.section.name in section_label
    assert "賃上げの行方" in section_label
    assert "経済教室" in section_label


def test_update_on_another_day_repeats_the_date(visitor, make):
    article = make.article(
        published_at=datetime(2025, 4, 11, 14, 50, tzinfo=UTC),  # 23:50 JST
        updated_at=datetime(2025, 4, 11, 15, 10, tzinfo=UTC),  # 00:10 JST next day
    )
    text = visitor.get(article.get_absolute_url()).text
    assert "2025年4月11日 23:50" in text
    assert "2025年4月12日 00:10" in text


def test_no_update_mark_without_update(visitor, make):
    article = make.article(updated_at=None)
    doc_text = visitor.get(article.get_absolute_url()).text
    assert "更新" not in re.search(r'<p class="dateline">.*?</p>', doc_text, re.S).group(0)


def test_both_action_bars(visitor, article, parse_html):
    doc = parse_html(visitor.get(article.get_absolute_url()))
    canonical = canonical_of(article)
    bars = doc.all("div", class_="action-bar")
    assert len(bars) == 2

    prints = doc.all("a", class_="print")
    assert [a["text"] for a in prints] == ["記事を印刷する"] * 2
    assert {a["href"] for a in prints} == {f"/articles/{article.pk}/print/"}

    mails = doc.all("a", class_="mail")
    assert [a["text"] for a in mails] == ["メールで送る"] * 2
    for mail in mails:
        href = mail["href"]
        assert href.startswith("mailto:")
        query = parse_qs(urlsplit(href).query)
        assert query["subject"] == [article.headline]
        assert article.headline in query["body"][0]
        assert canonical in query["body"][0]

    copies = doc.all("button", class_="copy-link")
    assert [b["text"] for b in copies] == ["リンクをコピーする"] * 2
    assert {b["data-copy"] for b in copies} == {canonical}


def test_six_share_links_with_the_canonical_url(visitor, article, parse_html):
    doc = parse_html(visitor.get(article.get_absolute_url()))
    canonical = canonical_of(article)
    assert doc.one("link", rel="canonical")["href"] == canonical
    links = doc.all("a", class_="share-link")
    assert [a["text"] for a in links] == SHARE_SERVICES * 2
    for link in links:
        parts = urlsplit(link["href"])
        assert parts.scheme == "https"
        assert parts.hostname == SHARE_HOSTS[link["text"]]
        values = [v for vs in parse_qs(parts.query).values() for v in vs]
        assert any(canonical in value for value in values), link
        assert link["rel"] == "noopener noreferrer"
    x_link = next(a for a in links if a["text"] == "X(旧Twitter)")
    assert parse_qs(urlsplit(x_link["href"]).query)["text"] == [article.headline]
    bluesky = next(a for a in links if a["text"] == "Bluesky")
    assert unquote(bluesky["href"]).count(article.headline) == 1


def test_share_links_follow_the_configured_base_url(visitor, article, parse_html, settings):
    settings.BASE_URL = "https://www.example.jp"
    doc = parse_html(visitor.get(article.get_absolute_url()))
    canonical = f"https://www.example.jp/articles/{article.pk}/"
    assert doc.one("link", rel="canonical")["href"] == canonical
    assert doc.one("meta", property="og:url")["content"] == canonical
    for link in doc.all("a", class_="share-link"):
        assert canonical in unquote(link["href"])


def test_figure_rendered_as_svg_with_caption_and_credit(visitor, article, parse_html):
    response = visitor.get(article.get_absolute_url())
    doc = parse_html(response)
    figure = doc.one("figure", class_="figure")
    assert "実質賃金の推移" in figure["text"]
    assert doc.one("figcaption")["text"].split() == ["前年同月比", "出所:厚生労働省"]
    assert doc.one("span", class_="credit")["text"] == "出所:厚生労働省"
    # one drawing for a wide column and one for a phone's; the stylesheet shows one
    for drawing in ("chart-wide", "chart-narrow"):
        svg = doc.one("svg", class_=drawing)
        assert svg["xmlns"] == "http://www.w3.org/2000/svg"
        assert "1月" in svg["text"]
    assert '<h2 lang="ja">小見出しです</h2>' in response.text


def test_gate_texts(visitor, article, parse_html, spring_campaign):
    doc = parse_html(visitor.get(article.get_absolute_url()))
    gates = {
        "gate-follow": ("フォローする", FOLLOW_TEXT),
        "gate-save": ("記事を保存する", SAVE_TEXT),
        "gate-think": ("Think! の投稿を読む", THINK_TEXT),
        "gate-figure": ("図表を保存する", FIGURE_TEXT),
    }
    for css_class, (label, message) in gates.items():
        gate = doc.one("details", class_=css_class)
        assert gate["text"].strip().startswith(label), css_class
        assert message in gate["text"], css_class
    assert "春割で無料体験する" in doc.one("details", class_="gate-follow")["text"]
    assert "ログイン" in doc.one("details", class_="gate-follow")["text"]


def test_newsletter_texts_name_the_configured_site(visitor, article, settings, parse_html):
    settings.SITE_NAME = "テスト日報"
    doc = parse_html(visitor.get(article.get_absolute_url()))
    box = doc.one("aside", class_="newsletter-box")["text"]
    assert NEWSLETTER_TEXT.format(site="テスト日報") in box
    assert CONSENT_TEXT.format(site="テスト日報") in box
    assert doc.one("input", type="email")


def test_related_articles_are_the_editors_published_choice(visitor, make, parse_html):
    chosen = make.article(headline="選ばれた関連記事")
    draft = make.article(headline="下書きの関連記事", status="draft")
    make.article(headline="選ばれていない記事")
    article = make.article(related=[chosen, draft])
    doc = parse_html(visitor.get(article.get_absolute_url()))
    related = doc.one("aside", class_="related")
    assert "関連記事" in related["text"]
    assert "選ばれた関連記事" in related["text"]
    assert "下書きの関連記事" not in related["text"]
    assert "選ばれていない記事" not in related["text"]
    assert chosen.get_absolute_url() in [a["href"] for a in doc.all("a", class_="headline")]


def test_no_related_block_without_related_articles(visitor, make):
    article = make.article()
    assert "関連記事" not in visitor.get(article.get_absolute_url()).text


def test_keywords_and_corrections_are_listed(visitor, article, parse_html):
    from shinbun.newsroom import publishing

    publishing.correct(article, "発表日を4月10日と誤って記載しました。")
    doc = parse_html(visitor.get(article.get_absolute_url()))
    assert "賃金" in doc.one("ul", class_="keywords")["text"]
    assert (
        "発表日を4月10日と誤って記載しました。" in doc.one("section", class_="corrections")["text"]
    )


def test_ogp_and_twitter_card(visitor, article, parse_html):
    doc = parse_html(visitor.get(article.get_absolute_url()))

    def meta(**attrs):
        return doc.one("meta", **attrs)["content"]

    assert meta(property="og:type") == "article"
    assert meta(property="og:title") == article.headline
    assert meta(property="og:description") == article.lead
    assert meta(property="og:url") == canonical_of(article)
    assert meta(property="og:site_name") == "シンブン電子版"
    assert meta(property="og:image").startswith("http://testserver/")
    assert meta(name="twitter:card") == "summary_large_image"
    assert meta(name="twitter:title") == article.headline
    assert meta(name="description") == article.lead


def test_a_photo_figure_shows_with_its_caption_and_credit(visitor, make, parse_html):
    make.figure(
        key="photo",
        kind="image",
        title="完成した新工場",
        image="figures/2026/12/factory.jpg",
        alt="川沿いに建つ白い工場の外観",
        caption="12月に稼働を始めた",
        credit="撮影:山田",
    )
    article = make.article(body_source="一段落目。\n\n[[figure:photo]]\n\n二段落目。")
    doc = parse_html(visitor.get(article.get_absolute_url()))
    figure = doc.one("figure", id="figure-photo")
    image = doc.one("img", src="/media/figures/2026/12/factory.jpg")
    assert image["alt"] == "川沿いに建つ白い工場の外観"
    assert "12月に稼働を始めた" in figure["text"] and "撮影:山田" in figure["text"]
    assert "完成した新工場" in figure["text"]


def test_a_shared_link_shows_the_articles_first_photo(visitor, client_for, paid_member, make):
    """Even on a paid article whose body a visitor may not read: the photo is what a
    share card shows (the text stays behind the paywall); without a photo, the site's."""
    make.figure(key="graph")  # a chart: drawn in the page, never a share image
    make.figure(key="photo", kind="image", image="figures/2026/12/factory.jpg", alt="新工場の外観")
    body = "一段落目。\n\n[[figure:graph]]\n\n二段落目。\n\n[[figure:photo]]"
    paid = make.article(access="paid", body_source=body)
    plain = make.article()
    for client in (visitor, client_for(paid_member)):
        page = client.get(paid.get_absolute_url())
        assert ("二段落目" in page.text) == (client is not visitor)  # the paywall holds
        photo = "http://testserver/media/figures/2026/12/factory.jpg"
        assert f'<meta property="og:image" content="{photo}">' in page.text
        assert '<meta name="twitter:image:alt" content="新工場の外観">' in page.text
        assert json_ld_of(page)["image"] == [photo]
    page = visitor.get(plain.get_absolute_url())
    assert '<meta property="og:image" content="http://testserver/static/shinbun/ogp.png">' in (
        page.text
    )


def json_ld_of(response) -> dict:
    match = re.search(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


def test_json_ld_news_article(visitor, article):
    data = json_ld_of(visitor.get(article.get_absolute_url()))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article.headline
    assert data["description"] == article.lead
    assert data["url"] == data["mainEntityOfPage"] == canonical_of(article)
    assert data["datePublished"] == "2025-04-11T10:30:00+00:00"
    assert data["dateModified"] == "2025-04-11T11:05:00+00:00"
    assert data["articleSection"] == article.section.name
    assert data["author"] == [{"@type": "Person", "name": "経済部 山田太郎"}]
    assert data["publisher"]["name"] == "シンブン電子版"
    assert data["image"]
    assert data["isAccessibleForFree"] is True
    assert BODY_MARKER in data["articleBody"]


def test_print_view(visitor, article, parse_html):
    response = visitor.get(f"/articles/{article.pk}/print/")
    assert response.status_code == 200
    doc = parse_html(response)
    assert doc.one("h1", class_="headline")["text"] == article.headline
    assert BODY_MARKER in response.text
    assert doc.one("svg", class_="chart-wide")
    assert "図表を保存する" not in response.text  # no member buttons on paper
    assert doc.one("p", class_="print-url")["text"] == canonical_of(article)
    assert doc.one("meta", name="robots")["content"] == "noindex"
