"""The one pagination policy of pages and the API.

Lists in time order (section, series, column and keyword pages, the API's article list)
are walked by a keyset cursor, never by an offset: ``?before=CURSOR`` asks for the items
older than the one the cursor names, ``?after=CURSOR`` for those newer than it. A cursor
is the (published_at, id) of an item, written ``<microseconds since 1970>-<id>``. Each
page is one walk down an index that stops after a page, however deep the archive, and
no list counts its rows.

Lists that cannot be walked by a key (search results by relevance) page by offset, up to
MAX_PAGES pages: page numbers 1..MAX_PAGES on pages, offsets up to MAX_OFFSET in the API.

Bad input (a malformed cursor or page number, a page beyond the bound) is a 404 on pages
whose message (BadPage) the 404 page shows, and a 4xx with a Japanese detail in the API.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404

CURSOR_PARAMS = ("before", "after")
MAX_PAGES = 100
MAX_LIMIT = 100  # items per API page
MAX_OFFSET = MAX_PAGES * MAX_LIMIT

CURSOR_HELP = (
    "前のページの next の値。これより古い記事を返します(published_at と id によるカーソル)。"
)
BAD_CURSOR = "ページの指定(カーソル)が正しくありません。"
BAD_PAGE = f"ページ番号は1から{MAX_PAGES}までの数字で指定してください。"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_CURSOR = re.compile(r"(\d{1,18})-(\d{1,18})")
_MAX_ID = 2**63 - 1


class BadPage(Http404):
    """A page that cannot exist; its message is for the reader (Japanese)."""


@dataclass(frozen=True)
class Cursor:
    published_at: datetime
    id: int

    @classmethod
    def of(cls, item) -> "Cursor":
        return cls(item.published_at, item.pk)

    @classmethod
    def parse(cls, raw: str) -> "Cursor":
        """A cursor from its text; BadPage if it is not one."""
        match = _CURSOR.fullmatch(raw)
        if match is None or int(match[2]) > _MAX_ID:
            raise BadPage(BAD_CURSOR)
        try:
            moment = _EPOCH + int(match[1]) * _MICROSECOND
        except OverflowError:
            raise BadPage(BAD_CURSOR) from None
        return cls(moment, int(match[2]))

    def __str__(self) -> str:
        return f"{(self.published_at - _EPOCH) // _MICROSECOND}-{self.id}"

    def older(self) -> Q:
        return Q(published_at__lt=self.published_at) | Q(
            published_at=self.published_at, id__lt=self.id
        )

    def newer(self) -> Q:
        return Q(published_at__gt=self.published_at) | Q(
            published_at=self.published_at, id__gt=self.id
        )


@dataclass
class KeysetPage:
    items: list
    next: Cursor | None  # older items follow: ?before=next
    previous: Cursor | None  # newer items come before: ?after=previous


def keyset_page(
    queryset: QuerySet, size: int, before: Cursor | None = None, after: Cursor | None = None
) -> KeysetPage:
    """One page of a list newest first, older than `before` or newer than `after` (one
    query of size + 1 rows: the extra row tells whether the walk goes on)."""
    if after is not None:
        rows = list(queryset.filter(after.newer()).order_by("published_at", "id")[: size + 1])
        if len(rows) > size:
            items = rows[:size][::-1]
            return KeysetPage(items, next=Cursor.of(items[-1]), previous=Cursor.of(items[0]))
        if not rows:
            return KeysetPage([], next=None, previous=None)
        # Back at the newest items: the first page, full, as the list's own URL shows it.
    elif before is not None:
        queryset = queryset.filter(before.older())
    rows = list(queryset.order_by("-published_at", "-id")[: size + 1])
    items = rows[:size]
    return KeysetPage(
        items,
        next=Cursor.of(items[-1]) if len(rows) > size else None,
        previous=Cursor.of(items[0]) if before is not None and items else None,
    )


def cursors_of(request) -> dict[str, Cursor]:
    """The request's ?before= or ?after= cursor ({} for neither). One that is malformed,
    given twice, or both together are a BadPage (404)."""
    cursors = {}
    for name in CURSOR_PARAMS:
        values = request.GET.getlist(name)
        if len(values) > 1:
            raise BadPage(BAD_CURSOR)
        if values:
            cursors[name] = Cursor.parse(values[0])
    if len(cursors) > 1:
        raise BadPage(BAD_CURSOR)
    return cursors


def keyset_page_for(request, queryset: QuerySet, size: int) -> KeysetPage:
    """The page a request's ?before= or ?after= asks for. A cursor that is malformed, given
    twice, or leads past either end of the list is a BadPage (404)."""
    cursors = cursors_of(request)
    page = keyset_page(queryset, size, **cursors)
    if cursors and not page.items:
        raise BadPage("この先に記事はありません。")
    return page


def page_number(raw: str | None) -> int:
    """?page=N for N in 1..MAX_PAGES (absent: 1); anything else is a BadPage (404)."""
    if raw is None:
        return 1
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3) or not 1 <= int(raw) <= MAX_PAGES:
        raise BadPage(BAD_PAGE)
    return int(raw)
