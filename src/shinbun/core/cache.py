"""The shared cache: the embedded default's backend, and cached copies of database state
(read through, several in one round trip, forgotten when the state changes)."""

from collections.abc import Callable
from typing import Any, NamedTuple

from diskcache import DjangoCache
from django.core.cache import cache
from django.db import transaction


class DiskCache(DjangoCache):
    """diskcache's Django cache: SQLite files that every process on the machine opens."""

    def close(self, **kwargs) -> None:
        """Keep the connections open, as Django's Redis cache keeps its pool. Django closes
        every cache when a request finishes; diskcache would reopen its files and re-read
        its settings on the next request, which costs more than the lookups themselves.
        The connections belong to one thread and are reopened after a fork."""


def forget(key: str) -> None:
    """Delete a cached copy of database state now, and again once the transaction that
    changes the state commits: a request may cache the old state in between."""
    cache.delete(key)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: cache.delete(key))


class CachedState(NamedTuple):
    """A copy of database state kept in the shared cache: its key, how to load it, and for
    how long to keep it. A load that finds nothing (None) is not kept."""

    key: str
    load: Callable[[], Any]
    seconds: int


class CachedStates:
    """Copies of database state read from the shared cache in one round trip. A state that
    is missing is loaded (and kept) only when asked for, so a page may read in the same
    round trip a state it needs only for some readers (a free member's meter)."""

    def __init__(self, *states: CachedState):
        self.read = {state.key for state in states}
        # A copy: with Redis down, django-redis answers every get_many with one shared
        # dict, which adding the loaded states would fill for every later caller.
        self.found = dict(cache.get_many(list(self.read)))

    def value(self, state: CachedState) -> Any:
        if state.key not in self.read:
            self.read.add(state.key)
            self.found.update(cache.get_many([state.key]))
        value = self.found.get(state.key)
        if value is None:
            value = state.load()
            if value is not None:
                cache.set(state.key, value, state.seconds)
        self.found[state.key] = value
        return value


def read_through(*states: CachedState) -> list:
    """The values of these states, from the cache in one round trip, or loaded and kept."""
    found = CachedStates(*states)
    return [found.value(state) for state in states]


def count(key: str, seconds: int) -> int:
    """Add one to the counter at ``key`` (created for ``seconds``) and return the count
    now; 0 while the cache is down (Redis's errors are ignored: nothing is counted and
    nothing refused). Both cache backends increment atomically, so concurrent calls all
    count."""
    cache.add(key, 0, seconds)
    try:
        return cache.incr(key) or 0
    except ValueError:  # the counter expired or was evicted between the two calls
        cache.add(key, 1, seconds)
        return 1
