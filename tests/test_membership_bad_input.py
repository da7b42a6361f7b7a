"""Bad input to the membership endpoints: a clear 4xx, never a 500 (hypothesis)."""

import json

import stripe
from hypothesis import given
from hypothesis import strategies as st

from shinbun.members.models import AccessToken, Subscription, WebhookEvent

text = st.text(max_size=300)


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
