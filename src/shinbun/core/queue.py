"""Handing work to the background worker when the queue's store (Redis, or the SQLite
file of the embedded default) may be down for a moment."""

import logging

log = logging.getLogger(__name__)


def enqueue(task, *args, run_if_down: bool) -> None:
    """Queue a Huey task. If the queue cannot take it, run it here and now
    (``run_if_down``: work that must not be lost, such as a publish flow), or leave it to a
    periodic task that catches up."""
    try:
        task(*args)
    except Exception:  # whatever the store raises: a refused connection, a locked file
        if not run_if_down:
            log.exception("queue unavailable: %s%r left to its periodic catch-up", task.name, args)
            return
        log.exception("queue unavailable: %s%r runs now", task.name, args)
        task.call_local(*args)
