"""The monthly meter: free members read N paid articles a calendar month (Japan time)."""

from datetime import datetime

import pytest
from django.core.cache import cache

from shinbun.core.timefmt import JST
from shinbun.members import entitlements
from shinbun.members.entitlements import Reason, open_article, reader_for
from shinbun.members.models import MeteredRead
from tests.concurrency import at_once
from tests.conftest import BODY_MARKER


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.METER_LIMIT = 3


def test_a_free_member_reads_the_limit_then_the_lead(free_member, make, client_for):
    client = client_for(free_member)
    articles = [make.article(access="paid") for _ in range(4)]
    for n, article in enumerate(articles[:3], start=1):
        page = client.get(article.get_absolute_url())
        assert BODY_MARKER in page.text
        left = f"あと{3 - n}本です。" if n < 3 else "この記事が最後です。"
        assert page.text.count(left) == 2  # near the top and at the end of the article
        assert "あと0本" not in page.text
    page = client.get(articles[3].get_absolute_url())
    assert BODY_MARKER not in page.text
    assert "有料会員限定記事(3本)をすべてお読みになりました。" in page.text
    api = client.get(f"/api/v1/articles/{articles[3].pk}").json()
    assert api["full_text"] is False and api["access_reason"] == "meter_exhausted"
    assert BODY_MARKER not in str(api)
    assert MeteredRead.objects.filter(user=free_member).count() == 3


def test_rereading_a_counted_article_does_not_count_again(free_member, make, client_for):
    client = client_for(free_member)
    article = make.article(access="paid")
    for url in (article.get_absolute_url(), f"/articles/{article.pk}/print/"):
        for _ in range(3):
            assert BODY_MARKER in client.get(url).text
    assert client.get(f"/api/v1/articles/{article.pk}").json()["full_text"] is True
    assert MeteredRead.objects.filter(user=free_member).count() == 1
    # Still readable when the rest of the month's reads are used up.
    for other in [make.article(access="paid") for _ in range(2)]:
        client.get(other.get_absolute_url())
    assert BODY_MARKER in client.get(article.get_absolute_url()).text


def test_free_and_members_articles_never_use_the_meter(free_member, make, client_for):
    client = client_for(free_member)
    for access in ("free", "members"):
        client.get(make.article(access=access).get_absolute_url())
    assert not MeteredRead.objects.exists()


def test_the_meter_restarts_on_the_first_of_the_month_in_japan_time(free_member, make):
    reader = reader_for(free_member)
    articles = [make.article(access="paid") for _ in range(4)]
    march_end = datetime(2026, 3, 31, 23, 59, tzinfo=JST)  # 14:59 UTC, still March in Japan
    for article in articles[:3]:
        assert open_article(reader, article, march_end).full_text
    assert open_article(reader, articles[3], march_end).reason == Reason.METER_EXHAUSTED
    april_first = datetime(2026, 4, 1, 0, 0, tzinfo=JST)  # 15:00 UTC on 31 March
    decision = open_article(reader, articles[3], april_first)
    assert decision.full_text and decision.meter.remaining == 2


def test_paid_and_editors_never_use_the_meter(paid_member, editor, make):
    article = make.article(access="paid")
    for user in (paid_member, editor):
        assert open_article(reader_for(user), article).reason in (Reason.PAID_MEMBER, Reason.EDITOR)
    assert not MeteredRead.objects.exists()


@pytest.mark.parametrize("history", [0, 2, 40])
def test_the_decision_costs_the_same_queries_whatever_the_history(
    history, free_member, make, settings, django_assert_num_queries
):
    settings.METER_LIMIT = 100
    now = datetime(2026, 5, 20, 12, 0, tzinfo=JST)
    for _ in range(history):
        open_article(reader_for(free_member), make.article(access="paid"), now)
    fresh = make.article(access="paid")
    free_member = type(free_member).objects.get(pk=free_member.pk)  # no cached reader
    cache.clear()  # nor cached subscription state (entitlements.subscription_state)
    # subscription, meter, the meter's limit; then the counting transaction: lock, meter,
    # insert (+ two savepoints, each opened and released, inside the test's transaction)
    with django_assert_num_queries(10):
        reader = reader_for(free_member, now)
        assert open_article(reader, fresh, now).reason == Reason.METER
    with django_assert_num_queries(1):  # a counted article: only the meter
        assert open_article(reader, fresh, now).full_text


