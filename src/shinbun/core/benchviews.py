"""Reference views for the page benchmark (bench/pages.py); routed only when
settings.BENCH_ENDPOINTS is true (SHINBUN_BENCH_ENDPOINTS), never in production.

``bare`` is the floor a page is measured against: a plain Django view behind the
same middleware and server that returns fixed bytes without touching the
database or templates. With SHINBUN_BENCH_BARE_FILE set it returns that file's
bytes (the benchmark writes the article page under test there before the first
request); otherwise ``?size=N`` bytes of filler (default 60,000).
"""

import os

from django.http import HttpResponse

_payloads: dict[str, bytes] = {}


def _payload(size: str) -> bytes:
    if size not in _payloads:
        path = os.environ.get("SHINBUN_BENCH_BARE_FILE")
        if path and not size:
            with open(path, "rb") as file:
                _payloads[size] = file.read()
        else:
            n = int(size) if size.isdigit() and len(size) <= 7 else 60_000
            _payloads[size] = b"a" * n
    return _payloads[size]


def bare(request):
    return HttpResponse(
        _payload(request.GET.get("size", "")), content_type="text/html; charset=utf-8"
    )
