"""The ONE place that decides who may read what.

Every channel (article page, print view, API, feeds, OGP/meta tags, JSON-LD, search
snippets, later e-mails) asks :func:`decide` and shows the full text only when it
says so. Content for readers is fetched through :func:`readable_blocks` /
:func:`readable_text`, so a new view cannot forget the check.

:func:`decide` is pure: the reader (who, at which moment: see :func:`reader_for`),
the article's access level and, for a free member on a paid article, the state of
the monthly meter. :func:`open_article` is what a channel that shows the full text
calls: it loads the meter (a fixed number of queries whatever the reader's history)
and counts the read when the meter opens the article.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from shinbun.core.cache import CachedState, CachedStates, forget, read_through
from shinbun.core.timefmt import JST
from shinbun.members.models import MeteredRead, MeterSetting, Subscription, User


class ReaderKind(StrEnum):
    VISITOR = "visitor"  # 非会員
    FREE = "free"  # 無料会員
    TRIALING = "trialing"  # 無料体験中の有料会員
    PAID = "paid"  # 有料会員
    EXPERT = "expert"  # エキスパート (a free member who writes Think!)
    EDITOR = "editor"  # 編集者


PAID_KINDS = (ReaderKind.PAID, ReaderKind.TRIALING)
MEMBER_KINDS = (ReaderKind.FREE, ReaderKind.EXPERT)  # members without a paid plan
ACCESS_LEVELS = ("free", "members", "paid")


class Reason(StrEnum):
    FREE_ARTICLE = "free_article"
    MEMBER = "member"
    PAID_MEMBER = "paid_member"
    TRIAL = "trial"
    METER = "meter"
    NEWSLETTER_UNLOCK = "newsletter_unlock"
    EDITOR = "editor"
    LEAD_ONLY = "lead_only"
    METER_EXHAUSTED = "meter_exhausted"
    # The meter would open it, but this request is no read (HEAD, a prefetch), so no
    # read was spent and the full text is not shown.
    METER_NOT_SPENT = "meter_not_spent"


@dataclass(frozen=True)
class Reader:
    kind: ReaderKind
    user_id: int | None = None
    # Articles this browser opened through the newsletter's confirmation link.
    unlocked: frozenset[int] = field(default=frozenset(), compare=False)

    @property
    def is_paid(self) -> bool:
        return self.kind in PAID_KINDS

    @property
    def is_member(self) -> bool:
        return self.kind != ReaderKind.VISITOR


@dataclass(frozen=True)
class MeterState:
    """A free member's meter for one calendar month (Japan time)."""

    limit: int
    used: int  # paid articles counted this month
    counted: bool  # this article is one of them

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)


@dataclass(frozen=True)
class Decision:
    full_text: bool
    reason: Reason
    meter: MeterState | None = None

    @property
    def needs_count(self) -> bool:
        """Opening the article uses one of the month's metered reads."""
        return self.reason == Reason.METER and self.meter is not None and not self.meter.counted

    @property
    def meter_remaining(self) -> int | None:
        return None if self.meter is None else self.meter.remaining


VISITOR = Reader(ReaderKind.VISITOR)


class ArticleRef(NamedTuple):
    """What the decision needs of an article, where loading the Article would cost more
    than the decision (the member page's hot path)."""

    pk: int
    access: str


# Whoever did not cancel keeps reading this long after the period's end: the renewal (the
# provider's notice, or the periodic pass) may land a little late.
RENEWAL_SLACK = timedelta(days=1)


class SubscriptionState(NamedTuple):
    """What the access rule needs of a member's live subscription."""

    status: str
    current_period_end: datetime | None
    cancel_at_period_end: bool


NO_SUBSCRIPTION = SubscriptionState("", None, False)


def grants_access(subscription: SubscriptionState | Subscription | None, now: datetime) -> bool:
    """Does this subscription make its member a paid reader at this moment?"""
    if subscription is None or subscription.status not in Subscription.LIVE:
        return False
    end = subscription.current_period_end
    if subscription.status == Subscription.Status.PAST_DUE:
        end += timedelta(days=settings.PAST_DUE_GRACE_DAYS)
    elif not subscription.cancel_at_period_end:
        end += RENEWAL_SLACK
    return now < end


def reader_for(user, now: datetime | None = None) -> Reader:
    """Who this user is as a reader at this moment (one query for a member, none while
    their subscription's state is cached)."""
    if user is None or not user.is_authenticated:
        return VISITOR
    if user.is_staff:
        return Reader(ReaderKind.EDITOR, user.pk)
    return reader_of(user, subscription_state(user.pk), now)


