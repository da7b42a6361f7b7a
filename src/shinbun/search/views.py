from datetime import date

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe

from shinbun.core import pagination
from shinbun.members import entitlements
from shinbun.mynews import services as mynews
from shinbun.newsroom.models import Section
from shinbun.search import services

# The calendar a date filter can name. A date outside it filters as the nearer end: the
# archive holds nothing older or newer, and the day after a "to" date, where its range
# ends, must still be a date (9999-12-31 has no next day).
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2999, 12, 31)


def archive_date(value: date) -> date:
    return min(max(value, EARLIEST_DATE), LATEST_DATE)


def parse_date(value: str | None) -> date | None:
    try:
        return archive_date(date.fromisoformat(value)) if value else None
    except ValueError:
        return None


def _filters(params) -> services.Filters:
    def slug(name):
        value = params.get(name, "").strip()
        return value[:100] or None

    return services.Filters(
        section=slug("section"),
        series=slug("series"),
        column=slug("column"),
        keyword=slug("keyword"),
        date_from=parse_date(params.get("from")),
        date_to=parse_date(params.get("to")),
    )


@require_safe
def search_page(request):
    raw = request.GET.get("q", "")
    sort = request.GET.get("sort", "newest")
    if sort not in services.SORTS:
        sort = "newest"
    page_number = pagination.page_number(request.GET.get("page"))
    size = settings.PAGE_SIZE
    result = None
    reader = entitlements.reader_for(request.user)
    if raw.strip():
        result = services.search(
            raw,
            _filters(request.GET),
            sort=sort,
            limit=size,
            offset=(page_number - 1) * size,
            reader=reader,
        )
    has_next = bool(
        result and page_number * size < result.count and page_number < pagination.MAX_PAGES
    )
    params = request.GET.copy()
    params.pop("page", None)
    follow = None  # 「この言葉をフォロー」: (the word, a paid member's state of it)
    if raw.strip() and reader.is_paid:
        follow = mynews.word_marks(request.user, raw)
    response = render(
        request,
        "search/search.html",
        {
            "q": raw[:256],
            "sort": sort,
            "result": result,
            "page": page_number,
            "next_page": page_number + 1 if has_next else None,
            "previous_page": page_number - 1 if page_number > 1 else None,
            "base_query": params.urlencode(),
            "sections": Section.objects.all(),
            "filters": request.GET,
            "follow": follow,
            "reader": reader,
        },
    )
    response["Cache-Control"] = "private, max-age=0"
    return response
