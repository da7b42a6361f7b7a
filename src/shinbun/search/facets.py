"""Facet markers: the section, series, column and keywords of an article, indexed as
words of their own so a filter is one more word a match must hold.

A marker is MARKER_PREFIX, its kind and the row's id (``zzsec3``); the prefix tells a
marker from an analysed word, and one spelling serves indexing and the filters.
"""

MARKER_PREFIX = "zz"
SECTION, SERIES, COLUMN, KEYWORD = "sec", "ser", "col", "kw"


def facet_marker(kind: str, pk: int) -> str:
    return f"{MARKER_PREFIX}{kind}{pk}"


def is_facet_marker(form: str) -> bool:
    return form.startswith(MARKER_PREFIX)
