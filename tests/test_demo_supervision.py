"""`shinbun demo` as a real process: a killed worker or server is started again and
logged, the site keeps answering, and SIGTERM still stops everything."""

import os
import re
import signal
import subprocess
import time
from pathlib import Path

from tests.processes import SHINBUN, environment, free_port, get, wait_until_answering

STARTED = re.compile(r"started the (server|worker) \(pid (\d+)\)")


def started(log) -> list[tuple[str, int]]:
    return [(name, int(pid)) for name, pid in STARTED.findall(log.read_text())]


def wait_for_start(log, name: str, after: int, seconds: float = 30.0) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = [pid for kind, pid in started(log) if kind == name]
        if len(pids) > after:
            return pids[-1]
        time.sleep(0.2)
    raise AssertionError(f"the {name} was not started again:\n{log.read_text()[-3000:]}")


def forked_by(pid: int, count: int, seconds: float = 30.0) -> list[int]:
    """The processes ``pid`` has started, once there are ``count`` of them."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if len(children) >= count:
            return [int(child) for child in children]
        time.sleep(0.2)
    raise AssertionError(f"pid {pid} did not start {count} processes")


def ended(pid: int) -> bool:
    """Gone, or a zombie nobody has reaped yet (an orphan's parent here may not reap)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(") ", 1)[1].startswith("Z")


def ends(pid: int, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ended(pid):
            return True
        time.sleep(0.2)
    return False


def test_the_demo_restarts_what_dies_and_stops_on_sigterm(tmp_path):
    port = free_port()
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        demo = subprocess.Popen(
            [*SHINBUN, "demo", "--port", str(port), "--data", str(tmp_path / "data")],
            env=environment(tmp_path / "data", testing=False),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    home = f"http://127.0.0.1:{port}/"
    try:
        wait_until_answering(home, demo, seconds=120)
        worker = wait_for_start(log, "worker", after=0)
        forked = forked_by(worker, count=3)  # two workers and the scheduler
        os.kill(worker, signal.SIGKILL)
        new_worker = wait_for_start(log, "worker", after=1)
        assert new_worker != worker
        assert f"the worker (pid {worker}) ended with code -9" in log.read_text()
        # What the killed worker had forked does not go on taking tasks: it stops too.
        assert all(ends(pid) for pid in forked), log.read_text()[-3000:]
        assert f"the worker's consumer (pid {worker}) is gone" in log.read_text()
        assert get(home) == 200

        server = wait_for_start(log, "server", after=0)
        os.kill(server, signal.SIGKILL)
        new_server = wait_for_start(log, "server", after=1)
        assert new_server != server
        wait_until_answering(home, demo, seconds=30)
        assert get(home) == 200
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=30)
    assert demo.returncode == 0
    children = [pid for _kind, pid in started(log)]
    assert all(ended(pid) for pid in children)
