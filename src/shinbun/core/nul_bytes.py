"""A URL that carries a NUL character is never a reader's input. It is answered with a
400 before any view sees it: PostgreSQL can neither store nor compare text that holds
one, so it would otherwise surface as a server error wherever a parameter reaches a
query. Forms already refuse it in submitted fields (Django's CharField)."""

from django.http import HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string

MESSAGE = "URL に使えない文字(NUL)が含まれています。"


def carries_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    return any("\x00" in key or "\x00" in "".join(values) for key, values in request.GET.lists())


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not carries_nul(request):
            return self.get_response(request)
        if request.accepts("text/html"):
            return HttpResponseBadRequest(render_to_string("400.html", {"message": MESSAGE}))
        return JsonResponse(
            {"detail": MESSAGE}, status=400, json_dumps_params={"ensure_ascii": False}
        )
