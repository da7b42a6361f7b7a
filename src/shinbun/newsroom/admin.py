"""The newsroom's admin (シンブン編集局). Every change to an article goes through
newsroom.publishing; the article form adds a figure picker and a live preview of the body
(static/shinbun/admin-article.js) and a page comparing any two revisions, from which an
editor restores one."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from shinbun.core.timefmt import format_jst
from shinbun.members.admin import staff_name
from shinbun.newsroom import furigana, publishing, revisions
from shinbun.newsroom.body import clean_text, figure_keys, parse_body
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

# The picker offers the article's own figures, then this many others, newest first.
FIGURE_CHOICES = 50
# Longer than any article; a preview of more is refused rather than rendered.
PREVIEW_MAX_CHARS = 200_000


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
            # Drawn by our own renderer from numbers and escaped labels.
            svg = mark_safe(obj.svg())  # noqa: S308
            return format_html('<div class="figure-preview">{}</div>', svg)
        if obj.image:
            return format_html('<img src="{}" class="figure-preview">', obj.image.url)
        return "-"


class CorrectionInline(admin.TabularInline):
    model = Correction
    extra = 0
    fields = ["created_at", "text"]


class CompareForm(forms.Form):
    """Two revisions of one article, in either order."""

    old = forms.TypedChoiceField(coerce=int)
    new = forms.TypedChoiceField(coerce=int)

    def __init__(self, data, history: list[ArticleRevision]):
        super().__init__(data)
        choices = [(revision.pk, revision.pk) for revision in history]
        for name in ("old", "new"):
            self.fields[name].choices = choices
            self.fields[name].error_messages["invalid_choice"] = _("この記事の版を選んでください。")
            self.fields[name].error_messages["required"] = _("比べる版を2つ選んでください。")


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["headline", "section", "status", "access", "published_at", "view_link"]
    list_filter = ["status", "access", "section", "series", "column", "pinned"]
    search_fields = ["headline", "lead"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["keywords", "related", "series", "column"]
    list_select_related = ["section"]
    inlines = [CorrectionInline]
    actions = ["publish_now", "unpublish"]
    readonly_fields = ["revision_summary", "furigana_words"]
    fieldsets = [
        (None, {"fields": ["headline", "subheadline", "lead", "body_source", "byline"]}),
        (_("ふりがな"), {"fields": ["furigana_words", "reading_fixes"]}),
        (_("分類"), {"fields": ["section", "series", "column", "keywords", "related", "pinned"]}),
        (
            _("公開"),
            {"fields": ["status", "published_at", "updated_at", "access", "newsletter_unlock"]},
        ),
    ]

    class Media:
        css = {"all": ["shinbun/admin.css"]}
        js = ["shinbun/admin-article.js"]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.fieldsets
        return [*self.fieldsets, (_("改訂履歴"), {"fields": ["revision_summary"]})]

    @admin.display(description=_("表示"))
    def view_link(self, obj):
        return format_html('<a href="{}" target="_blank">{}</a>', obj.get_absolute_url(), _("見る"))

    @admin.display(description=_("ふりがなを付けた語"))
    def furigana_words(self, obj):
        """Each word with a reading, once, as the reader sees it: what to check and fix."""
        if obj is None or obj.pk is None:
            return _("(保存するとここに表示されます)")
        return "、".join(furigana.annotated_words(obj.ruby)) or _("(ありません)")

    @admin.display(description=_("改訂履歴"))
    def revision_summary(self, obj):
        latest = obj.revisions.select_related("author").first() if obj.pk else None
        if latest is None:
            return "-"
        return format_html(
            '{}<br><a href="{}">{}</a>',
            gettext("%(count)d版。最新: %(when)s %(note)s(%(author)s)")
            % {
                "count": obj.revisions.count(),
                "when": format_jst(latest.created_at),
                "note": latest.note,
                "author": staff_name(latest.author),
            },
            reverse("admin:newsroom_article_revisions", args=[obj.pk]),
            _("改訂履歴と差分を見る"),
        )

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

    @admin.action(description=_("選択した記事を今すぐ公開する"), permissions=["change"])
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

    @admin.action(description=_("選択した記事の公開を取り消す"), permissions=["change"])
    def unpublish(self, request, queryset):
        for article in queryset:
            publishing.unpublish(article, by=request.user)
        self.message_user(request, _("公開を取り消しました。"), messages.SUCCESS)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("figures/", view(self.figures_view), name="newsroom_article_figures"),
            path("preview/", view(self.preview_view), name="newsroom_article_preview"),
            path(
                "<int:article_id>/revisions/",
                view(self.revisions_view),
                name="newsroom_article_revisions",
            ),
            path(
                "<int:article_id>/revisions/<int:revision_id>/restore/",
                view(self.restore_view),
                name="newsroom_article_restore",
            ),
            *super().get_urls(),
        ]

    # The body editor ------------------------------------------------------------

    def figures_view(self, request):
        """The picker's figures (JSON): those the body names (``keys``), then the newest
        others, found by title, key or caption (``q``)."""
        if not request.user.has_perm("newsroom.view_figure"):
            raise PermissionDenied
        keys = [key for key in request.GET.get("keys", "").split(",") if key][:FIGURE_CHOICES]
        query = request.GET.get("q", "").strip()[:100]
        figures = Figure.objects.only("key", "title", "kind")
        named = {figure.key: figure for figure in figures.filter(key__in=keys)}
        others = figures.exclude(key__in=keys)
        if query:
            others = others.filter(
                Q(title__icontains=query) | Q(key__icontains=query) | Q(caption__icontains=query)
            )
        found = [named[key] for key in dict.fromkeys(keys) if key in named]
        found += others[:FIGURE_CHOICES]
        return JsonResponse(
            {
                "figures": [
                    {
                        "id": figure.pk,
                        "key": figure.key,
                        "title": figure.title,
                        "kind": figure.get_kind_display(),
                        "in_article": figure.key in named,
                    }
                    for figure in found
                ]
            }
        )

    def preview_view(self, request):
        """The body as readers will see it, rendered by the real renderer (body.parse_body
        and the figures it names), for the editor's preview pane."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        source = request.POST.get("body_source", "")
        if len(source) > PREVIEW_MAX_CHARS:
            message = gettext("本文が長すぎるため、プレビューを表示できません。")
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        blocks = parse_body(source)
        keys = figure_keys(blocks)
        figures = {figure.key: figure for figure in Figure.objects.filter(key__in=keys)}
        for block in blocks:
            if block["type"] == "figure":
                block["figure"] = figures.get(block["key"])
        context = {"lead": clean_text(request.POST.get("lead", "")), "blocks": blocks}
        return TemplateResponse(request, "admin/newsroom/article/preview.html", context)

    # Revisions ------------------------------------------------------------------

    def revisions_view(self, request, article_id: int):
        """Every revision of the article, and what changed between any two of them."""
        article = get_object_or_404(Article, pk=article_id)
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        history = list(article.revisions.select_related("author"))  # newest first
        numbers = {revision.pk: len(history) - i for i, revision in enumerate(history)}
        form = CompareForm(request.GET or None, history)
        old = new = None
        if form.is_bound and form.is_valid():
            chosen = {revision.pk: revision for revision in history}
            old, new = sorted(
                (chosen[form.cleaned_data["old"]], chosen[form.cleaned_data["new"]]),
                key=lambda revision: numbers[revision.pk],
            )
        elif not form.is_bound and history:
            new, old = history[0], history[1] if len(history) > 1 else None
        context = {
            **self._page_context(request, article, _("改訂履歴")),
            "form": form,
            "rows": [self._row(article, revision, numbers) for revision in history],
            "old": old and self._row(article, old, numbers),
            "new": new and self._row(article, new, numbers),
            "changes": revisions.compare(old.snapshot if old else {}, new.snapshot) if new else [],
            "can_restore": self.has_change_permission(request, article),
        }
        status = 400 if form.is_bound and not form.is_valid() else 200
        return TemplateResponse(
            request, "admin/newsroom/article/revisions.html", context, status=status
        )

    def restore_view(self, request, article_id: int, revision_id: int):
        """Asks first (what restoring would change), then restores through publishing."""
        article = get_object_or_404(Article, pk=article_id)
        revision = get_object_or_404(ArticleRevision, pk=revision_id, article=article)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        when = format_jst(revision.created_at)
        if request.method == "POST":
            if publishing.restore(article, revision, by=request.user):
                message = gettext("%(when)s の版に戻しました。") % {"when": when}
                self.message_user(request, message, messages.SUCCESS)
            else:
                message = gettext("記事はすでに %(when)s の版と同じ内容です。") % {"when": when}
                self.message_user(request, message, messages.INFO)
            return HttpResponseRedirect(reverse("admin:newsroom_article_change", args=[article.pk]))
        changes = revisions.compare(publishing.snapshot(article), revision.snapshot)
        context = {
            **self._page_context(request, article, _("この版に戻す")),
            "revision": revision,
            "when": when,
            "author": staff_name(revision.author),
            "changes": changes,
            "changed": any(change.changed for change in changes),
        }
        return TemplateResponse(request, "admin/newsroom/article/restore.html", context)

    def _page_context(self, request, article: Article, title) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": title,
            "media": self.media,
        }

    @staticmethod
    def _row(article: Article, revision: ArticleRevision, numbers: dict) -> dict:
        return {
            "pk": revision.pk,
            "number": numbers[revision.pk],
            "when": format_jst(revision.created_at),
            "author": staff_name(revision.author),
            "note": revision.note,
            "restore_url": reverse(
                "admin:newsroom_article_restore", args=[article.pk, revision.pk]
            ),
        }
