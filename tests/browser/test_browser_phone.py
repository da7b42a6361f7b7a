"""Reading on a phone (issue 25, "Phone and reading"): the first screen at 390 px holds the
headline and the start of the body, the section menu says it scrolls on, the share button
opens the six services, 文字サイズ is remembered, headlines break only between phrases,
and no reader page scrolls sideways at 360 px."""

import contextlib
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SERVICES = ["note", "X(旧Twitter)", "Facebook", "はてなブックマーク", "LinkedIn", "Bluesky"]
PAID = "paid@example.jp"
SPACES, OPENING, CLOSING = " \u3000", "「『（(【〔", "」』）)】〕、。，,！？!?"

# The parts of the page that stick out to the right, to say what overflows.
STICKING_OUT = """(width) => Array.from(document.querySelectorAll("body *"))
  .map((e) => [e, e.getBoundingClientRect()])
  .filter(([e, r]) => r.width > 0 && r.right > width + 0.5)
  .slice(0, 5)
  .map(([e, r]) => `${e.tagName.toLowerCase()}.${e.className} right=${Math.round(r.right)}`)"""

# Short labels that wrapped onto a second line (「Myニュー/ス」): their text's line tops.
LABELS = ", ".join(
    (".masthead a", ".masthead summary", ".sections a", ".mynews-nav a", ".action-bar .action")
    + (".text-size button", ".keywords a", ".badge")
)
WRAPPED_LABELS = """(selector) => Array.from(document.querySelectorAll(selector))
  .filter((e) => e.getClientRects().length)
  .filter((e) => {
    const tops = [];
    const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const rect of range.getClientRects()) { if (rect.width > 1) { tops.push(rect.top); } }
    }
    const size = parseFloat(getComputedStyle(e).fontSize);
    return tops.length && Math.max(...tops) - Math.min(...tops) > size * 0.6;
  })
  .map((e) => e.textContent.trim())"""

# The bottom of the text up to the end of the first sentence (。) of an element.
FIRST_SENTENCE_BOTTOM = """(element) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  range.setStart(element, 0);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const end = node.data.indexOf("。");
    if (end >= 0) { range.setEnd(node, end + 1); return range.getBoundingClientRect().bottom; }
  }
  return element.getBoundingClientRect().bottom;
}"""

# Where each line of an element's text starts: the indexes of the characters that begin a
# new line, found from each character's box.
LINE_STARTS = """(element) => {
  const starts = [];
  let offset = 0, lastTop = null;
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.data.length; i++, offset++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (!rect || !node.data[i].trim()) { continue; }
      if (lastTop !== null && rect.top > lastTop + 4) { starts.push(offset); }
      lastTop = rect.top;
    }
  }
  return starts;
}"""


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="ja-JP")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_first_screen_holds_the_headline_and_the_start_of_the_body(phone, demo_article, artifacts):
    article, url = demo_article
    phone.goto(url)
    phone.evaluate("document.fonts.ready.then(() => true)")
    height = PHONE["height"]

    # one row of masthead: the name and the account links side by side
    brand = phone.locator(".masthead .brand").bounding_box()
    for link in ("ログイン", "会員登録", "English"):
        box = phone.locator(".masthead .account").get_by_role("link", name=link).bounding_box()
        assert abs((box["y"] + box["height"] / 2) - (brand["y"] + brand["height"] / 2)) < 12, link
    assert phone.locator(".masthead-inner").bounding_box()["height"] < 60

    headline = phone.locator("h1.headline")
    expect(headline).to_have_text(article.headline)
    assert headline.bounding_box()["y"] + headline.bounding_box()["height"] < height
    first_sentence = phone.locator(".article-body p.lead").evaluate(FIRST_SENTENCE_BOTTOM)
    assert first_sentence < height, f"the body's first sentence ends at {first_sentence}px"
    # the action bar is one compact row
    bar = phone.locator(".action-bar").first
    assert bar.bounding_box()["height"] < 48
    phone.screenshot(path=artifacts / "article-phone-first-screen.png")


def test_section_menu_scrolls_sideways_and_says_so(phone, demo_article):
    article, url = demo_article
    phone.goto(url)
    nav = phone.locator("nav.sections")
    menu = nav.locator("ul")
    assert menu.evaluate("e => e.scrollWidth > e.clientWidth"), "the menu fits: nothing to test"
    hint = "e => getComputedStyle(e, '::after').display"
    expect(nav).to_have_class(re.compile(r"\bhas-more\b"))
    assert nav.evaluate(hint) == "flex"
    last = menu.locator("li").last
    last.scroll_into_view_if_needed()
    expect(last).to_be_in_viewport()
    expect(nav).not_to_have_class(re.compile(r"\bhas-more\b"))
    assert nav.evaluate(hint) == "none"
    last.locator("a").click()
    expect(phone).to_have_url(re.compile(r"/sections/"))


