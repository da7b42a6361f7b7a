"""Membership pages: join (plans and the campaign), the account page (plan, renewal,
cancellation, receipts, API tokens), the reader's data download and account deletion.
Views parse, authorise and call members.services through the payment provider."""

import logging
import re
import unicodedata
from urllib.parse import urlencode

import stripe
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from shinbun.core.timefmt import format_reader, to_jst
from shinbun.members import accounts, campaigns, confirmation, invoices, services, tokens
from shinbun.members.entitlements import meter_month, meter_state, reader_for
from shinbun.members.models import AccessToken, Plan, Receipt, Subscription
from shinbun.members.payments import get_provider, provider_for

log = logging.getLogger(__name__)
PLAN_CODE = re.compile(r"[-a-zA-Z0-9_]{1,50}")
PROVIDER_FAILED = gettext_lazy(
    "決済サービスに接続できませんでした。時間を空けて再度お試しください。"
)


def join_context(request) -> dict:
    plans = list(Plan.objects.filter(is_active=True))
    user = request.user if request.user.is_authenticated else None
    campaign = campaigns.running_campaign()
    eligible_plans = [p for p in plans if campaign and campaign.applies_to(p)]
    if eligible_plans:
        offer = campaigns.trial_offer(user, eligible_plans[0])
    else:
        offer = campaigns.TrialOffer(None, False)
    live = Subscription.objects.live().filter(user=user).first() if user else None
    rows = [
        {"plan": plan, "trial": bool(offer.eligible and offer.campaign.applies_to(plan))}
        for plan in plans
    ]
    return {"plans": rows, "offer": offer, "live": live}


def to_signup(next_url: str) -> HttpResponseRedirect:
    """A visitor starting a trial or a plan signs up first (the page links to log in),
    and comes back here once the address is confirmed."""
    return HttpResponseRedirect(f"{reverse('account_signup')}?{urlencode({'next': next_url})}")


@require_safe
def join(request):
    return render(request, "members/join.html", join_context(request))


def _chosen_plan(data) -> Plan | None:
    code = data.get("plan", "")
    if not PLAN_CODE.fullmatch(code):
        return None
    return Plan.objects.filter(code=code, is_active=True).first()


@require_safe
def join_confirm(request):
    """The final confirmation screen (最終確認画面) of the plan chosen on the join page."""
    if not request.user.is_authenticated:
        return to_signup(request.get_full_path())
    plan = _chosen_plan(request.GET)
    if plan is None:
        return _join_error(request, _("プランを選んでください。"), 400)
    try:
        terms = confirmation.order_terms(request.user, plan, trial=request.GET.get("trial") == "1")
    except services.MembershipError as exc:
        return _join_error(request, str(exc), 409)
    return _confirm_page(request, terms)


