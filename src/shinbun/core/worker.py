"""The background worker (`shinbun worker`): Huey's consumer, whose processes end with it.

With the `process` worker type the consumer forks its workers and its scheduler. If the
consumer is killed outright (SIGKILL, the out-of-memory killer), nothing tells them: they
would go on taking tasks with the code they started with, and a second scheduler would
queue every periodic task twice once the consumer is started again. So each forked
process watches its parent, and when the parent is gone it sets the consumer's stop flag:
the process finishes the task in hand and ends, as on a graceful stop.
"""

import logging
import os
import threading

from django.conf import settings
from django.utils.module_loading import autodiscover_modules
from huey.consumer_options import ConsumerConfig

log = logging.getLogger(__name__)

# How often a forked process looks for its parent, in seconds.
WATCH_SECONDS = 1.0


def watch_parent(stop_flag, parent: int) -> None:
    """Set ``stop_flag`` once this process's parent is no longer ``parent``."""
    while not stop_flag.wait(WATCH_SECONDS):
        if os.getppid() != parent:
            log.warning(
                "the worker's consumer (pid %d) is gone: stopping pid %d", parent, os.getpid()
            )
            stop_flag.set()
            return


def consumer_config(*, scheduler: bool | None = None) -> ConsumerConfig:
    """The consumer's options from the HUEY setting; ``scheduler``: whether it queues the
    periodic tasks (default: SHINBUN_WORKER_SCHEDULER)."""
    options = dict(settings.HUEY.get("consumer", {}))
    if scheduler is not None:
        options["periodic"] = scheduler
    config = ConsumerConfig(**options)
    config.validate()
    return config


def run(*, scheduler: bool | None = None) -> None:
    from huey.contrib.djhuey import HUEY

    autodiscover_modules("tasks")
    config = consumer_config(scheduler=scheduler)
    # Huey's own log lines go through LOGGING in the settings (warnings and errors).
    consumer = HUEY.create_consumer(**config.values)

    def after_fork() -> None:
        threading.Thread(
            target=watch_parent, args=(consumer.stop_flag, os.getppid()), daemon=True
        ).start()

    os.register_at_fork(after_in_child=after_fork)
    log.info(
        "background worker: %d %s worker(s), %s",
        config.workers,
        config.worker_type,
        "queuing the periodic tasks" if config.periodic else "no periodic tasks",
    )
    consumer.run()
