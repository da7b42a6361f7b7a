"""Member article pages from the variant cache (core/variantcache.py).

Readers load the same article in turn, in both languages, twice over (the second pass
is served from the cached variants), and each must see their own name, meter, gates and
body and nothing of anyone else's. Changes to a subscription or to the article show on
the very next request. Query counts of a cached member page are pinned.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from shinbun.core.variantcache import slot
from shinbun.members import services
from shinbun.members.demo import make_paid
from shinbun.members.entitlements import ReaderKind, meter_month, reader_for
from shinbun.members.models import MeteredRead, Subscription, User
from shinbun.newsroom import publishing
from shinbun.newsroom.models import Article
from tests.conftest import BODY_MARKER, PASSWORD

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
WHO = re.compile(r'<a class="who" href="[^"]*">([^<]*)</a>')
METER_LEFT = re.compile(r"あと(\d+)本")
ENGLISH_METER_LEFT = re.compile(r"(\d+) more")


@pytest.fixture
def readers(
    free_member,
    metered_out_member,
    paid_member,
    trialing_member,
    expert,
    editor,
    plans,
    make,
):
    """Every reader kind, plus a second free member with another meter."""
    other_free = User.objects.create_user("free2@example.jp", PASSWORD, display_name="無料 五郎")
    now = timezone.now()
    MeteredRead.objects.bulk_create(
        MeteredRead(
            user=other_free,
            article=make.article(access="paid"),
            month=meter_month(now),
            read_at=now,
        )
        for _ in range(3)
    )
    # and a reader for the same variant as "paid" and "free" (same kind, same meter)
    paid_too = User.objects.create_user("paid2@example.jp", PASSWORD, display_name="有料 六子")
    make_paid(paid_too, plans["monthly"])
    free_too = User.objects.create_user("free3@example.jp", PASSWORD, display_name="無料 七郎")
    return {
        "visitor": None,
        "free": free_member,
        "free_too": free_too,
        "free_other": other_free,
        "metered_out": metered_out_member,
        "paid": paid_member,
        "paid_too": paid_too,
        "trialing": trialing_member,
        "expert": expert,
        "editor": editor,
    }


def client_of(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


# What each reader must be shown of a paid article (limit 10): full text, meter left.
EXPECTED = {
    "visitor": (False, None),
    "free": (True, 9),
    "free_too": (True, 9),
    "free_other": (True, 6),
    "metered_out": (False, None),
    "paid": (True, None),
    "paid_too": (True, None),
    "trialing": (True, None),
    "expert": (True, 9),
    "editor": (True, None),
}


def check_page(name, user, response, users, prefix):
    html = response.content.decode()
    assert response.status_code == 200, name
    assert "shinbunslot" not in html and slot("name") not in html
    full_text, left = EXPECTED[name]
    assert (BODY_MARKER in html) is full_text, name
    meter = re.findall(r'<p class="meter-note"[^>]*>(.*?)</p>', html)
    if left is None:
        assert not METER_LEFT.search(html) and not re.search(r"\d+ more", html), name
    else:
        assert len(meter) == 1, name
        pattern = ENGLISH_METER_LEFT if prefix else METER_LEFT
        assert pattern.search(meter[0]).group(1) == str(left), (name, meter)
    if name == "metered_out":
        assert 'class="paywall"' in html
    # Names: one's own in the account area, nobody else's anywhere.
    others = [u.get_short_name() for key, u in users.items() if u is not None and key != name]
    for other in others:
        assert other not in html, (name, other)
    if user is None:
        assert not WHO.search(html) and not TOKEN.search(html)
        return
    assert WHO.findall(html) == [user.get_short_name()], name
    assert "private" in response["Cache-Control"]
    # Buttons for paid readers; the paid-only texts for everyone else.
    paid_reader = name in ("paid", "paid_too", "trialing")
    assert ('class="follow-panel"' in html) is paid_reader, name
    assert ("gate gate-follow" in html) is not paid_reader, name


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_readers_in_turn_see_only_their_own_page(readers, make, prefix, settings):
    settings.METER_LIMIT = 10
    article = make.article(access="paid", body_source=f"{BODY_MARKER}。\n\n二段落目。")
    url = prefix + article.get_absolute_url()
    clients = {name: client_of(user) for name, user in readers.items()}
    tokens = {}
    for _round in range(2):  # the second round comes from the cached variants
        for name, user in readers.items():
            response = clients[name].get(url)
            check_page(name, user, response, readers, prefix)
            if user is not None:
                tokens.setdefault(name, set()).add(TOKEN.search(response.content.decode())[1])
    # Each reader's CSRF token is their own: a logout posted with it goes through (a token
    # of someone else's session would be refused with 403).
    for name in ("paid_too", "free_too"):
        client = clients[name]
        response = client.post("/accounts/logout/", {"csrfmiddlewaretoken": tokens[name].pop()})
        assert response.status_code == 302, name
        assert SESSION_KEY not in client.session
    # The meter counted the article once per free reader, whatever the number of loads.
    assert MeteredRead.objects.filter(article=article).count() == 4  # 3 free ones, expert


def test_member_article_of_each_access_level(readers, make):
    """Free and members articles too: members and paid readers get the full text,
    visitors the lead of a members article; the gates follow the reader's kind."""
    for access, visitor_full in (("free", True), ("members", False)):
        article = make.article(access=access)
        for _ in range(2):
            for name, user in readers.items():
                html = client_of(user).get(article.get_absolute_url()).content.decode()
                full = visitor_full if user is None else True
                assert (BODY_MARKER in html) is full, (access, name)
                assert not METER_LEFT.search(html), (access, name)
                paid_reader = name in ("paid", "paid_too", "trialing")
                assert ("member-action save-article" in html) is paid_reader, (access, name)


