"""The final confirmation screen (最終確認画面, 特定商取引法 12条の6): a trial or a
subscription starts only from the screen that showed the plan, the price with tax, the
first charge and its date, the renewal, how to cancel and the cancellation deadline; what
the screen promises is what happens. Cancelling asks for confirmation on its own page."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from shinbun.core.timefmt import JST, format_jst
from shinbun.members import services
from shinbun.members.models import Receipt, Subscription
from tests.orders import TERMS_FIELD, confirmation, start

# A Saturday at the end of January in Japan time: the monthly renewal falls on 2月28日.
MONTH_END = datetime(2027, 1, 31, 10, 0, tzinfo=JST)


def terms_of(response) -> str:
    return TERMS_FIELD.search(response.text).group(1)


@pytest.fixture
def member(client_for, free_member):
    return client_for(free_member)


@pytest.fixture
def campaign_now(spring_campaign):
    """A moment inside the 春割 campaign's window."""
    return spring_campaign.starts_at + timedelta(hours=1)


def test_the_trial_screen_states_every_term_and_starts_nothing(
    member, free_member, spring_campaign, campaign_now, parse_html
):
    with time_machine.travel(campaign_now, tick=False):
        response = confirmation(member, "monthly", trial=True)
    assert response.status_code == 200
    ends = campaign_now + timedelta(days=30)
    text = re.sub(r"\s+", " ", response.text)
    assert "月額プラン" in text and "1,980円/月(税込)" in text
    assert f"本日から{format_jst(ends)}までの30日間は無料です" in text
    assert f"{format_jst(ends)}に1,980円(税込)をお支払いいただき" in text
    renewal = services.add_period(ends, "month")
    assert "以後は1か月ごとに自動で更新し、そのつど1,980円(税込)" in text
    assert f"(次回は{format_jst(renewal)})" in text
    assert "アカウントページの「解約する」から、いつでも解約できます" in text
    assert f"料金がかからないようにするには、{format_jst(ends)}までに解約してください。" in text
    assert "時刻はすべて日本時間です" in text
    button = parse_html(response).one("button", class_="confirm-button")
    assert button["text"] == "無料体験を開始する"
    assert parse_html(response).one("form", class_="confirm-form")["method"] == "post"
    assert 'name="csrfmiddlewaretoken"' in response.text
    assert not Subscription.objects.filter(user=free_member).exists()


def test_the_subscription_screen_names_the_price_on_its_button(
    client_for, free_member, plans, parse_html
):
    with time_machine.travel(MONTH_END, tick=False):
        member = client_for(free_member)  # logged in then: sessions expire
        monthly = confirmation(member, "monthly", trial=False)
        yearly = confirmation(member, "yearly", trial=False)
    assert parse_html(monthly).one("button", class_="confirm-button")["text"] == (
        "申し込む(月額1,980円)"
    )
    assert "お申し込みの時に1,980円(税込)" in monthly.text
    # One month after 1月31日 is the last day of February, in Japan time.
    assert "(次回は2027年2月28日 10:00)" in monthly.text
    assert "次の期間の料金がかからないようにするには、2027年2月28日 10:00までに解約" in monthly.text
    assert parse_html(yearly).one("button", class_="confirm-button")["text"] == (
        "申し込む(年額19,800円)"
    )
    assert "1年ごと" in yearly.text and "(次回は2028年1月31日 10:00)" in yearly.text


def test_what_the_trial_screen_promises_is_what_happens(
    member, free_member, spring_campaign, campaign_now
):
    with time_machine.travel(campaign_now, tick=False):
        started = start(member, "monthly", trial=True)
    assert started.status_code == 302 and started.url == "/accounts/"
    sub = Subscription.objects.get(user=free_member)
    ends = campaign_now + timedelta(days=30)
    assert sub.status == "trialing" and sub.trial_ends_at == ends
    assert not Receipt.objects.exists()
    # Not cancelled: the first charge falls on the date shown, then the renewal shown.
    services.settle_due(now=ends)
    receipt = Receipt.objects.get(subscription=sub)
    assert receipt.amount_jpy == 1980 and receipt.issued_at == ends
    sub.refresh_from_db()
    assert sub.current_period_end == services.add_period(ends, "month")


