"""A busy database never turns a read into a 500: API calls mostly write nothing, the
token's last use is bookkeeping that may be skipped, and a write that cannot wait any
longer (SQLite's `database is locked`) is a 503 page with Retry-After."""

import sqlite3
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.db.backends.signals import connection_created
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shinbun.members import tokens
from shinbun.members.models import AccessToken, MeteredRead

WRITES = ("INSERT", "UPDATE", "DELETE")


def writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith(WRITES)]


def test_api_calls_within_minutes_of_each_other_write_nothing(free_member, make):
    token, raw = tokens.create_token(free_member, "アプリ")
    app = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    article = make.article(access="free")
    first = timezone.now()
    with time_machine.travel(first, tick=False):
        assert app.get("/api/v1/me").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first

    soon = first + timedelta(minutes=4)
    with time_machine.travel(soon, tick=False), CaptureQueriesContext(connection) as queries:
        assert app.get("/api/v1/me").status_code == 200
        assert app.get(f"/api/v1/articles/{article.pk}").status_code == 200
    assert writes(queries) == []
    token.refresh_from_db()
    assert token.last_used_at == first

    later = first + timedelta(minutes=6)
    with time_machine.travel(later, tick=False):
        assert app.get("/api/v1/me").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == later


def test_a_token_touched_meanwhile_by_another_call_is_not_written_again(free_member):
    token, _raw = tokens.create_token(free_member, "アプリ")
    now = timezone.now()
    stale_copy = AccessToken.objects.get(pk=token.pk)
    tokens.touch(token, now=now)
    tokens.touch(stale_copy, now=now + timedelta(seconds=1))  # read before the first touch
    assert AccessToken.objects.get(pk=token.pk).last_used_at == now


# A second connection holding SQLite's write lock ---------------------------------------

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's database-wide write lock"
)


@pytest.fixture
def short_busy_timeout():
    def shorten(sender, connection, **kwargs):
        if connection.vendor == "sqlite":
            connection.cursor().execute("PRAGMA busy_timeout = 100")

    connection_created.connect(shorten)
    connection.close()
    yield
    connection_created.disconnect(shorten)
    connection.close()


@contextmanager
def write_lock_held():
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_metered_read_under_a_held_write_lock_is_a_503(
    short_busy_timeout, client_for, free_member, make
):
    article = make.article(access="paid")
    reader = client_for(free_member)
    with write_lock_held():
        response = reader.get(article.get_absolute_url())
    assert response.status_code == 503
    assert "混み合っています" in response.text
    assert response["Retry-After"] == "5"
    assert MeteredRead.objects.count() == 0
    # Once the lock is gone the same read goes through and counts.
    assert reader.get(article.get_absolute_url()).status_code == 200
    assert MeteredRead.objects.count() == 1


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_an_api_call_under_a_held_write_lock_still_answers(short_busy_timeout, free_member):
    token, raw = tokens.create_token(free_member, "アプリ")
    AccessToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(hours=1))
    with write_lock_held():
        response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me")
    assert response.status_code == 200
