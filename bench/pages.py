"""Page benchmark: wrk against `shinbun serve` on 127.0.0.1 (see DESIGN.md "How we measure").

    .venv/bin/python bench/pages.py --data var/bench/sqlite-100k
    .venv/bin/python bench/pages.py --database-url postgres://postgres@127.0.0.1:5432/shinbun_bench
    .venv/bin/python bench/pages.py --data var/bench/sqlite-10k --quick   # 5 s runs, 1 round
    .venv/bin/python bench/pages.py --data var/bench/sqlite-100k --members

Starts `shinbun serve` (2 workers, `--worker-class` gthread or sync) on a free port of
127.0.0.1 with the bench endpoints on, fetches the article page under test once and
serves those exact bytes from the bare reference view (/_bench/bare/), then for each target runs a
warm-up and `wrk -t2 -c32 -d30s --latency` three times (rounds interleave the
targets so drift hits all of them alike) and reports the median run's
requests/s and p50/p99 latency. Results go to bench/results/ (gitignored).

--members adds a paid article (the newest) for three readers: anonymous
(member-anon), a logged-in paid member (member-paid) and a logged-in free member whose
meter is running (member-free: this month's meter is reset, so the article is counted
once and then re-read). The two members (bench-paid@example.jp, bench-free@example.jp)
are made in the bench database with the demo plans; their session cookies (and a CSRF
cookie, as a browser would send) go to wrk with -H "Cookie: ...". If the database holds
the member of bench/mynews.py --setup (100 follows), its My News page is measured too
(member-mynews: /mynews/).
"""

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# Migrate (the tree moves on after the data was generated), and collectstatic for
# the server's manifest storage. The package's own static folder
# (src/shinbun/static) belongs to no app, so it is added here if the settings lack it.
COLLECTSTATIC = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shinbun.settings")
import django
import shinbun.settings as s
if not getattr(s, "STATICFILES_DIRS", None):
    s.STATICFILES_DIRS = [s.PACKAGE_DIR / "static"]
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
"""
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_latency(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * UNITS[match.group(2)]


def parse_wrk(output: str) -> dict:
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    for pct in ("50", "75", "90", "99"):
        match = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", output, re.M)
        result[f"p{pct}_ms"] = parse_latency(match.group(1))
    match = re.search(r"(\d+) requests in", output)
    result["requests"] = int(match.group(1))
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx"] = int(match.group(1)) if match else 0
    match = re.search(r"Socket errors: (.*)", output)
    result["socket_errors"] = match.group(1).strip() if match else ""
    return result


def wrk(url: str, seconds: int, args, cookie: str = "") -> dict:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        *(["-H", f"Cookie: {cookie}"] if cookie else []),
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60)
    return parse_wrk(done.stdout)


def get(url: str, timeout: float = 10, cookie: str = "") -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, dict(response.headers), response.read()


def server_env(args, workdir: Path) -> dict:
    env = dict(os.environ)
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        SHINBUN_BENCH_ENDPOINTS="true",
        SHINBUN_BENCH_BARE_FILE=str(workdir / "article.html"),
        LOG_LEVEL="WARNING",
    )
    if args.data:
        env["SHINBUN_DATA_DIR"] = str(Path(args.data).resolve())
    else:
        # The database is elsewhere; static files and the task queue go here.
        env["SHINBUN_DATA_DIR"] = str(workdir / "data")
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    if args.page_cache_seconds is not None:
        env["SHINBUN_PAGE_CACHE_SECONDS"] = str(args.page_cache_seconds)
    if args.no_redis:
        env.pop("REDIS_URL", None)
    return env


def shell_json(env: dict, script: str) -> dict:
    """Run a script in `shinbun manage shell` on the bench database; its last line is JSON."""
    out = subprocess.run(
        [sys.executable, "-m", "shinbun", "manage", "shell", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def pick_targets(args, env: dict) -> tuple[dict, dict]:
    """The article, section and database facts, read through Django with the server's env."""
    script = (
        "import json\n"
        "from django.db import connection\n"
        "from shinbun.newsroom.models import Article, Section\n"
        "visible = Article.objects.published()\n"
        "free = visible.filter(access='free').order_by('-published_at', '-id')\n"
        f"article = {args.article!r} or free.values_list('id', flat=True)[{args.article_rank}]\n"
        f"section = {args.section!r} or Section.objects.order_by('position', 'id')[0].slug\n"
        "print(json.dumps({'article': article, 'section': section,"
        " 'articles': Article.objects.count(), 'vendor': connection.vendor}))\n"
    )
    facts = shell_json(env, script)
    paths = {
        "bare": "/_bench/bare/",
        "article": f"/articles/{facts['article']}/",
        "home": "/",
        "section": f"/sections/{facts['section']}/",
    }
    return paths, facts


