"""The article page in a real browser (SPEC §2): share links, copy link, print view,
member gates, the page without JavaScript, and screenshots at three sizes."""

import struct
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

FOLLOW_MESSAGE = (
    "有料会員の方のみご利用になれます。気になる連載・コラム・キーワードをフォローすると、"
    "「Myニュース」でまとめよみができます。"
)
COPIED = "リンクをコピーしました"
VIEWPORTS = {
    "phone": (390, 844),
    "tablet": (820, 1180),
    "desktop": (1366, 900),
}


def canonical_of(page) -> str:
    return page.locator("link[rel=canonical]").get_attribute("href")


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query, keep_blank_values=True)


def endpoint_of(href: str) -> str:
    parts = urlsplit(href)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def body_snippets(article) -> list[str]:
    """Starts of the first and last body paragraphs, as a reader sees them."""
    paragraphs = [p.strip() for p in article.body_text.split("\n\n") if p.strip()]
    assert paragraphs, "the demo article has no body paragraphs"
    return [paragraphs[0][:20], paragraphs[-1][:20]]


def test_share_links_carry_canonical_url_and_title(page, demo_article):
    article, url = demo_article
    page.goto(url)
    canonical = canonical_of(page)
    assert canonical == url  # no SHINBUN_BASE_URL in tests: the host of the request
    encoded = quote(canonical, safe="")
    title = article.headline

    # (service, share endpoint, query parameter holding the URL, parameter holding the title)
    expected = [
        ("note", "https://note.com/intent/post", "url", None),
        ("X(旧Twitter)", "https://x.com/intent/post", "url", "text"),
        ("Facebook", "https://www.facebook.com/sharer/sharer.php", "u", None),
        ("はてなブックマーク", "https://b.hatena.ne.jp/add", "url", "title"),
        ("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/", "url", None),
        ("Bluesky", "https://bsky.app/intent/compose", "text", "text"),
    ]
    bars = page.locator(".action-bar")
    expect(bars).to_have_count(2)
    for index in range(2):
        links = bars.nth(index).locator("a.share-link")
        expect(links).to_have_text([name for name, *_ in expected])
        for name, endpoint, url_param, title_param in expected:
            link = bars.nth(index).locator("a.share-link", has_text=name)
            href = link.get_attribute("href")
            assert endpoint_of(href) == endpoint, (name, href)
            assert encoded in href, f"{name}: canonical URL not URL-encoded in {href}"
            query = query_of(href)
            assert canonical in query[url_param][0], (name, query)
            if title_param:
                assert title in query[title_param][0], (name, query)
            assert link.get_attribute("target") == "_blank"
            assert "noopener" in (link.get_attribute("rel") or "")
    # X and Bluesky really carry the URL (not just a page the service scrapes)
    x_query = query_of(
        bars.first.locator("a.share-link", has_text="X(旧Twitter)").get_attribute("href")
    )
    assert x_query["url"] == [canonical] and x_query["text"] == [title]
    hatena = query_of(
        bars.first.locator("a.share-link", has_text="はてなブックマーク").get_attribute("href")
    )
    assert hatena["mode"] == ["confirm"] and hatena["url"] == [canonical]

    mail = page.locator("a.action.mail").first
    expect(mail).to_have_text("メールで送る")
    href = mail.get_attribute("href")
    assert href.startswith("mailto:?"), href
    fields = {
        key: unquote(value)
        for key, value in (pair.split("=", 1) for pair in href.removeprefix("mailto:?").split("&"))
    }
    assert fields["subject"] == title
    assert title in fields["body"] and canonical in fields["body"]


def test_copy_link_puts_canonical_url_on_clipboard(page, demo_article):
    article, url = demo_article
    page.goto(url)
    assert page.evaluate("window.isSecureContext"), "clipboard API needs a secure context"
    canonical = canonical_of(page)
    buttons = page.locator("button.copy-link")
    expect(buttons).to_have_count(2)
    for index in range(2):
        bar = page.locator(".action-bar").nth(index)
        page.evaluate("navigator.clipboard.writeText('(empty)')")
        status = bar.locator(".copy-status")
        expect(status).to_have_text("")
        button = bar.locator("button.copy-link")
        expect(button).to_be_visible()
        expect(button).to_have_text("リンクをコピーする")
        button.click()
        expect(status).to_have_text(COPIED)
        expect(status).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == canonical
        # the other bar's status stays quiet
        expect(page.locator(".action-bar").nth(1 - index).locator(".copy-status")).not_to_have_text(
            COPIED
        )
        # the fallback field is for pages without JavaScript
        expect(bar.locator(".copy-fallback")).to_be_hidden()


def test_print_view(page, demo_article):
    article, url = demo_article
    page.goto(url)
    page.locator(".action-bar").first.get_by_role("link", name="記事を印刷する").click()
    page.wait_for_url("**/print/")
    expect(page.locator("h1.headline")).to_have_text(article.headline)
    body = page.locator(".article-body")
    expect(body.locator("p.lead")).to_have_text(article.lead)
    for snippet in body_snippets(article):
        expect(body).to_contain_text(snippet)
    expect(page.locator(".figure")).not_to_have_count(0)
    for absent in ("nav", ".masthead", ".action-bar", "a.share-link", "button.copy-link", ".gate"):
        expect(page.locator(absent)).to_have_count(0)
    assert canonical_of(page) == url
    expect(page.locator(".print-url")).to_have_text(url)


