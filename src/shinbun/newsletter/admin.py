from csp.decorators import csp_update
from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from shinbun.core.timefmt import format_jst
from shinbun.newsletter import composing, delivery, editions
from shinbun.newsletter.models import (
    Consent,
    Delivery,
    Edition,
    EditionItem,
    Subscriber,
    Suppression,
)


class EditionItemInline(admin.TabularInline):
    model = EditionItem
    extra = editions.ITEMS
    max_num = editions.ITEMS
    autocomplete_fields = ["article"]
    fields = ["position", "article", "note"]


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ["subject", "kind", "send_at_jst", "status", "results_line"]
    list_filter = ["kind", "status"]
    search_fields = ["subject"]
    inlines = [EditionItemInline]
    fields = ["subject", "intro", "send_at", "status", "preview", "results"]
    readonly_fields = ["status", "preview", "results"]
    actions = ["schedule", "unschedule", "send_now", "send_test"]

    def get_changeform_initial_data(self, request):
        return {
            "send_at": editions.next_send_time(),
            **super().get_changeform_initial_data(request),
        }

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_change_permission(self, request, obj=None):
        # An edition that went out is a record: it is not edited afterwards.
        if obj is not None and obj.status in (Edition.Status.SENDING, Edition.Status.SENT):
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description=_("配信日時(日本時間)"), ordering="send_at")
    def send_at_jst(self, obj):
        return format_jst(obj.send_at)

    @admin.display(description=_("プレビュー"))
    def preview(self, obj):
        if obj.pk is None:
            return "-"
        url = reverse("admin:newsletter_edition_preview", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("届くメールを表示する"))

    @admin.display(description=_("配信結果"))
    def results_line(self, obj):
        if obj.planned_at is None:
            return "-"
        found = delivery.counts(obj)
        return _("送信 %(sent)d / 対象 %(total)d") % found

    @admin.display(description=_("配信結果"))
    def results(self, obj):
        if obj is None or obj.planned_at is None:
            return _("まだ送信していません。")
        return render_to_string(
            "newsletter/admin/results.html",
            {"counts": delivery.counts(obj), "edition": obj},
        )

    def _each(self, request, queryset, change, done: str) -> None:
        for edition in queryset:
            try:
                change(edition)
            except editions.EditionError as error:
                self.message_user(request, f"{edition}: {error}", messages.ERROR)
            else:
                self.message_user(request, done % edition)

    @admin.action(description=_("選んだ号を配信予約する(記事5本が必要です)"))
    def schedule(self, request, queryset):
        self._each(request, queryset, editions.schedule, _("「%s」を配信予約しました。"))

    @admin.action(description=_("選んだ号の配信予約を取り消す"))
    def unschedule(self, request, queryset):
        self._each(request, queryset, editions.unschedule, _("「%s」の配信予約を取り消しました。"))

    @admin.action(description=_("選んだ配信予約中の号を今すぐ配信する"))
    def send_now(self, request, queryset):
        self._each(
            request,
            queryset,
            editions.send_now,
            _("「%s」の配信を1分以内に始めます(配信結果はこの画面で確認できます)。"),
        )

    @admin.action(description=_("自分のメールアドレスにテスト送信する"))
    def send_test(self, request, queryset):
        for edition in queryset:
            composing.sample_message(edition, request.user.email).send()
        self.message_user(
            request, _("%(email)s にテスト送信しました。") % {"email": request.user.email}
        )

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("<int:edition_id>/preview/", preview, name="newsletter_edition_preview"),
            *super().get_urls(),
        ]

    # The mail's HTML carries its styles inline, as mail clients need them.
    @csp_update({"style-src": ["'unsafe-inline'"]})
    def preview_view(self, request, edition_id: int):
        edition = get_object_or_404(Edition, pk=edition_id)
        if not self.has_view_permission(request, edition):
            return HttpResponse(status=403)
        message = composing.sample_message(edition, request.user.email)
        html = message.alternatives[0][0] if message.alternatives else message.body
        return HttpResponse(html, content_type="text/html; charset=utf-8")


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    can_delete = False
    fields = ["created", "form_url", "text", "confirmed_at", "unlocked_article"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("記事"))
    def unlocked_article(self, obj):
        return obj.article or "-"


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "kind", "status", "created", "confirmed_at", "unsubscribed_at"]
    list_filter = ["kind", "status"]
    search_fields = ["email_key"]
    fields = [
        "email",
        "kind",
        "status",
        "created",
        "confirmed_at",
        "unsubscribed_at",
        "unsubscribed_from",
    ]
    readonly_fields = fields
    inlines = [ConsentInline]

    def has_add_permission(self, request):
        # Addresses come with their consent, through the sign-up forms only.
        return False


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ["email_key", "reason", "created", "detail"]
    list_filter = ["reason"]
    search_fields = ["email_key"]


class DeliveryStatusFilter(admin.ChoicesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("状態")


class DeliveryEditionFilter(admin.RelatedFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("配信号")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "edition_name",
        "subscriber_address",
        "status_label",
        "attempts_count",
        "sent_at_jst",
        "detail_text",
    ]
    list_filter = [("status", DeliveryStatusFilter), ("edition", DeliveryEditionFilter)]
    search_fields = ["subscriber__email_key"]
    list_select_related = ["edition", "subscriber"]
    fields = [*list_display[:5], "due_at_jst", "detail_text"]
    readonly_fields = fields

    @admin.display(description=_("配信号"), ordering="edition")
    def edition_name(self, obj):
        return obj.edition

    @admin.display(description=_("メールアドレス"))
    def subscriber_address(self, obj):
        return obj.subscriber.email

    @admin.display(description=_("状態"), ordering="status")
    def status_label(self, obj):
        return obj.get_status_display()

    @admin.display(description=_("送信の試行回数"), ordering="attempts")
    def attempts_count(self, obj):
        return obj.attempts

    @admin.display(description=_("送信日時"), ordering="sent_at")
    def sent_at_jst(self, obj):
        return format_jst(obj.sent_at) if obj.sent_at else "-"

    @admin.display(description=_("次の送信予定"))
    def due_at_jst(self, obj):
        return format_jst(obj.due_at) if obj.status in Delivery.OPEN else "-"

    @admin.display(description=_("メールサーバーの応答"))
    def detail_text(self, obj):
        return obj.detail or "-"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