MEMBERS = """
import json
from django.conf import settings
from django.middleware.csrf import CSRF_ALLOWED_CHARS
from django.test import Client
from django.utils.crypto import get_random_string
from shinbun.members.demo import load_plans, make_paid
from shinbun.members.models import MeteredRead, User
from shinbun.newsroom.models import Article

plans = load_plans()
cookies = {}
for kind in ("paid", "free"):
    user, _ = User.objects.get_or_create(
        email=f"bench-{kind}@example.jp", defaults={"display_name": f"ベンチ {kind}"}
    )
    if kind == "paid":
        make_paid(user, plans["monthly"])
    MeteredRead.objects.filter(user=user).delete()
    client = Client()
    client.force_login(user)
    cookies[kind] = (
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; "
        f"{settings.CSRF_COOKIE_NAME}={get_random_string(32, CSRF_ALLOWED_CHARS)}"
    )
# The member of bench/mynews.py --setup (100 follows), if the database has one.
mynews_member = User.objects.filter(email="bench-mynews@example.jp").first()
if mynews_member is not None:
    client = Client()
    client.force_login(mynews_member)
    client.get("/mynews/")  # the first visit is recorded once, not under load
    cookies["mynews"] = (
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; "
        f"{settings.CSRF_COOKIE_NAME}={get_random_string(32, CSRF_ALLOWED_CHARS)}"
    )
paid = Article.objects.published().filter(access="paid").order_by("-published_at", "-id")
print(json.dumps({"article": paid.values_list("id", flat=True)[0], "cookies": cookies}))
"""


def member_targets(env: dict) -> tuple[dict, dict]:
    """Paths and cookies of the member pages (see --members)."""
    facts = shell_json(env, MEMBERS)
    path = f"/articles/{facts['article']}/"
    paths = {"member-anon": path, "member-paid": path, "member-free": path}
    cookies = {"member-paid": facts["cookies"]["paid"], "member-free": facts["cookies"]["free"]}
    if "mynews" in facts["cookies"]:  # bench/mynews.py --setup made its member
        paths["member-mynews"] = "/mynews/"
        cookies["member-mynews"] = facts["cookies"]["mynews"]
    return paths, cookies


def worker_memory(master_pid: int) -> list[dict]:
    """Peak and current RSS (MiB) of the gunicorn workers (children of the master)."""
    rows = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master_pid):
            rows.append(
                {
                    "pid": int(status.parent.name),
                    "peak_rss_mib": int(fields["VmHWM"].split()[0]) / 1024,
                    "rss_mib": int(fields["VmRSS"].split()[0]) / 1024,
                }
            )
    return rows


def start_server(args, env: dict, port: int, log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "shinbun",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
    ]
    server = subprocess.Popen(
        command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=ROOT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited with {server.returncode}; see {log}")
        try:
            get(f"http://127.0.0.1:{port}/robots.txt", timeout=2)
            return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"server did not answer within 60 s; see {log}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def inprocess(args, env: dict, paths: dict, names: list[str], cookies: dict) -> dict:
    """CPU time per request through the whole WSGI stack, in this process.

    wrk figures depend on what else the machine runs; CPU time per request does
    much less, so it shows whether a page's own cost changes with the archive.
    Each page is measured with the page cache (hits) and without it (rendering).
    """
    import io

    # The requests below are made to 127.0.0.1:8000, the origin the page cache keeps.
    os.environ.update(env, SHINBUN_BASE_URL="http://127.0.0.1:8000")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shinbun.settings")
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()

    def request(path: str, cookie: str = "") -> int:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1:8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
        }
        if cookie:
            environ["HTTP_COOKIE"] = cookie
        status = []
        body = application(environ, lambda s, h, *a: status.append(s))
        content = b"".join(body)
        if hasattr(body, "close"):
            body.close()
        if not status[0].startswith("200"):
            raise SystemExit(f"{path}: {status[0]}")
        return content

    # The bare view serves the article page's bytes, as in the wrk mode.
    Path(env["SHINBUN_BENCH_BARE_FILE"]).write_bytes(request(paths["article"]))
    ttl = settings.PAGE_CACHE_SECONDS
    results = {}
    for name in names:
        row = {"path": paths[name]}
        cookie = cookies.get(name, "")
        for mode, cache_ttl in (("cached", ttl), ("uncached", 0)):
            settings.PAGE_CACHE_SECONDS = cache_ttl
            for _ in range(20):
                request(paths[name], cookie)
            samples = []
            for _ in range(args.runs):
                t0 = time.process_time()
                for _ in range(args.inprocess):
                    request(paths[name], cookie)
                samples.append((time.process_time() - t0) / args.inprocess * 1e6)
            row[f"{mode}_us"] = statistics.median(samples)
            row[f"{mode}_runs"] = samples
            if name in args.profile and mode == "cached":
                import cProfile
                import pstats

                # CPU time, as the figures above: wall time would count the machine's load.
                profile = cProfile.Profile(time.process_time)
                profile.enable()
                for _ in range(200):
                    request(paths[name], cookie)
                profile.disable()
                if os.environ.get("BENCH_PROFILE_DIR"):
                    profile.dump_stats(Path(os.environ["BENCH_PROFILE_DIR"]) / f"{name}.prof")
                order = os.environ.get("BENCH_PROFILE_SORT", "cumulative")
                pstats.Stats(profile).sort_stats(order).print_stats(
                    int(os.environ.get("BENCH_PROFILE_LINES", "35"))
                )
        settings.PAGE_CACHE_SECONDS = ttl
        results[name] = row
        print(
            f"  {name:8} cached {row['cached_us']:8.0f} us/request   "
            f"uncached {row['uncached_us']:8.0f} us/request",
            flush=True,
        )
    return results