def reader_of(user, subscription: SubscriptionState, now: datetime | None = None) -> Reader:
    """A member (not an editor) as a reader, given their subscription's state."""
    if grants_access(subscription, now or timezone.now()):
        paid = subscription.status != Subscription.Status.TRIALING
        return Reader(ReaderKind.PAID if paid else ReaderKind.TRIALING, user.pk)
    if user.is_expert:
        return Reader(ReaderKind.EXPERT, user.pk)
    return Reader(ReaderKind.FREE, user.pk)


# The reader's subscription state, cached per member ----------------------------------
#
# What reader_for needs from the live subscription (its status and period), not the
# decision: the moment is applied on every request, so a period that ends needs no
# invalidation. Every change of a Subscription row (members/services.py, the admin,
# payment notices), the member's deletion and logout call forget_reader (receivers in
# members/receivers.py), now and again once the transaction commits. The TTL bounds a
# request that read the old row just before the change committed.

READER_STATE_SECONDS = 60


def _reader_key(user_id: int) -> str:
    return f"members:reader-state:{user_id}"


def _live_subscription(user_id: int) -> SubscriptionState:
    row = (
        Subscription.objects.live()
        .filter(user_id=user_id)
        .order_by("id")
        .values_list(*SubscriptionState._fields)
        .first()
    )
    return NO_SUBSCRIPTION if row is None else SubscriptionState(*row)


def cached_subscription_state(user_id: int) -> CachedState:
    """The member's live subscription's status and period end (NO_SUBSCRIPTION if none)."""
    return CachedState(
        _reader_key(user_id), lambda: _live_subscription(user_id), READER_STATE_SECONDS
    )


def subscription_state(user_id: int) -> SubscriptionState:
    return read_through(cached_subscription_state(user_id))[0]


def forget_reader(user_id: int | None) -> None:
    """The one invalidation of a member's cached reader state: call it on every change of
    their subscriptions, on logout and on deletion."""
    if user_id is not None:
        forget(_reader_key(user_id))


def decide(
    reader: Reader, access: str, *, meter: MeterState | None = None, unlocked: bool = False
) -> Decision:
    """May this reader read an article of this access level (free/members/paid) in full?

    ``meter`` is the free member's monthly meter (see :func:`meter_state`); without it a
    paid article stays closed to them. ``unlocked`` is a newsletter unlock of this article
    for this reader.
    """
    if access == "free":
        return Decision(True, Reason.FREE_ARTICLE)
    if access not in ACCESS_LEVELS:
        return Decision(False, Reason.LEAD_ONLY)
    if reader.kind == ReaderKind.EDITOR:
        return Decision(True, Reason.EDITOR)
    if reader.kind == ReaderKind.PAID:
        return Decision(True, Reason.PAID_MEMBER)
    if reader.kind == ReaderKind.TRIALING:
        return Decision(True, Reason.TRIAL)
    if access == "members" and reader.kind in MEMBER_KINDS:
        return Decision(True, Reason.MEMBER)
    if unlocked:
        return Decision(True, Reason.NEWSLETTER_UNLOCK)
    if access == "paid" and reader.kind in MEMBER_KINDS and meter is not None:
        if meter.counted or meter.used < meter.limit:
            return Decision(True, Reason.METER, meter)
        return Decision(False, Reason.METER_EXHAUSTED, meter)
    return Decision(False, Reason.LEAD_ONLY)


def newsletter_unlocked(reader: Reader, article) -> bool:
    """Has this reader unlocked this article through the newsletter sign-up (SPEC §2.9)?
    A confirmed sign-up from an article's box opens that article, in the browser that
    confirmed it (its session), whether or not the reader is a member."""
    return article.pk in reader.unlocked


# The unlocks a browser holds, in its session (a visitor gets one when they confirm).
UNLOCKS_SESSION_KEY = "newsletter_unlocks"
MAX_UNLOCKS = 100


def session_unlocks(session) -> frozenset[int]:
    """Without a session cookie this reads nothing (no cache or database round trip)."""
    return frozenset(session.get(UNLOCKS_SESSION_KEY, ()))


def remember_unlock(session, article_id: int) -> None:
    kept = [pk for pk in session.get(UNLOCKS_SESSION_KEY, []) if pk != article_id]
    session[UNLOCKS_SESSION_KEY] = [*kept[-(MAX_UNLOCKS - 1) :], article_id]


def with_unlocks(reader: Reader, session) -> Reader:
    unlocked = session_unlocks(session)
    return replace(reader, unlocked=unlocked) if unlocked else reader


