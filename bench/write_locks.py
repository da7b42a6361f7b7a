"""How long maintenance writes hold SQLite's write lock, as a reader's small write sees it.

    .venv/bin/python bench/write_locks.py --data var/bench/sqlite-20k
    .venv/bin/python bench/write_locks.py --data var/bench/sqlite-20k --only import --keep

The data folder (from bench/generate.py) is copied without its cache to a temporary
folder (deleted at the end unless --keep) and migrated. Each operation then runs there as
a `shinbun` subprocess while a probe thread, with its own connection, writes a row 50 ms
apart (BEGIN IMMEDIATE, INSERT, COMMIT) and times BEGIN IMMEDIATE: what a metered read or
a login waits. The site gives up after busy_timeout=5000 ms (a 503), the probe after 120 s.
SQLite's busy handler retries after 1, 2, 5, ... 50, 100 ms, so a wait is the rest of the
lock's hold rounded up to a retry (228, 328, 428 ms...), as the site's connections see it.

Operations, in this order: reindex (`shinbun reindex --restart`), fit_topics (`shinbun
manage fit_topics --no-refresh`) and import (`shinbun import` of N new articles written
from the livedoor corpus at run time). fit_topics goes first so that the import is
measured alone: on an archive without a topic model (generate.py makes none), `shinbun
import` also fits one (and queues every article's recommendations). Each operation's
output, with times, and the results go to bench/results/<stamp>-write-locks/ (gitignored).
"""

import argparse
import gzip
import json
import math
import os
import platform
import random
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

from generate import DEFAULT_CORPUS, SECTIONS

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SHINBUN = [sys.executable, "-m", "shinbun"]
OPERATIONS = ("reindex", "fit_topics", "import")
INTERVAL = 0.05  # seconds between probe writes
IDLE = 3  # seconds of probing with nothing else running
TIMEOUT = 5000  # ms: the site's busy_timeout
REPORTED = 250  # ms: a wait listed with the output line printed before it began


class Probe(threading.Thread):
    """Writes one row INTERVAL apart and keeps (start, wait for the lock) of each write."""

    def __init__(self, database: Path):
        super().__init__(daemon=True)
        self.samples: list[tuple[float, float]] = []
        self.failures = 0
        self.done = threading.Event()
        # timeout=120 is busy_timeout=120000: waits are measured, never cut short.
        self.db = sqlite3.connect(
            database, timeout=120, isolation_level=None, check_same_thread=False
        )
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS bench_lock_probe (id INTEGER PRIMARY KEY, at REAL)"
        )

    def run(self) -> None:
        while not self.done.wait(INTERVAL):
            started = time.perf_counter()
            try:
                self.db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:  # still locked after 120 s
                self.failures += 1
                continue
            finally:
                self.samples.append((started, time.perf_counter() - started))
            self.db.execute("INSERT INTO bench_lock_probe (at) VALUES (?)", (time.time(),))
            self.db.execute("COMMIT")

    def stop(self) -> None:
        self.done.set()
        self.join()
        self.db.close()


def write_import_file(path: Path, count: int) -> None:
    """`count` new articles in the corpus format, with a section and an access level."""
    with gzip.open(DEFAULT_CORPUS, "rt", encoding="utf-8") as lines:
        corpus = [json.loads(line) for line in lines]
    rng = random.Random(count)
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            item, roll = corpus[n % len(corpus)], rng.random()
            record = {
                **{key: item[key] for key in ("title", "published", "body", "category")},
                "id": f"bench-lock-{n:07d}",
                "section": SECTIONS[item["category"]][0],
                "access": "free" if roll < 0.6 else "members" if roll < 0.85 else "paid",
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def percentile(values: list[float], p: float) -> float:
    """Nearest rank of sorted values."""
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)] if values else 0.0


def run(name: str, command: list[str], env: dict, probe: Probe, workdir: Path) -> dict:
    """Run one operation under the probe: its figures, and its output kept with times."""
    print(f"\n== {name}: {' '.join(command[2:])}", flush=True)
    first, started = len(probe.samples), time.perf_counter()
    lines: list[tuple[float, str]] = []
    pipe = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
    with (
        subprocess.Popen(command, env=env, **pipe) as p,
        (workdir / f"{name}.log").open("w") as log,
    ):
        pending = b""
        while chunk := p.stdout.read1(65536):
            # Lines end in \n; tqdm's bars start with \r and are complete when written.
            *complete, pending = re.split(rb"[\r\n]", pending + chunk)
            at = time.perf_counter() - started
            for raw in [*complete, pending]:
                text = raw.decode(errors="replace").strip()
                if text and (not lines or lines[-1][1] != text):
                    lines.append((at, text))
                    log.write(f"{at:9.2f}  {text}\n")
            log.flush()
    seconds = time.perf_counter() - started
    if p.returncode:
        print("\n".join(text for _, text in lines[-20:]), file=sys.stderr)
    samples = probe.samples[first:]
    waits = sorted(wait * 1000 for _, wait in samples)
    longest = []
    for start, wait in sorted(samples, key=lambda sample: -sample[1])[:10]:
        before = [text for at, text in lines if at <= start - started]
        longest.append(
            {"at_s": round(start - started, 2), "wait_ms": round(wait * 1000), "after": before[-1:]}
        )
    print(f"{name}: {seconds:.1f} s, exit {p.returncode}, max wait {max(waits, default=0):.0f} ms")
    return {
        "operation": name,
        "command": command[2:],
        "exit": p.returncode,
        "seconds": round(seconds, 2),
        "probes": len(waits),
        "p50_ms": percentile(waits, 50),
        "p99_ms": percentile(waits, 99),
        "max_ms": max(waits, default=0.0),
        "over_1s": sum(wait > 1000 for wait in waits),
        "over_5s": sum(wait > TIMEOUT for wait in waits),
        "longest": longest,
    }


