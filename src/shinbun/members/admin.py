from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shinbun.members import campaigns, entitlements, services
from shinbun.members.models import (
    AccessToken,
    AuditLog,
    Campaign,
    MeterSetting,
    Plan,
    Receipt,
    Subscription,
    User,
    WebhookEvent,
)


def staff_name(user) -> str:
    """How a page an editor may read names a person: never by their e-mail address."""
    if user is None:
        return "-"
    return user.display_name or gettext("会員番号%(id)d") % {"id": user.pk}


PERMISSION_ACTIONS = {"add": _("追加"), "change": _("変更"), "delete": _("削除"), "view": _("閲覧")}


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    """Permissions named in Japanese: Django keeps their names in English in the database."""

    def label_from_instance(self, obj):
        action = obj.codename.partition("_")[0]
        model = obj.content_type.model_class()
        if model is None or action not in PERMISSION_ACTIONS:
            return obj.name
        meta = model._meta
        return (
            f"{meta.app_config.verbose_name} | {meta.verbose_name} | {PERMISSION_ACTIONS[action]}"
        )


class PermissionsInJapanese:
    """For the user and group forms: the permission pickers, in Japanese, without those of
    the login-limit tables, which have no admin pages."""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name in ("permissions", "user_permissions"):
            kwargs["form_class"] = PermissionChoiceField
            kwargs["queryset"] = db_field.remote_field.model.objects.exclude(
                content_type__app_label="axes"
            ).select_related("content_type")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PermissionsInJapanese, BaseGroupAdmin):
    """The roles (members.roles) and any group an administrator adds."""


