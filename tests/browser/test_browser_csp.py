"""The strict Content-Security-Policy in a real browser: no page the tests open has a
script, style or image the policy refuses."""

import pytest

pytestmark = pytest.mark.browser


def test_pages_break_no_rule_of_the_policy(page, demo_article, live_server):
    article, url = demo_article
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    for address in (
        live_server.url + "/",
        url,
        live_server.url + f"/articles/{article.pk}/print/",
        live_server.url + "/accounts/login/",
        live_server.url + "/accounts/signup/",
        live_server.url + "/admin/login/",
    ):
        response = page.goto(address)
        assert response.status < 400, address
        assert "default-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
    assert refused == []