def _png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def _platform_fonts(page, selector: str) -> list[dict]:
    """The fonts Chromium actually used to draw the text of an element."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, selector
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return fonts


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_screenshots_render_japanese(browser, demo_article, artifacts, size):
    article, url = demo_article
    width, height = VIEWPORTS[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="ja-JP")
    try:
        page = context.new_page()
        page.goto(url)
        page.evaluate("document.fonts.ready.then(() => true)")
        headline = page.locator("h1.headline")
        expect(headline).to_have_text(article.headline)

        # Japanese glyphs come from a CJK font, not from boxes or a fallback with none
        fonts = _platform_fonts(page, "h1.headline")
        cjk = [f for f in fonts if "CJK" in f["familyName"] or "JP" in f["familyName"]]
        assert cjk and sum(f["glyphCount"] for f in cjk) >= len(article.headline) // 2, fonts
        body_fonts = _platform_fonts(page, ".article-body p.lead")
        assert any("CJK" in f["familyName"] for f in body_fonts), body_fonts

        box = headline.bounding_box()
        assert box and box["height"] >= 24
        assert width * 0.3 <= box["width"] <= width, box
        # no sideways scrolling on any size
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"page is {scroll_width}px wide at {width}px"

        path = artifacts / f"article-{size}.png"
        path.unlink(missing_ok=True)
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 20_000, "screenshot is suspiciously small"
        shot_width, shot_height = _png_size(path)
        assert shot_width == width
        assert shot_height > height * 0.9
    finally:
        context.close()


def test_page_works_without_javascript(browser, demo_article):
    article, url = demo_article
    context = browser.new_context(java_script_enabled=False, locale="ja-JP")
    try:
        page = context.new_page()
        page.goto(url)
        assert "js" not in (page.locator("html").get_attribute("class") or "")
        expect(page.locator("h1.headline")).to_have_text(article.headline)
        for snippet in body_snippets(article):
            expect(page.locator(".article-body")).to_contain_text(snippet)
        # the copy button needs the script; the address is shown to copy by hand instead
        expect(page.locator("button.copy-link")).to_have_count(2)
        expect(page.locator("button.copy-link").first).to_be_hidden()
        fallback = page.locator(".copy-fallback input").first
        expect(fallback).to_be_visible()
        expect(fallback).to_have_value(url)
        # share links and print are plain links
        expect(page.locator(".action-bar").first.locator("a.share-link")).to_have_count(6)
        expect(page.get_by_role("link", name="記事を印刷する").first).to_be_visible()
        # member gates are <details>: they open without a script
        for label in ("フォローする", "記事を保存する", "Think! の投稿を読む"):
            gate = page.locator("details.gate", has=page.locator("summary", has_text=label))
            expect(gate.locator(".gate-body")).to_be_hidden()
            gate.locator("summary").click()
            expect(gate).to_have_attribute("open", "")
            expect(gate.locator(".gate-body")).to_be_visible()
        expect(page.locator(".gate-follow .gate-body p").first).to_have_text(FOLLOW_MESSAGE)
    finally:
        context.close()


def test_follow_gate_explains_and_offers_the_way_in(page, demo_article):
    article, url = demo_article
    page.goto(url)
    gate = page.locator("details.gate-follow")
    expect(gate).to_have_count(1)
    summary = gate.locator("summary")
    expect(summary).to_have_text("フォローする")
    message = page.get_by_text(FOLLOW_MESSAGE, exact=True)
    expect(message).to_be_hidden()
    summary.click()
    expect(message).to_be_visible()
    expect(gate.locator(".gate-body p").first).to_have_text(FOLLOW_MESSAGE)
    trial = gate.get_by_role("link", name="春割で無料体験する", exact=True)
    login = gate.get_by_role("link", name="ログイン", exact=True)
    expect(trial).to_be_visible()
    expect(login).to_be_visible()
    assert urlsplit(trial.get_attribute("href")).path.rstrip("/").endswith("join")
    login_href = urlsplit(login.get_attribute("href"))
    assert "login" in login_href.path
    assert parse_qs(login_href.query)["next"] == [article.get_absolute_url()]
    # the login link leads to a working login page
    login.click()
    expect(page.locator("input[type=password]")).to_be_visible()


def test_stylesheet_and_script_load(page, demo_article):
    article, url = demo_article
    failed = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(url)
    page.wait_for_load_state("load")
    assert not [f for f in failed if "/static/" in f], failed
    # site.js ran: it marks the page and shows the copy buttons
    expect(page.locator("html")).to_have_class("js")
    expect(page.locator("button.copy-link").first).to_be_visible()
    # site.css applied: the action bar is a flex row
    assert page.locator(".action-bar").first.evaluate("e => getComputedStyle(e).display") == "flex"
