"""Session engines whose row lookup is compiled once (core/compiled.py).

Django's database session engines look the row up through the ORM on every request
that carries a session cookie; these load the same row with the same SQL, compiled
once. Everything else (saving, expiry, the cache in front) is Django's.
``SESSION_ENGINE = "shinbun.members.sessions"`` picks the cached engine when every
server process shares one cache (settings.SHARED_CACHE), else the plain one.
"""

from datetime import UTC, datetime
from types import SimpleNamespace

from django.conf import settings
from django.contrib.sessions.backends import cached_db, db
from django.contrib.sessions.models import Session
from django.utils import timezone

from shinbun.core.compiled import CompiledQuery

PLAIN = (str, int, float, bool, type(None))
LIVE_SESSION = CompiledQuery(
    lambda key, moment: Session.objects.filter(session_key=key, expire_date__gt=moment).values_list(
        "session_data", "expire_date"
    ),
    "compiled-sample-session-key",
    datetime(1901, 1, 1, tzinfo=UTC),
)


DECODED_LIMIT = 4096
_decoded: dict[str, dict] = {}


class CompiledLookup:
    # Django's engines sign with their class's name ("SessionStore"); so do these, so
    # that sessions stay valid across the two engines and from Django's own.
    key_salt = "django.contrib.sessions.SessionStore"

    def decode(self, session_data):
        """Django's decode (signature, expiry of the signing, JSON), remembered per
        process for sessions that hold only plain values (a logged-in reader's: user id,
        backend, hash): the row is still read on every request, only the decoding of the
        same bytes is not repeated. A copy is returned, so nothing shared is changed."""
        hit = _decoded.get(session_data)
        if hit is not None:
            return dict(hit)
        data = super().decode(session_data)
        if data and all(isinstance(value, PLAIN) for value in data.values()):
            if len(_decoded) >= DECODED_LIMIT:
                _decoded.clear()
            _decoded[session_data] = dict(data)
        return data

    def _get_session_from_db(self):
        row = LIVE_SESSION.first(self.session_key, timezone.now())
        if row is None:
            self._session_key = None
            return None
        data, expire_date = row
        # What load() reads of the row (a model instance costs more than the query).
        return SimpleNamespace(session_data=data, expire_date=expire_date)


class DatabaseSessionStore(CompiledLookup, db.SessionStore):
    pass


class CachedDatabaseSessionStore(CompiledLookup, cached_db.SessionStore):
    pass


SessionStore = CachedDatabaseSessionStore if settings.SHARED_CACHE else DatabaseSessionStore