def markdown(report: dict) -> str:
    rows = report["results"]
    bare = rows["bare"]["rps"]
    lines = [
        f"### {report['label']} — {report['facts']['articles']:,} articles "
        f"({report['facts']['vendor']}), {report['started']}",
        "",
        f"`{report['command']}`",
        "",
        f"wrk -t{report['wrk']['threads']} -c{report['wrk']['connections']} "
        f"-d{report['wrk']['duration']}s --latency, warm-up {report['wrk']['warmup']} s, "
        f"median of {report['wrk']['runs']}; "
        f"gunicorn {report['workers']} {report['worker_class']} workers; "
        f"page cache TTL {report['page_cache_seconds']}; "
        f"{report['machine']['cpus']} CPUs (load average before/after "
        f"{report['machine']['loadavg_before'][0]:.2f}/{report['machine']['loadavg_after'][0]:.2f})."
        f" Article page {report['article_bytes']:,} bytes.",
        "",
        "| page | path | requests/s | vs bare | p50 ms | p99 ms | runs (req/s) |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, row in rows.items():
        lines.append(
            f"| {name} | `{row['path']}` | {row['rps']:,.0f} | {row['rps'] / bare:.0%} | "
            f"{row['p50_ms']:.2f} | {row['p99_ms']:.2f} | "
            + ", ".join(f"{r['rps']:,.0f}" for r in row["runs"])
            + " |"
        )
    mem = report.get("worker_memory") or []
    if mem:
        lines += [
            "",
            "Worker peak RSS: " + ", ".join(f"{m['peak_rss_mib']:.0f} MiB" for m in mem),
        ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--data", help="SQLite data folder made by bench/generate.py")
    where.add_argument("--database-url", help="e.g. postgres://postgres@127.0.0.1:5432/x")
    parser.add_argument("--label", default="", help="name for the result files")
    parser.add_argument("--duration", type=int, default=30, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=5, help="warm-up seconds per page")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--worker-class",
        choices=("gthread", "sync"),
        default="gthread",
        help="shinbun serve's workers: gthread (the default) or sync (behind a proxy)",
    )
    parser.add_argument(
        "--article", type=int, default=0, help="article id (default: a recent free one)"
    )
    parser.add_argument("--article-rank", type=int, default=0, help="n-th newest free article")
    parser.add_argument("--section", default="", help="section slug (default: the first)")
    parser.add_argument("--only", default="bare,article,home,section", help="pages to run")
    parser.add_argument(
        "--page-cache-seconds",
        type=int,
        help="SHINBUN_PAGE_CACHE_SECONDS for the server (0 measures rendering without the cache)",
    )
    parser.add_argument("--no-redis", action="store_true", help="ignore REDIS_URL")
    parser.add_argument(
        "--profile",
        default="",
        metavar="NAMES",
        help="with --inprocess: cProfile these targets (comma-separated) on the cached path",
    )
    parser.add_argument(
        "--inprocess",
        type=int,
        default=0,
        metavar="N",
        help="instead of wrk: CPU time per request of N in-process requests per run",
    )
    parser.add_argument(
        "--members",
        action="store_true",
        help="add a paid article for anonymous, paid-member and metered free-member readers",
    )
    parser.add_argument("--quick", action="store_true", help="5 s runs, 2 s warm-up, 1 run")
    args = parser.parse_args(argv)
    args.profile = [n for n in args.profile.split(",") if n]
    if args.quick:
        args.duration, args.warmup, args.runs = 5, 2, 1
    if not 1 <= args.duration <= 120 or not 1 <= args.runs <= 9 or not 0 <= args.warmup <= 30:
        parser.error("duration 1..120 s, runs 1..9, warm-up 0..30 s")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")

    started = datetime.now().astimezone()
    load_before = os.getloadavg()
    label = args.label or (Path(args.data).name if args.data else "postgres")
    stamp = started.strftime("%Y%m%d-%H%M%S")
    workdir = RESULTS / f"{stamp}-{label}"
    workdir.mkdir(parents=True, exist_ok=True)
    env = server_env(args, workdir)
    subprocess.run([sys.executable, "-c", COLLECTSTATIC], env=env, check=True)
    paths, facts = pick_targets(args, env)
    names = [n for n in args.only.split(",") if n]
    cookies: dict[str, str] = {}
    if args.members:
        member_paths, cookies = member_targets(env)
        paths.update(member_paths)
        names += [n for n in member_paths if n not in names]
    if args.inprocess:
        results = inprocess(args, env, paths, names, cookies)
        report = {
            "label": label,
            "started": started.isoformat(timespec="seconds"),
            "command": "python bench/pages.py " + " ".join(sys.argv[1:] if argv is None else argv),
            "facts": facts,
            "inprocess": results,
        }
        lines = [
            f"### CPU per request, {facts['articles']:,} articles ({facts['vendor']})",
            "",
            "| page | path | cached µs | uncached µs |",
            "| --- | --- | ---: | ---: |",
        ] + [
            f"| {n} | `{r['path']}` | {r['cached_us']:,.0f} | {r['uncached_us']:,.0f} |"
            for n, r in results.items()
        ]
        (workdir / "result.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
        (workdir / "result.md").write_text("\n".join(lines) + "\n")
        print("\n".join(lines))
        return
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The anonymous page cache keeps pages for the site's own origin only.
    env["SHINBUN_BASE_URL"] = base
    server = start_server(args, env, port, workdir / "server.log")
    try:
        status, headers, page = get(base + paths["article"])
        if status != 200:
            raise SystemExit(f"article page answered {status}")
        (workdir / "article.html").write_bytes(page)
        _, _, bare = get(base + paths["bare"])
        if bare != page:
            raise SystemExit("the bare view does not return the article page's bytes")
        for name in names:
            status, _, body = get(base + paths[name], cookie=cookies.get(name, ""))
            if name in cookies and b'class="who"' not in body:
                raise SystemExit(f"{name}: not logged in")
            if name == "member-free" and b'class="meter-note"' not in body:
                raise SystemExit(f"{name}: the meter is not running")
            if status != 200:
                raise SystemExit(f"{name} {paths[name]} answered {status}")
        print(
            f"{facts['articles']:,} articles ({facts['vendor']}); server {base}; "
            f"article {paths['article']} {len(page):,} bytes, "
            f"cache headers: {headers.get('Cache-Control')} {headers.get('ETag')}",
            flush=True,
        )
        for name in names:
            if args.warmup:
                wrk(base + paths[name], args.warmup, args, cookies.get(name, ""))
        runs: dict[str, list[dict]] = {name: [] for name in names}
        for round_ in range(args.runs):
            for name in names:
                result = wrk(base + paths[name], args.duration, args, cookies.get(name, ""))
                runs[name].append(result)
                print(
                    f"  round {round_ + 1}/{args.runs} {name:8} {result['rps']:9.0f} req/s  "
                    f"p50 {result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:6.2f} ms"
                    + (f"  non-2xx {result['non_2xx']}" if result["non_2xx"] else ""),
                    flush=True,
                )
        memory = worker_memory(server.pid)
    finally:
        stop_server(server)

    results = {}
    for name in names:
        median_rps = statistics.median(r["rps"] for r in runs[name])
        median_run = min(runs[name], key=lambda r: abs(r["rps"] - median_rps))
        results[name] = {"path": paths[name], **median_run, "rps": median_rps, "runs": runs[name]}
    report = {
        "label": label,
        "started": started.isoformat(timespec="seconds"),
        "command": "python bench/pages.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "facts": facts,
        "article_bytes": len(page),
        "workers": args.workers,
        "worker_class": args.worker_class,
        "page_cache_seconds": env.get("SHINBUN_PAGE_CACHE_SECONDS", "default (60)"),
        "wrk": {
            "threads": args.threads,
            "connections": args.connections,
            "duration": args.duration,
            "warmup": args.warmup,
            "runs": args.runs,
        },
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "loadavg_before": load_before,
            "loadavg_after": os.getloadavg(),
        },
        "worker_memory": memory,
        "results": results,
    }
    if "bare" in results and "article" in results:
        report["article_vs_bare"] = results["article"]["rps"] / results["bare"]["rps"]
    (workdir / "result.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    text = markdown(report) if "bare" in results else json.dumps(results, indent=2)
    (workdir / "result.md").write_text(text)
    print()
    print(text)
    print(f"written to {workdir.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
