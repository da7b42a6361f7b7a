"""Redis down or restarting (the production cache, django-redis as settings configure
it): readers go on reading, members stay logged in, and the cache fills again once
Redis is back. A real redis-server of the test's own, stopped and started."""

import shutil
import subprocess
import time

import pytest
import redis
from django.core.cache import cache

from shinbun.settings import redis_cache
from tests.conftest import BODY_MARKER
from tests.processes import free_port

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server")


class RedisServer:
    def __init__(self, port: int):
        self.port = port
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture
def own_redis(settings):
    server = RedisServer(free_port())
    server.start()
    settings.CACHES = {"default": redis_cache(f"redis://127.0.0.1:{server.port}/0")}
    settings.PAGE_CACHE_SECONDS = 60
    yield server
    server.stop()


def test_readers_read_through_a_redis_restart(own_redis, make, client_for, paid_member):
    free = make.article(access="free", headline="停止中も読める記事")
    paid = make.article(access="paid")
    subscriber = client_for(paid_member)
    visitor = client_for()

    def read_everything():
        page = visitor.get(free.get_absolute_url())
        assert page.status_code == 200 and "停止中も読める記事" in page.text
        assert visitor.get("/").status_code == 200
        assert visitor.get("/search/", {"q": "記事"}).status_code == 200
        full = subscriber.get(paid.get_absolute_url())
        assert full.status_code == 200 and BODY_MARKER in full.text  # still logged in
        assert subscriber.get("/accounts/").status_code == 200

    read_everything()
    assert cache.get_many(["x"]) == {}  # the cache answers
    own_redis.stop()
    started = time.monotonic()
    read_everything()
    read_everything()
    assert time.monotonic() - started < 10  # a refused connection fails at once
    own_redis.start()  # a fresh, empty Redis
    read_everything()
    visitor.get(free.get_absolute_url())
    assert any(key for key in redis.Redis(port=own_redis.port).scan_iter())  # filled again


@pytest.fixture
def queue_on_a_stopped_redis():
    """The task queue as production runs it (not the tests' immediate mode), on a Redis
    that is not running."""
    from huey import RedisHuey
    from huey.contrib.djhuey import HUEY

    port = free_port()
    storage, immediate = HUEY.storage, HUEY.immediate
    HUEY.immediate = False
    HUEY.storage = RedisHuey("shinbun-outage", port=port).storage
    yield
    HUEY.storage = storage
    HUEY.immediate = immediate


def test_an_edit_during_an_outage_runs_its_flow_at_once(
    queue_on_a_stopped_redis, make, django_capture_on_commit_callbacks
):
    from shinbun.newsroom import publishing
    from shinbun.search import services

    article = make.article(access="free")
    article.headline = "停電中に直した見出し"
    with django_capture_on_commit_callbacks(execute=True):
        publishing.save_edit(article)  # the queue refuses the task: it runs here
    found = services.search("停電中に直した見出し", snippets=False)
    assert [hit.article.pk for hit in found.hits] == [article.pk]
