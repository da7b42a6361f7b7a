"""The `shinbun` command: demo, serve, worker, import, backup, restore, export, manage."""

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path

from shinbun.supervisor import Child, supervise


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shinbun.settings")
    import django

    django.setup()


def _manage(*args: str, **options) -> None:
    _setup_django()
    from django.core.management import call_command

    call_command(*args, **options)


def _demo_environment(data: str) -> dict:
    Path(data).mkdir(parents=True, exist_ok=True)
    os.environ["SHINBUN_DATA_DIR"] = str(Path(data).resolve())
    os.environ.setdefault("SHINBUN_DEMO", "true")
    os.environ.setdefault("SHINBUN_SECURE_COOKIES", "false")
    return dict(os.environ)


def demo(args) -> int:
    if args.host not in ("0.0.0.0", "::"):
        # Links and the anonymous page cache follow the address the demo is served at.
        os.environ.setdefault("SHINBUN_BASE_URL", f"http://{args.host}:{args.port}")
    # Mails are kept in the data folder and read at /outbox/ (staff), not sent.
    os.environ.setdefault("EMAIL_BACKEND", "shinbun.core.mail.OutboxBackend")
    env = _demo_environment(args.data)
    _manage("migrate", "--noinput", verbosity=0)
    _manage("collectstatic", "--noinput", verbosity=0)
    _manage("load_demo")
    print(f"\nshinbun demo: http://{args.host}:{args.port}/  (data in {env['SHINBUN_DATA_DIR']})")
    print(
        "accounts (password shinbun-demo): free@example.jp paid@example.jp "
        "expert@example.jp expert2@example.jp editor@example.jp operator@example.jp",
    )
    if os.environ["EMAIL_BACKEND"] == "shinbun.core.mail.OutboxBackend":
        print(f"e-mails: http://{args.host}:{args.port}/outbox/ (as operator@example.jp)")
    print(flush=True)
    exe = [sys.executable, "-m", "shinbun"]
    serve_command = [*exe, "serve", "--host", args.host, "--port", str(args.port), "--workers", "2"]
    return supervise([Child("server", serve_command), Child("worker", [*exe, "worker"])], env)


WORKER_CLASSES = ("gthread", "sync")


def serve(args) -> int:
    if args.worker_class not in WORKER_CLASSES:
        print(
            f"shinbun serve: SHINBUN_WORKER_CLASS must be one of {', '.join(WORKER_CLASSES)}, "
            f"not {args.worker_class!r}",
            file=sys.stderr,
        )
        return 2
    if args.worker_class == "gthread":
        # A client that sends its request slowly holds one thread, not a whole process;
        # a connection that has sent nothing waits in the worker's poller, not in a thread.
        workers = ["--worker-class", "gthread", "--threads", str(args.threads)]
    else:
        # One request per process at a time, taken from the listening socket's one queue:
        # the load evens out over the workers and the tail latency is the lowest, but a
        # slow client holds a whole process, so only behind a proxy that reads requests
        # whole (docs/OPERATIONS.md, "Slow clients and the reverse proxy").
        workers = ["--worker-class", "sync"]
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "shinbun.wsgi:application",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        *workers,
        # A worker that stops answering its arbiter for 30 s is replaced; idle kept-alive
        # connections close after 5 s.
        "--timeout",
        "30",
        "--graceful-timeout",
        "20",
        "--keep-alive",
        "5",
        # gunicorn otherwise opens a control socket under ~/.gunicorn.
        "--no-control-socket",
        "--access-logfile",
        "-" if args.access_log else "/dev/null",
    ]
    os.execv(sys.executable, command)


def import_articles(args) -> int:
    if args.data:
        _demo_environment(args.data)
        _manage("migrate", "--noinput", verbosity=0)
    _manage("import_articles", args.file)
    return 0


def _timestamp() -> datetime:
    from django.utils import timezone

    from shinbun.core.timefmt import to_jst

    return to_jst(timezone.now())


def _refusable(run) -> int:
    """Run a backup or restore step: a refusal is its message and exit status 1."""
    from shinbun.core.backup import BackupError

    try:
        print(run())
    except BackupError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def backup(args) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shinbun.settings")
    from django.db import connections

    from shinbun.core import backup as backups

    database = connections["default"].settings_dict

    def run() -> str:
        out = Path(args.out) if args.out else backups.default_name(database, _timestamp())
        return f"バックアップを書き出しました: {backups.backup(database, out)}"

    return _refusable(run)


