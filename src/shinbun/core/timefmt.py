"""How times are shown to readers and editors: always Japan time."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.utils import timezone, translation

JST = ZoneInfo("Asia/Tokyo")


def jst_at(day: date, clock: str) -> datetime:
    """The moment ``clock`` ("HH:MM", a setting) on ``day`` in Japan time."""
    hour, minute = map(int, clock.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=JST)


def to_jst(moment: datetime) -> datetime:
    return timezone.localtime(moment, JST)


def format_jst(moment: datetime) -> str:
    """2025年4月11日 19:30"""
    local = to_jst(moment)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def english() -> bool:
    return (translation.get_language() or "").startswith("en")


def format_date(moment: datetime) -> str:
    """2025年4月11日, or 11 Apr 2025 on English pages."""
    local = to_jst(moment)
    if english():
        return f"{local.day} {local:%b %Y}"
    return f"{local.year}年{local.month}月{local.day}日"


def format_reader(moment: datetime) -> str:
    """Reader pages: 2025年4月11日 19:30, or 11 Apr 2025, 19:30 on English pages."""
    if english():
        local = to_jst(moment)
        return f"{format_date(local)}, {local:%H:%M}"
    return format_jst(moment)


def format_update(published: datetime, updated: datetime) -> str:
    """The update time after a publication time: the date is repeated only if it differs."""
    pub, upd = to_jst(published), to_jst(updated)
    if pub.date() == upd.date():
        return f"{upd:%H:%M}"
    return format_reader(updated)
