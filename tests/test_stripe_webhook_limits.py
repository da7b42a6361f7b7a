"""Stripe webhooks that are signed but not Stripe's: dated ahead, or nested too deeply.
Signed offline with the stripe library, as in test_payments."""

import json
import time

import pytest

from shinbun.members.models import Subscription, WebhookEvent
from tests.test_payments import SECRET, checkout, post


@pytest.fixture
def stripe_settings(settings):
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_SECRET_KEY = "sk_test_offline"


def test_a_signature_dated_an_hour_ahead_is_refused(client, stripe_settings, free_member, plans):
    response = post(client, checkout(free_member), timestamp=int(time.time()) + 3600)
    assert response.status_code == 400
    assert response.json()["detail"] == "署名を確認できませんでした。"
    assert not Subscription.objects.exists() and not WebhookEvent.objects.exists()


def test_a_small_clock_drift_ahead_is_accepted(client, stripe_settings, free_member, plans):
    response = post(client, checkout(free_member), timestamp=int(time.time()) + 30)
    assert response.status_code == 200
    assert Subscription.objects.filter(user=free_member).exists()


@pytest.mark.parametrize("depth", [100, 100_000])
def test_a_deeply_nested_signed_body_is_a_clear_400(client, stripe_settings, free_member, depth):
    nested = "[" * depth + "]" * depth
    payload = (
        json.dumps({"id": "evt_deep", "type": "invoice.paid", "data": {"object": {"id": "in_1"}}})[
            :-1
        ]
        + f', "extra": {nested}}}'
    )
    response = post(client, payload)
    assert response.status_code == 400
    assert response.json()["detail"] == "通知の入れ子が深すぎます。"
    assert not WebhookEvent.objects.exists()
