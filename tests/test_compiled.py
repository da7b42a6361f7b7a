"""Lookups compiled once (core/compiled.py) answer what the ORM answers, on each backend."""

from datetime import UTC, datetime, timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shinbun.core.compiled import CompiledQuery
from shinbun.members.backends import AuthenticationBackend, ModelBackend
from shinbun.members.models import User
from shinbun.members.sessions import CachedDatabaseSessionStore, DatabaseSessionStore
from shinbun.newsroom.models import Article, Correction


def published_states(pk, now):
    return Article.objects.published(now).filter(pk=pk).values_list("access", "modified")


def test_it_answers_what_the_queryset_answers_for_any_values(make):
    compiled = CompiledQuery(published_states, -987654321, datetime(1901, 1, 1, tzinfo=UTC))
    now = timezone.now()
    articles = [
        make.article(access="paid", published_at=now - timedelta(days=1)),
        make.article(access="free", status="scheduled", published_at=now + timedelta(hours=1)),
        make.article(access="members", status="draft", published_at=now - timedelta(days=2)),
    ]
    for article in articles:
        for moment in (now, now + timedelta(hours=2), now - timedelta(days=3)):
            expected = [list(row) for row in published_states(article.pk, moment)]
            assert compiled.rows(article.pk, moment) == expected
    assert compiled.first(articles[0].pk, now) == ["paid", articles[0].modified]
    assert compiled.first(10**9, now) is None


def test_model_querysets_give_model_instances(free_member):
    compiled = CompiledQuery(lambda pk: User.objects.filter(pk=pk), -987654321)
    user = compiled.first(free_member.pk)
    assert isinstance(user, User)
    assert (user.pk, user.email, user.date_joined, user.is_active) == (
        free_member.pk,
        free_member.email,
        User.objects.get(pk=free_member.pk).date_joined,
        True,
    )
    assert not user._state.adding


def test_a_sample_missing_from_the_parameters_is_refused(db):
    missing = CompiledQuery(lambda pk: Article.objects.filter(pk=1), -5)
    with pytest.raises(ValueError):
        missing.rows(1)


@pytest.mark.parametrize("store", [DatabaseSessionStore, CachedDatabaseSessionStore])
def test_session_stores_load_live_sessions_only(db, store):
    session = store()
    session["who"] = "読者"
    session.save()
    key = session.session_key
    assert store(key).load() == {"who": "読者"}

    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    cache.clear()  # nothing left in a cache in front
    stale = store(key)
    assert stale.load() == {}
    assert stale.session_key is None  # an unknown key is never reused
    assert store("no-such-session-key-0000000000").load() == {}


@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_backends_get_active_users_only(free_member, backend):
    assert backend().get_user(free_member.pk) == free_member
    assert backend().get_user(str(free_member.pk)) == free_member
    for bad in ("abc", None, "1; DROP TABLE"):
        assert backend().get_user(bad) is None
    User.objects.filter(pk=free_member.pk).update(is_active=False)
    assert backend().get_user(free_member.pk) is None


