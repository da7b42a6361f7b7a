"""Bad input to the membership endpoints: a clear 4xx, never a 500 (hypothesis)."""

import json

import stripe
from hypothesis import given
from hypothesis import strategies as st

from shinbun.members.models import AccessToken, Subscription, WebhookEvent

text = st.text(max_size=300)
HANDLED = [
    "checkout.session.completed",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_failed",
]
SUBSCRIPTION_FIELDS = [
    "id",
    "mode",
    "metadata",
    "client_reference_id",
    "subscription",
    "status",
    "items",
    "data",
    "current_period_end",
    "amount_paid",
    "lines",
    "period",
    "parent",
    "subscription_details",
]


@given(plan=text, trial=text)
def test_subscribe_with_anything(client_for, free_member, plans, plan, trial):
    response = client_for(free_member).post("/join/subscribe/", {"plan": plan, "trial": trial})
    assert response.status_code < 500
    if plan not in ("monthly", "yearly"):
        assert response.status_code == 400


@given(name=text)
def test_token_names(client_for, free_member, name):
    response = client_for(free_member).post("/accounts/tokens/", {"name": name})
    assert response.status_code in (302, 400, 409)  # 409: the 20-token limit
    assert AccessToken.objects.filter(user=free_member).count() <= 20


@given(token=st.text(max_size=200).filter(lambda s: "\n" not in s and "\r" not in s))
def test_api_tokens(visitor, db, token):
    response = visitor.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401


@given(body=st.one_of(text, st.dictionaries(text, text).map(json.dumps)), event_type=text)
def test_webhook_payloads(client, settings, db, body, event_type):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_fuzz"
    signed = client.post(
        "/payments/stripe/webhook/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe.WebhookSignature.generate_signature_header(body, "whsec_fuzz"),
    )
    assert signed.status_code == 400
    payload = json.dumps({"id": "evt_fuzz", "type": event_type, "data": {"object": {}}})
    typed = client.post(
        "/payments/stripe/webhook/",
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe.WebhookSignature.generate_signature_header(
            payload, "whsec_fuzz"
        ),
    )
    assert typed.status_code in (200, 400)
    assert not Subscription.objects.exists()
    WebhookEvent.objects.all().delete()


@given(
    obj=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.sampled_from(SUBSCRIPTION_FIELDS), children, max_size=6)
        ),
        max_leaves=12,
    ),
    event_type=st.sampled_from(HANDLED),
)
def test_signed_notices_with_odd_fields_never_crash(client, settings, db, obj, event_type):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_fuzz"
    payload = json.dumps({"id": "evt_odd", "type": event_type, "data": {"object": obj}})
    response = client.post(
        "/payments/stripe/webhook/",
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe.WebhookSignature.generate_signature_header(
            payload, "whsec_fuzz"
        ),
    )
    assert response.status_code in (200, 400)
    WebhookEvent.objects.all().delete()
