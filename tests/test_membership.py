"""Plans, subscriptions, campaigns and receipts: every change through members.services."""

from datetime import datetime, timedelta

import pytest
from django.core.cache import cache

from shinbun.core.timefmt import JST
from shinbun.members import campaigns, services
from shinbun.members.entitlements import ReaderKind, reader_for
from shinbun.members.models import AuditLog, Campaign, Receipt, Subscription
from shinbun.members.services import MembershipError

NOW = datetime(2026, 4, 10, 9, 0, tzinfo=JST)


@pytest.fixture
def campaign(plans):
    Campaign.objects.all().delete()
    return Campaign.objects.create(
        name="春割",
        cta_text="春割で無料体験する",
        starts_at=datetime(2026, 3, 1, tzinfo=JST),
        ends_at=datetime(2026, 5, 1, tzinfo=JST),
        trial_days=30,
    )


def test_subscribe_is_paid_at_once_with_a_receipt_and_an_audit_row(free_member, plans):
    sub = services.subscribe(free_member, plans["monthly"], actor=free_member, reason="申込")
    assert sub.status == Subscription.Status.ACTIVE and sub.paid
    receipt = Receipt.objects.get(subscription=sub)
    assert receipt.amount_jpy == 1980 and receipt.user == free_member
    log = AuditLog.objects.get(action="subscription.started")
    assert (log.actor, log.subject, log.reason) == (free_member, free_member, "申込")
    assert reader_for(type(free_member).objects.get(pk=free_member.pk)).kind == ReaderKind.PAID


def test_monthly_periods_follow_the_calendar_in_japan_time(free_member, plans):
    jan31 = datetime(2026, 1, 31, 10, 0, tzinfo=JST)
    sub = services.subscribe(free_member, plans["monthly"], actor=None, reason="", now=jan31)
    assert sub.current_period_end == datetime(2026, 2, 28, 10, 0, tzinfo=JST)
    yearly = services.add_period(jan31, "year")
    assert yearly == datetime(2027, 1, 31, 10, 0, tzinfo=JST)


def test_one_live_subscription_per_member(paid_member, plans):
    with pytest.raises(MembershipError, match="すでにご契約中"):
        services.subscribe(paid_member, plans["yearly"], actor=paid_member, reason="")
    assert Subscription.objects.filter(user=paid_member).count() == 1


def test_a_new_member_starts_the_campaign_trial(free_member, plans, campaign):
    sub = services.start_trial(free_member, plans["monthly"], actor=free_member, reason="", now=NOW)
    assert sub.status == Subscription.Status.TRIALING and sub.campaign == campaign
    assert sub.trial_ends_at == NOW + timedelta(days=30)
    assert not Receipt.objects.exists()
    assert reader_for(free_member, NOW + timedelta(days=29)).kind == ReaderKind.TRIALING
    # The trial ends without a payment: the periodic pass ends it.
    later = NOW + timedelta(days=31)
    services.cancel(sub, actor=free_member, reason="やめる", now=NOW + timedelta(days=3))
    assert services.settle_due(later) == {"ended": 1, "renewed": 0}
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.CANCELED and sub.ended_at == later
    assert reader_for(free_member, later).kind == ReaderKind.FREE


def test_no_trial_outside_the_campaign_window(free_member, plans, campaign):
    with pytest.raises(MembershipError, match="キャンペーンは行っていません"):
        june = datetime(2026, 6, 1, tzinfo=JST)
        services.start_trial(free_member, plans["monthly"], actor=None, reason="", now=june)


def test_no_trial_for_someone_whose_paid_subscription_ended_within_a_year(
    free_member, plans, campaign
):
    old = services.subscribe(
        free_member, plans["monthly"], actor=None, reason="", now=NOW - timedelta(days=200)
    )
    services.cancel(old, actor=None, reason="", at_period_end=False, now=NOW - timedelta(days=100))
    offer = campaigns.trial_offer(free_member, plans["monthly"], NOW)
    assert not offer.eligible
    assert "無料体験の対象外です" in offer.message and "お申し込みいただけます" in offer.message
    with pytest.raises(MembershipError, match="対象外"):
        services.start_trial(free_member, plans["monthly"], actor=None, reason="", now=NOW)
    # ... and may still subscribe.
    sub = services.subscribe(free_member, plans["monthly"], actor=None, reason="", now=NOW)
    assert sub.status == Subscription.Status.ACTIVE


def test_a_year_after_the_paid_subscription_ended_the_trial_is_offered_again(
    free_member, plans, campaign
):
    old = services.subscribe(
        free_member, plans["monthly"], actor=None, reason="", now=NOW - timedelta(days=500)
    )
    services.cancel(old, actor=None, reason="", at_period_end=False, now=NOW - timedelta(days=366))
    assert campaigns.trial_offer(free_member, plans["monthly"], NOW).eligible


def test_one_trial_per_campaign(free_member, plans, campaign):
    sub = services.start_trial(free_member, plans["monthly"], actor=None, reason="", now=NOW)
    services.cancel(sub, actor=None, reason="", at_period_end=False, now=NOW + timedelta(days=1))
    with pytest.raises(MembershipError, match="ご利用済み"):
        services.start_trial(
            free_member, plans["monthly"], actor=None, reason="", now=NOW + timedelta(days=2)
        )


