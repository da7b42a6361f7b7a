"""Querysets compiled to SQL once, run again with new values (the logged-in hot path).

Every logged-in request asks the same few lookups (the session, the user, the live
subscription, the article's state, the meter). Through the ORM each costs ~20 times
the query's own time in building and compiling the queryset (~300 µs against ~15 µs
on the bench machine). A :class:`CompiledQuery` builds its queryset once per database
from *sample* values, finds where each sample landed among the SQL parameters, and
afterwards only substitutes the new values (adapted for the database as the ORM adapts
them), executes, and converts the rows with the ORM's own converters. The SQL is the
ORM's, so the rules (``published()``, ``live()``) stay written once, on the QuerySet.

Samples must be values that no constant of the query can equal (a negative id, an
impossible date): each must appear among the compiled parameters, and only where the
value goes. The query's *shape* must not depend on the values.
"""

from contextlib import contextmanager
from datetime import date, datetime
from enum import Enum
from functools import lru_cache

from django.conf import settings
from django.db import connections
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX
from django.db.models import Model, signals
from django.db.models.base import ModelState
from django.db.models.fields.mixins import FieldCacheMixin
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.utils.dateparse import parse_datetime


class CompiledQuery:
    def __init__(self, build, *samples):
        """``build(*values)`` returns the queryset; ``samples`` are the values to compile
        it with (see the module's docstring)."""
        self._build = build
        self._samples = samples
        self._by_alias = {}

    def _compile(self, alias: str):
        connection = connections[alias]
        queryset = self._build(*self._samples)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        # Plain values: a str subclass (TextChoices) costs the driver an adaptation lookup.
        params = [param.value if isinstance(param, Enum) else param for param in params]
        slots = []
        for sample in self._samples:
            adapted = _adapt(connection, sample)
            where = [i for i, param in enumerate(params) if param == adapted]
            if not where:
                raise ValueError(f"sample {sample!r} is not among the query's parameters")
            slots.append(where)
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        # One (position, function, expression) a conversion, in the order Django applies
        # them: one loop a row instead of two.
        converters = [
            (position, _faster(connection, function), expression)
            for position, (functions, expression) in compiler.get_converters(fields).items()
            for function in functions
        ]
        instances = None
        if queryset._fields is None:  # model instances, as ModelIterable makes them
            info = compiler.klass_info
            related = [_related(compiler, i) for i in info.get("related_klass_infos", [])]
            annotations = list(compiler.annotation_col_map.items())
            instances = (_columns(compiler, info), annotations, related)
        compiled = (sql, params, slots, converters, instances)
        self._by_alias[alias] = compiled
        return compiled

    def rows(self, *values, using: str = "default") -> list:
        """The result rows (lists of converted values, or model instances when the
        queryset is a plain ``Model.objects...`` without ``values``). Rows of one
        select_related object share one instance of it, as prefetch_related's do (a
        result page's articles of one section: 20 Section instances were 2.25 a page)."""
        try:
            sql, params, slots, converters, instances = self._by_alias[using]
        except KeyError:
            sql, params, slots, converters, instances = self._compile(using)
        connection = connections[using]
        params = list(params)
        if len(values) != len(slots):
            raise TypeError(f"{len(slots)} values expected, {len(values)} given")
        for where, value in zip(slots, values):  # noqa: B905 (lengths checked above)
            adapted = _adapt(connection, value)
            for i in where:
                params[i] = adapted
        rows = [list(row) for row in _execute(connection, sql, params)]
        for row in rows:
            for position, function, expression in converters:
                row[position] = function(row[position], expression, connection)
        if instances is None:
            return rows
        (model, start, end, attnames, plain), annotations, related = instances
        build = _builder(model, attnames, plain, using)
        links = [
            (first, after, pk_at, _builder(other, names, simple, using), cache, {})
            for (other, first, after, names, simple), pk_at, cache, _ in related
        ]
        remotes = [(cache, to_remote) for _, _, cache, to_remote in related if to_remote]
        objects = []
        for row in rows:
            cached = None
            if links:
                cached = {}
                for first, after, pk_at, build_linked, cache, shared in links:
                    values = row[first:after]
                    pk = values[pk_at]
                    if pk is None:
                        linked = None
                    elif (linked := shared.get(pk)) is None:
                        linked = shared[pk] = build_linked(values, None)
                    cached[cache] = linked
            obj = build(row[start:end], cached)
            for name, position in annotations:
                setattr(obj, name, row[position])
            for cache, to_remote in remotes:
                if (linked := cached[cache]) is not None:
                    to_remote(linked, obj)
            objects.append(obj)
        return objects

    def first(self, *values, using: str = "default"):
        rows = self.rows(*values, using=using)
        return rows[0] if rows else None


