"""The search engine of the database articles are searched in."""

from django.db import connections, router

from shinbun.search.engine import Engine
from shinbun.search.engines.postgres import PostgresEngine
from shinbun.search.engines.sqlite import SQLiteEngine
from shinbun.search.models import SearchDocument


def backend() -> Engine:
    """The engine of the search tables' database: searches read where the router sends
    reads of SearchDocument, index writes go where it sends their writes."""
    read, write = router.db_for_read(SearchDocument), router.db_for_write(SearchDocument)
    if connections[write].vendor == "postgresql":
        return PostgresEngine(read, write)
    return SQLiteEngine(read, write)
