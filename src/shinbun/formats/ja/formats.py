"""Dates on Japanese pages and in the admin (Japan time, 24-hour clock)."""

DATE_FORMAT = "Y年n月j日"  # 2026年12月6日
DATETIME_FORMAT = "Y年n月j日 H:i"  # 2026年12月6日 14:05
TIME_FORMAT = "H:i"  # 14:05