def markdown(report: dict) -> str:
    machine = report["machine"]
    lines = [
        f"Write-lock waits of a probe writing {INTERVAL * 1000:.0f} ms apart, on a copy of "
        f"{report['data']}; {machine['cpus']} CPUs (load average before/after "
        f"{machine['loadavg_before'][0]:.2f}/{machine['loadavg_after'][0]:.2f}).",
        "",
        "| operation | wall s | exit | probe writes | p50 ms | p99 ms | max ms | >1 s | >5 s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        lines.append(
            f"| {r['operation']} | {r['seconds']:.1f} | {r['exit']} | {r['probes']:,} "
            f"| {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['max_ms']:.0f} "
            f"| {r['over_1s']} | {r['over_5s']} |"
        )
    for r in report["results"]:
        for wait in [w for w in r["longest"] if w["wait_ms"] >= REPORTED][:5]:
            after = wait["after"][0][:100] if wait["after"] else "(no output yet)"
            at = f"{wait['wait_ms']:,} ms at {wait['at_s']:.1f} s"
            lines.append(f"- {r['operation']}: {at}, after: {after}")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="SQLite data folder made by generate.py")
    parser.add_argument("--only", nargs="+", choices=OPERATIONS, default=list(OPERATIONS))
    parser.add_argument("--import-articles", type=int, default=2000, help="articles to import")
    parser.add_argument("--keep", action="store_true", help="keep the copied data folder")
    args = parser.parse_args(argv)
    source = Path(args.data).resolve()
    if not (source / "shinbun.sqlite3").is_file():
        raise SystemExit(f"no shinbun.sqlite3 in {source}")

    started = datetime.now().astimezone()
    load_before = os.getloadavg()
    workdir = RESULTS / f"{started:%Y%m%d-%H%M%S}-write-locks"
    workdir.mkdir(parents=True, exist_ok=True)
    copy = Path(tempfile.mkdtemp(prefix="shinbun-write-locks-")) / source.name
    print(f"copying {source} to {copy}", flush=True)
    shutil.copytree(
        source, copy, ignore=lambda folder, names: ["cache"] if Path(folder) == source else []
    )
    env = dict(
        os.environ,
        SHINBUN_DATA_DIR=str(copy),
        SECRET_KEY=secrets.token_urlsafe(50),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",  # output lines arrive when printed, so their times are right
    )
    for name in ("DATABASE_URL", "REDIS_URL", "SHINBUN_CACHE_DIR"):
        env.pop(name, None)
    import_file = copy / "write-locks-import.jsonl"
    commands = {
        # The tree may have moved on since the data was generated.
        "migrate": [*SHINBUN, "manage", "migrate", "--noinput"],
        "idle": [sys.executable, "-c", f"import time; time.sleep({IDLE})"],
        "reindex": [*SHINBUN, "reindex", "--restart"],
        "fit_topics": [*SHINBUN, "manage", "fit_topics", "--no-refresh"],
        "import": [*SHINBUN, "import", str(import_file)],
    }
    if "import" in args.only:
        write_import_file(import_file, args.import_articles)

    probe = Probe(copy / "shinbun.sqlite3")
    try:
        probe.start()
        results = [
            run(name, command, env, probe, workdir)
            for name, command in commands.items()
            if name in ("migrate", "idle", *args.only)
        ]
    finally:
        probe.stop()
        if args.keep:
            print(f"kept {copy}")
        else:
            shutil.rmtree(copy.parent)

    report = {
        "data": str(source.relative_to(ROOT) if source.is_relative_to(ROOT) else source),
        "started": started.isoformat(timespec="seconds"),
        "command": [Path(sys.argv[0]).as_posix(), *sys.argv[1:]],
        "import_articles": args.import_articles if "import" in args.only else 0,
        "probe_failures": probe.failures,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "loadavg_before": load_before,
            "loadavg_after": os.getloadavg(),
        },
        "results": results,
    }
    (workdir / "result.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    text = markdown(report)
    (workdir / "result.md").write_text(text)
    print()
    print(text)
    print(f"results in {workdir.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
