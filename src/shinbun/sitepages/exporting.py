"""The site pages operators edit (利用規約, プライバシーポリシー ...) as CSV (`shinbun
export`, written by core.tables)."""

from shinbun.core.tables import Table, same
from shinbun.sitepages.models import SitePage


def tables() -> list[Table]:
    return [
        Table(
            "site_pages.csv",
            SitePage.objects.all(),
            same("slug", "title", "body_source", "updated_at"),
        )
    ]