def _read_concurrently(user, articles) -> list[bool]:
    reader = reader_for(user)
    return at_once(*(lambda a=a: open_article(reader, a).full_text for a in articles))


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_reads_of_the_last_article_count_once(free_member, make):
    for _ in range(2):
        open_article(reader_for(free_member), make.article(access="paid"))
    last = make.article(access="paid")
    assert _read_concurrently(free_member, [last, last]) == [True, True]
    assert MeteredRead.objects.filter(user=free_member).count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_reads_never_let_one_past_the_limit(free_member, make):
    for _ in range(2):
        open_article(reader_for(free_member), make.article(access="paid"))
    candidates = [make.article(access="paid") for _ in range(4)]
    results = _read_concurrently(free_member, candidates)
    assert results.count(True) == 1
    assert MeteredRead.objects.filter(user=free_member).count() == 3


def test_newsletter_unlock_hook_grants_nothing_yet(free_member, make):
    article = make.article(access="paid", newsletter_unlock=True)
    assert entitlements.newsletter_unlocked(reader_for(free_member), article) is False
    assert entitlements.decide(entitlements.VISITOR, "paid", unlocked=True).reason == (
        Reason.NEWSLETTER_UNLOCK
    )


@pytest.mark.parametrize("page_cache_seconds", [60, 0])  # the member variant, the full render
@pytest.mark.parametrize("path", ["/articles/{pk}/", "/articles/{pk}/print/"])
def test_only_a_real_read_spends_the_meter(
    free_member, make, client_for, settings, page_cache_seconds, path
):
    settings.PAGE_CACHE_SECONDS = page_cache_seconds
    client = client_for(free_member)
    article = make.article(access="paid")
    url = path.format(pk=article.pk)
    assert client.head(url).status_code == 200
    for header in (
        {"Sec-Purpose": "prefetch"},
        {"Sec-Purpose": "prefetch;prerender"},
        {"Purpose": "prefetch"},
        {"X-Moz": "prefetch"},
    ):
        prefetched = client.get(url, headers=header)
        # Refused, so the browser asks again when the reader opens the page.
        assert prefetched.status_code == 503
        assert "no-store" in prefetched["Cache-Control"]
        assert BODY_MARKER not in prefetched.text
    assert MeteredRead.objects.filter(user=free_member).count() == 0
    read = client.get(url)
    assert BODY_MARKER in read.text
    assert MeteredRead.objects.filter(user=free_member).count() == 1
    # Once counted, a prefetch of the same article is an ordinary page.
    again = client.get(url, headers={"Sec-Purpose": "prefetch"})
    assert again.status_code == 200 and BODY_MARKER in again.text
    assert MeteredRead.objects.filter(user=free_member).count() == 1


def test_a_prefetch_of_an_open_article_is_served(paid_member, visitor, make, client_for):
    article = make.article(access="paid")
    page = client_for(paid_member).get(
        article.get_absolute_url(), headers={"Sec-Purpose": "prefetch"}
    )
    assert page.status_code == 200 and BODY_MARKER in page.text
    assert (
        visitor.get(article.get_absolute_url(), headers={"Purpose": "prefetch"}).status_code == 200
    )


def test_the_operator_sets_the_meter_in_the_admin(client_for, operator, editor, free_member, make):
    """The allowance starts from SHINBUN_METER_LIMIT; the operator's setting applies to
    the next page a free member opens (their page variants are keyed by it), audited."""
    from shinbun.members.models import AuditLog, MeterSetting

    client = client_for(free_member)
    first, second = make.article(access="paid"), make.article(access="paid")
    assert "あと2本です。" in client.get(first.get_absolute_url()).text

    admin = client_for(operator)
    opened = admin.get("/admin/members/metersetting/")
    assert opened.status_code == 302 and opened.url == "/admin/members/metersetting/add/"
    form = admin.get(opened.url)
    assert 'name="limit" value="3"' in form.text  # today's allowance, from the environment
    for bad in ("-1", "1001", "たくさん"):
        refused = admin.post("/admin/members/metersetting/add/", {"limit": bad})
        assert refused.status_code == 200 and not MeterSetting.objects.exists(), bad
    saved = admin.post("/admin/members/metersetting/add/", {"limit": "1"})
    assert saved.status_code == 302
    assert admin.get("/admin/members/metersetting/").url == (
        "/admin/members/metersetting/1/change/"
    )
    assert admin.get("/admin/members/metersetting/1/delete/").status_code == 403
    changed = AuditLog.objects.get(action="members.meter_limit_changed")
    assert changed.actor == operator and changed.detail == {"limit": 1, "previous": 3}

    # The first article was this month's one read: the second is closed at once.
    assert BODY_MARKER in client.get(first.get_absolute_url()).text
    page = client.get(second.get_absolute_url())
    assert BODY_MARKER not in page.text
    assert "有料会員限定記事(1本)をすべてお読みになりました。" in page.text
    assert client.get("/api/v1/me").json()["meter"]["limit"] == 1

    assert client_for(editor).get("/admin/members/metersetting/").status_code == 403
