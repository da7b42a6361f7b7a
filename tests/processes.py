"""Helpers for tests that run `shinbun` as real processes on a free local port."""

import os
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

SHINBUN = [sys.executable, "-m", "shinbun"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(data: Path, *, testing: bool = True) -> dict:
    """SQLite in `data`, whatever database the suite itself uses; the test settings, or
    (testing=False) what `shinbun demo` runs with."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SHINBUN_TESTING", "SHINBUN_TEST_DB_NAME"}
    }
    env["SHINBUN_DATA_DIR"] = str(data)
    if testing:
        env["SHINBUN_TESTING"] = "true"
    src = str(Path(__file__).resolve().parent.parent / "src")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    return env


def get(url: str, timeout: float = 2.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def wait_until_answering(url: str, process, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the process ended with {process.returncode}")
        try:
            get(url, timeout=1.0)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")
