"""The newsletter's pages: sign-up (the box on every article page and /newsletter/), the
confirmation link that also opens the article, and unsubscribing without logging in."""

from functools import partial

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from shinbun.core.cache import count
from shinbun.core.links import absolute_url
from shinbun.core.pagecache import cache_anonymous_page
from shinbun.members import entitlements
from shinbun.members.login_limits import client_ip
from shinbun.newsletter import services, tasks
from shinbun.newsroom.models import Article

# Sign-ups one client may make in SIGNUP_WINDOW seconds (a mail per address per hour is
# the other limit, in services.sign_up).
SIGNUP_LIMIT = 10
SIGNUP_WINDOW = 600


@require_safe
@cache_anonymous_page
def index(request):
    return render(request, "newsletter/index.html", {"consent_text": services.consent_text()})


def _too_many(request) -> bool:
    return count(f"newsletter:signup:{client_ip(request)}", SIGNUP_WINDOW) > SIGNUP_LIMIT


def _answer(request, message: str, status: int, article=None, outcome: str = ""):
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"outcome": outcome, "message": message}, status=status)
    return render(
        request,
        "newsletter/signup_result.html",
        {"message": message, "article": article, "outcome": outcome},
        status=status,
    )


def _message(request, message, status: int = 200, article=None):
    """A page with one message of the newsletter's (and a link to the article, if any)."""
    return render(
        request, "newsletter/message.html", {"message": message, "article": article}, status=status
    )


def _own_verified_address(request, email: str) -> bool:
    user = request.user
    return user.is_authenticated and (
        EmailAddress.objects.filter(user=user, verified=True, email__iexact=email.strip()).exists()
    )


# The box is part of cached pages (anonymous and member variants), which hold no CSRF
# token. A forged sign-up can do no more than the form itself: the address gets one
# confirmation mail an hour at most, the session cookie is SameSite=Lax, and nothing is
# confirmed without the mail's link.
@csrf_exempt
@require_POST
def signup(request):
    email = request.POST.get("email", "").strip()
    article = None
    raw_article = request.POST.get("article", "")
    if raw_article:
        article = (
            Article.objects.published().filter(pk=raw_article).first()
            if raw_article.isdigit()
            else None
        )
        if article is None:
            return _answer(request, _("記事が見つかりません。"), 404, outcome="error")
    if not email:
        return _answer(request, _("メールアドレスを入力してください。"), 400, article, "error")
    try:
        if len(email) > 254:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        return _answer(
            request,
            _("メールアドレスの形式が正しくありません。ご確認のうえ、もう一度入力してください。"),
            400,
            article,
            "error",
        )
    if _too_many(request):
        response = _answer(
            request,
            _("短い時間にたくさんの登録がありました。しばらくしてからもう一度お試しください。"),
            429,
            article,
            "error",
        )
        response["Retry-After"] = str(SIGNUP_WINDOW)
        return response
    form_url = absolute_url(
        request, article.get_absolute_url() if article else reverse("newsletter:index")
    )
    outcome, consent_id = services.sign_up(
        email,
        form_url=form_url,
        consent_text=services.consent_text(),
        article=article,
        own_address=_own_verified_address(request, email),
        language=get_language(),
    )
    if consent_id is not None:
        transaction.on_commit(partial(tasks.send_confirmation, consent_id))
    if outcome == services.Outcome.NOT_ELIGIBLE:
        return _answer(request, services.OUTCOME_TEXTS[outcome], 422, article, outcome)
    if outcome == services.Outcome.SENT and article is None:
        return _answer(request, services.SENT_WITHOUT_ARTICLE, 200, article, outcome)
    return _answer(request, services.OUTCOME_TEXTS[outcome], 200, article, outcome)


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token: str):
    """GET shows the button (mail scanners open links; only a person's POST confirms);
    POST confirms and opens the article in this browser."""
    try:
        consent = services.consent_for(token)
    except services.ConfirmError as error:
        return _message(request, error.message, 400)
    article = consent.article
    # A link that was used opens the article again in the browser that used it, and
    # nowhere else: it is no way to unlock the article in a second browser.
    if article is not None and article.pk in entitlements.session_unlocks(request.session):
        return HttpResponseRedirect(article.get_absolute_url())
    if request.method == "POST":
        try:
            services.confirm(token)
        except services.ConfirmError as error:
            status = 410 if error.message == services.USED_LINK else 400
            return _message(request, error.message, status, article)
        if article is not None:
            entitlements.remember_unlock(request.session, article.pk)
            return HttpResponseRedirect(article.get_absolute_url())
        return _message(
            request, _("ご登録ありがとうございます。平日の朝に「ニュース5本」をお届けします。")
        )
    if consent.confirmed_at is not None:
        return _message(request, services.USED_LINK, 410, article)
    return render(request, "newsletter/confirm.html", {"consent": consent, "article": article})


# RFC 8058: mail clients POST "List-Unsubscribe=One-Click" to the List-Unsubscribe link,
# without cookies or a token of ours; the link's own secret is what authorises it.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    subscriber = services.subscriber_for_token(token)
    if subscriber is None:
        return _message(
            request,
            _(
                "配信停止のリンクが正しくありません。"
                "メールに記載のリンクをもう一度お確かめください。"
            ),
            404,
        )
    if request.method == "POST":
        edition = request.GET.get("e", "")
        services.unsubscribe(subscriber, edition_id=int(edition) if edition.isdigit() else None)
        return render(request, "newsletter/unsubscribed.html", {"subscriber": subscriber})
    return render(request, "newsletter/unsubscribe.html", {"subscriber": subscriber})


@login_required
@require_POST
def digest(request):
    """The account page's switch for the daily My News digest."""
    state = request.POST.get("state", "")
    if state not in ("on", "off"):
        return _message(
            request, _("操作を実行できませんでした。時間を空けて再度お試しください。"), 400
        )
    if state == "on" and not entitlements.reader_for(request.user).is_paid:
        return _message(
            request, _("Myニュースのまとめメールは有料会員の方のみご利用になれます。"), 403
        )
    services.set_digest(
        request.user, state == "on", form_url=absolute_url(request, reverse("members:account"))
    )
    messages.success(
        request,
        _("Myニュースのまとめメールを受け取る設定にしました。")
        if state == "on"
        else _("Myニュースのまとめメールを停止しました。"),
    )
    return HttpResponseRedirect(reverse("members:account"))
