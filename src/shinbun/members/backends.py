"""The authentication backend: allauth's (log-in by e-mail address, with Django's
ModelBackend beneath it for permissions), reading the logged-in user's row with one
plain SQL statement.

Every request with a session reads its user (``django.contrib.auth.get_user``). The
ORM's ``get(pk=...)`` builds and compiles that query each time: on a member's cached
article page that is a third of the page's CPU time, more than its three cache round
trips together (docs/ARCHITECTURE.md, "Member pages"). Here the statement is written
once, run through the router on a cursor, and the instance made with ``Model.from_db``.
"""

from functools import cache

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.db import connections, models, router


@cache
def _user_row() -> tuple[str, tuple[models.Field, ...], list[str]]:
    """The statement that reads one user by primary key, the fields it reads and their
    attribute names: every column but the dates. Drivers return dates in different types
    (PostgreSQL's an aware datetime, SQLite's a naive one in UTC), which the ORM converts;
    they are left deferred, and the ORM reads them on first use (a data export, the
    admin)."""
    meta = get_user_model()._meta
    fields = tuple(
        field
        for field in meta.concrete_fields
        if not isinstance(field, (models.DateField, models.TimeField))
    )
    columns = ", ".join(field.column for field in fields)
    statement = f"SELECT {columns} FROM {meta.db_table} WHERE {meta.pk.column} = %s"
    return statement, fields, [field.attname for field in fields]


class MemberBackend(AuthenticationBackend):
    def get_user(self, user_id):
        if not isinstance(user_id, int) or not -(2**63) <= user_id < 2**63:
            return None  # no row has it (a session from another user model, a bad id)
        model = get_user_model()
        using = router.db_for_read(model)
        statement, fields, names = _user_row()
        with connections[using].cursor() as cursor:
            cursor.execute(statement, [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        # to_python gives each value the ORM's type (SQLite returns booleans as 0 and 1).
        values = [field.to_python(value) for field, value in zip(fields, row, strict=True)]
        user = model.from_db(using, names, values)
        return user if self.user_can_authenticate(user) else None