def test_cancelling_before_the_deadline_costs_nothing(
    client_for, free_member, spring_campaign, campaign_now
):
    with time_machine.travel(campaign_now, tick=False):
        start(client_for(free_member), "monthly", trial=True)
    deadline = campaign_now + timedelta(days=30)
    with time_machine.travel(deadline - timedelta(minutes=1), tick=False):
        member = client_for(free_member)  # logged in then: sessions expire
        page = member.get("/accounts/subscription/cancel/")
        assert f"無料体験の終了({format_jst(deadline)})までお読みいただけます" in page.text
        assert Subscription.objects.get(user=free_member).cancel_at_period_end is False
        done = member.post("/accounts/subscription/cancel/", follow=True)
    assert f"解約を受け付けました。{format_jst(deadline)}までお読みいただけます。" in done.text
    services.settle_due(now=deadline)
    assert Subscription.objects.get(user=free_member).status == "canceled"
    assert not Receipt.objects.exists()


def test_only_a_post_with_the_terms_shown_starts(member, free_member, plans, parse_html):
    screen = confirmation(member, "monthly", trial=False)
    terms = terms_of(screen)
    # A GET to the start endpoint (a link, a reload) shows the screen, starts nothing.
    visited = member.get("/join/subscribe/", {"plan": "monthly", "trial": "0"})
    assert visited.status_code == 302
    assert visited.url == "/join/confirm/?plan=monthly&trial=0"
    assert member.get("/join/subscribe/").url == "/join/confirm/"
    assert member.get("/join/confirm/").status_code == 400
    # A form that skipped the screen: the screen again, with a Japanese explanation.
    skipped = member.post("/join/subscribe/", {"plan": "monthly", "trial": "0"})
    assert skipped.status_code == 400
    assert (
        "お申し込みの内容をご確認のうえ、このページのボタンからお申し込みください。" in skipped.text
    )
    assert parse_html(skipped).one("button", class_="confirm-button")
    # Terms that are not the ones that hold (tampered, or another plan's).
    for wrong in (
        terms.replace("1980", "1"),
        terms_of(confirmation(member, "yearly", trial=False)),
    ):
        tampered = member.post(
            "/join/subscribe/", {"plan": "monthly", "trial": "0", "terms": wrong}
        )
        assert tampered.status_code == 409
        assert "お申し込みの内容が変わりました。" in tampered.text
    assert not Subscription.objects.filter(user=free_member).exists()
    assert (
        member.post(
            "/join/subscribe/", {"plan": "monthly", "trial": "0", "terms": terms}
        ).status_code
        == 302
    )
    assert Subscription.objects.get(user=free_member).status == "active"


def test_a_price_changed_while_the_screen_was_open_is_shown_again(member, free_member, plans):
    terms = terms_of(confirmation(member, "monthly", trial=False))
    plans["monthly"].price_jpy = 2480
    plans["monthly"].save()
    response = member.post("/join/subscribe/", {"plan": "monthly", "trial": "0", "terms": terms})
    assert response.status_code == 409
    assert "2,480円/月(税込)" in response.text and "申し込む(月額2,480円)" in response.text
    assert not Subscription.objects.filter(user=free_member).exists()
    again = member.post(
        "/join/subscribe/", {"plan": "monthly", "trial": "0", "terms": terms_of(response)}
    )
    assert again.status_code == 302
    assert Receipt.objects.get(user=free_member).amount_jpy == 2480


@pytest.mark.parametrize("plan", ["", "premium", "../monthly", "monthly'--", "x" * 51, "月額"])
def test_a_tampered_plan_is_a_clear_400(member, free_member, plans, plan):
    shown = member.get("/join/confirm/", {"plan": plan, "trial": "1"})
    posted = member.post("/join/subscribe/", {"plan": plan, "trial": "1", "terms": "x"})
    for response in (shown, posted):
        assert response.status_code == 400 and "プランを選んでください。" in response.text
    assert not Subscription.objects.filter(user=free_member).exists()


