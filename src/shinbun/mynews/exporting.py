"""Members' follows and saved articles and figures as CSV for the operator (`shinbun
export`, written by core.tables)."""

from shinbun.core.tables import Table, same
from shinbun.mynews.models import Follow, SavedArticle, SavedFigure


def tables() -> list[Table]:
    return [
        Table(
            "follows.csv",
            Follow.objects.all(),
            {
                "member_id": "user_id",
                "kind": "target__kind",
                "series": "target__series__slug",
                "column": "target__column__slug",
                "keyword": "target__keyword__slug",
                "label": "label",
                "created": "created",
            },
        ),
        Table(
            "saved_articles.csv",
            SavedArticle.objects.all(),
            {"member_id": "user_id", **same("article_id", "created")},
        ),
        Table(
            "saved_figures.csv",
            SavedFigure.objects.all(),
            {"member_id": "user_id", "figure": "figure__key", **same("article_id", "created")},
        ),
    ]
