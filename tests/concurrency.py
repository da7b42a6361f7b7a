"""Running actions in threads at the same moment, as concurrent requests would."""

import threading

from django.db import connection


def at_once(*actions) -> list:
    """Each action's result, or the exception it raised, all started together (each in
    its own thread, with its own database connection, closed after)."""
    start = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(i, action):
        try:
            start.wait()
            results[i] = action()
        except Exception as exc:  # returned to the test, which asserts on it
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