def test_an_inactive_plan_or_an_ineligible_trial_is_refused_on_the_screen(
    member, client_for, paid_member, plans
):
    plans["yearly"].is_active = False
    plans["yearly"].save()
    assert confirmation(member, "yearly", trial=False).status_code == 400
    paid = confirmation(client_for(paid_member), "monthly", trial=True)
    assert paid.status_code == 409 and "すでにご契約中のプランがあります。" in paid.text


@given(terms=st.text(max_size=200))
def test_any_terms_but_the_shown_ones_start_nothing(member, free_member, plans, terms):
    response = member.post("/join/subscribe/", {"plan": "monthly", "trial": "1", "terms": terms})
    assert response.status_code in (400, 409)
    assert not Subscription.objects.filter(user=free_member).exists()


def test_pressing_the_button_twice_is_harmless(member, free_member, plans):
    screen = confirmation(member, "monthly", trial=True)
    form = {"plan": "monthly", "trial": "1", "terms": terms_of(screen)}
    first = member.post("/join/subscribe/", form)
    second = member.post("/join/subscribe/", form, follow=True)
    assert first.status_code == 302 and second.status_code == 200
    assert "このプランはご契約中です。" in second.text
    assert Subscription.objects.filter(user=free_member).count() == 1


def test_the_start_needs_csrf_and_a_member(free_member, visitor, plans):
    member = Client(enforce_csrf_checks=True)
    member.force_login(free_member)
    terms = terms_of(confirmation(member, "monthly", trial=True))
    form = {"plan": "monthly", "trial": "1", "terms": terms}
    assert member.post("/join/subscribe/", form).status_code == 403
    assert not Subscription.objects.exists()
    shown = visitor.get("/join/confirm/", {"plan": "monthly", "trial": "1"})
    # A visitor signs up first (the page links to log in) and comes back to this screen.
    assert shown.status_code == 302 and shown.url.startswith("/accounts/signup/?next=")
    assert shown.url.endswith("?next=%2Fjoin%2Fconfirm%2F%3Fplan%3Dmonthly%26trial%3D1")


def test_the_join_page_leads_to_the_screen(member, plans, parse_html):
    doc = parse_html(member.get("/join/"))
    forms = doc.all("form", action="/join/confirm/")
    assert len(forms) == 2 and {f["method"] for f in forms} == {"get"}


def test_cancelling_asks_first_and_says_until_when(client_for, paid_member, parse_html):
    member = client_for(paid_member)
    sub = Subscription.objects.get(user=paid_member)
    account = parse_html(member.get("/accounts/"))
    assert account.one("a", href="/accounts/subscription/cancel/")["text"] == "解約する"
    page = member.get("/accounts/subscription/cancel/")
    assert page.status_code == 200
    until = format_jst(sub.current_period_end)
    effect = parse_html(page).one("p", class_="cancel-effect")["text"]
    assert f"解約しても、{until}までお読みいただけます。" in effect
    assert "返金" in effect
    sub.refresh_from_db()
    assert not sub.cancel_at_period_end  # asking is not cancelling
    done = member.post("/accounts/subscription/cancel/", follow=True)
    assert f"解約を受け付けました。{until}までお読みいただけます。" in done.text
    assert Subscription.objects.get(user=paid_member).cancel_at_period_end
    # Asked again: nothing to confirm, the account page says so.
    again = member.get("/accounts/subscription/cancel/", follow=True)
    assert "解約はお申し込み済みです。" in again.text


def test_cancelling_without_a_subscription_is_explained(member, visitor):
    response = member.get("/accounts/subscription/cancel/", follow=True)
    assert "ご契約中のプランはありません。" in response.text
    assert visitor.get("/accounts/subscription/cancel/").status_code == 302  # to log in


def test_the_screen_in_english(member, plans):
    response = member.get("/en/join/confirm/", {"plan": "monthly", "trial": "0"})
    assert response.status_code == 200
    assert "Confirm your order" in response.text and "Subscribe (Monthly ¥1,980)" in response.text
    assert "お申し込み内容の確認" not in response.text
