"""How times are shown to readers and editors: always Japan time."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

JST = ZoneInfo("Asia/Tokyo")


def to_jst(moment: datetime) -> datetime:
    return timezone.localtime(moment, JST)


def format_jst(moment: datetime) -> str:
    """2025年4月11日 19:30"""
    local = to_jst(moment)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def format_update(published: datetime, updated: datetime) -> str:
    """The update time after a publication time: the date is repeated only if it differs."""
    pub, upd = to_jst(published), to_jst(updated)
    if pub.date() == upd.date():
        return f"{upd:%H:%M}"
    return format_jst(updated)