@pytest.mark.parametrize("script", [True, False], ids=["script", "no-script"])
def test_share_button_opens_the_six_services(browser, demo_article, script):
    article, url = demo_article
    context = browser.new_context(viewport=PHONE, locale="ja-JP", java_script_enabled=script)
    try:
        page = context.new_page()
        page.goto(url)
        bar = page.locator(".action-bar").first
        links = bar.locator("a.share-link")
        expect(links).to_have_count(6)
        for index in range(6):
            expect(links.nth(index)).to_be_hidden()
        bar.get_by_text("共有する").click()
        expect(links).to_have_text(SERVICES)
        for index in range(6):
            expect(links.nth(index)).to_be_visible()
            box = links.nth(index).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        expect(bar.get_by_role("link", name="メールで送る")).to_be_visible()
        # print stays one tap away, beside the share button
        expect(bar.get_by_role("link", name="記事を印刷する")).to_be_visible()
        if script:
            expect(bar.get_by_role("button", name="リンクをコピーする")).to_be_visible()
            page.keyboard.press("Escape")
            expect(links.first).to_be_hidden()
            bar.get_by_text("共有する").click()
            page.locator("h1.headline").click()  # a tap elsewhere closes it
            expect(links.first).to_be_hidden()
        else:
            expect(page.locator(".text-size")).to_be_hidden()  # the control needs the script
    finally:
        context.close()


def test_text_size_is_remembered_across_a_reload(phone, demo_article):
    article, url = demo_article
    # The class must be on <html> before the body is parsed (no flash of the small text).
    phone.add_init_script(
        """new MutationObserver((changes, observer) => {
             if (!document.body) { return; }
             window.classAtBody = document.documentElement.className;
             observer.disconnect();
           }).observe(document, {childList: true, subtree: true});"""
    )
    phone.goto(url)
    control = phone.get_by_role("group", name="文字サイズ")
    expect(control).to_be_visible()
    body = phone.locator(".article-body")
    size = "e => parseFloat(getComputedStyle(e).fontSize)"
    standard = body.evaluate(size)
    expect(control.get_by_role("button", name="標準")).to_have_attribute("aria-pressed", "true")

    control.get_by_role("button", name="特大").click()
    expect(phone.locator("html")).to_have_class(re.compile(r"\btext-xlarge\b"))
    assert body.evaluate(size) > standard * 1.3

    phone.reload()
    assert "text-xlarge" in phone.evaluate("window.classAtBody")
    expect(control.get_by_role("button", name="特大")).to_have_attribute("aria-pressed", "true")
    expect(control.get_by_role("button", name="標準")).to_have_attribute("aria-pressed", "false")
    assert body.evaluate(size) > standard * 1.3
    # other pages keep it too; back to 標準
    control.get_by_role("button", name="大", exact=True).click()
    phone.goto(url)
    expect(phone.locator("html")).to_have_class(re.compile(r"\btext-large\b"))
    phone.get_by_role("group", name="文字サイズ").get_by_role("button", name="標準").click()
    assert body.evaluate(size) == standard
    phone.reload()
    assert "text-" not in phone.evaluate("window.classAtBody")


@pytest.mark.parametrize("width", [320, 360, 390])
def test_headlines_break_only_between_phrases(browser, demo_article, width):
    from shinbun.core.phrases import phrases_of
    from shinbun.newsroom.models import Article

    article, url = demo_article
    base = url.split("/articles/")[0]
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="ja-JP")
    try:
        page = context.new_page()
        checked = 0
        for headline, path in (
            Article.objects.published().order_by("-published_at").values_list("headline", "pk")[:8]
        ):
            page.goto(f"{base}/articles/{path}/")
            ends, boundaries = 0, set()
            for phrase in phrases_of(headline):
                ends += len(phrase)
                boundaries.add(ends)
            starts = page.locator("h1.headline").evaluate(LINE_STARTS)
            for start in starts:
                # a line starts after a phrase, at a space or bracket, or after punctuation
                # (「不十分」/が is not inside a word; 引/き上げ would be)
                assert (
                    start in boundaries
                    or headline[start - 1] in SPACES + CLOSING
                    or headline[start] in SPACES + OPENING
                ), (
                    f"{headline!r} breaks inside a phrase at {start}: "
                    f"{headline[:start]}|{headline[start:]}"
                )
            checked += len(starts)
        assert checked, "no headline wrapped: nothing was tested"
    finally:
        context.close()


