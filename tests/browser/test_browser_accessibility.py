"""Accessibility (issue 25): every reader page kind has no serious or critical violation
under axe-core at 390 and 1280 px, keyboard alone reaches the article's actions with a
visible focus, and a chart's numbers are there for a screen reader as a table."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"phone": 390, "desktop": 1280}
BLOCKING = ("serious", "critical")
# Django admin's own widgets, which the staff test leaves to Django (see its docstring).
DJANGO_ADMIN_WIDGETS = (".select2-container", "p.datetime", "nav .breadcrumbs", "div.breadcrumbs")
FREE, PAID = "free@example.jp", "paid@example.jp"

RUN_AXE = """(exclude) => axe.run({include: [["html"]], exclude: exclude.map((s) => [s])},
    {resultTypes: ["violations"]}).then((results) =>
  results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")),
  })))"""

# The focused element, and whether something shows it has the focus: an outline or a ring
# (box-shadow).
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) { return null; }
  const style = getComputedStyle(e);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const ring = style.boxShadow !== "none";
  const r = e.getBoundingClientRect();
  return {
    tag: e.tagName.toLowerCase(),
    name: (e.getAttribute("aria-label") || e.textContent || e.value || "").trim().slice(0, 40),
    cls: e.className && e.className.baseVal === undefined ? e.className : "",
    focusVisible: e.matches(":focus-visible"),
    shown: outline || ring,
    onScreen: r.width > 0 && r.height > 0,
  };
}"""

CLIPPED = """(e) => {
  const box = e.parentElement, rect = box.getBoundingClientRect();
  return rect.width <= 1 && rect.height <= 1 && getComputedStyle(box).overflow === "hidden";
}"""

# Stops of the Tab walk kept as screenshots, to see what the focus looks like.
SHOTS = {"本文へ移動": "skip", "特大": "text-size", "共有する": "share", "記事を保存する": "save"}


@pytest.fixture(scope="session")
def axe_script() -> str:
    if not AXE.exists():
        pytest.skip("node_modules/axe-core is missing: scripts/install installs it (npm ci)")
    return str(AXE)


