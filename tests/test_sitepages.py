"""The site pages operators edit (利用規約, プライバシーポリシー, 特定商取引法に基づく表記,
お問い合わせ, ヘルプ): linked from every page's footer, written in the articles' body
format, cached for anonymous readers and purged when an operator saves, and the demo's
texts for シンブン株式会社. The sign-up page states the agreement to the terms."""

from datetime import datetime

import pytest
from django.conf import settings
from django.test import Client

from shinbun.core.timefmt import to_jst
from shinbun.members.models import Plan
from shinbun.sitepages.demo import load_sitepages
from shinbun.sitepages.models import SitePage

PAGES = {
    "/terms/": "利用規約",
    "/privacy/": "プライバシーポリシー",
    "/tokushoho/": "特定商取引法に基づく表記",
    "/contact/": "お問い合わせ",
    "/help/": "ヘルプ",
}
# What 特定商取引法 (11条) asks a seller online to show, as the demo's headings.
TOKUSHOHO_ITEMS = [
    "販売事業者",
    "代表者",
    "所在地",
    "電話番号",
    "連絡先",
    "販売価格",
    "支払方法",
    "支払時期",
    "提供時期",
    "解約",
    "返品・返金",
]


@pytest.fixture
def site_pages(plans):
    load_sitepages()
    return {page.slug: page for page in SitePage.objects.all()}


def footer_links(doc) -> dict[str, str]:
    return {a["href"]: a["text"] for a in doc.all("a") if a["href"] in PAGES}


def test_every_kind_of_page_links_to_the_five_pages_in_its_footer(
    visitor, client_for, paid_member, make, parse_html
):
    article = make.article(access="paid")
    pages = [
        visitor.get("/"),
        visitor.get(article.get_absolute_url()),
        visitor.get("/join/"),
        visitor.get("/accounts/signup/"),
        visitor.get("/no-such-page/"),
        client_for(paid_member).get(article.get_absolute_url()),
        client_for(paid_member).get("/accounts/"),
    ]
    for response in pages:
        footer = response.text.split('<footer class="site-footer">')[1]
        assert footer_links(parse_html(footer)) == PAGES, response.request["PATH_INFO"]


@pytest.mark.parametrize("path", PAGES)
def test_each_page_shows_its_title_body_and_last_update(visitor, site_pages, parse_html, path):
    response = visitor.get(path)
    assert response.status_code == 200
    doc = parse_html(response)
    assert doc.one("h1")["text"] == PAGES[path]
    assert "最終更新日" in response.text
    updated = site_pages[path.strip("/")].updated_at
    local = to_jst(updated)
    time = doc.one("time")
    assert time["text"] == f"{local.year}年{local.month}月{local.day}日"  # Japan time
    assert datetime.fromisoformat(time["datetime"]) == updated
    assert doc.all("h2")  # the body's sub-headings
    assert doc.one("div", class_="site-page-body")["lang"] == "ja"


def test_the_demo_texts_name_the_publisher_and_its_contact(visitor, site_pages):
    mailto = f'href="mailto:{settings.CONTACT}"'
    for path in ("/terms/", "/privacy/", "/tokushoho/"):
        assert settings.PUBLISHER_NAME in visitor.get(path).text, path
    for path in ("/privacy/", "/tokushoho/"):
        assert settings.PUBLISHER_ADDRESS in visitor.get(path).text, path
    for path in ("/privacy/", "/tokushoho/", "/contact/"):
        assert mailto in visitor.get(path).text, path
    assert 'href="/contact/"' in visitor.get("/help/").text


def test_tokushoho_lists_what_the_law_asks_with_the_plans_prices_read_now(
    visitor, site_pages, plans, parse_html, django_capture_on_commit_callbacks
):
    response = visitor.get("/tokushoho/")
    headings = [h["text"] for h in parse_html(response).all("h2")]
    for item in TOKUSHOHO_ITEMS:
        assert item in headings, item
    assert "デジタルコンテンツの性質上" in response.text  # no refunds
    assert "次回の更新日" in response.text  # until when cancelling avoids a charge
    rows = {row["text"] for row in parse_html(response).all("tr")}
    assert "月額プラン1,980円1か月ごと" in rows and "年額プラン19,800円1年ごと" in rows
    assert "春割キャンペーンでは、はじめての方に30日間の無料体験" in response.text

    plan = plans["monthly"]
    plan.price_jpy = 2200
    with django_capture_on_commit_callbacks(execute=True):
        plan.save()  # the operator's change reaches the cached page at once
    rows = {row["text"] for row in parse_html(visitor.get("/tokushoho/")).all("tr")}
    assert "月額プラン2,200円1か月ごと" in rows
    Plan.objects.filter(code="yearly").update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        plan.save()
    assert "年額プラン" not in visitor.get("/tokushoho/").text


