"""`shinbun serve` as a real process: a few slow clients do not stall the default
threaded workers; the sync workers meant for behind a proxy serve too; a wrong worker
class is refused with a message."""

import os
import signal
import socket
import subprocess
import time
from contextlib import contextmanager

from tests.processes import SHINBUN, environment, free_port, get, wait_until_answering


@contextmanager
def serving(tmp_path, workers: int, **env):
    """`shinbun serve` on a free port, answering; yields (process, port, robots.txt URL)."""
    port = free_port()
    server = subprocess.Popen(
        [*SHINBUN, "serve", "--port", str(port), "--workers", str(workers)],
        env=environment(tmp_path) | env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/robots.txt"
    try:
        wait_until_answering(url, server)
        yield server, port, url
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def test_slow_clients_do_not_stall_the_server(tmp_path):
    with serving(tmp_path, 1) as (_server, port, url):
        slow = []
        try:
            for _ in range(4):  # each sends half a request line and then nothing
                client = socket.create_connection(("127.0.0.1", port))
                client.sendall(b"GET /robots.txt HT")
                slow.append(client)
            time.sleep(0.5)
            started = time.monotonic()
            assert get(url, timeout=2.0) == 200
            assert time.monotonic() - started < 2.0
        finally:  # before the server stops, which would wait for them
            for client in slow:
                client.close()


def test_sync_workers_close_each_connection_after_its_response(tmp_path):
    with serving(tmp_path, 2, SHINBUN_WORKER_CLASS="sync") as (_server, port, _url):
        client = socket.create_connection(("127.0.0.1", port), timeout=5)
        client.sendall(b"GET /robots.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = b""
        while chunk := client.recv(65536):  # the server closes: sync workers keep no connection
            answer += chunk
        client.close()
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 200")
    assert b"connection: close" in head


def test_an_unknown_worker_class_is_refused(tmp_path):
    env = environment(tmp_path) | {"SHINBUN_WORKER_CLASS": "eventlet"}
    done = subprocess.run([*SHINBUN, "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "SHINBUN_WORKER_CLASS must be one of gthread, sync" in done.stderr


def test_a_killed_web_worker_is_replaced_and_readers_do_not_notice(tmp_path):
    with serving(tmp_path, 2) as (server, _port, url):

        def workers() -> set[int]:
            children = f"/proc/{server.pid}/task/{server.pid}/children"
            return {int(pid) for pid in open(children).read().split()}

        while len(workers()) < 2:
            time.sleep(0.1)
        before = workers()
        os.kill(min(before), signal.SIGKILL)
        answers = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            answers.append(get(url, timeout=2.0))
        assert set(answers) == {200}
        while len(workers()) < 2:  # the arbiter starts a new one
            time.sleep(0.1)
        assert workers() != before
