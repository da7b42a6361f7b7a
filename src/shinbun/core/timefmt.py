"""How times are shown to readers and editors: always Japan time."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.utils import dateformat, formats, timezone

JST = ZoneInfo("Asia/Tokyo")


def jst_at(day: date, clock: str) -> datetime:
    """The moment ``clock`` ("HH:MM", a setting) on ``day`` in Japan time."""
    hour, minute = map(int, clock.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=JST)


def to_jst(moment: datetime) -> datetime:
    return timezone.localtime(moment, JST)


def iso_jst(moment: datetime | None) -> str | None:
    """ISO 8601 in Japan time (2025-04-11T19:30:00+09:00) for files and JSON; None stays."""
    return to_jst(moment).isoformat() if moment else None


def format_jst(moment: datetime) -> str:
    """Always Japanese, for the admin and editors' notes: 2025年4月11日 19:30."""
    return dateformat.format(to_jst(moment), formats.get_format("DATETIME_FORMAT", lang="ja"))


# Reader pages: the active language's format files (shinbun/formats/<lang>/formats.py)
# decide, so Python code and templates' |date:"DATE_FORMAT" write a date the same way.


def format_date(moment: datetime) -> str:
    """The day in Japan: 2025年4月11日, or April 11, 2025 on English pages."""
    return formats.date_format(to_jst(moment), "DATE_FORMAT")


def format_reader(moment: datetime) -> str:
    """2025年4月11日 19:30, or Apr 11, 2025, 19:30 JST on English pages."""
    return formats.date_format(to_jst(moment), "DATETIME_FORMAT")


def format_update(published: datetime, updated: datetime) -> str:
    """The update time after a publication time: the date is repeated only if it differs."""
    pub, upd = to_jst(published), to_jst(updated)
    if pub.date() == upd.date():
        return formats.time_format(upd, "TIME_FORMAT")
    return format_reader(updated)