def test_anonymous_copies_are_cached_and_purged_when_an_operator_saves(
    visitor, site_pages, django_capture_on_commit_callbacks
):
    first = visitor.get("/help/")
    assert "public" in first["Cache-Control"] and first.has_header("ETag")
    SitePage.objects.filter(slug="help").update(body_source="書き換えた本文")  # no save()
    assert "書き換えた本文" not in visitor.get("/help/").text  # served from the cache
    page = site_pages["help"]
    page.body_source = "## よくある質問\n\n新しい本文です。"
    with django_capture_on_commit_callbacks(execute=True):
        page.save()
    response = visitor.get("/help/")
    assert "<h2>よくある質問</h2>" in response.text and "<p>新しい本文です。</p>" in response.text
    assert visitor.get("/en/help/").status_code == 200


def test_the_body_is_sanitised_like_an_articles(visitor, site_pages):
    page = site_pages["contact"]
    page.body_source = (
        '<script>alert(1)</script>お問い合わせは<a href="javascript:alert(1)">こちら</a>'
        "<img src=x onerror=alert(1)>\n\n<strong>平日</strong>のみ"
    )
    page.save()
    text = visitor.get("/contact/").text
    assert "<script>alert" not in text and "onerror" not in text and "javascript:" not in text
    assert "<strong>平日</strong>のみ" in text


def test_a_page_an_operator_has_not_written_is_a_japanese_404(visitor, db):
    response = visitor.get("/terms/")
    assert response.status_code == 404 and "ページが見つかりません" in response.text
    assert visitor.post("/terms/").status_code == 405


def test_english_chrome_around_japanese_text(visitor, site_pages, parse_html):
    response = visitor.get("/en/privacy/")
    assert response.status_code == 200
    assert "Last updated" in response.text and "最終更新日" not in response.text
    doc = parse_html(response)
    assert doc.one("div", class_="site-page-body")["lang"] == "ja"
    footer = {a["text"] for a in doc.all("a") if a["href"].startswith("/en/")}
    assert {"Terms of use", "Privacy policy", "Contact", "Help"} <= footer


def test_the_demo_loader_keeps_what_operators_changed(site_pages):
    page = site_pages["terms"]
    page.title = "会員規約"
    page.save()
    assert load_sitepages() == 0
    assert SitePage.objects.count() == 5
    assert SitePage.objects.get(slug="terms").title == "会員規約"


def test_operators_edit_the_pages_in_a_japanese_admin(
    client, site_pages, django_user_model, django_capture_on_commit_callbacks
):
    admin = django_user_model.objects.create_superuser("admin@example.jp", "pw")
    client.force_login(admin)
    listing = client.get("/admin/sitepages/sitepage/")
    assert listing.status_code == 200
    assert "案内ページ" in listing.text and "最終更新日時" in listing.text
    page = site_pages["help"]
    Client().get("/help/")  # an anonymous reader's copy is cached
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/sitepages/sitepage/{page.pk}/change/",
            {"title": "ヘルプ(よくある質問)", "body_source": "## ログイン\n\nコードでも入れます。"},
        )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.title == "ヘルプ(よくある質問)" and page.slug == "help"
    assert page.blocks[0] == {"type": "h2", "text": "ログイン"}
    # The purge runs on commit, so an anonymous reader sees the saved text at once.
    assert "コードでも入れます。" in Client().get("/help/").text


def test_sign_up_states_the_agreement_with_links(visitor, db, parse_html):
    response = visitor.get("/accounts/signup/")
    agreement = parse_html(response).one("p", class_="agreement")
    assert "同意" in agreement["text"]
    links = {a["href"] for a in parse_html(response).all("a")}
    assert {"/terms/", "/privacy/"} <= links
    assert "/en/terms/" in visitor.get("/en/accounts/signup/").text