def test_cancel_at_period_end_keeps_reading_until_then(paid_member):
    sub = Subscription.objects.get(user=paid_member)
    services.cancel(sub, actor=paid_member, reason="解約")
    sub.refresh_from_db()
    assert sub.cancel_at_period_end and sub.status == Subscription.Status.ACTIVE
    assert reader_for(paid_member, sub.current_period_end - timedelta(minutes=1)).kind == "paid"
    assert reader_for(paid_member, sub.current_period_end).kind == ReaderKind.FREE
    services.settle_due(sub.current_period_end)
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.CANCELED
    actions = list(AuditLog.objects.filter(subject=paid_member).values_list("action", flat=True))
    assert actions[:2] == ["subscription.canceled", "subscription.cancel_requested"]


def test_resume_takes_back_a_cancellation(paid_member):
    sub = Subscription.objects.get(user=paid_member)
    services.cancel(sub, actor=paid_member, reason="")
    services.resume(sub, actor=paid_member, reason="")
    sub.refresh_from_db()
    assert not sub.cancel_at_period_end
    with pytest.raises(MembershipError):
        services.resume(sub, actor=paid_member, reason="")


def test_manual_subscriptions_renew_at_period_end_with_a_receipt(paid_member):
    sub = Subscription.objects.get(user=paid_member)
    end = sub.current_period_end
    assert services.settle_due(end) == {"ended": 0, "renewed": 1}
    sub.refresh_from_db()
    assert sub.current_period_start == end and sub.current_period_end > end
    assert Receipt.objects.filter(subscription=sub).count() == 2


def test_renewal_with_the_same_payment_reference_applies_once(trialing_member):
    sub = Subscription.objects.get(user=trialing_member)
    services.renew(sub, actor=None, reason="", provider_reference="in_1")
    services.renew(sub, actor=None, reason="", provider_reference="in_1")
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.ACTIVE and sub.paid
    assert Receipt.objects.filter(subscription=sub).count() == 1


def test_past_due_keeps_access_through_the_grace_period_then_expires(paid_member, settings):
    settings.PAST_DUE_GRACE_DAYS = 7
    sub = services.mark_past_due(
        Subscription.objects.get(user=paid_member), actor=None, reason="支払い失敗"
    )
    end = sub.current_period_end
    assert reader_for(paid_member, end + timedelta(days=6)).kind == ReaderKind.PAID
    assert services.settle_due(end + timedelta(days=6)) == {"ended": 0, "renewed": 0}
    assert services.settle_due(end + timedelta(days=7)) == {"ended": 1, "renewed": 0}
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.EXPIRED


def test_the_campaign_names_the_button_and_without_one_it_is_a_plain_call(
    visitor, make, plans, parse_html
):
    article = make.article(access="paid")
    cta = parse_html(visitor.get(article.get_absolute_url())).one("aside", class_="paywall")
    assert "春割で無料体験する" in cta["text"]
    Campaign.objects.update(name="夏割", cta_text="夏割で無料体験する")
    cache.clear()
    assert "夏割で無料体験する" in visitor.get(article.get_absolute_url()).text
    Campaign.objects.all().delete()
    cache.clear()
    page = visitor.get(article.get_absolute_url()).text
    assert "無料体験する" not in page and "有料会員になる" in page


@pytest.mark.parametrize(
    "path",
    [
        "/admin/members/plan/",
        "/admin/members/campaign/",
        "/admin/members/campaign/add/",
        "/admin/members/subscription/",
        "/admin/members/receipt/",
        "/admin/members/auditlog/",
        "/admin/members/accesstoken/",
        "/admin/members/webhookevent/",
    ],
)
def test_operators_manage_membership_in_the_japanese_admin(path, client_for, paid_member, db):
    from shinbun.members.models import User

    operator = User.objects.create_superuser("operator@example.jp", "x")
    response = client_for(operator).get(path)
    assert response.status_code == 200
    assert 'lang="ja"' in response.text


def test_admin_cancel_action_goes_through_the_service(client_for, paid_member):
    from shinbun.members.models import User

    operator = User.objects.create_superuser("operator@example.jp", "x")
    sub = Subscription.objects.get(user=paid_member)
    response = client_for(operator).post(
        "/admin/members/subscription/",
        {"action": "cancel_now", "_selected_action": [sub.pk]},
    )
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.CANCELED
    log = AuditLog.objects.get(action="subscription.canceled")
    assert log.actor == operator and log.reason == "管理画面での操作"


def test_a_visitor_on_a_members_article_is_offered_free_registration(visitor, make, parse_html):
    article = make.article(access="members")
    paywall = parse_html(visitor.get(article.get_absolute_url())).one("aside", class_="paywall")
    assert "この記事は会員限定です" in paywall["text"] and "無料会員に登録する" in paywall["text"]
    paid = make.article(access="paid")
    paywall = parse_html(visitor.get(paid.get_absolute_url())).one("aside", class_="paywall")
    assert "無料会員に登録する" not in paywall["text"]


def test_the_member_admin_page_shows_the_subscription(client_for, paid_member):
    from shinbun.members.models import User

    operator = User.objects.create_superuser("operator@example.jp", "x")
    page = client_for(operator).get(f"/admin/members/user/{paid_member.pk}/change/")
    assert page.status_code == 200
    assert "月額プラン" in page.text and "有効" in page.text
