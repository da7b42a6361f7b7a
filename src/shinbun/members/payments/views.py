from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shinbun.members.payments import stripe_webhooks

MAX_BODY = 512 * 1024


@csrf_exempt  # authenticated by Stripe's signature instead
@require_POST
def stripe_webhook(request):
    if len(request.body) > MAX_BODY:
        return JsonResponse({"detail": "通知が大きすぎます。"}, status=413)
    try:
        result = stripe_webhooks.handle(request.body, request.headers.get("Stripe-Signature"))
    except stripe_webhooks.WebhookError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    return JsonResponse({"result": result})
