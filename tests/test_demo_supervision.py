"""`shinbun demo` as a real process: a killed worker or server is started again and
logged, the site keeps answering, and SIGTERM still stops everything."""

import os
import re
import signal
import subprocess
import time

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


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
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
        os.kill(worker, signal.SIGKILL)
        new_worker = wait_for_start(log, "worker", after=1)
        assert new_worker != worker
        assert f"the worker (pid {worker}) ended with code -9" in log.read_text()
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
    assert all(gone(pid) for pid in children)
