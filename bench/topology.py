"""The production topology on one machine, proven: PostgreSQL and Redis (already running),
two `shinbun serve` instances, one `shinbun worker` and nginx in front as a buffering
reverse proxy with a cache for anonymous pages.

    python bench/topology.py [--soak-seconds 300] [--skip-load]

Checks (PASS/FAIL each; the exit status is 1 when any fails):
1. a correction made through publishing.correct() is seen through A, B and nginx within 2 s;
2. wrong passwords split over A and B lock the account out on both (429);
3. logout on B is logout on A;
4. a soak through nginx (home, articles, search, a logged-in member's paid article) with no
   errors and flat gunicorn worker memory; the same pages measured directly against A;
5. nginx's cached article reaches at least half of nginx serving the same bytes as a static
   file, and no member data is in nginx's cache directory.
"""

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import redis
import requests

from pages import free_port
from topology_nginx import FRESHNESS, NGINX_CONF
from wrk_runs import wrk, wrk_result

ROOT = Path(__file__).resolve().parent.parent
SHINBUN = [sys.executable, "-m", "shinbun"]
CORPUS = Path("/work/shared/corpus/livedoor-news.jsonl.gz")
PASSWORD = "shinbun-demo"
PAID = ("paid@example.jp", "有料会員 花子")
LIMIT_ACCOUNT = "topology-limit@example.jp"
results: list[tuple[str, bool, str]] = []


def check(name: str, ok: bool, detail: str = "") -> None:
    results.append((name, ok, detail))
    print(f"{'PASS' if ok else 'FAIL'}  {name}  {detail}", flush=True)


