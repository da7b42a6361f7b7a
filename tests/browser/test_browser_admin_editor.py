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
