from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from shinbun.newsroom import publishing
from shinbun.newsroom.models import (
    Article,
    ArticleRevision,
    Column,
    Correction,
    Figure,
    Keyword,
    Section,
    Series,
)

admin.site.site_header = _("シンブン編集局")
admin.site.site_title = _("シンブン編集局")
admin.site.index_title = _("管理メニュー")


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]


@admin.register(Column)
class ColumnAdmin(admin.ModelAdmin):
    list_display = ["name", "author", "slug"]
    search_fields = ["name", "slug", "author"]


@admin.register(Keyword)
class KeywordAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]


@admin.register(Figure)
class FigureAdmin(admin.ModelAdmin):
    list_display = ["title", "key", "kind", "preview"]
    search_fields = ["title", "key", "caption"]
    readonly_fields = ["preview"]

    class Media:
        # The preview's size: the Content-Security-Policy refuses inline styles.
        css = {"all": ["shinbun/admin.css"]}

    @admin.display(description=_("プレビュー"))
    def preview(self, obj):
        if obj.kind == Figure.Kind.CHART:
            return format_html('<div class="figure-preview">{}</div>', _safe_svg(obj))
        if obj.image:
            return format_html('<img src="{}" class="figure-preview">', obj.image.url)
        return "-"


def _safe_svg(figure):
    from django.utils.safestring import mark_safe

    # Drawn by our own renderer from numbers and escaped labels.
    return mark_safe(figure.svg())  # noqa: S308


class CorrectionInline(admin.TabularInline):
    model = Correction
    extra = 0
    fields = ["created_at", "text"]


class RevisionInline(admin.TabularInline):
    model = ArticleRevision
    extra = 0
    can_delete = False
    fields = ["created_at", "author", "note", "snapshot"]
    readonly_fields = fields
    max_num = 0
    show_change_link = False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["headline", "section", "status", "access", "published_at", "view_link"]
    list_filter = ["status", "access", "section", "series", "column", "pinned"]
    search_fields = ["headline", "lead"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["keywords", "related", "series", "column"]
    list_select_related = ["section"]
    inlines = [CorrectionInline, RevisionInline]
    actions = ["publish_now", "unpublish"]
    fieldsets = [
        (None, {"fields": ["headline", "subheadline", "lead", "body_source", "byline"]}),
        (_("分類"), {"fields": ["section", "series", "column", "keywords", "related", "pinned"]}),
        (
            _("公開"),
            {"fields": ["status", "published_at", "updated_at", "access", "newsletter_unlock"]},
        ),
    ]

    @admin.display(description=_("表示"))
    def view_link(self, obj):
        return format_html('<a href="{}" target="_blank">{}</a>', obj.get_absolute_url(), _("見る"))

    def save_model(self, request, obj, form, change):
        """Saved in save_related, together with the corrections of the same form."""

    def save_related(self, request, form, formsets, change):
        corrections, removed = [], []
        for formset in formsets:
            if formset.model is Correction:
                corrections = formset.save(commit=False)
                removed = formset.deleted_objects
        publishing.save_edit(
            form.instance,
            by=request.user,
            created=not change,
            corrections=corrections,
            removed_corrections=removed,
        )
        form.save_m2m()
        for formset in formsets:
            if formset.model is not Correction:
                self.save_formset(request, form, formset, change=change)

    @admin.action(description=_("選択した記事を今すぐ公開する"))
    def publish_now(self, request, queryset):
        now = timezone.now()
        for article in queryset:
            publishing.publish(article, by=request.user, at=now)
        self.message_user(
            request,
            ngettext("%d件の記事を公開しました。", "%d件の記事を公開しました。", len(queryset))
            % len(queryset),
            messages.SUCCESS,
        )

    @admin.action(description=_("選択した記事の公開を取り消す"))
    def unpublish(self, request, queryset):
        for article in queryset:
            publishing.unpublish(article, by=request.user)
        self.message_user(request, _("公開を取り消しました。"), messages.SUCCESS)
