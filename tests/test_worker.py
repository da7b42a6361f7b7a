"""`shinbun worker`: which of several workers queues the periodic tasks, and the tasks
that must not run twice at once however many queue them."""

import pytest
from huey.contrib.djhuey import HUEY
from huey.exceptions import TaskLockedException

from shinbun.core.worker import consumer_config
from shinbun.mynews import tasks as mynews_tasks
from shinbun.search import tasks as search_tasks


def test_every_worker_but_one_can_leave_the_periodic_tasks(settings):
    assert consumer_config().periodic is True  # the default: one worker queues them
    assert consumer_config(scheduler=False).periodic is False  # --no-scheduler
    settings.HUEY = {**settings.HUEY, "consumer": {**settings.HUEY["consumer"], "periodic": False}}
    assert consumer_config().periodic is False  # SHINBUN_WORKER_SCHEDULER=false
    assert consumer_config().flush_locks is True  # a killed worker's locks are cleared


@pytest.mark.parametrize(
    "task, lock",
    [
        (search_tasks.refit_topics, "search-refit-topics"),
        (search_tasks.refresh_recent_recommendations, "search-refresh-recent"),
        (mynews_tasks.daily_upkeep, "mynews-daily-upkeep"),
    ],
)
def test_a_long_periodic_task_queued_twice_runs_once_at_a_time(db, task, lock):
    with HUEY.lock_task(lock), pytest.raises(TaskLockedException):
        task.call_local()
    task.call_local()  # the lock is free again
