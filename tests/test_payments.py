"""Payments: the manual provider through the join and account pages, and Stripe (Checkout
against a local fake of its API; webhooks signed offline with the stripe library)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest
import stripe

from shinbun.members.campaigns import trial_offer
from shinbun.members.models import AuditLog, Receipt, Subscription, WebhookEvent
from tests.orders import confirmation, start

SECRET = "whsec_test_secret"
PERIOD_START = 1_775_000_000
PERIOD_END = PERIOD_START + 30 * 86400


# Manual provider ---------------------------------------------------------------------


def test_join_page_lists_plans_with_tax_inclusive_prices(client_for, free_member, plans):
    page = client_for(free_member).get("/join/")
    assert page.status_code == 200
    assert "1,980円/月(税込)" in page.text and "19,800円/年(税込)" in page.text
    assert "春割で無料体験する" in page.text


def test_a_free_member_starts_the_trial_at_once(client_for, free_member, plans):
    client = client_for(free_member)
    response = start(client, "monthly", trial=True)
    assert response.status_code == 302 and response.url == "/accounts/"
    sub = Subscription.objects.get(user=free_member)
    assert sub.status == "trialing"
    account = client.get("/accounts/")
    assert "無料体験中" in account.text and "月額プラン" in account.text


def test_subscribing_shows_plan_renewal_and_receipt(client_for, free_member, plans):
    client = client_for(free_member)
    start(client, "yearly", trial=False)
    sub = Subscription.objects.get(user=free_member)
    page = client.get("/accounts/").text
    assert "年額プラン" in page and "次回の更新日" in page
    assert Receipt.objects.get(subscription=sub).number in page
    assert "19,800円" in page


def test_cancel_and_resume_from_the_account_page(client_for, paid_member):
    client = client_for(paid_member)
    assert client.post("/accounts/subscription/cancel/").status_code == 302
    page = client.get("/accounts/").text
    assert "解約済み" in page and "解約を取り消す" in page
    client.post("/accounts/subscription/resume/")
    assert not Subscription.objects.get(user=paid_member).cancel_at_period_end


def test_someone_who_paid_recently_is_told_and_may_still_subscribe(client_for, free_member, plans):
    client = client_for(free_member)
    start(client, "monthly", trial=False)
    sub = Subscription.objects.get(user=free_member)
    from shinbun.members.services import cancel

    cancel(sub, actor=free_member, reason="", at_period_end=False)
    page = client.get("/join/").text
    assert "無料体験の対象外です" in page
    assert "春割で無料体験する</button>" not in page
    refused = confirmation(client, "monthly", trial=True)
    assert refused.status_code == 409 and "対象外" in refused.text
    assert start(client, "monthly", trial=False).status_code == 302


@pytest.mark.parametrize("plan", ["", "nope", "x" * 500])
def test_bad_plan_is_a_clear_400(client_for, free_member, plans, plan):
    response = client_for(free_member).post("/join/subscribe/", {"plan": plan})
    assert response.status_code == 400 and "プランを選んでください。" in response.text


def test_visitors_are_sent_to_sign_up_first(visitor, plans):
    response = visitor.post("/join/subscribe/", {"plan": "monthly"})
    assert response.status_code == 302 and response.url == "/accounts/signup/?next=%2Fjoin%2F"


# Stripe webhooks -----------------------------------------------------------------------


@pytest.fixture
def stripe_settings(settings):
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_SECRET_KEY = "sk_test_offline"


def event(event_id: str, event_type: str, obj: dict) -> str:
    return json.dumps(
        {"id": event_id, "object": "event", "type": event_type, "data": {"object": obj}}
    )


def post(client, payload: str, secret: str = SECRET, timestamp: int | None = None):
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)
    return client.post(
        "/payments/stripe/webhook/",
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )


def checkout(user, *, campaign=None, event_id="evt_checkout"):
    metadata = {"user_id": str(user.pk), "plan": "monthly"}
    if campaign:
        metadata["campaign"] = str(campaign.pk)
    return event(
        event_id,
        "checkout.session.completed",
        {
            "object": "checkout.session",
            "mode": "subscription",
            "client_reference_id": str(user.pk),
            "customer": "cus_1",
            "subscription": "sub_1",
            "metadata": metadata,
        },
    )


def invoice(event_id: str, event_type: str, amount: int = 1980, invoice_id: str = "in_1"):
    return event(
        event_id,
        event_type,
        {
            "object": "invoice",
            "id": invoice_id,
            "amount_paid": amount if event_type == "invoice.paid" else 0,
            "parent": {"subscription_details": {"subscription": "sub_1"}},
            "lines": {"data": [{"period": {"start": PERIOD_START, "end": PERIOD_END}}]},
        },
    )


def test_a_stripe_subscription_from_checkout_to_deletion(
    client, stripe_settings, free_member, plans
):
    assert post(client, checkout(free_member)).status_code == 200
    sub = Subscription.objects.get(user=free_member)
    assert (sub.provider, sub.provider_subscription_id, sub.status) == ("stripe", "sub_1", "active")
    assert not Receipt.objects.exists()  # the receipt comes with the invoice

    assert post(client, invoice("evt_paid", "invoice.paid")).status_code == 200
    receipt = Receipt.objects.get()
    assert receipt.amount_jpy == 1980 and receipt.provider_reference == "in_1"
    sub.refresh_from_db()
    assert sub.paid and int(sub.current_period_end.timestamp()) == PERIOD_END

    updated = event(
        "evt_upd",
        "customer.subscription.updated",
        {
            "object": "subscription",
            "id": "sub_1",
            "status": "active",
            "cancel_at_period_end": True,
            "items": {
                "data": [{"current_period_start": PERIOD_START, "current_period_end": PERIOD_END}]
            },
        },
    )
    assert post(client, updated).status_code == 200
    sub.refresh_from_db()
    assert sub.cancel_at_period_end

    assert post(client, invoice("evt_fail", "invoice.payment_failed")).status_code == 200
    sub.refresh_from_db()
    assert sub.status == "past_due"

    deleted = event(
        "evt_del", "customer.subscription.deleted", {"id": "sub_1", "status": "canceled"}
    )
    assert post(client, deleted).status_code == 200
    sub.refresh_from_db()
    assert sub.status == "canceled" and sub.ended_at
    assert WebhookEvent.objects.count() == 5
    assert AuditLog.objects.filter(subject=free_member, actor=None).count() == 5


def test_a_replayed_event_changes_nothing_twice(client, stripe_settings, free_member, plans):
    post(client, checkout(free_member))
    paid = invoice("evt_paid", "invoice.paid")
    for _ in range(3):
        response = post(client, paid)
        assert response.status_code == 200
    assert response.json() == {"result": "duplicate"}
    assert Receipt.objects.count() == 1
    # The same invoice under another event id is still one payment.
    post(client, invoice("evt_paid_again", "invoice.paid"))
    assert Receipt.objects.count() == 1
    assert Subscription.objects.count() == 1


def test_checkout_with_the_campaign_starts_the_trial(
    client, stripe_settings, free_member, spring_campaign
):
    post(client, checkout(free_member, campaign=spring_campaign))
    sub = Subscription.objects.get(user=free_member)
    assert sub.status == "trialing" and sub.campaign == spring_campaign
    assert not trial_offer(free_member, sub.plan).eligible


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "changed body", "no header", "old timestamp"],
)
def test_bad_signatures_are_refused_and_change_nothing(
    client, stripe_settings, free_member, plans, tamper
):
    payload = checkout(free_member)
    if tamper == "wrong secret":
        response = post(client, payload, secret="whsec_other")
    elif tamper == "changed body":
        header = stripe.WebhookSignature.generate_signature_header(payload, SECRET)
        response = client.post(
            "/payments/stripe/webhook/",
            payload.replace("monthly", "yearly"),
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        )
    elif tamper == "no header":
        response = client.post(
            "/payments/stripe/webhook/", payload, content_type="application/json"
        )
    else:
        response = post(client, payload, timestamp=int(time.time()) - 3600)
    assert response.status_code == 400
    assert response.json()["detail"] == "署名を確認できませんでした。"
    assert not Subscription.objects.exists() and not WebhookEvent.objects.exists()


def test_unknown_events_are_refused_and_change_nothing(client, stripe_settings, free_member):
    response = post(client, event("evt_x", "customer.created", {"id": "cus_1"}))
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    assert client.get("/payments/stripe/webhook/").status_code == 405
    garbage = post(client, "not json at all")
    assert garbage.status_code == 400


def test_an_event_that_cannot_be_applied_is_refused_and_can_be_retried(
    client, stripe_settings, free_member, plans
):
    payload = checkout(free_member).replace('"monthly"', '"no-such-plan"')
    assert post(client, payload).status_code == 400
    assert not WebhookEvent.objects.exists()


# Stripe Checkout against a local fake of Stripe's API ----------------------------------


class FakeStripe(BaseHTTPRequestHandler):
    requests: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        FakeStripe.requests.append((self.path, parse_qs(body)))
        if self.path == "/v1/checkout/sessions":
            reply = {
                "id": "cs_1",
                "object": "checkout.session",
                "url": "https://checkout.example/cs_1",
            }
        elif self.path == "/v1/billing_portal/sessions":
            reply = {
                "id": "bps_1",
                "object": "billing_portal.session",
                "url": "https://portal.example/1",
            }
        else:
            reply = {"id": "sub_1", "object": "subscription"}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_stripe(settings, stripe_settings):
    server = HTTPServer(("127.0.0.1", 0), FakeStripe)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeStripe.requests = []
    settings.PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{server.server_port}"
    yield FakeStripe.requests
    server.shutdown()


def test_stripe_checkout_session_for_the_plan(client_for, free_member, plans, fake_stripe):
    plan = plans["monthly"]
    plan.stripe_price_id = "price_monthly"
    plan.save()
    response = start(client_for(free_member), "monthly", trial=True)
    assert response.status_code == 302 and response.url == "https://checkout.example/cs_1"
    path, form = fake_stripe[0]
    assert path == "/v1/checkout/sessions"
    assert form["line_items[0][price]"] == ["price_monthly"]
    assert form["client_reference_id"] == [str(free_member.pk)]
    assert form["subscription_data[trial_period_days]"] == ["30"]
    assert not Subscription.objects.exists()  # only the webhook creates it


def test_stripe_portal_link_and_cancel(client, client_for, free_member, plans, fake_stripe):
    post(client, checkout(free_member))
    member = client_for(free_member)
    assert "お支払い方法を変更する" in member.get("/accounts/").text
    portal = member.post("/accounts/subscription/portal/")
    assert portal.url == "https://portal.example/1"
    member.post("/accounts/subscription/cancel/")
    assert fake_stripe[-1][0] == "/v1/subscriptions/sub_1"
    assert fake_stripe[-1][1]["cancel_at_period_end"] == ["true"]
    assert Subscription.objects.get().cancel_at_period_end


def test_a_plan_without_a_stripe_price_is_refused_clearly(
    client_for, free_member, plans, fake_stripe
):
    response = start(client_for(free_member), "monthly", trial=False)
    assert response.status_code == 409
    assert "このプランは現在お申し込みいただけません。" in response.text
    assert not fake_stripe


def test_an_invoice_before_its_checkout_is_refused_until_the_subscription_exists(
    client, stripe_settings, free_member, plans
):
    paid = invoice("evt_paid_early", "invoice.paid")
    assert post(client, paid).status_code == 400  # Stripe sends it again later
    assert not Receipt.objects.exists() and not WebhookEvent.objects.exists()
    post(client, checkout(free_member))
    assert post(client, paid).status_code == 200
    assert Receipt.objects.count() == 1


def test_a_campaign_for_one_plan_offers_the_trial_only_there(
    client_for, free_member, plans, spring_campaign
):
    spring_campaign.plans.set([plans["monthly"]])
    page = client_for(free_member).get("/join/").text
    monthly, yearly = page.split('<li class="plan">')[1:3]
    assert "月額プラン" in monthly and "春割で無料体験する" in monthly
    assert "年額プラン" in yearly and "春割で無料体験する" not in yearly
    response = confirmation(client_for(free_member), "yearly", trial=True)
    assert response.status_code == 409