def test_a_subscription_change_shows_on_the_next_request(
    paid_member, free_member, plans, make, settings
):
    settings.METER_LIMIT = 0  # a free member gets the lead of a paid article
    article = make.article(access="paid")
    paid = client_of(paid_member)
    assert BODY_MARKER in paid.get(article.get_absolute_url()).content.decode()
    subscription = Subscription.objects.get(user=paid_member)
    now = timezone.now()
    services.cancel(subscription, actor=paid_member, reason="テスト", now=now)
    # cancelled at period end: still reading
    assert BODY_MARKER in paid.get(article.get_absolute_url()).content.decode()
    services.expire(subscription, actor=None, reason="テスト", now=now)
    html = paid.get(article.get_absolute_url()).content.decode()
    assert BODY_MARKER not in html and 'class="paywall"' in html
    assert "member-action save-article" not in html

    free = client_of(free_member)
    html = free.get(article.get_absolute_url()).content.decode()
    assert BODY_MARKER not in html and "member-action save-article" not in html
    services.start_trial(free_member, plans["monthly"], actor=free_member, reason="テスト")
    html = free.get(article.get_absolute_url()).content.decode()
    assert BODY_MARKER in html and not METER_LEFT.search(html)
    assert "member-action save-article" in html


def test_a_period_that_ends_ends_access_without_a_change(paid_member, django_assert_num_queries):
    """The cached subscription state holds the period, not the decision: the moment is
    applied on every request."""
    subscription = Subscription.objects.get(user=paid_member)
    services.cancel(subscription, actor=paid_member, reason="テスト")
    assert reader_for(paid_member).kind == ReaderKind.PAID  # fills the cache
    later = subscription.current_period_end + timedelta(seconds=1)
    user = User.objects.get(pk=paid_member.pk)
    with django_assert_num_queries(0):
        assert reader_for(user, later).kind == ReaderKind.FREE


def test_article_changes_show_to_members_at_once(paid_member, free_member, make):
    article = make.article(access="paid")
    url = article.get_absolute_url()
    clients = [client_of(paid_member), client_of(free_member)]
    for client in clients:
        assert "訂正のお知らせ本文" not in client.get(url).content.decode()
    publishing.correct(article, "訂正のお知らせ本文")
    for client in clients:
        assert "訂正のお知らせ本文" in client.get(url).content.decode()
    article.headline = "差し替えた見出し"
    article.save()
    for client in clients:
        assert "差し替えた見出し" in client.get(url).content.decode()
    publishing.unpublish(article)
    for client in clients:
        assert client.get(url).status_code == 404


