"""`shinbun serve` as a real process: a few slow clients do not stall it."""

import signal
import socket
import subprocess
import time

from tests.processes import SHINBUN, environment, free_port, get, wait_until_answering


def test_slow_clients_do_not_stall_the_server(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [*SHINBUN, "serve", "--port", str(port), "--workers", "1"],
        env=environment(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/robots.txt"
    slow = []
    try:
        wait_until_answering(url, server)
        for _ in range(4):  # each sends half a request line and then nothing
            client = socket.create_connection(("127.0.0.1", port))
            client.sendall(b"GET /robots.txt HT")
            slow.append(client)
        time.sleep(0.5)
        started = time.monotonic()
        assert get(url, timeout=2.0) == 200
        assert time.monotonic() - started < 2.0
    finally:
        for client in slow:
            client.close()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
