"""Every reader page at /en/ speaks English: what is left in Japanese is content, marked
lang="ja" (headlines, bodies, names editors wrote), never the site's own words."""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from shinbun.core.timefmt import format_date, format_reader, format_update, to_jst
from shinbun.members.models import Receipt, User
from shinbun.newsroom.demo import loader
from shinbun.newsroom.models import Article, Column, Figure, Keyword, Section, Series
from shinbun.think.models import ExpertProfile

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
JAPANESE_DATE = re.compile(r"\d+\s*年\s*\d+\s*月|\d+\s*月\s*\d+\s*日")
MONTH_NAME = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b")
ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")
HIDDEN = {"script", "style", "template"}
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


class UntranslatedText(HTMLParser):
    """Japanese text outside lang="ja" subtrees, <script> and <style>; and the text of every
    <time>, wherever it is (a date is the site's words even inside Japanese content)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # open elements: (tag, subtree skipped?)
        self.found: list[str] = []
        self.times: list[str] = []

    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skip = self.skipping() or tag in HIDDEN or (attrs.get("lang") or "").startswith("ja")
        if not skip:
            for name in ATTRIBUTES:
                if JAPANESE.search(attrs.get(name) or ""):
                    self.found.append(f"<{tag} {name}={attrs[name]!r}>")
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        # An element closed implicitly (<p>, <li>) ends with its parent.
        if any(open_tag == tag for open_tag, _ in self.stack):
            while self.stack.pop()[0] != tag:
                pass

    def handle_data(self, data):
        if not self.skipping() and JAPANESE.search(data):
            self.found.append(" ".join(data.split()))
        if any(tag == "time" for tag, _ in self.stack) and data.strip():
            self.times.append(" ".join(data.split()))


def checked(html: str, names=()) -> UntranslatedText:
    """names: proper names that stay as they are written (the site's and publisher's)."""
    for name in filter(None, names):
        html = html.replace(name, "")
    parser = UntranslatedText()
    parser.feed(html)
    return parser


def untranslated(html: str, names=()) -> list[str]:
    return checked(html, names).found


def japanese_dates(html: str) -> list[str]:
    """Dates written the Japanese way in the site's own text or in any <time>."""
    parser = checked(html)
    return [text for text in parser.found + parser.times if JAPANESE_DATE.search(text)]


@pytest.fixture
def demo(db):
    loader.load_content()
    loader.load_accounts()


def logged_in(email: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(email=email))
    return client


def reader_pages() -> list[tuple[str, str]]:
    """(who, url) for every reader page."""
    article = {
        access: Article.objects.filter(access=access, status="published").first()
        for access in ("free", "members", "paid")
    }
    with_figure = Article.objects.filter(body_source__contains="[[figure:").first()
    paid = User.objects.get(email="paid@example.jp")
    receipt = Receipt.objects.filter(user=paid).first()
    pages = [
        ("visitor", "/en/"),
        ("visitor", f"/en/sections/{Section.objects.first().slug}/"),
        ("visitor", f"/en/series/{Series.objects.first().slug}/"),
        ("visitor", f"/en/columns/{Column.objects.first().slug}/"),
        ("visitor", f"/en/keywords/{Keyword.objects.first().slug}/"),
        ("visitor", f"/en/experts/{ExpertProfile.objects.first().slug}/"),
        ("visitor", "/en/search/"),
        ("visitor", "/en/search/?q=AI"),
        ("visitor", "/en/search/?q=zzzznothing"),
        ("visitor", "/en/join/"),
        ("visitor", "/en/newsletter/"),
        ("visitor", "/en/accounts/login/"),
        ("visitor", "/en/accounts/signup/"),
        ("visitor", "/en/accounts/password/reset/"),
        ("visitor", "/en/no-such-page/"),
        ("visitor", "/en/search/?q=AI&section=no-such-section"),
        ("visitor", "/en/search/?q=%E3%80%82"),
        ("visitor", "/en/newsletter/unsubscribe/not-a-token/"),
        ("visitor", "/en/newsletter/confirm/not-a-token/"),
        ("free", "/en/"),
        ("free", "/en/join/"),
        ("free", "/en/join/confirm/?plan=monthly&trial=1"),
        ("free", "/en/join/confirm/?plan=yearly"),
        ("free", "/en/mynews/"),
        ("paid", "/en/"),
        ("paid", "/en/join/"),
        ("paid", "/en/accounts/subscription/cancel/"),
        ("paid", f"/en/series/{Series.objects.first().slug}/"),
        ("free", "/en/accounts/"),
        ("free", "/en/newsletter/"),
        ("paid", "/en/mynews/"),
        ("paid", "/en/saved/"),
        ("paid", "/en/saved/figures/"),
        ("paid", "/en/accounts/"),
        ("paid", f"/en/articles/{with_figure.pk}/"),
        ("paid", f"/en/articles/{with_figure.pk}/print/"),
    ]
    for item in article.values():
        for who in ("visitor", "free", "paid"):
            pages.append((who, f"/en/articles/{item.pk}/"))
    if receipt:
        pages.append(("paid", f"/en/accounts/receipts/{receipt.pk}/"))
    pages += [
        ("visitor", f"/en/{kind}/") for kind in ("terms", "privacy", "tokushoho", "contact", "help")
    ]
    return pages