class Topology:
    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="shinbun-topology-"))
        self.port_a, self.port_b, self.port = free_port(), free_port(), free_port()
        self.origin = f"127.0.0.1:{self.port}"
        self.nginx = f"http://{self.origin}"
        self.a = f"http://127.0.0.1:{self.port_a}"
        self.b = f"http://127.0.0.1:{self.port_b}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"SHINBUN_DEMO", "SHINBUN_TESTING", "DATABASE_URL", "REDIS_URL"}
        }
        self.env.update(
            DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{args.database}",
            REDIS_URL=f"redis://127.0.0.1:6379/{args.redis_db}",
            SECRET_KEY=secrets.token_urlsafe(45)[:60],
            SHINBUN_BASE_URL=self.nginx,
            ALLOWED_HOSTS="127.0.0.1",
            SHINBUN_SECURE_COOKIES="false",
            SHINBUN_TRUSTED_PROXIES="1",
            SHINBUN_DATA_DIR=str(self.tmp / "data"),
            PYTHONPATH=os.pathsep.join(
                filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])
            ),
        )

    def run(self, *args: str, **kwargs) -> str:
        done = subprocess.run(
            [*SHINBUN, *args], env=self.env, check=True, capture_output=True, text=True, **kwargs
        )
        return done.stdout

    def shell(self, code: str) -> str:
        return self.run("manage", "shell", "-c", code)

    def load(self) -> None:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{self.args.database}"')
            c.execute(f'CREATE DATABASE "{self.args.database}"')
        started = time.monotonic()
        self.run("manage", "migrate", "--noinput", "-v0")
        self.run("manage", "load_demo")
        demo = time.monotonic() - started
        self.run("import", str(CORPUS))
        print(
            f"data: migrate + load_demo {demo:.0f} s, corpus import "
            f"{time.monotonic() - started - demo:.0f} s",
            flush=True,
        )

    def start(self) -> None:
        redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()
        self.run("manage", "collectstatic", "--noinput", "-v0")
        self.shell(
            "from shinbun.members.models import User\n"
            f"User.objects.filter(email={LIMIT_ACCOUNT!r}).delete()\n"
            f"user = User.objects.create_user({LIMIT_ACCOUNT!r}, {PASSWORD!r})\n"
            "from allauth.account.models import EmailAddress\n"
            "EmailAddress.objects.create(user=user, email=user.email, verified=True, "
            "primary=True)\n"
            "from axes.models import AccessAttempt; AccessAttempt.objects.all().delete()"
        )
        log = (self.tmp / "processes.log").open("w")
        for name, port in (("A", self.port_a), ("B", self.port_b)):
            self.processes[name] = subprocess.Popen(
                [*SHINBUN, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes["worker"] = subprocess.Popen(
            [*SHINBUN, "worker"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        # nginx's workers run as another user: they read and write under the prefix.
        self.tmp.chmod(0o755)
        (self.tmp / "cache").mkdir(mode=0o777)
        (self.tmp / "cache").chmod(0o777)
        (self.tmp / "static-copy").mkdir(mode=0o755)
        conf = self.tmp / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                prefix=self.tmp,
                port=self.port,
                port_a=self.port_a,
                port_b=self.port_b,
                freshness=FRESHNESS[self.args.nginx_freshness],
            )
        )
        self.processes["nginx"] = subprocess.Popen(
            ["nginx", "-c", str(conf), "-p", str(self.tmp)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for url in (self.a, self.b, self.nginx):
            deadline = time.monotonic() + 60
            while True:
                try:
                    requests.get(url + "/", headers={"Host": self.origin}, timeout=2)
                    break
                except requests.RequestException:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()

    def workers(self) -> list[int]:
        """The gunicorn workers: the children of both serve processes."""
        pids = []
        for name in ("A", "B"):
            pid = self.processes[name].pid
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            pids += [int(child) for child in children]
        return pids


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def login(
    session: requests.Session,
    base: str,
    origin: str,
    email: str,
    password: str,
    client: str = "127.0.0.1",
) -> int:
    headers = {"Host": origin, "X-Forwarded-For": client}
    form = session.get(f"{base}/accounts/login/", headers=headers, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    response = session.post(
        f"{base}/accounts/login/",
        data={"login": email, "password": password, "csrfmiddlewaretoken": token},
        headers=headers,
        allow_redirects=False,
        timeout=10,
    )
    return response.status_code


def check_correction(t: Topology, article_id: int, when: str) -> None:
    path = f"/articles/{article_id}/"
    for base in (t.a, t.b, t.nginx):  # warm every cache first: the purge is what is proven
        for _ in range(2):
            requests.get(base + path, headers={"Host": t.origin}, timeout=10)
    text = f"訂正テスト {secrets.token_hex(4)}"
    # Polled while the shell still runs, timed from the moment correct() returned (the
    # shell prints it), so the shell's own exit is not counted.
    shell = subprocess.Popen(
        [
            *SHINBUN,
            "manage",
            "shell",
            "-c",
            "import time\nfrom shinbun.newsroom import publishing\n"
            "from shinbun.newsroom.models import Article\n"
            f"publishing.correct(Article.objects.get(pk={article_id}), {text!r})\n"
            "print('done', time.time(), flush=True)",
        ],
        env=t.env,
        stdout=subprocess.PIPE,
        text=True,
    )
    first: dict[str, float] = {}
    done = None
    deadline = time.time() + 60
    while len(first) < 3 and time.time() < deadline:
        for name, base in (("A", t.a), ("B", t.b), ("nginx", t.nginx)):
            if name not in first:
                page = requests.get(base + path, headers={"Host": t.origin}, timeout=5).text
                if text in page:
                    first[name] = time.time()
        if done is None and shell.poll() is not None:
            done = float(shell.stdout.read().split("done")[-1])
            deadline = done + 5
        time.sleep(0.1)
    if done is None:
        done = float(shell.communicate()[0].split("done")[-1])
    seen = {name: at - done for name, at in first.items()}
    detail = ", ".join(
        f"{n} {seen[n]:.2f} s" if n in seen else f"{n} not seen in 5 s" for n in ("A", "B", "nginx")
    )
    check(
        f"correction {when} seen through A, B and nginx within 2 s",
        len(seen) == 3 and max(seen.values()) <= 2.0,
        detail,
    )


def check_login_limit(t: Topology) -> None:
    # A client address of its own, so the lockout of this address leaves the others alone.
    client = "10.77.0.1"
    codes = []
    for attempt in range(5):
        base = t.a if attempt % 2 == 0 else t.b
        codes.append(login(requests.Session(), base, t.origin, LIMIT_ACCOUNT, "wrong", client))
    # Neither instance saw five: only the shared count can lock the account.
    locked = {
        name: login(requests.Session(), base, t.origin, LIMIT_ACCOUNT, "wrong", client)
        for name, base in (("A", t.a), ("B", t.b))
    }
    check(
        "login limit counts across A and B",
        codes == [200, 200, 200, 200, 429],
        f"5 wrong passwords alternating A, B, A, B, A answered {codes}: the fifth, the third "
        "on A, is locked out",
    )
    check(
        "after the limit both instances answer 429",
        locked == {"A": 429, "B": 429},
        f"one more wrong password on each: {locked} (200 = the form with allauth's "
        "rate-limit error)",
    )
    # The right password from another address: the account itself is locked (302 would be
    # a login).
    right = {
        name: login(requests.Session(), base, t.origin, LIMIT_ACCOUNT, PASSWORD, "10.77.0.2")
        for name, base in (("A", t.a), ("B", t.b))
    }
    check(
        "the locked account's right password is refused on A and B",
        302 not in right.values(),
        f"from another address: {right} (200 = the form with allauth's rate-limit error)",
    )


def check_logout(t: Topology) -> None:
    session = requests.Session()
    status = login(session, t.a, t.origin, "free@example.jp", PASSWORD, "10.77.0.3")
    cookie = session.cookies.get("sessionid")
    headers = {"Host": t.origin}
    on_b = session.get(t.b + "/accounts/", headers=headers, allow_redirects=False, timeout=10)
    page = session.get(t.b + "/accounts/", headers=headers, timeout=10).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    out = session.post(
        t.b + "/accounts/logout/",
        data={"csrfmiddlewaretoken": token},
        headers=headers,
        allow_redirects=False,
        timeout=10,
    )
    stolen = requests.Session()
    stolen.cookies.set("sessionid", cookie)
    on_a = stolen.get(t.a + "/accounts/", headers=headers, allow_redirects=False, timeout=10)
    check(
        "logout on B is logout on A",
        status == 302
        and on_b.status_code == 200
        and out.status_code == 302
        and on_a.status_code == 302,
        f"login on A {status}, account page on B {on_b.status_code}, logout on B "
        f"{out.status_code}, old cookie on A {on_a.status_code} (302 = to the login page)",
    )


def mix(
    t: Topology, base: str, seconds: int, cookie: str, articles, paid_id: int, host: str
) -> dict:
    """One wrk per page kind, 64 connections in all."""
    h = f"Host: {host}"
    kinds = {
        "home": wrk(base + "/", seconds, 16, 1, headers=[h]),
        "articles": wrk(
            base + "/", seconds, 16, 1, headers=[h], paths=[f"/articles/{a}/" for a in articles]
        ),
        "search": wrk(
            base + "/",
            seconds,
            16,
            1,
            headers=[h],
            paths=[
                f"/search/?q={q}"
                for q in (
                    "%E9%81%B8%E6%89%8B",
                    "%E6%98%A0%E7%94%BB",
                    "%E3%82%B9%E3%83%9E%E3%83%9B",
                    "iPhone",
                )
            ],
        ),
        "member (paid article)": wrk(
            base + f"/articles/{paid_id}/",
            seconds,
            16,
            1,
            headers=[h, f"Cookie: sessionid={cookie}"],
        ),
    }
    return {kind: wrk_result(started) for kind, started in kinds.items()}


def check_soak(t: Topology, seconds: int, cookie: str, articles, paid_id: int) -> None:
    # Warm every worker first (dictionaries, templates, connections): growth after that is
    # what a leak would show.
    mix(t, t.nginx, 20, cookie, articles, paid_id, t.origin)
    samples: dict[int, list[float]] = {pid: [] for pid in t.workers()}
    stop = threading.Event()

    def sample():
        while True:
            for pid in samples:
                with contextlib.suppress(OSError):
                    samples[pid].append(rss_mb(pid))
            if stop.wait(10):
                return

    sampler = threading.Thread(target=sample)
    sampler.start()
    through = mix(t, t.nginx, seconds, cookie, articles, paid_id, t.origin)
    stop.set()
    sampler.join()
    direct = mix(t, t.a, min(seconds, 30), cookie, articles, paid_id, t.origin)
    print(
        f"{'page':24} {'nginx req/s':>12} {'p99 ms':>8} {'errors':>7} | "
        f"{'A direct req/s':>14} {'p99 ms':>8} {'errors':>7}"
    )
    for kind in through:
        n, d = through[kind], direct[kind]
        print(
            f"{kind:24} {n['rps']:12.0f} {n['p99_ms']:8.1f} {n['errors']:7d} | "
            f"{d['rps']:14.0f} {d['p99_ms']:8.1f} {d['errors']:7d}"
        )
    errors = sum(r["errors"] for r in through.values())
    check(
        f"soak through nginx, {seconds} s at 64 connections, no errors",
        errors == 0,
        f"{errors} errors",
    )
    growth = []
    for pid, values in samples.items():
        if values:
            print(
                f"worker {pid}: RSS start {values[0]:.0f} MB, end {values[-1]:.0f} MB, "
                f"max {max(values):.0f} MB ({len(values)} samples)"
            )
            growth.append(values[-1] - values[0])
    check(
        "gunicorn worker memory flat during the soak",
        len(samples) == 4 and max(growth) < 50,
        f"{len(samples)} workers, largest growth start→end {max(growth):.0f} MB (limit 50)",
    )
    print("example command:", through["articles"]["command"])


def check_static_ratio(t: Topology, article_id: int, seconds: int, rounds: int) -> None:
    path = f"/articles/{article_id}/"
    page = requests.get(t.nginx + path, timeout=10)
    (t.tmp / "static-copy" / "article.html").write_bytes(page.content)
    cached = requests.get(t.nginx + path, timeout=10).headers.get("X-Cache-Status")
    proxied, static = [], []
    for _ in range(rounds):
        proxied.append(wrk_result(wrk(t.nginx + path, seconds, 64, 2))["rps"])
        static.append(wrk_result(wrk(t.nginx + "/static-copy/article.html", seconds, 64, 2))["rps"])
    ratio = statistics.median(proxied) / statistics.median(static)
    check(
        "nginx-cached article ≥ 0.5× the same bytes as a static file",
        ratio >= 0.5,
        f"cached {statistics.median(proxied):.0f} req/s vs static "
        f"{statistics.median(static):.0f} req/s (median of {rounds} × {seconds} s, "
        f"{len(page.content)} bytes, cache status {cached}): {ratio:.2f}×",
    )


def check_cache_clean(t: Topology, marker: str) -> None:
    files = [p for p in (t.tmp / "cache").rglob("*") if p.is_file()]
    found = []
    for needle in (*PAID, marker):
        for f in files:
            if needle.encode() in f.read_bytes():
                found.append(f"{needle!r} in {f.name}")
    check(
        "no member data in nginx's cache",
        bool(files) and not found,
        f"{len(files)} cached responses searched for the e-mail, the name and the paid "
        f"body's marker: {found or 'none found'}",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="shinbun_topology")
    parser.add_argument("--redis-db", type=int, default=7)
    parser.add_argument("--soak-seconds", type=int, default=300)
    parser.add_argument("--static-seconds", type=int, default=20)
    parser.add_argument("--static-rounds", type=int, default=3)
    parser.add_argument("--skip-load", action="store_true", help="keep the database as it is")
    parser.add_argument("--nginx-freshness", choices=sorted(FRESHNESS), default="revalidate")
    args = parser.parse_args()
    t = Topology(args)
    if not args.skip_load:
        t.load()
    t.start()
    try:
        info = json.loads(
            t.shell(
                "import json\nfrom shinbun.newsroom.models import Article\n"
                "live = Article.objects.published().order_by('-published_at')\n"
                "paid = live.filter(access='paid').first()\n"
                "lines = [l for l in paid.body_source.splitlines() if len(l.strip()) > 20]\n"
                "print(json.dumps({'free': list(live.filter(access='free').values_list('pk', "
                "flat=True)[:8]), 'paid': paid.pk, 'marker': lines[-1].strip()[:24], "
                "'count': Article.objects.count()}))"
            )
            .strip()
            .splitlines()[-1]
        )
        print(
            f"topology: nginx {t.nginx} → A {t.a}, B {t.b}; {info['count']} articles; "
            f"PostgreSQL {args.database}, Redis db {args.redis_db}; files in {t.tmp}",
            flush=True,
        )
        check_correction(t, info["free"][0], "with the worker just started")
        check_login_limit(t)
        check_logout(t)
        member = requests.Session()
        login(member, t.nginx, t.origin, PAID[0], PASSWORD)
        cookie = member.cookies["sessionid"]
        paid_page = member.get(f"{t.nginx}/articles/{info['paid']}/", timeout=10).text
        anonymous = requests.get(f"{t.nginx}/articles/{info['paid']}/", timeout=10).text
        check(
            "the paid member reads the paid body; an anonymous reader does not",
            info["marker"] in paid_page and info["marker"] not in anonymous,
            f"marker {info['marker']!r}",
        )
        check_soak(t, args.soak_seconds, cookie, info["free"], info["paid"])
        check_static_ratio(t, info["free"][1], args.static_seconds, args.static_rounds)
        check_cache_clean(t, info["marker"])
        # The worker has had no task for minutes: how long its queue takes to answer then.
        check_correction(t, info["free"][2], "after the worker idled through the soak")
    finally:
        t.stop()
        for name, process in t.processes.items():
            if process.returncode not in (0, -15, None):
                print(f"{name} ended with {process.returncode}")
        shutil.rmtree(t.tmp, ignore_errors=True)
    failed = [name for name, ok, _ in results if not ok]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
