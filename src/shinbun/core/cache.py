"""The shared cache: the embedded default's backend and the one way to forget a cached
copy of database state."""

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