def test_logout_and_deletion_end_the_cached_session(paid_member, make):
    article = make.article(access="paid")
    client = client_of(paid_member)
    html = client.get(article.get_absolute_url()).content.decode()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post("/accounts/logout/", {"csrfmiddlewaretoken": TOKEN.search(html)[1]})
    stale = Client()
    stale.cookies[settings.SESSION_COOKIE_NAME] = cookie
    html = stale.get(article.get_absolute_url()).content.decode()
    assert BODY_MARKER not in html and not WHO.search(html)


def test_editors_get_the_full_render_and_previews(editor, make):
    draft = make.article(access="paid", status="draft")
    html = client_of(editor).get(draft.get_absolute_url()).content.decode()
    assert BODY_MARKER in html and "preview-banner" in html and "編集局" in html


@pytest.mark.parametrize(
    ("reader", "access"),
    [
        ("paid_member", "paid"),
        ("trialing_member", "paid"),
        ("free_member", "free"),
        ("free_member", "paid"),
        ("metered_out_member", "paid"),
        ("expert", "paid"),
    ],
)
def test_cached_member_page_query_counts(request, reader, access, make, django_assert_num_queries):
    """One query, the user's: the session, the subscription's state, the article's
    access and version and the meter come from the shared cache."""
    user = request.getfixturevalue(reader)
    # history does not change the count
    for _ in range(5):
        client_of(user).get(make.article(access="paid").get_absolute_url())
    article = make.article(access=access)
    client = client_of(user)
    client.get(article.get_absolute_url())  # renders the variant, counts the read
    client.get(article.get_absolute_url())  # the counted meter is read again
    with django_assert_num_queries(1):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200


def test_members_get_what_published_shows(paid_member, make):
    """The member page's own visibility lookup follows Article.objects.published()."""
    now = timezone.now()
    client = client_of(paid_member)
    for status, at, code in (
        ("draft", now - timedelta(hours=1), 404),
        ("scheduled", now + timedelta(hours=1), 404),
        ("scheduled", now - timedelta(minutes=1), 200),
        ("published", now + timedelta(hours=1), 404),
        ("published", now - timedelta(minutes=1), 200),
    ):
        article = make.article(status=status, published_at=at)
        assert client.get(article.get_absolute_url()).status_code == code, (status, at)


def test_a_scheduled_article_shows_to_members_the_moment_its_time_comes(paid_member, make):
    article = make.article(access="paid", status="scheduled", published_at=timezone.now())
    url = article.get_absolute_url()
    client = client_of(paid_member)
    with time_machine.travel(article.published_at - timedelta(seconds=1), tick=False):
        assert client.get(url).status_code == 404
    with time_machine.travel(article.published_at, tick=False):
        assert client.get(url).status_code == 200


def test_the_page_cache_ttl_bounds_a_change_made_without_signals(paid_member, make, settings):
    """A bulk update (no signals, as a script's) shows to members as soon as the page
    cache's copies lapse, as it does to visitors."""
    article = make.article(access="paid")
    url = article.get_absolute_url()
    client = client_of(paid_member)
    assert client.get(url).status_code == 200
    Article.objects.filter(pk=article.pk).update(status="draft")
    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.PAGE_CACHE_SECONDS + 1), tick=False
    ):
        assert client.get(url).status_code == 404


def test_a_new_secret_key_never_serves_a_variant_with_unfilled_slots(paid_member, make, settings):
    """The slots are derived from SECRET_KEY: after a rotation (the old key a fallback, so
    the reader stays logged in), a variant kept under the old key is not served."""
    url = make.article(access="paid").get_absolute_url()
    client = client_of(paid_member)
    assert WHO.findall(client.get(url).content.decode()) == [paid_member.get_short_name()]
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-rotated-secret-key-" + "x" * 40
    slot.cache_clear()
    try:
        html = client.get(url).content.decode()
    finally:
        slot.cache_clear()
    assert "shinbunslot" not in html
    assert WHO.findall(html) == [paid_member.get_short_name()]
