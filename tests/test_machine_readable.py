"""Feeds, sitemaps, robots.txt and JSON-LD stay valid XML / JSON for any headline."""

import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.core.cache import cache
from hypothesis import example, given
from hypothesis import strategies as st

from tests.conftest import BODY_MARKER
from tests.test_article_page import json_ld_of

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"

AWKWARD = [
    '"',
    "'",
    "&",
    "<",
    ">",
    "&amp;",
    "]]>",
    "<![CDATA[",
    "</script>",
    "<!--",
    "\x00",
    "\x01",
    "\x08",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x7f",
    "\x85",
    "\t",
    "\n",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "😀",
    "👨‍👩‍👧",
    "🇯🇵",
    "髙",
    "ｶﾞ",
    "カ\u3099",
]
headlines = st.lists(
    st.one_of(st.sampled_from(AWKWARD), st.characters(codec="utf-8")), max_size=40
).map(lambda parts: "見出し" + "".join(parts))


def parse_xml(response) -> ET.Element:
    assert response.status_code == 200
    assert "xml" in response["Content-Type"]
    return ET.fromstring(response.content)


def same_text(parsed: str | None, stored: str) -> bool:
    # XML parsers normalise line ends; nothing else may differ.
    normalised = stored.replace("\r\n", "\n").replace("\r", "\n")
    return (parsed or "") == normalised


@given(headline=headlines)
@example(headline="見出し\"引用\" & <b>太字</b> 'x' 😀\x00\x01\x1b\x7f")
@example(headline="見出し\ufffe\uffff")
def test_feeds_and_sitemaps_are_valid_xml_for_any_headline(visitor, make, headline):
    cache.clear()
    section = make.default_section
    article = make.article(headline=headline, section=section)
    stored = article.headline  # as saved: control characters removed, NFC
    path = article.get_absolute_url()

    rss = parse_xml(visitor.get("/feeds/rss/"))
    item = next(i for i in rss.iter("item") if i.findtext("link", "").endswith(path))
    assert same_text(item.findtext("title"), stored)

    atom = parse_xml(visitor.get("/feeds/atom/"))
    entry = next(
        e for e in atom.iter(f"{ATOM}entry") if e.find(f"{ATOM}link").get("href").endswith(path)
    )
    assert same_text(entry.findtext(f"{ATOM}title"), stored)

    for url in (f"/sections/{section.slug}/rss/", f"/sections/{section.slug}/atom/"):
        parse_xml(visitor.get(url))

    news = parse_xml(visitor.get("/sitemap-news.xml"))
    url = next(u for u in news.iter(f"{SITEMAP}url") if u.findtext(f"{SITEMAP}loc").endswith(path))
    assert same_text(url.findtext(f"{NEWS}news/{NEWS}title"), stored)

    for sitemap in ("/sitemap.xml", "/sitemap-articles.xml", "/sitemap-topics.xml"):
        parse_xml(visitor.get(sitemap))


@given(headline=headlines)
@example(headline='見出し</script><script>alert(1)</script>"\\')
@example(headline="見出し\u2028\u2029<!--")
def test_json_ld_and_meta_tags_for_any_headline(visitor, make, parse_html, headline):
    cache.clear()
    article = make.article(headline=headline, lead=headline + "のリード")
    response = visitor.get(article.get_absolute_url())
    assert response.status_code == 200
    data = json_ld_of(response)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article.headline
    assert data["description"] == article.lead
    doc = parse_html(response)
    assert doc.one("meta", property="og:title")["content"] == article.headline
    assert doc.one("meta", name="twitter:title")["content"] == article.headline
    assert doc.one("h1", class_="headline")["text"] == article.headline
    # Exactly one JSON-LD block and no script smuggled in by the headline.
    assert response.text.count("<script") == 2


