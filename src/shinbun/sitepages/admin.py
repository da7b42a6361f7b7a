from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from shinbun.core.timefmt import format_jst
from shinbun.sitepages.models import SitePage


@admin.register(SitePage)
class SitePageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "updated_jst"]
    fields = ["slug", "title", "body_source", "updated_jst"]
    readonly_fields = ["updated_jst"]
    view_on_site = True

    @admin.display(description=_("最終更新日時"), ordering="updated_at")
    def updated_jst(self, page: SitePage) -> str:
        return format_jst(page.updated_at) if page.updated_at else "—"

    def get_readonly_fields(self, request, obj=None):
        # A page's kind decides its URL; an existing page keeps it.
        return [*self.readonly_fields, "slug"] if obj else self.readonly_fields