def reader_pages(live_server_url: str) -> dict[str, str]:
    """Every kind of page a reader sees, by name (logged out)."""
    from django.urls import NoReverseMatch, reverse

    from shinbun.newsroom.models import Article, Section
    from shinbun.think.models import ExpertProfile

    published = Article.objects.published()
    with_chart = published.filter(body_source__contains="[[figure:").first()
    paid = published.filter(access=Article.Access.PAID).first()
    members = published.filter(access=Article.Access.MEMBERS).first()
    free = published.filter(access=Article.Access.FREE).first()
    pages = {
        "home": "/",
        "section": Section.objects.first().get_absolute_url(),
        "article-free": free.get_absolute_url(),
        "article-paid": paid.get_absolute_url(),
        "article-members": members.get_absolute_url() if members else None,
        "article-chart": with_chart.get_absolute_url(),
        "article-print": f"{with_chart.get_absolute_url()}print/",
        "search": "/search/?q=%E8%B3%83%E9%87%91",  # 賃金
        "search-empty": "/search/",
        "join": "/join/",
        "login": "/accounts/login/",
        "signup": "/accounts/signup/",
        "password-reset": "/accounts/password/reset/",
        "newsletter": "/newsletter/",
        "newsletter-bad-link": "/newsletter/unsubscribe/not-a-token/",
        "not-found": "/no-such-page/",
        "en-home": "/en/",
        "en-article": f"/en{with_chart.get_absolute_url()}",
    }
    for kind in ("series", "column"):
        item = published.exclude(**{kind: None}).select_related(kind).first()
        if item:
            pages[kind] = getattr(item, kind).get_absolute_url()
    expert = ExpertProfile.objects.first()
    if expert:
        pages["expert"] = reverse("think:expert", args=[expert.slug])
    for name in ("terms", "privacy", "tokushoho", "contact", "help"):
        with contextlib.suppress(NoReverseMatch):  # the legal pages, where installed
            pages[name] = reverse(f"sitepages:{name}")
    return {name: live_server_url + path for name, path in pages.items() if path}


MEMBER_PAGES = {
    "mynews": "/mynews/",
    "saved": "/saved/",
    "saved-figures": "/saved/figures/",
    "account": "/accounts/",
    "email": "/accounts/email/",
}


def test_no_reader_page_scrolls_sideways_at_360(
    browser, demo_article, live_server, log_in, artifacts
):
    from shinbun.newsroom.models import Article

    width = 360
    shots = artifacts / "phone-360"
    shots.mkdir(exist_ok=True)
    visitor_pages = reader_pages(live_server.url)
    paid_article = Article.objects.published().filter(access=Article.Access.PAID)
    paid_article = (
        paid_article.filter(body_source__contains="[[figure:").first() or paid_article.first()
    )
    member_pages = {name: live_server.url + path for name, path in MEMBER_PAGES.items()}
    member_pages["article-paid-full"] = live_server.url + paid_article.get_absolute_url()
    member_pages["home-member"] = live_server.url + "/"

    too_wide, broken_labels = {}, {}
    for who, pages in (("visitor", visitor_pages), ("paid", member_pages)):
        context = browser.new_context(viewport={"width": width, "height": 740}, locale="ja-JP")
        try:
            page = context.new_page()
            if who == "paid":
                log_in(page, PAID)
            for name, url in pages.items():
                page.goto(url)
                assert "/accounts/login/" not in page.url or name in ("login",), (name, page.url)
                scroll_width = page.evaluate("document.documentElement.scrollWidth")
                if scroll_width > width:
                    too_wide[f"{who} {name}"] = (scroll_width, page.evaluate(STICKING_OUT, width))
                if wrapped := page.evaluate(WRAPPED_LABELS, LABELS):
                    broken_labels[f"{who} {name}"] = wrapped
                page.screenshot(path=shots / f"{who}-{name}.png")
        finally:
            context.close()
    assert len(visitor_pages) + len(member_pages) >= 20
    assert not too_wide, too_wide
    assert not broken_labels, broken_labels
