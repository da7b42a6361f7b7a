"""Editors appoint experts, and hide and show posts again with a reason. Both go through
think.services (audited); no post is written or deleted here."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from shinbun.core.timefmt import format_jst
from shinbun.members.admin import staff_name
from shinbun.members.models import AuditLog, User
from shinbun.think import services
from shinbun.think.models import ExpertProfile, Post


class ExpertProfileForm(forms.ModelForm):
    """The profile with what posts show of the expert, kept on their account. Editors
    appoint experts and see no member's address: a new expert's account is named by the
    address the editor types (the expert gave it), never picked from a list."""

    email = forms.EmailField(
        label=_("会員のメールアドレス"),
        help_text=_("専門家になっていただく方が会員登録したメールアドレス。"),
    )
    name = forms.CharField(label=_("名前"), max_length=100)
    title = forms.CharField(label=_("肩書"), max_length=100, required=False)
    affiliation = forms.CharField(label=_("所属"), max_length=100, required=False)

    class Meta:
        model = ExpertProfile
        fields = ["email", "name", "title", "affiliation", "slug", "profile", "photo"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["email"]  # an appointment stays with its account
            user = self.instance.user
            self.initial.update(
                name=user.display_name,
                title=user.expert_title,
                affiliation=user.expert_affiliation,
            )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        user = User.objects.filter(email=email, is_active=True).first()
        if user is None:
            raise forms.ValidationError(
                _("このメールアドレスの会員は見つかりません。先に会員登録をお願いしてください。")
            )
        if ExpertProfile.objects.filter(user=user).exists():
            raise forms.ValidationError(_("この会員はすでに専門家です。"))
        self.instance.user = user
        return email


@admin.register(ExpertProfile)
class ExpertProfileAdmin(admin.ModelAdmin):
    form = ExpertProfileForm
    list_display = ["__str__", "title", "affiliation", "slug", "appointed_at"]
    list_select_related = ["user"]
    search_fields = ["slug", "user__display_name"]
    readonly_fields = ["appointed_at"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return [field for field in fields if field != "email"] if obj else fields

    @admin.display(description=_("肩書"))
    def title(self, obj):
        return obj.title

    @admin.display(description=_("所属"))
    def affiliation(self, obj):
        return obj.affiliation

    def save_model(self, request, obj, form, change):
        services.appoint(
            obj,
            by=request.user,
            name=form.cleaned_data["name"],
            title=form.cleaned_data["title"],
            affiliation=form.cleaned_data["affiliation"],
        )


MODERATION = {"think.post_hidden": _("非表示"), "think.post_unhidden": _("再表示")}


class ModerationForm(forms.ModelForm):
    """Hide the post (with a reason) or show it again."""

    hide = forms.BooleanField(label=_("非表示にする"), required=False)
    reason = forms.CharField(
        label=_("理由"),
        max_length=services.REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("非表示にするときは必須です。監査ログに残ります。"),
    )

    class Meta:
        model = Post
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["hide"] = self.instance.is_hidden

    def clean(self):
        data = super().clean()
        if data.get("hide") and not self.instance.is_hidden and not data.get("reason", "").strip():
            self.add_error("reason", _("非表示にする理由を書いてください。"))
        return data


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    """Editors (staff) moderate: the post's text stays the expert's; the change form's
    "hide" with a reason calls services.hide_post, unticking it services.unhide_post."""

    form = ModerationForm
    list_display = ["created_at", "expert", "article", "excerpt", "hidden_at"]
    list_filter = [("hidden_at", admin.EmptyFieldListFilter)]
    list_select_related = ["expert__user", "article"]
    search_fields = ["body", "expert__slug", "expert__user__display_name"]
    date_hierarchy = "created_at"
    actions = ["unhide_selected"]
    readonly_fields = [
        "article",
        "expert",
        "body",
        "created_at",
        "edited_at",
        "hidden_at",
        "hidden_by_name",
        "hidden_reason",
        "moderation_history",
    ]
    fields = [*readonly_fields[:8], "hide", "reason", "moderation_history"]

    # Editors (編集者, members.roles) moderate with the change permission; posts are
    # neither written nor deleted here.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("本文"))
    def excerpt(self, obj):
        return obj.body[:40]

    @admin.display(description=_("非表示にした編集者"))
    def hidden_by_name(self, obj):
        return staff_name(obj.hidden_by) if obj.hidden_by_id else "-"

    @admin.display(description=_("非表示・再表示の記録"))
    def moderation_history(self, obj):
        rows = AuditLog.objects.filter(action__in=MODERATION, detail__post=obj.pk)
        return "\n".join(
            f"{format_jst(row.created_at)} {MODERATION[row.action]} "
            f"{staff_name(row.actor)} {row.reason}"
            for row in rows.select_related("actor")
        )

    def save_model(self, request, obj, form, change):
        hide, reason = form.cleaned_data["hide"], form.cleaned_data["reason"]
        try:
            if hide:
                services.hide_post(request.user, obj, reason)
            else:
                services.unhide_post(request.user, obj, reason)
        except services.ThinkError as exc:
            self.message_user(request, str(exc), messages.ERROR)

    @admin.action(description=_("選択した投稿を再表示する"), permissions=["change"])
    def unhide_selected(self, request, queryset):
        for post in queryset:
            services.unhide_post(request.user, post, _("管理画面での一括操作"))
        self.message_user(request, _("選択した投稿を再表示しました。"))