def serious_violations(page, axe_script: str, exclude=()) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each, outside the
    elements ``exclude`` selects."""
    page.add_script_tag(path=axe_script)
    found = page.evaluate(RUN_AXE, list(exclude))
    return [
        f"{v['id']} ({v['impact']}: {v['help']}) at {v['targets'][:6]}"
        for v in found
        if v["impact"] in BLOCKING
    ]


def reader_pages(base: str) -> dict[str, dict[str, str]]:
    """Every kind of reader page, by who opens it (visitor, free member, paid member)."""
    from django.urls import reverse

    from shinbun.members.models import Receipt
    from shinbun.newsroom.models import Article, Keyword, Section
    from shinbun.sitepages.models import SitePage
    from shinbun.think.models import ExpertProfile

    published = Article.objects.published()
    with_figure = published.filter(body_source__contains="[[figure:")
    free = with_figure.filter(access=Article.Access.FREE).first()
    paid = with_figure.filter(access=Article.Access.PAID).first()
    members = published.filter(access=Article.Access.MEMBERS).first()
    assert free and paid and members, "the demo content lacks an article kind"
    visitor = {
        "home": "/",
        "section": Section.objects.first().get_absolute_url(),
        "article-free": free.get_absolute_url(),
        "article-paid-gated": paid.get_absolute_url(),
        "article-members-gated": members.get_absolute_url(),
        "print": reverse("newsroom:article_print", args=[free.pk]),
        "search": "/search/?q=%E8%B3%83%E9%87%91",  # 賃金
        "search-empty": "/search/",
        "join": "/join/",
        "login": "/accounts/login/",
        "signup": "/accounts/signup/",
        "newsletter": "/newsletter/",
        "keyword": Keyword.objects.first().get_absolute_url(),
        "expert": reverse("think:expert", args=[ExpertProfile.objects.first().slug]),
        "english-home": "/en/",
        "english-article": f"/en{free.get_absolute_url()}",
    }
    for kind in ("series", "column"):
        item = published.exclude(**{kind: None}).select_related(kind).first()
        visitor[kind] = getattr(item, kind).get_absolute_url()
    for kind in SitePage.Kind:
        visitor[kind.value] = reverse(f"sitepages:{kind.value}")
    free_member = {
        "article-paid-metered": paid.get_absolute_url(),
        "account": "/accounts/",
        "join-confirm": "/join/confirm/?plan=monthly&trial=1",
    }
    paid_member = {
        "home": "/",
        "article-paid-full": paid.get_absolute_url(),
        "print": reverse("newsroom:article_print", args=[paid.pk]),
        "mynews": "/mynews/",
        "saved": "/saved/",
        "saved-figures": "/saved/figures/",
        "account": "/accounts/",
        "receipt": reverse("members:receipt", args=[Receipt.objects.get(user__email=PAID).pk]),
        "cancel": reverse("members:cancel"),
        "join": "/join/",
    }
    return {
        who: {name: base + path for name, path in pages.items()}
        for who, pages in (("visitor", visitor), (FREE, free_member), (PAID, paid_member))
    }


@pytest.mark.parametrize("size", WIDTHS)
def test_no_serious_violation_on_any_reader_page(
    browser, demo_article, live_server, log_in, axe_script, artifacts, size
):
    width = WIDTHS[size]
    shots = artifacts / "accessibility"
    shots.mkdir(exist_ok=True)
    checked, violations = 0, {}
    for who, pages in reader_pages(live_server.url).items():
        # The pages' policy allows no inline script; axe comes in as one.
        context = browser.new_context(
            viewport={"width": width, "height": 900}, locale="ja-JP", bypass_csp=True
        )
        try:
            page = context.new_page()
            if who != "visitor":
                log_in(page, who)
            for name, url in pages.items():
                response = page.goto(url)
                if not response.ok or page.url.split("?")[0] != url.split("?")[0]:
                    violations[f"{who} {name}"] = [f"HTTP {response.status} at {page.url}"]
                    continue
                page.evaluate("document.fonts.ready.then(() => true)")
                found = serious_violations(page, axe_script)
                if found:
                    violations[f"{who} {name}"] = found
                page.screenshot(path=shots / f"{size}-{who.split('@')[0]}-{name}.png")
                checked += 1
        finally:
            context.close()
    assert not violations, "\n".join(
        f"{page_name}: {line}" for page_name, lines in violations.items() for line in lines
    )
    assert checked >= 35


def test_axe_finds_what_it_should(page, axe_script):
    """The check is live: a page with an unlabelled field and a low-contrast text fails."""
    page.set_content(
        '<html lang="ja"><body><main><p style="color:#bbb">薄い文字</p>'
        '<input type="text"></main></body></html>'
    )
    found = " ".join(serious_violations(page, axe_script))
    assert "color-contrast (serious" in found
    assert "label (critical" in found


@pytest.mark.parametrize("size", WIDTHS)
def test_keyboard_reaches_every_action_with_a_visible_focus(
    browser, demo_article, live_server, log_in, artifacts, size
):
    """A paid member tabs through the article page: each stop shows where the focus is,
    and the share menu (and what it holds), print, copy, follow, save and the 文字サイズ
    buttons are all reached without the mouse."""
    article, url = demo_article
    context = browser.new_context(viewport={"width": WIDTHS[size], "height": 900}, locale="ja-JP")
    try:
        page = context.new_page()
        log_in(page, PAID)
        page.goto(url)
        expect(page.locator(".text-size")).to_be_visible()
        stops, invisible = [], []
        opened_share = False
        for _ in range(160):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            if focused is None:
                break
            assert focused["focusVisible"], focused  # keyboard focus matches :focus-visible
            if not focused["shown"]:
                invisible.append(focused)
            if not focused["onScreen"]:
                invisible.append({**focused, "why": "focus on an invisible element"})
            stops.append(focused)
            if "share-toggle" in focused["cls"] and not opened_share:
                page.keyboard.press("Enter")  # open the menu from the keyboard
                opened_share = True
            if focused["name"] in SHOTS:
                page.screenshot(path=artifacts / f"keyboard-{size}-{SHOTS[focused['name']]}.png")
        names = [stop["name"] for stop in stops]
        for action in (
            "本文へ移動",
            "共有する",
            "X(旧Twitter)",
            "メールで送る",
            "記事を印刷する",
            "リンクをコピーする",
            "標準",
            "大",
            "特大",
            "記事を保存する",
        ):
            assert action in names, f"Tab never reaches {action}: {names}"
        assert any("フォローする" in name for name in names), names
        assert not invisible, f"focus not shown on {invisible}"
    finally:
        context.close()


def test_a_chart_gives_its_numbers_as_a_table(page, demo_article):
    from shinbun.newsroom.charts import chart_table
    from shinbun.newsroom.models import Figure

    article, url = demo_article
    page.goto(url)
    figure = page.locator("figure.figure").first
    key = figure.get_attribute("id").removeprefix("figure-")
    chart = Figure.objects.get(key=key).chart
    table = figure.locator("table.chart-data")
    expect(table).to_have_count(1)
    # kept for screen readers, not drawn a second time for the eye: in a 1 px clipped box
    assert table.evaluate(CLIPPED), "the chart's table shows on the page"
    expect(table.locator("caption")).not_to_be_empty()
    headers = table.locator("thead th")
    expect(headers).to_have_count(1 + len(chart["series"]))
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(chart["labels"]))
    for row, (label, values) in zip(rows.all(), chart_table(chart).rows, strict=True):
        expect(row.locator("th")).to_have_text(label)
        expect(row.locator("td")).to_have_text(values)
    # the drawing itself is one image with a name (its shapes are not read one by one)
    svg = figure.locator("svg.chart").first
    expect(svg).to_have_attribute("role", "img")
    assert svg.get_attribute("aria-label")


@pytest.mark.parametrize("size", WIDTHS)
def test_no_serious_violation_on_the_staff_pages(
    browser, demo_article, live_server, settings, tmp_path, log_in, axe_script, artifacts, size
):
    """The pages staff work in: the outbox and a mail in it (the operator), and the admin's
    index, article list and article form with the site's own widgets (the editor). Left
    out: what Django's admin draws itself and the site does not style (its select2
    autocomplete boxes, split date-time fields and breadcrumbs), which axe faults."""
    from django.core import mail as django_mail

    settings.DATA_DIR = tmp_path
    settings.EMAIL_BACKEND = "shinbun.core.mail.OutboxBackend"
    django_mail.send_mail("会員登録のご確認", "本文です。", "desk@example.jp", ["a@example.jp"])
    article, _url = demo_article
    base = live_server.url
    pages = {
        "operator@example.jp": ["/outbox/", "MAIL"],
        "editor@example.jp": [
            "/admin/",
            "/admin/newsroom/article/",
            f"/admin/newsroom/article/{article.pk}/change/",
        ],
    }
    violations = {}
    for who, paths in pages.items():
        context = browser.new_context(
            viewport={"width": WIDTHS[size], "height": 900}, locale="ja-JP", bypass_csp=True
        )
        try:
            page = context.new_page()
            log_in(page, who)
            for path in paths:
                if path == "MAIL":
                    path = page.locator("table.outbox-list a").first.get_attribute("href")
                response = page.goto(base + path)
                assert response.ok, (path, response.status)
                found = serious_violations(page, axe_script, DJANGO_ADMIN_WIDGETS)
                if found:
                    violations[path] = found
                name = path.strip("/").replace("/", "-")[:60]
                page.screenshot(path=artifacts / "accessibility" / f"{size}-staff-{name}.png")
        finally:
            context.close()
    assert not violations, "\n".join(
        f"{path}: {line}" for path, lines in violations.items() for line in lines
    )
