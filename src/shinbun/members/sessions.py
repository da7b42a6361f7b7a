"""Session engines whose row lookup is compiled once (core/compiled.py).

Django's database session engines look the row up through the ORM on every request
that carries a session cookie; these load the same row with the same SQL, compiled
once. Everything else (saving, expiry, the cache in front) is Django's.
``SESSION_ENGINE = "shinbun.members.sessions"`` picks the cached engine when every
server process shares one cache (settings.SHARED_CACHE), else the plain one.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.contrib.sessions.backends import cached_db, db
from django.contrib.sessions.models import Session
from django.utils import timezone

from shinbun.core.compiled import CompiledQuery

LIVE_SESSION = CompiledQuery(
    lambda key, moment: Session.objects.filter(session_key=key, expire_date__gt=moment).values_list(
        "session_data", "expire_date"
    ),
    "compiled-sample-session-key",
    datetime(1901, 1, 1, tzinfo=UTC),
)


class CompiledLookup:
    def _get_session_from_db(self):
        row = LIVE_SESSION.first(self.session_key, timezone.now())
        if row is None:
            self._session_key = None
            return None
        data, expire_date = row
        return self.model(session_key=self.session_key, session_data=data, expire_date=expire_date)


class DatabaseSessionStore(CompiledLookup, db.SessionStore):
    pass


class CachedDatabaseSessionStore(CompiledLookup, cached_db.SessionStore):
    pass


SessionStore = CachedDatabaseSessionStore if settings.SHARED_CACHE else DatabaseSessionStore
