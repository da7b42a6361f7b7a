"""Who reads what, through every channel: page, print view, JSON-LD, API, feeds."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import BODY_MARKER
from tests.test_article_page import json_ld_of

# reader fixture -> access levels it reads in full. Free members and experts read paid
# articles through the monthly meter until it runs out.
READS_IN_FULL = {
    "visitor": {"free"},
    "free_member": {"free", "members", "paid"},
    "metered_out_member": {"free", "members"},
    "paid_member": {"free", "members", "paid"},
    "trialing_member": {"free", "members", "paid"},
    "expert": {"free", "members", "paid"},
    "editor": {"free", "members", "paid"},
}


@pytest.fixture(params=list(READS_IN_FULL))
def reader(request, client_for):
    """Each of the base readers in turn: (name, logged-in client)."""
    name = request.param
    user = None if name == "visitor" else request.getfixturevalue(name)
    return name, client_for(user)


@pytest.mark.parametrize("access", ["free", "members", "paid"])
def test_each_reader_gets_exactly_what_they_may_read(reader, access, make):
    name, client = reader
    article = make.article(access=access, lead="誰でも読めるリード。")
    full = access in READS_IN_FULL[name]

    page = client.get(article.get_absolute_url())
    assert page.status_code == 200
    assert "誰でも読めるリード。" in page.text
    assert (BODY_MARKER in page.text) is full
    assert ('class="paywall"' in page.text) is not full

    printed = client.get(f"/articles/{article.pk}/print/")
    assert printed.status_code == 200
    assert "誰でも読めるリード。" in printed.text
    assert (BODY_MARKER in printed.text) is full

    json_ld = json_ld_of(page)
    assert (BODY_MARKER in json_ld["articleBody"]) is full
    assert json_ld["isAccessibleForFree"] is (access == "free")

    api = client.get(f"/api/v1/articles/{article.pk}").json()
    assert api["lead"] == "誰でも読めるリード。"
    assert api["full_text"] is full
    assert (BODY_MARKER in str(api)) is full
    assert bool(api["body"]) is full


def test_paywall_box_offers_the_way_in(visitor, make, parse_html, spring_campaign):
    article = make.article(access="paid")
    doc = parse_html(visitor.get(article.get_absolute_url()))
    paywall = doc.one("aside", class_="paywall")
    assert "有料会員限定" in paywall["text"]
    assert "春割で無料体験する" in paywall["text"]
    login = next(a for a in doc.all("a") if a["text"] == "ログイン" and "next=" in a["href"])
    assert parse_qs(urlsplit(login["href"]).query)["next"] == [article.get_absolute_url()]


def test_paid_figures_stay_behind_the_paywall(visitor, make):
    figure = make.figure(title="非公開の図表", caption="図表の説明文")
    article = make.article(access="paid", body_source=f"[[figure:{figure.key}]]")
    page = visitor.get(article.get_absolute_url())
    assert "<svg" not in page.text
    assert "図表の説明文" not in page.text


def test_feeds_and_sitemaps_carry_only_the_lead(visitor, make):
    make.article(access="paid", headline="有料の記事", lead="有料記事のリード。")
    for url in ("/feeds/rss/", "/feeds/atom/", "/sitemap-news.xml", "/sitemap-articles.xml"):
        response = visitor.get(url)
        assert response.status_code == 200, url
        assert BODY_MARKER not in response.text, url
    assert "有料記事のリード。" in visitor.get("/feeds/rss/").text


def test_editor_session_sees_the_paid_api_body_but_the_list_never_has_it(client_for, editor, make):
    article = make.article(access="paid")
    listing = client_for(editor).get("/api/v1/articles").json()
    assert [item["id"] for item in listing["items"]] == [article.pk]
    assert BODY_MARKER not in str(listing)


def test_every_reader_can_open_every_public_page(reader, make):
    name, client = reader
    series = make.series()
    column = make.column()
    keyword = make.keyword()
    article = make.article(series=series, column=column, keywords=[keyword], access="paid")
    for url in (
        "/",
        article.section.get_absolute_url(),
        series.get_absolute_url(),
        column.get_absolute_url(),
        keyword.get_absolute_url(),
        article.get_absolute_url(),
        f"/articles/{article.pk}/print/",
        "/feeds/rss/",
        "/feeds/atom/",
        f"/sections/{article.section.slug}/rss/",
        "/sitemap.xml",
        "/sitemap-news.xml",
        "/robots.txt",
        "/api/v1/sections",
        "/api/v1/articles",
        f"/api/v1/articles/{article.pk}",
        "/join/",
        # a logged-in reader is sent on from the login page; their page is the account
        "/accounts/login/" if name == "visitor" else "/accounts/",
    ):
        response = client.get(url)
        assert response.status_code == 200, (name, url)
