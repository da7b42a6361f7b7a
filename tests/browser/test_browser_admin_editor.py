"""The article form in a real browser, as the demo's editor: the body's live preview
follows what is typed, the figure picker puts [[figure:key]] where the cursor is, and
nothing breaks the strict Content-Security-Policy."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_editor_previews_the_body_and_inserts_a_figure(
    page, demo_article, live_server, artifacts
):
    from shinbun.newsroom.models import Figure

    figure = Figure.objects.order_by("id").first()
    refused = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(live_server.url + "/admin/login/?next=/admin/newsroom/article/add/")
    page.fill("input[name=username]", "editor@example.jp")
    page.fill("input[name=password]", "shinbun-demo")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/newsroom/article/add/$"))

    tools = page.locator("#body-tools")
    expect(tools).to_be_visible()
    body = page.locator("#id_body_source")
    body.fill("一段落目の<strong>大事な</strong>話。\n\n二段落目。")
    preview = page.locator("#body-preview")
    expect(preview.locator("strong")).to_have_text("大事な")

    # The cursor between the two paragraphs; the figure goes there, as its own paragraph.
    body.evaluate(
        "el => { el.focus(); const at = el.value.indexOf('\\n'); el.setSelectionRange(at, at); }"
    )
    page.fill("#figure-search", figure.title)
    expect(page.locator(f"#figure-choice option[value='{figure.key}']")).to_have_count(1)
    page.locator("#figure-choice").select_option(figure.key)
    page.click("#figure-insert")
    expect(body).to_have_value(
        f"一段落目の<strong>大事な</strong>話。\n\n[[figure:{figure.key}]]\n\n二段落目。"
    )
    expect(preview.locator("figure .figure-title")).to_have_text(figure.title)
    expect(preview.locator("figure .chart-wrap svg:visible")).to_have_count(1)
    # Now it is one of the article's figures, listed first.
    expect(page.locator("#figure-choice optgroup").first).to_have_attribute(
        "label", "この記事の図表"
    )
    tools.screenshot(path=artifacts / "admin-body-tools.png")
    assert refused == []


def test_the_editor_creates_a_figure_from_the_picker_and_places_it(
    page, demo_article, live_server, artifacts
):
    """The picker's 「新しい図表を作る」 opens the figure form in the admin's popup; once
    saved, the new figure is listed and selected, and goes into the body at the cursor."""
    from shinbun.newsroom.models import Article, Figure

    article, url = demo_article
    refused = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    change = f"/admin/newsroom/article/{article.pk}/change/"
    page.goto(f"{live_server.url}/admin/login/?next={change}")
    page.fill("input[name=username]", "editor@example.jp")
    page.fill("input[name=password]", "shinbun-demo")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(re.escape(change) + "$"))

    body = page.locator("#id_body_source")
    first_paragraph = article.body_source.split("\n", 1)[0]
    # The cursor after the first paragraph, before opening the popup.
    body.evaluate(
        "el => { el.focus(); const at = el.value.indexOf('\\n'); el.setSelectionRange(at, at); }"
    )
    with page.expect_popup() as opened:
        page.get_by_role("link", name="新しい図表を作る").click()
    popup = opened.value
    popup.wait_for_load_state()
    expect(popup.locator("h1")).to_have_text("図表 を追加")
    popup.fill("#id_key", "popup-chart")
    popup.fill("#id_title", "ポップアップで作ったグラフ")
    popup.fill(
        "#id_chart",
        '{"type": "bar", "unit": "%", "labels": ["1月", "2月"],'
        ' "series": [{"name": "試験", "values": [1.5, 2.5]}]}',
    )
    with popup.expect_event("close"):
        popup.click("input[name=_save]")

    choice = page.locator("#figure-choice")
    expect(choice).to_have_value("popup-chart")
    expect(page.locator("#figure-status")).to_contain_text("ポップアップで作ったグラフ")
    page.click("#figure-insert")
    expect(body).to_have_value(re.compile(r"\[\[figure:popup-chart\]\]"))
    text = body.input_value()
    assert text.startswith(f"{first_paragraph}\n\n[[figure:popup-chart]]\n\n"), text[:200]
    expect(page.locator("#body-preview figure .figure-title").first).to_be_visible()
    expect(
        page.locator("#body-preview figure .figure-title", has_text="ポップアップで作ったグラフ")
    ).to_have_count(1)
    page.locator("#body-tools").screenshot(path=artifacts / "admin-figure-created.png")

    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r"/admin/newsroom/article/$"))
    assert "[[figure:popup-chart]]" in Article.objects.get(pk=article.pk).body_source
    assert Figure.objects.filter(key="popup-chart").exists()

    page.goto(url)
    figure = page.locator("figure#figure-popup-chart")
    expect(figure.locator(".figure-title")).to_have_text("ポップアップで作ったグラフ")
    expect(figure.locator(".chart-wrap svg:visible")).to_have_count(1)
    assert refused == []
