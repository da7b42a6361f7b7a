"""Dates on English pages. Every time a reader sees is Japan time, so a time says so."""

DATE_FORMAT = "F j, Y"  # December 6, 2026
DATETIME_FORMAT = "M j, Y, H:i T"  # Dec 6, 2026, 14:05 JST
TIME_FORMAT = "H:i T"  # 14:05 JST
