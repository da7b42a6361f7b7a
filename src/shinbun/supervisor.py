"""Keeps the demo's processes running (`shinbun demo`).

A child that ends is logged and started again after a pause that doubles while it keeps
failing (1 s, 2 s, 4 s ... at most 30 s); SIGINT (Ctrl-C) or SIGTERM stops them all.
"""

import logging
import signal
import subprocess
import time
from dataclasses import dataclass

log = logging.getLogger("shinbun.demo")

FIRST_PAUSE = 1.0
LONGEST_PAUSE = 30.0
# A child that ran this long before it ended was healthy: its pause starts over.
HEALTHY_AFTER = 60.0
POLL_SECONDS = 0.5


@dataclass
class Child:
    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    pause: float = FIRST_PAUSE
    restart_at: float | None = None

    def start(self, env: dict) -> None:
        self.process = subprocess.Popen(self.command, env=env)
        self.started_at = time.monotonic()
        self.restart_at = None
        log.info("started the %s (pid %d)", self.name, self.process.pid)

    def check(self, now: float) -> None:
        """Schedule a restart if the process has ended."""
        code = self.process.poll()
        if code is None:
            return
        if now - self.started_at >= HEALTHY_AFTER:
            self.pause = FIRST_PAUSE
        log.warning(
            "the %s (pid %d) ended with code %s; starting it again in %.0f s",
            self.name,
            self.process.pid,
            code,
            self.pause,
        )
        self.restart_at = now + self.pause
        self.pause = min(self.pause * 2, LONGEST_PAUSE)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait(self) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def supervise(children: list[Child], env: dict) -> int:
    """Run the children until SIGINT or SIGTERM; returns the exit status (0)."""
    stopping = False

    def stop(_signum, _frame):
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for child in children:
            child.start(env)
        while not stopping:
            now = time.monotonic()
            for child in children:
                if child.restart_at is None:
                    child.check(now)
                elif now >= child.restart_at and not stopping:
                    child.start(env)
            time.sleep(POLL_SECONDS)
    finally:
        for child in children:
            child.stop()
        for child in children:
            child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("stopped")
    return 0