def _faster(connection, function):
    """The converter, or one giving the same values with less work: SQLite's datetime
    columns arrive naive (the driver parses them for Django, or as text) and are given
    the connection's time zone by ``datetime.combine``, as Django's converter does
    through settings, make_aware and ``replace(tzinfo=...)``, whose keyword argument
    alone costs seven times the combine (two datetimes a search result)."""
    if connection.vendor != "sqlite" or not settings.USE_TZ:
        return function
    if getattr(function, "__func__", None) is not type(connection.ops).convert_datetimefield_value:
        return function
    zone = connection.timezone
    combine = datetime.combine

    def convert(value, expression, connection):
        if value.__class__ is str:
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                value = parse_datetime(value)
        if value is not None and value.tzinfo is None:
            value = combine(value, value.time(), zone)
        return value

    return convert


def _columns(compiler, info) -> tuple:
    """(model, first column, end, attnames, plain) of one model's columns in the rows."""
    start, end = info["select_fields"][0], info["select_fields"][-1] + 1
    attnames = [column[0].target.attname for column in compiler.select[start:end]]
    return info["model"], start, end, attnames, _plain(info["model"], attnames)


def _plain(model, attnames: list[str]) -> bool:
    """Whether Model.from_db would only store these values in the new instance's
    ``__dict__``: the model's own from_db, and attributes whose descriptors have no
    setter or, for a foreign key's id, one that only forgets a cached related object
    (a new instance has none)."""
    if model.from_db.__func__ is not Model.from_db.__func__:
        return False
    kinds = (DeferredAttribute, ForeignKeyDeferredAttribute)
    return all(type(model.__dict__.get(name)) in kinds for name in attnames)


def _builder(model, attnames: list[str], plain: bool, using: str):
    """(values, the related instances' cache or None) -> a model instance, as
    Model.from_db makes it. From_db costs ~20 µs an
    instance (filling every field left out as deferred, then ``__init__`` setting each
    value); forty of them were a third of a search's time on top of the engine. Where
    nothing but the values goes into the instance (``plain``, and no pre_init or
    post_init receiver for the model), the instance is made with its ``__dict__`` and
    state set as ``__init__`` and from_db leave them: ~2 µs. Fields not selected stay
    deferred (loaded on access), as with from_db."""
    if not plain or signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):

        def from_db(values, cached):
            obj = model.from_db(using, attnames, values)
            if cached:
                obj._state.fields_cache.update(cached)
            return obj

        return from_db

    new = model.__new__

    def build(values, cached):
        # No keyword arguments: a C function called with them parses them by name, which
        # cost more than the rest of the instance (the values fit the names: the row's
        # columns were cut by the same compiled query). The related instances' cache is
        # the state's from the start (ModelState makes it on first use, a Python call).
        obj = new(model)
        state = ModelState()
        state.adding, state.db = False, using
        if cached is not None:
            state.fields_cache = cached
        fields = obj.__dict__
        fields.update(zip(attnames, values))  # noqa: B905 (see above)
        fields["_state"] = state
        return obj

    return build


def _related(compiler, info) -> tuple:
    """A select_related model, cached on each instance as Django's RelatedPopulator
    caches it (one level: a related model's own select_related is not supported)."""
    if info.get("related_klass_infos") or info.get("from_parent"):
        raise ValueError("nested select_related and inherited models are not supported")
    columns = _columns(compiler, info)
    pk_at = columns[3].index(info["model"]._meta.pk.attname)
    # The local setter caches the related instance under the field's cache name (set
    # here directly: one call a row less); the remote one caches the instance on the
    # related one for a one-to-one link, for a foreign key it does nothing (left out).
    remote = info["remote_setter"] if info["field"].unique else None
    setter = info["local_setter"]
    if getattr(setter, "__func__", None) is not FieldCacheMixin.set_cached_value:
        raise ValueError("only a relation's own select_related is supported")
    return columns, pk_at, setter.__self__.cache_name, remote


def _execute(connection, sql: str, params: list) -> list:
    with driver_cursor(connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@contextmanager
def driver_cursor(connection):
    """A cursor for the hot paths (a search's queries, compiled lookups): Django's when
    anything watches the queries (DEBUG, the query-count tests' capture, execute
    wrappers), else the driver's own, under Django's connection handling and error
    translation. Django's cursor wrapper costs several times what a small query costs
    here; on SQLite it also rewrites %s to ? with a regular expression on every
    execution, which is done here once per statement."""
    connection = connections[connection.alias]  # the proxy looks it up on every access
    if connection.queries_logged or connection.execute_wrappers:
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    connection.validate_no_broken_transaction()
    with connection.wrap_database_errors:
        if connection.vendor == "sqlite":
            cursor = _QmarkCursor(connection.connection.cursor())
        else:
            cursor = connection.create_cursor()
        try:
            yield cursor
        finally:
            cursor.close()


class _QmarkCursor:
    """An SQLite cursor taking Django's %s placeholders."""

    def __init__(self, cursor):
        self._cursor = cursor
        self.fetchone, self.fetchall, self.close = cursor.fetchone, cursor.fetchall, cursor.close

    def execute(self, sql: str, params=()):
        return self._cursor.execute(_qmark(sql), params)


@lru_cache(maxsize=1024)
def _qmark(sql: str) -> str:
    return FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")  # as Django's wrapper does


def _adapt(connection, value):
    if value.__class__ is int or value.__class__ is str:  # most values: nothing to adapt
        return value
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value
