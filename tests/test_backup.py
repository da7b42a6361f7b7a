"""`shinbun backup` and `shinbun restore`: a copy taken while the site is writing, put
back into an empty place, holds every article, member and subscription; a restore never
goes over existing data."""

import subprocess
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from shinbun import cli
from shinbun.core import backup
from shinbun.members.models import Subscription, User
from shinbun.newsroom.models import Article
from tests.processes import SHINBUN, environment


def run_cli(*argv: str) -> int:
    with pytest.raises(SystemExit) as stop:
        cli.main(list(argv))
    return stop.value.code


def restore(file, env: dict, *extra: str) -> subprocess.CompletedProcess:
    command = [*SHINBUN, "restore", str(file), *extra]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


ROWS = {
    "articles": "SELECT id, headline, access, status FROM newsroom_article ORDER BY id",
    "members": "SELECT id, email FROM members_user ORDER BY id",
    "subscriptions": "SELECT id, user_id, status FROM members_subscription ORDER BY id",
}


@pytest.fixture
def site(make, paid_member, free_member) -> dict:
    make.article(access="paid")
    make.article(access="members")
    make.article(status="draft")
    return {
        "articles": list(
            Article.objects.order_by("id").values_list("id", "headline", "access", "status")
        ),
        "members": list(User.objects.order_by("id").values_list("id", "email")),
        "subscriptions": list(
            Subscription.objects.order_by("id").values_list("id", "user_id", "status")
        ),
    }


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backup API")
@pytest.mark.django_db(transaction=True)
def test_a_sqlite_backup_taken_while_the_site_writes_restores_everything(tmp_path, site):
    import sqlite3

    # Another process is in the middle of a write: the backup takes what was committed.
    writer = sqlite3.connect(connection.settings_dict["NAME"], timeout=5)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE newsroom_article SET headline = 'まだ確定していない見出し'")
    try:
        assert run_cli("backup", "--out", str(tmp_path / "site.sqlite3")) == 0
    finally:
        writer.rollback()
        writer.close()

    data = tmp_path / "restored"
    result = restore(tmp_path / "site.sqlite3", environment(data), "--data", str(data))
    assert result.returncode == 0, result.stderr
    restored = sqlite3.connect(data / "shinbun.sqlite3")
    for name, query in ROWS.items():
        assert [tuple(row) for row in restored.execute(query)] == site[name], name
    restored.close()

    again = restore(tmp_path / "site.sqlite3", environment(data), "--data", str(data))
    assert again.returncode == 1
    assert "は空ではありません。復元は空のフォルダにだけ行います。" in again.stderr


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump and pg_restore")
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_restores_into_an_empty_database(tmp_path, site):
    assert run_cli("backup", "--out", str(tmp_path / "site.pgdump")) == 0
    db = connection.settings_dict
    name = f"{db['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    url = f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"
    env = environment(tmp_path / "data")
    env["DATABASE_URL"] = url
    try:
        result = restore(tmp_path / "site.pgdump", env)
        assert result.returncode == 0, result.stderr
        with psycopg.connect(url) as restored:
            for table, query in ROWS.items():
                assert [tuple(row) for row in restored.execute(query)] == site[table], table
        again = restore(tmp_path / "site.pgdump", env)
        assert again.returncode == 1
        assert "は空ではありません。復元は表のないデータベースにだけ行います。" in again.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    data = tmp_path / "data"
    bogus = tmp_path / "notes.txt"
    bogus.write_text("これはバックアップではない")
    result = restore(bogus, environment(data), "--data", str(data))
    assert result.returncode == 1
    assert "は shinbun のバックアップ(SQLite または pg_dump)ではありません。" in result.stderr
    assert not (data / "shinbun.sqlite3").exists()


def test_a_backup_never_overwrites_a_file(tmp_path, db):
    existing = tmp_path / "old.sqlite3"
    existing.write_bytes(b"keep me")
    with pytest.raises(backup.BackupError, match="既にあります"):
        backup.backup(connection.settings_dict, existing)
    assert existing.read_bytes() == b"keep me"


def test_a_backup_of_the_other_engine_is_refused(tmp_path):
    dump = tmp_path / "site.pgdump"
    dump.write_bytes(b"PGDMP\x01\x0f")
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "db.sqlite3")}
    with pytest.raises(backup.BackupError, match="postgresql のものですが"):
        backup.restore(dump, sqlite, tmp_path)