def test_every_reader_page_is_in_english(demo):
    assert Figure.objects.exists()
    clients = {
        "visitor": Client(),
        "free": logged_in("free@example.jp"),
        "paid": logged_in("paid@example.jp"),
    }
    # The site's name, the publisher's name and the members' own names are names, not
    # UI text; everything else in Japanese must sit inside lang="ja".
    names = [settings.SITE_NAME, settings.PUBLISHER_NAME, settings.PUBLISHER_ADDRESS]
    names += User.objects.values_list("display_name", flat=True)
    report = []
    times = 0
    pages = reader_pages()
    assert any("/receipts/" in url for _, url in pages)
    for who, url in pages:
        response = clients[who].get(url)
        assert response.status_code in (200, 400, 403, 404), (who, url, response.status_code)
        assert '<html lang="en"' in response.text, url
        page = checked(response.text, names)
        times += len(page.times)
        offenders = page.found + [
            f"date in Japanese: {t}" for t in page.times if JAPANESE_DATE.search(t)
        ]
        if offenders:
            report.append(f"{url} ({who}):\n" + "\n".join(f"    {o}" for o in offenders))
    print("\n".join(report))
    assert not report, "\n\n".join(report)
    assert times > 50  # the walk did read dates: lists, articles, receipts


def test_the_checker_finds_japanese_outside_lang_ja():
    html = (
        '<p>Hello <span lang="ja">見出し<b>太字</b></span></p><script>"日本"</script>'
        '<input placeholder="検索"><img alt="図"><br><p>ログイン</p>'
    )
    assert untranslated(html) == ["<input placeholder='検索'>", "<img alt='図'>", "ログイン"]


def test_the_checker_finds_japanese_dates_even_inside_japanese_content():
    html = (
        "<p>Published <time>Dec 6, 2026, 07:00 JST</time></p>"
        '<div lang="ja"><time>2026年12月6日 07:00</time>2025年4月の統計</div>'
    )
    assert japanese_dates(html) == ["2026年12月6日 07:00"]
    assert japanese_dates("<td>12月6日</td>") == ["12月6日"]


def test_dates_follow_the_page_language():
    moment = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)  # 6 Dec 07:00 in Japan
    same_day = datetime(2026, 12, 6, 5, 5, tzinfo=UTC)  # 14:05 in Japan
    next_day = datetime(2026, 12, 6, 15, 30, tzinfo=UTC)  # 7 Dec 00:30 in Japan
    with translation.override("en"):
        assert format_reader(moment) == "Dec 6, 2026, 07:00 JST"
        assert format_date(moment) == "December 6, 2026"
        assert format_update(moment, same_day) == "14:05 JST"
        assert format_update(moment, next_day) == "Dec 7, 2026, 00:30 JST"
    with translation.override("ja"):
        assert format_reader(moment) == "2026年12月6日 07:00"
        assert format_date(moment) == "2026年12月6日"
        assert format_update(moment, same_day) == "14:05"
        assert format_update(moment, next_day) == "2026年12月7日 00:30"


def english_day(moment: datetime) -> str:
    local = to_jst(moment)
    return f"{local:%B} {local.day}, {local.year}"


def japanese_day(moment: datetime) -> str:
    local = to_jst(moment)
    return f"{local.year}年{local.month}月{local.day}日"


def test_receipts_and_the_account_page_write_dates_in_english(client_for, paid_member, parse_html):
    receipt = Receipt.objects.get(user=paid_member)
    renewal = to_jst(paid_member.subscriptions.get().current_period_end)
    client = client_for(paid_member)

    page = client.get(f"/en/accounts/receipts/{receipt.pk}/")
    doc = parse_html(page)
    assert doc.one("dd", class_="receipt-date")["text"] == english_day(receipt.issued_at)
    period = f"{english_day(receipt.period_start)} – {english_day(receipt.period_end)}"
    assert period in page.text
    names = [settings.SITE_NAME, settings.PUBLISHER_NAME, settings.PUBLISHER_ADDRESS]
    assert not japanese_dates(page.text)
    assert not untranslated(page.text, [*names, paid_member.display_name])

    page = client.get("/en/accounts/")
    doc = parse_html(page)
    assert doc.one("dd", class_="renewal")["text"] == (
        f"{renewal:%b} {renewal.day}, {renewal.year}, {renewal:%H:%M} JST"
    )
    assert period in page.text
    assert not japanese_dates(page.text)


def test_japanese_pages_keep_japanese_dates(client_for, paid_member, parse_html):
    receipt = Receipt.objects.get(user=paid_member)
    renewal = to_jst(paid_member.subscriptions.get().current_period_end)
    client = client_for(paid_member)

    page = client.get(f"/accounts/receipts/{receipt.pk}/")
    doc = parse_html(page)
    assert doc.one("h1")["text"] == "領収書(適格請求書)"
    assert doc.one("dd", class_="receipt-date")["text"] == japanese_day(receipt.issued_at)
    period = f"{japanese_day(receipt.period_start)}〜{japanese_day(receipt.period_end)}"
    assert period in page.text

    page = client.get("/accounts/")
    doc = parse_html(page)
    assert doc.one("dd", class_="renewal")["text"] == (
        f"{renewal.year}年{renewal.month}月{renewal.day}日 {renewal:%H:%M}"
    )
    assert period in page.text
    assert not MONTH_NAME.search(page.text.split("<main", 1)[1])