def test_feed_items_and_channel(visitor, make, settings):
    economy = make.section(slug="economy", name="経済")
    politics = make.section(slug="politics", name="政治")
    first = make.article(
        section=economy, headline="経済の記事", lead="経済のリード", byline="記者A"
    )
    make.article(section=politics, headline="政治の記事")
    make.article(section=economy, status="draft", headline="下書きの記事")

    rss = parse_xml(visitor.get("/feeds/rss/"))
    assert rss.findtext("channel/title") == settings.SITE_NAME
    assert rss.findtext("channel/language") == "ja"
    titles = [i.findtext("title") for i in rss.iter("item")]
    assert titles == ["経済の記事", "政治の記事"]
    item = next(rss.iter("item"))
    assert item.findtext("description") == "経済のリード"
    assert item.findtext("category") == "経済"
    assert item.findtext("link") == f"http://testserver/articles/{first.pk}/"
    assert BODY_MARKER not in ET.tostring(rss, encoding="unicode")

    section_rss = parse_xml(visitor.get("/sections/economy/rss/"))
    assert [i.findtext("title") for i in section_rss.iter("item")] == ["経済の記事"]
    assert section_rss.findtext("channel/title") == f"{settings.SITE_NAME} 経済"
    section_atom = parse_xml(visitor.get("/sections/economy/atom/"))
    assert [e.findtext(f"{ATOM}title") for e in section_atom.iter(f"{ATOM}entry")] == ["経済の記事"]


def test_sitemaps_list_published_articles_and_topics(visitor, make):
    article = make.article()
    draft = make.article(status="draft")
    future = make.article(published_at=article.published_at.replace(year=2099))
    make.series(slug="wages")
    make.keyword(slug="賃金")

    index = parse_xml(visitor.get("/sitemap.xml"))
    locs = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert "http://testserver/sitemap-articles.xml" in locs
    assert "http://testserver/sitemap-topics.xml" in locs

    articles = parse_xml(visitor.get("/sitemap-articles.xml"))
    locs = [loc.text for loc in articles.iter(f"{SITEMAP}loc")]
    assert f"http://testserver{article.get_absolute_url()}" in locs
    assert f"http://testserver{draft.get_absolute_url()}" not in locs
    assert f"http://testserver{future.get_absolute_url()}" not in locs
    assert all(url.findtext(f"{SITEMAP}lastmod") for url in articles.iter(f"{SITEMAP}url"))

    topics = parse_xml(visitor.get("/sitemap-topics.xml"))
    locs = [unquote(loc.text) for loc in topics.iter(f"{SITEMAP}loc")]
    assert "http://testserver/series/wages/" in locs
    assert "http://testserver/keywords/賃金/" in locs
    assert "http://testserver/sections/national/" in locs

    news = parse_xml(visitor.get("/sitemap-news.xml"))
    entries = list(news.iter(f"{SITEMAP}url"))
    assert [u.findtext(f"{SITEMAP}loc") for u in entries] == [
        f"http://testserver{article.get_absolute_url()}"
    ]
    assert entries[0].findtext(f"{NEWS}news/{NEWS}publication/{NEWS}language") == "ja"
    assert visitor.get("/sitemap-nothing.xml").status_code == 404


def test_news_sitemap_holds_only_the_last_two_days(visitor, make, time_machine):
    old = make.article()
    time_machine.move_to(old.published_at + timedelta(days=3))
    fresh = make.article(published_at=None, status="published")
    news = visitor.get("/sitemap-news.xml").text
    assert fresh.get_absolute_url() in news
    assert old.get_absolute_url() not in news


def test_robots_txt(visitor, db):
    response = visitor.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Sitemap: http://testserver/sitemap-news.xml" in lines


@pytest.mark.parametrize(
    "url", ["/feeds/rss/", "/feeds/atom/", "/sitemap.xml", "/sitemap-news.xml"]
)
def test_empty_site_still_valid(visitor, db, url):
    parse_xml(visitor.get(url))
