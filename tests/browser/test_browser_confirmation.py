"""The final confirmation screen (最終確認画面) in the browser, at phone and desktop
widths: a free member chooses the 春割 trial on the join page, reads the price, the first
charge's date and the cancellation deadline, and starts the trial with the button that
names the act; the receipt of a paid member prints without the site's chrome."""

import re
from datetime import timedelta

import pytest

pytestmark = pytest.mark.browser

WIDTHS = {"phone": 390, "desktop": 1280}


@pytest.mark.parametrize("size", WIDTHS)
def test_the_trial_starts_only_from_the_confirmation_screen(
    page, demo_article, live_server, log_in, artifacts, size
):
    from django.utils import timezone

    from shinbun.core.timefmt import format_jst
    from shinbun.members.models import Subscription, User

    page.set_viewport_size({"width": WIDTHS[size], "height": 900})
    base = live_server.url
    log_in(page, "free@example.jp")

    page.goto(f"{base}/join/")
    page.click("li.plan:has-text('月額プラン') button.cta")
    page.wait_for_url(re.compile(r"/join/confirm/\?plan=monthly&trial=1"))
    assert not Subscription.objects.filter(user__email="free@example.jp").exists()
    assert page.locator(".order-price").inner_text() == "1,980円/月(税込)"
    trial_end = timezone.now() + timedelta(days=30)
    deadline = page.locator(".order-cancel-by").inner_text()
    assert format_jst(trial_end)[:-6] in deadline and "までに解約してください" in deadline
    assert "1,980円(税込)" in page.locator(".order-first-charge").inner_text()
    assert "1か月ごと" in page.locator(".order-renewal").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTHS[size], "the screen overflows sideways"
    page.screenshot(path=artifacts / f"join-confirm-{size}.png", full_page=True)

    page.click("button.confirm-button:has-text('無料体験を開始する')")
    page.wait_for_url(re.compile(r"/accounts/$"))
    assert page.locator(".plan-status").inner_text() == "無料体験中"
    member = User.objects.get(email="free@example.jp")
    assert Subscription.objects.get(user=member).status == "trialing"

    page.click("a[href$='/subscription/cancel/']")
    assert "無料体験の終了" in page.locator(".cancel-effect").inner_text()
    page.screenshot(path=artifacts / f"cancel-confirm-{size}.png", full_page=True)


def test_a_receipt_prints_as_an_invoice(page, demo_article, live_server, log_in, artifacts):
    from shinbun.members.models import Receipt

    base = live_server.url
    log_in(page, "paid@example.jp")
    receipt = Receipt.objects.get(user__email="paid@example.jp")

    page.goto(f"{base}/accounts/")
    page.click(f"table.receipts a:has-text('{receipt.number}')")
    page.wait_for_url(re.compile(rf"/accounts/receipts/{receipt.pk}/$"))
    assert page.locator(".receipt-tax").inner_text() == "180円"
    page.emulate_media(media="print")
    assert not page.locator("header.masthead").is_visible()
    assert not page.locator("footer.site-footer").is_visible()
    assert not page.locator(".print-controls").is_visible()
    assert page.locator(".registration-number").is_visible()
    page.screenshot(path=artifacts / "receipt-print.png", full_page=True)