def _confirm_page(request, terms, *, error: str = "", status: int = 200):
    context = {
        "terms": terms,
        "error": error,
        "card_payment": get_provider().name == Subscription.Provider.STRIPE,
    }
    return render(request, "members/confirm.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request):
    """Start a subscription or the campaign trial: only the confirmation screen's button,
    with the terms it showed. A GET (a link, a reload) shows that screen instead."""
    if request.method != "POST":
        query = request.GET.urlencode()
        return HttpResponseRedirect(reverse("join_confirm") + (f"?{query}" if query else ""))
    if not request.user.is_authenticated:
        return to_signup(reverse("join"))
    plan = _chosen_plan(request.POST)
    if plan is None:
        return _join_error(request, _("プランを選んでください。"), 400)
    trial = request.POST.get("trial") == "1"
    live = _live_subscription(request)
    if live is not None and live.plan_id == plan.pk:  # the button pressed twice
        messages.info(request, _("このプランはご契約中です。"))
        return redirect("members:account")
    try:
        terms = confirmation.order_terms(request.user, plan, trial=trial)
    except services.MembershipError as exc:
        return _join_error(request, str(exc), 409)
    agreed = request.POST.get("terms", "")
    if agreed != terms.fingerprint:
        if agreed:
            message = _(
                "お申し込みの内容が変わりました。新しい内容をご確認のうえ、お申し込みください。"
            )
        else:
            message = _(
                "お申し込みの内容をご確認のうえ、このページのボタンからお申し込みください。"
            )
        return _confirm_page(request, terms, error=message, status=409 if agreed else 400)
    try:
        target = get_provider().checkout(request, request.user, plan, trial=trial)
    except services.MembershipError as exc:
        return _join_error(request, str(exc), 409)
    except stripe.StripeError:
        log.exception("Stripe checkout failed")
        return _join_error(request, PROVIDER_FAILED, 502)
    if target.startswith("/"):
        messages.success(
            request,
            _("無料体験を開始しました。")
            if trial
            else _("有料プランのお申し込みを受け付けました。"),
        )
    return HttpResponseRedirect(target)


def _join_error(request, message: str, status: int):
    context = join_context(request)
    context["error"] = message
    return render(request, "members/join.html", context, status=status)


@login_required
@require_safe
def account(request):
    return _account_page(request)


def _account_page(request, *, error: str = "", status: int = 200):
    user = request.user
    subscription = Subscription.objects.filter(user=user).select_related("plan", "campaign").first()
    reader = reader_for(user)
    meter = None
    if reader.kind in ("free", "expert"):
        meter = meter_state(user.pk, 0, meter_month(timezone.now()))
    context = {
        "subscription": subscription,
        "reader": reader,
        "meter": meter,
        "receipts": Receipt.objects.filter(user=user).order_by("-issued_at")[:100],
        "tokens": AccessToken.objects.filter(user=user, revoked_at=None),
        "new_token": request.session.pop("new_token", None),
        "has_portal": subscription is not None
        and subscription.provider == Subscription.Provider.STRIPE,
        "error": error,
    }
    return render(request, "members/account.html", context, status=status)


def _live_subscription(request) -> Subscription | None:
    return Subscription.objects.live().filter(user=request.user).first()


def _change_subscription(request, action: str, reason: str, done):
    """Cancel or resume the reader's live subscription through its provider; the
    outcome is a message on the account page (``done`` makes it from the subscription)."""
    subscription = _live_subscription(request)
    try:
        if subscription is None:
            raise services.MembershipError(_("ご契約中のプランはありません。"))
        changed = getattr(provider_for(subscription), action)(
            subscription, actor=request.user, reason=reason
        )
    except services.MembershipError as exc:
        messages.error(request, str(exc))
    except stripe.StripeError:
        log.exception("Stripe %s failed", action)
        messages.error(request, PROVIDER_FAILED)
    else:
        messages.success(request, done(changed))
    return redirect("members:account")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cancel(request):
    """解約: GET asks for confirmation and says until when the member keeps reading;
    the POST from that page cancels at the end of the period."""
    if request.method == "POST":
        return _change_subscription(
            request,
            "cancel",
            _("会員による解約"),
            lambda sub: (
                _("解約を受け付けました。%(date)sまでお読みいただけます。")
                % {"date": format_reader(sub.current_period_end)}
            ),
        )
    subscription = _live_subscription(request)
    if subscription is None:
        messages.error(request, _("ご契約中のプランはありません。"))
        return redirect("members:account")
    if subscription.cancel_at_period_end:
        messages.info(request, _("解約はお申し込み済みです。"))
        return redirect("members:account")
    return render(request, "members/cancel.html", {"subscription": subscription})


@login_required
@require_POST
def resume(request):
    return _change_subscription(
        request,
        "resume",
        _("会員による解約の取り消し"),
        lambda sub: _("解約の申し込みを取り消しました。"),
    )


@login_required
@require_POST
def billing_portal(request):
    subscription = Subscription.objects.filter(user=request.user).first()
    if subscription is None:
        messages.error(request, _("お支払い情報はありません。"))
        return redirect("members:account")
    try:
        url = provider_for(subscription).portal_url(request, request.user)
    except stripe.StripeError:
        log.exception("Stripe portal failed")
        url = None
    if not url:
        messages.error(request, _("お支払い情報のページを開けませんでした。"))
        return redirect("members:account")
    return HttpResponseRedirect(url)


@login_required
@require_POST
def create_token(request):
    name = request.POST.get("name", "").strip()
    if not name or len(name) > 100 or any(unicodedata.category(c) == "Cc" for c in name):
        return _account_page(
            request, error=_("トークンの名前を100文字以内で入力してください。"), status=400
        )
    try:
        _token, raw = tokens.create_token(request.user, name)
    except services.MembershipError as exc:
        return _account_page(request, error=str(exc), status=409)
    else:
        request.session["new_token"] = raw
    return redirect("members:account")


@login_required
@require_POST
def revoke_token(request, token_id: int):
    token = get_object_or_404(AccessToken, pk=token_id, user=request.user)
    tokens.revoke_token(token, actor=request.user)
    messages.success(request, _("アクセストークンを無効にしました。"))
    return redirect("members:account")


@login_required
@require_safe
def receipt(request, receipt_id: int):
    """One receipt as a qualified invoice (適格請求書), printable; only its owner's."""
    found = get_object_or_404(
        Receipt.objects.select_related("user"), pk=receipt_id, user=request.user
    )
    response = render(request, "members/receipt.html", {"invoice": invoices.invoice_for(found)})
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_safe
def download_data(request):
    """The reader's own data as a JSON file (accounts.personal_data: the account, and what
    every other part of the site keeps about them)."""
    now = timezone.now()
    data = accounts.personal_data(request.user, now=now)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    name = f"shinbun-data-{to_jst(now):%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete_account(request):
    context = {"deletes": accounts.DELETES, "keeps": accounts.KEEPS}
    if request.method == "POST":
        if not request.user.check_password(request.POST.get("password", "")):
            context["error"] = _("パスワードが正しくありません。")
            return render(request, "members/delete.html", context, status=400)
        user = request.user
        try:
            accounts.delete_account(user, actor=user, reason=_("会員による退会"))
        except stripe.StripeError:
            log.exception("Stripe cancel on delete failed")
            context["error"] = PROVIDER_FAILED
            return render(request, "members/delete.html", context, status=502)
        logout(request)
        messages.success(request, _("退会の手続きが完了しました。ご利用ありがとうございました。"))
        return redirect("newsroom:home")
    return render(request, "members/delete.html", context)
