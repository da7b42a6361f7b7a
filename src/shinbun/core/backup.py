"""A consistent copy of the live database, and putting one back (`shinbun backup|restore`).

SQLite: the sqlite3 backup API copies the database under one read snapshot; in WAL mode
the site's writers go on meanwhile, and the copy holds exactly what was committed when
it began. PostgreSQL: pg_dump's custom format (itself one snapshot), read back by
pg_restore. A restore goes only into an empty place: a data folder with nothing in it
(SQLite) or a database without tables (PostgreSQL), so it never mixes with live data.

Files under the data folder's media/ (figure images) are not in the database: copy
them beside the backup (see docs/OPERATIONS.md).
"""

import os
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"


class BackupError(Exception):
    """Refused or failed; the message is for the operator, in Japanese."""


def _engine(database: dict) -> str:
    engine = database["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        return "sqlite"
    if engine.startswith("django.db.backends.postgresql"):
        return "postgresql"
    raise BackupError(f"このデータベース({engine})のバックアップには対応していません。")


def default_name(database: dict, now: datetime) -> Path:
    suffix = "sqlite3" if _engine(database) == "sqlite" else "pgdump"
    return Path(f"shinbun-{now:%Y%m%d-%H%M%S}.{suffix}")


def _pg_environment(database: dict) -> dict:
    """libpq's variables, so that no password appears on a command line."""
    env = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if database.get(key):
            env[variable] = str(database[key])
    if (database.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = database["OPTIONS"]["sslmode"]
    return env


def _run(command: list[str], env: dict, what: str) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} が見つかりません(PostgreSQL のクライアントが必要です)。"
        ) from None
    if result.returncode != 0:
        raise BackupError(f"{what}に失敗しました: {result.stderr.strip()[-2000:]}")


def backup(database: dict, out: Path) -> Path:
    """Write a consistent copy of the live database to `out` (which must not exist)."""
    out = Path(out)
    if out.exists():
        raise BackupError(f"{out} は既にあります。別の名前を指定してください。")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if _engine(database) == "sqlite":
            _sqlite_backup(Path(database["NAME"]), partial)
        else:
            _run(
                ["pg_dump", "--format=custom", f"--file={partial}"],
                _pg_environment(database),
                "pg_dump",
            )
        partial.rename(out)
    finally:
        partial.unlink(missing_ok=True)
    return out


def _sqlite_copy(source: sqlite3.Connection, target: Path, journal_mode: str) -> None:
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute(f"PRAGMA journal_mode={journal_mode}")
    finally:
        copy.close()


def _sqlite_backup(name: Path, out: Path) -> None:
    if not name.is_file():
        raise BackupError(f"データベース {name} がありません。")
    source = sqlite3.connect(name, timeout=30)
    try:
        _sqlite_copy(source, out, "DELETE")  # one self-contained file, no -wal beside it
    finally:
        source.close()


def kind_of(path: Path) -> str:
    """Which engine made the backup, "sqlite" or "postgresql", from its first bytes."""
    try:
        with Path(path).open("rb") as file:
            head = file.read(len(SQLITE_HEADER))
    except OSError as error:
        raise BackupError(f"{path} を読めません: {error.strerror}") from None
    if head.startswith(SQLITE_HEADER):
        return "sqlite"
    if head.startswith(PG_DUMP_HEADER):
        return "postgresql"
    raise BackupError(f"{path} は shinbun のバックアップ(SQLite または pg_dump)ではありません。")


def restore(path: Path, database: dict, data_dir: Path, table_names=None) -> str:
    """Put a backup into the configured database, which must be empty. `table_names`
    lists the configured PostgreSQL database's tables (to tell that it is empty)."""
    kind = kind_of(path)
    engine = _engine(database)
    if kind != engine:
        raise BackupError(
            f"このバックアップは {kind} のものですが、設定されたデータベースは {engine} です。"
        )
    if kind == "sqlite":
        target = Path(database["NAME"])
        if target.exists() or (data_dir.is_dir() and any(data_dir.iterdir())):
            raise BackupError(
                f"データフォルダ {data_dir} は空ではありません。復元は空のフォルダにだけ行います。"
            )
        _sqlite_restore(Path(path), target)
        return str(target)
    if table_names():
        raise BackupError(
            f"データベース {database['NAME']} は空ではありません。"
            "復元は表のないデータベースにだけ行います。"
        )
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            f"--dbname={database['NAME']}",
            str(path),
        ],
        _pg_environment(database),
        "pg_restore",
    )
    return database["NAME"]


def _sqlite_restore(path: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{path} は壊れています(integrity_check)。")
        _sqlite_copy(source, target, "WAL")
    except sqlite3.DatabaseError as error:
        target.unlink(missing_ok=True)
        raise BackupError(f"{path} を復元できません: {error}") from None
    finally:
        source.close()