def reader_for_request(request, now: datetime | None = None) -> Reader:
    """The reader of a page request: who they are, and the unlocks their browser holds."""
    return with_unlocks(reader_for(request.user, now), request.session)


def meter_month(now: datetime) -> date:
    """The meter's month: the first day of the calendar month in Japan time."""
    return now.astimezone(JST).date().replace(day=1)


def is_metered(reader: Reader, access: str) -> bool:
    return access == "paid" and reader.kind in MEMBER_KINDS and reader.user_id is not None


def _meter_key(user_id: int, month: date) -> str:
    return f"members:meter:{user_id}:{month.isoformat()}"


def _metered_articles(user_id: int, month: date) -> frozenset[int]:
    """The paid articles counted for this member this month: never more than the limit."""
    reads = MeteredRead.objects.filter(user_id=user_id, month=month)
    return frozenset(reads.values_list("article_id", flat=True))


def cached_meter(user_id: int, month: date) -> CachedState:
    """The paid articles counted for this member this month (count_read forgets it)."""
    return CachedState(
        _meter_key(user_id, month),
        lambda: _metered_articles(user_id, month),
        READER_STATE_SECONDS,
    )


def meter_limit() -> int:
    """The articles a month the meter allows: the operator's setting, or without one
    SHINBUN_METER_LIMIT."""
    limit = MeterSetting.objects.filter(pk=1).values_list("limit", flat=True).first()
    return settings.METER_LIMIT if limit is None else limit


METER_LIMIT_KEY = "members:meter-limit"


def cached_meter_limit() -> CachedState:
    """Forgotten when the operator changes it (services.set_meter_limit)."""
    return CachedState(METER_LIMIT_KEY, meter_limit, READER_STATE_SECONDS)


def meter_state(
    user_id: int, article_id: int, month: date, cached: CachedStates | None = None
) -> MeterState:
    """From the shared cache (``cached``: read with other states in one round trip, the
    meter and its limit among them), or one query whatever the member's history."""
    meter, limit = cached_meter(user_id, month), cached_meter_limit()
    found = cached or CachedStates(meter, limit)
    counted = found.value(meter)
    return MeterState(found.value(limit), len(counted), article_id in counted)


def count_read(user_id: int, article_id: int, month: date, now: datetime, limit: int) -> MeterState:
    """Count a metered read, at most once per article and month, never past ``limit``
    (the one the reader's decision was made with).

    The member's row is locked first (SELECT ... FOR UPDATE on PostgreSQL; SQLite runs
    IMMEDIATE transactions, which take the write lock at BEGIN), so two concurrent reads
    are counted one after the other; the unique (user, month, article) constraint backs it.
    """
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user_id).values_list("pk").first()
        # Only a cached meter that said "count it" leads here: forgotten, as it may be stale.
        forget(_meter_key(user_id, month))
        counted = _metered_articles(user_id, month)
        state = MeterState(limit, len(counted), article_id in counted)
        if state.counted or state.used >= state.limit:
            return state
        try:
            with transaction.atomic():
                MeteredRead.objects.create(
                    user_id=user_id, article_id=article_id, month=month, read_at=now
                )
        except IntegrityError:
            return MeterState(state.limit, state.used, True)
        return MeterState(state.limit, state.used + 1, True)


def open_article(
    reader: Reader,
    article,
    now: datetime | None = None,
    cached: CachedStates | None = None,
    *,
    spend: bool = True,
) -> Decision:
    """The decision for a channel that shows the full text, counting a metered read.
    ``cached``: states the caller has read in one round trip, the meter among them.
    ``spend=False`` for a request that is no real read (HEAD, a prefetch): a read that
    would have to be counted is not, and the full text stays closed."""
    decision = decide(reader, article.access, unlocked=newsletter_unlocked(reader, article))
    if decision.full_text or not is_metered(reader, article.access):
        return decision
    now = now or timezone.now()
    month = meter_month(now)
    state = meter_state(reader.user_id, article.pk, month, cached)
    decision = decide(reader, article.access, meter=state)
    if decision.needs_count and not spend:
        return Decision(False, Reason.METER_NOT_SPENT, state)
    if decision.needs_count:
        state = count_read(reader.user_id, article.pk, month, now, state.limit)
        decision = decide(reader, article.access, meter=state)
    return decision


def readable_blocks(article, decision: Decision) -> list[dict]:
    """The body blocks a reader may receive: all of them, or none (the lead stands alone)."""
    return list(article.blocks) if decision.full_text else []


def readable_text(article, decision: Decision) -> str:
    """Plain text for machine channels: the full body or only the lead."""
    if decision.full_text:
        return "\n\n".join(part for part in (article.lead, article.body_text) if part)
    return article.lead