class SubscriptionInline(admin.TabularInline):
    """A member's subscriptions, read-only: changes go through the subscription actions."""

    model = Subscription
    extra = 0
    can_delete = False
    fields = ["plan", "status", "current_period_end", "cancel_at_period_end", "provider"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(PermissionsInJapanese, BaseUserAdmin):
    inlines = [SubscriptionInline]
    ordering = ["email"]
    list_display = ["email", "display_name", "is_expert", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_expert", "is_staff", "groups", "is_active"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "display_name"]}),
        (_("エキスパート"), {"fields": ["is_expert", "expert_title", "expert_affiliation"]}),
        (
            _("権限"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("日時"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def get_readonly_fields(self, request, obj=None):
        """Roles are given by administrators (who may change groups); only a superuser
        makes another."""
        readonly = [*super().get_readonly_fields(request, obj)]
        if not request.user.has_perm("auth.change_group"):
            readonly += ["is_staff", "groups"]
        if not request.user.is_superuser:
            readonly.append("is_superuser")
        return readonly

    def get_fieldsets(self, request, obj=None):
        """Single permissions only for those who give roles: to anyone else the role says
        what the person may do."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or request.user.has_perm("auth.change_group"):
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "user_permissions"]})
            for name, options in fieldsets
        ]

    def has_change_permission(self, request, obj=None):
        if obj is not None and not may_manage(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        """A change of what a person may do (active, staff, roles, ...) is audited, with
        who made it; the groups are saved here, so the row is written after them."""
        super().save_related(request, form, formsets, change)
        changes = {
            field: [_access_value(form.initial.get(field)), _access_value(form.cleaned_data[field])]
            for field in form.changed_data
            if field in ACCESS_FIELDS
        }
        if changes or not change:
            services.audit(
                "member.access_changed" if change else "member.created",
                subject=form.instance,
                actor=request.user,
                reason=gettext("管理画面での編集"),
                **changes,
            )

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not may_manage(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)


# What a person may do: a change of any of these is an access change (audited).
ACCESS_FIELDS = ("is_active", "is_staff", "is_superuser", "is_expert", "groups", "user_permissions")


def _access_value(value):
    """A field's value as the audit log keeps it: roles and permissions by name."""
    if value is None or isinstance(value, bool):
        return value
    return sorted(str(item) for item in value)


def may_manage(actor, user) -> bool:
    """Staff accounts (their passwords too) are changed by administrators, superusers'
    by superusers: an operator who manages members cannot take over a staff account."""
    if user.is_superuser:
        return actor.is_superuser
    if user.is_staff:
        return actor.has_perm("auth.change_group")
    return True


@admin.register(MeterSetting)
class MeterSettingAdmin(admin.ModelAdmin):
    """One setting: the list opens it (or, before it was first set, the form to set it,
    starting from SHINBUN_METER_LIMIT); it is changed, never deleted."""

    fields = ["limit", "updated_at"]
    readonly_fields = ["updated_at"]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)  # refused there
        if MeterSetting.objects.filter(pk=1).exists():
            return redirect("admin:members_metersetting_change", 1)
        return redirect("admin:members_metersetting_add")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not MeterSetting.objects.exists()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # One setting: it is set, not added, and there is no other to add.
        context = {
            "title": MeterSetting._meta.verbose_name,
            "show_save_and_add_another": False,
            **(extra_context or {}),
        }
        return super().changeform_view(request, object_id, form_url, context)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        return {"limit": entitlements.meter_limit()}

    def save_model(self, request, obj, form, change):
        obj.pk = 1
        services.set_meter_limit(obj.limit, by=request.user)


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletions in the admin leave an audit row (``<audit_name>.created``,
    ``.changed`` with the fields changed, ``.deleted``), with who made them."""

    audit_name = ""

    def audit_detail(self, obj) -> dict:
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.audit(
            f"{self.audit_name}.changed" if change else f"{self.audit_name}.created",
            subject=None,
            actor=request.user,
            reason=gettext("管理画面での編集"),
            changed=sorted(form.changed_data),
            **self.audit_detail(obj),
        )

    def delete_model(self, request, obj):
        self.delete_queryset(request, type(obj).objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.audit(
                f"{self.audit_name}.deleted",
                subject=None,
                actor=request.user,
                reason=gettext("管理画面での削除"),
                **self.audit_detail(obj),
            )
        super().delete_queryset(request, queryset)


@admin.register(Plan)
class PlanAdmin(AuditedAdmin):
    """A plan's price and availability are billing: every change is audited."""

    list_display = ["name", "code", "interval", "price_jpy", "is_active", "position"]
    list_editable = ["is_active", "position"]
    prepopulated_fields = {"code": ["name"]}
    audit_name = "plan"

    def audit_detail(self, obj) -> dict:
        return {
            "plan": obj.code,
            "price_jpy": obj.price_jpy,
            "interval": obj.interval,
            "is_active": obj.is_active,
        }


@admin.register(Campaign)
class CampaignAdmin(AuditedAdmin):
    list_display = ["name", "cta_text", "starts_at", "ends_at", "trial_days"]
    filter_horizontal = ["plans"]
    audit_name = "campaign"

    def audit_detail(self, obj) -> dict:
        return {
            "campaign": obj.pk,
            "name": obj.name,
            "starts_at": obj.starts_at,
            "ends_at": obj.ends_at,
            "trial_days": obj.trial_days,
        }

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        cache.delete(campaigns.CAMPAIGN_CACHE_KEY)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        cache.delete(campaigns.CAMPAIGN_CACHE_KEY)


class ReceiptInline(admin.TabularInline):
    model = Receipt
    extra = 0
    can_delete = False
    fields = ["number", "amount_jpy", "period_start", "period_end", "issued_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Read-only rows: every change goes through members.services (and leaves an audit
    row), here through the actions."""

    list_display = [
        "user",
        "plan",
        "status",
        "current_period_end",
        "cancel_at_period_end",
        "provider",
        "started_at",
    ]
    list_filter = ["status", "provider", "plan", "cancel_at_period_end"]
    search_fields = ["user__email", "provider_subscription_id", "provider_customer_id"]
    list_select_related = ["user", "plan"]
    inlines = [ReceiptInline]
    actions = ["cancel_at_end", "cancel_now", "resume"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Subscription._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _apply(self, request, queryset, change, done):
        count = 0
        for subscription in queryset:
            try:
                change(subscription, actor=request.user, reason=_("管理画面での操作"))
                count += 1
            except services.MembershipError as exc:
                self.message_user(request, f"{subscription}: {exc}", messages.WARNING)
        self.message_user(request, done % {"count": count})

    @admin.action(description=_("期間終了で解約する"), permissions=["change"])
    def cancel_at_end(self, request, queryset):
        self._apply(request, queryset, services.cancel, _("%(count)d件の解約を受け付けました。"))

    @admin.action(description=_("ただちに解約する"), permissions=["change"])
    def cancel_now(self, request, queryset):
        def now(subscription, **kwargs):
            return services.cancel(subscription, at_period_end=False, **kwargs)

        self._apply(request, queryset, now, _("%(count)d件を解約しました。"))

    @admin.action(description=_("解約の申し込みを取り消す"), permissions=["change"])
    def resume(self, request, queryset):
        self._apply(request, queryset, services.resume, _("%(count)d件の解約を取り消しました。"))


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["number", "user", "description", "amount_jpy", "issued_at"]
    search_fields = ["number", "user__email", "provider_reference"]
    list_select_related = ["user"]
    date_hierarchy = "issued_at"


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "subject_email", "actor", "reason"]
    list_filter = ["action"]
    search_fields = ["subject_email", "action", "reason"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"


@admin.register(AccessToken)
class AccessTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["user__email", "name", "prefix"]
    list_select_related = ["user"]
    # The hash identifies nothing a person can use.
    exclude = ["token_hash"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "provider", "event_type", "event_id"]
    list_filter = ["provider", "event_type"]
    search_fields = ["event_id"]