def test_a_logged_in_request_finds_its_user(client, free_member):
    client.force_login(free_member)
    request = HttpRequest()

    request.session = import_module(settings.SESSION_ENGINE).SessionStore(
        client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    assert get_user(request) == free_member
    free_member.set_password("新しいパスワード12345")
    free_member.save()
    assert get_user(request).is_anonymous  # a password change ends other sessions


def test_sessions_read_across_engines_and_from_djangos(db):
    from django.contrib.sessions.backends.db import SessionStore as DjangoStore

    for writer in (DjangoStore, DatabaseSessionStore, CachedDatabaseSessionStore):
        session = writer()
        session["n"] = 1
        session.save()
        for reader in (DjangoStore, DatabaseSessionStore, CachedDatabaseSessionStore):
            cache.clear()
            assert reader(session.session_key).load() == {"n": 1}, (writer, reader)


def test_remembered_decoding_hands_out_copies(db):
    session = DatabaseSessionStore()
    session["who"] = "読者"
    session.save()
    first = DatabaseSessionStore(session.session_key)
    first["who"] = "書き換え"
    assert DatabaseSessionStore(session.session_key)["who"] == "読者"
    nested = DatabaseSessionStore()
    nested["list"] = [1]
    nested.save()
    DatabaseSessionStore(nested.session_key)["list"].append(2)
    assert DatabaseSessionStore(nested.session_key)["list"] == [1]


def test_select_related_sets_the_related_instance_as_the_orm_does(make):
    """One level of select_related (search results and their section), also when a
    page's keys are fewer than the compiled query's: the rest is padded."""
    first = make.article(headline="一つ目")
    second = make.article(headline="二つ目")

    def build(pk_a, pk_b):
        return (
            Article.objects.filter(pk__in=[pk_a, pk_b])
            .select_related("section", "series")
            .only("headline", "section__name", "series__name")
            .order_by("pk")
        )

    compiled = CompiledQuery(build, -987654321, -987654322)
    got = compiled.rows(first.pk, second.pk)
    expected = list(build(first.pk, second.pk))
    assert [(a.pk, a.headline, a.section.pk, a.section.name, a.series) for a in got] == [
        (a.pk, a.headline, a.section.pk, a.section.name, None) for a in expected
    ]
    with CaptureQueriesContext(connection) as queries:
        assert got[0].section.name == first.section.name  # no query: it came with the row
    assert not queries.captured_queries
    assert [a.pk for a in compiled.rows(second.pk, -1)] == [second.pk]
    assert "section" not in got[0].get_deferred_fields() and "lead" in got[0].get_deferred_fields()


def test_rows_of_one_related_object_share_its_instance_within_one_call(make):
    """A result page's articles of one section get one Section instance (as
    prefetch_related shares them), made again on the next call, which sees a rename."""
    politics, sports = make.section(name="政治"), make.section(name="スポーツ")
    made = [make.article(section=politics), make.article(section=sports)]
    made.append(make.article(section=politics))

    def build(pk_a, pk_b, pk_c):
        return (
            Article.objects.filter(pk__in=[pk_a, pk_b, pk_c])
            .select_related("section")
            .only("headline", "section__name")
            .order_by("pk")
        )

    compiled = CompiledQuery(build, -987654321, -987654322, -987654323)
    first, second, third = compiled.rows(*(a.pk for a in made))
    assert first.section is third.section and first.section is not second.section
    assert [a.section.name for a in (first, second, third)] == ["政治", "スポーツ", "政治"]
    politics.name = "政治・行政"
    politics.save()
    again = compiled.rows(*(a.pk for a in made))
    assert again[0].section is not first.section
    assert [a.section.name for a in again] == ["政治・行政", "スポーツ", "政治・行政"]


def test_nested_select_related_is_refused(db):
    nested = CompiledQuery(
        lambda pk: Correction.objects.filter(pk=pk).select_related("article__section"),
        -987654321,
    )
    with pytest.raises(ValueError):
        nested.rows(1)


def _summaries(pk_a, pk_b):
    return (
        Article.objects.filter(pk__in=[pk_a, pk_b])
        .select_related("section")
        .only("headline", "published_at", "section__name")
        .order_by("pk")
    )


def test_instances_are_what_from_db_makes(make):
    """Instances are made without Model.__init__ (core/compiled.py, _builder): the same
    values, state and deferred fields, and they load, save and compare as the ORM's."""
    articles = [make.article(headline="一つ目"), make.article(headline="二つ目")]
    compiled = CompiledQuery(_summaries, -987654321, -987654322)
    got = compiled.rows(*(a.pk for a in articles))
    expected = list(_summaries(*(a.pk for a in articles)))

    def values(instance):
        return {k: v for k, v in vars(instance).items() if k != "_state"}

    for mine, theirs in zip(got, expected, strict=True):
        assert values(mine) == values(theirs) and mine == theirs
        assert values(mine.section) == values(theirs.section)
        assert (mine._state.adding, mine._state.db) == (False, "default")
        assert mine.get_deferred_fields() == theirs.get_deferred_fields()
    got[0].headline = "直した見出し"
    got[0].save(update_fields=["headline"])
    assert Article.objects.get(pk=articles[0].pk).headline == "直した見出し"
    assert got[1].lead == articles[1].lead  # a deferred field, loaded on access


def test_model_init_receivers_still_see_every_instance(make):
    from django.db.models.signals import post_init

    articles = [make.article(), make.article()]
    compiled = CompiledQuery(_summaries, -987654321, -987654322)
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append((sender, instance.pk))

    post_init.connect(receiver, sender=Article)
    try:
        got = compiled.rows(*(a.pk for a in articles))
    finally:
        post_init.disconnect(receiver, sender=Article)
    assert seen == [(Article, a.pk) for a in got]


@pytest.mark.parametrize(
    "stored",
    [
        "2026-11-28 02:05:00",
        "2026-11-28 02:05:00.123456",
        "2026-11-28T02:05:00+09:00",
        "2026-11-28 2:05:00",  # fromisoformat refuses it; Django's regular expression reads it
        None,
        datetime(2026, 11, 28, 2, 5, 0, 123456),  # as the driver hands them out, parsed
        datetime(2026, 11, 28, 2, 5, tzinfo=UTC),
    ],
)
def test_sqlite_datetimes_are_read_as_djangos_converter_reads_them(db, stored):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite stores datetimes as text")
    from shinbun.core.compiled import _faster

    django = connection.ops.convert_datetimefield_value
    faster = _faster(connection, django)
    assert faster is not django
    field = Article._meta.get_field("published_at")
    got = faster(stored, field, connection)
    expected = django(stored, field, connection)
    assert got == expected
    assert got is None or (got.utcoffset(), got.tzinfo) == (expected.utcoffset(), expected.tzinfo)