def restore(args) -> int:
    if args.data:
        _demo_environment(args.data)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shinbun.settings")
    from django.conf import settings
    from django.db import connections

    from shinbun.core import backup as backups

    connection = connections["default"]

    def run() -> str:
        place = backups.restore(
            Path(args.file),
            connection.settings_dict,
            settings.DATA_DIR,
            table_names=connection.introspection.table_names,
        )
        return f"復元しました: {place}"

    return _refusable(run)


def export_tables() -> list:
    """The CSV tables of `shinbun export`: every domain's but the newsroom's (JSON lines)."""
    from shinbun.members import exporting as members
    from shinbun.mynews import exporting as mynews
    from shinbun.newsletter import exporting as newsletter
    from shinbun.sitepages import exporting as sitepages
    from shinbun.think import exporting as think

    domains = (members, mynews, newsletter, think, sitepages)
    return [table for domain in domains for table in domain.tables()]


def export(args) -> int:
    """Everything the site keeps: the newsroom's work as JSON lines that `shinbun import`
    reads back, and every other domain's tables as CSV."""
    _setup_django()
    from shinbun.core.tables import write_tables
    from shinbun.newsroom.exporting import export_editorial

    out = Path(args.out or f"shinbun-export-{_timestamp():%Y%m%d-%H%M%S}")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        print(f"{out} は空のフォルダではありません。別の名前を指定してください。", file=sys.stderr)
        return 1
    written = {**export_editorial(out), **write_tables(out, export_tables())}
    for name, count in written.items():
        print(f"{out / name}: {count}件")
    return 0


def worker(args) -> int:
    _setup_django()
    from shinbun.core.worker import run

    run(scheduler=False if args.no_scheduler else None)
    return 0


def manage(args) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shinbun.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shinbun manage", *args.rest])
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="shinbun", description="shinbun digital edition")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("demo", help="create the demo database and serve the site")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--data", default="var", help="folder for the database and files (./var)")
    p.set_defaults(func=demo)

    p = commands.add_parser("serve", help="serve the site with gunicorn (configured by env)")
    p.add_argument("--host", default=os.environ.get("SHINBUN_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("SHINBUN_PORT", "8000")))
    p.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    p.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("SHINBUN_THREADS", "8")),
        help="threads per worker process (SHINBUN_THREADS, 8)",
    )
    p.add_argument(
        "--worker-class",
        default=os.environ.get("SHINBUN_WORKER_CLASS", "gthread"),
        help="gthread (default), or sync behind a buffering proxy (SHINBUN_WORKER_CLASS)",
    )
    p.add_argument("--access-log", action="store_true")
    p.set_defaults(func=serve)

    p = commands.add_parser("worker", help="run the background worker (Huey consumer)")
    p.add_argument(
        "--no-scheduler",
        action="store_true",
        help="do not queue the periodic tasks (every worker but one, with several on Redis)",
    )
    p.set_defaults(func=worker)

    p = commands.add_parser(
        "import", help="import articles from JSON lines, RSS/Atom, or a `shinbun export` folder"
    )
    p.add_argument("file")
    p.add_argument(
        "--data", help="demo data folder (as for `shinbun demo`); default: configured DB"
    )
    p.set_defaults(func=import_articles)

    p = commands.add_parser("reindex", help="rebuild the search index (resumable)")
    p.add_argument("--restart", action="store_true")
    p.set_defaults(func=lambda a: _manage("reindex", restart=a.restart))

    p = commands.add_parser("backup", help="a consistent copy of the live database")
    p.add_argument("--out", help="file to write (default: shinbun-<time>.sqlite3|.pgdump)")
    p.set_defaults(func=backup)

    p = commands.add_parser("restore", help="restore a backup into an empty data folder")
    p.add_argument("file")
    p.add_argument("--data", help="data folder (as for `shinbun demo`); default: configured DB")
    p.set_defaults(func=restore)

    p = commands.add_parser("export", help="articles as JSON lines, members as CSV")
    p.add_argument("--out", help="folder to write (default: shinbun-export-<time>)")
    p.set_defaults(func=export)

    p = commands.add_parser("manage", help="Django management commands", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=manage)

    args = parser.parse_args(argv)
    sys.exit(args.func(args))
