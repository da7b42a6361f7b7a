"""Experts and their Think! posts as CSV for the operator (`shinbun export`, written by
core.tables)."""

from shinbun.core.tables import Table, same
from shinbun.think.models import ExpertProfile, Post


def tables() -> list[Table]:
    return [
        Table(
            "think_experts.csv",
            ExpertProfile.objects.all(),
            {
                "slug": "slug",
                "member_id": "user_id",
                "name": "user__display_name",
                "title": "user__expert_title",
                "affiliation": "user__expert_affiliation",
                **same("profile", "photo", "appointed_at"),
            },
        ),
        Table(
            "think_posts.csv",
            Post.objects.all(),
            {
                "id": "id",
                "article_id": "article_id",
                "expert": "expert__slug",
                **same("body", "created_at", "edited_at", "hidden_at", "hidden_reason"),
            },
        ),
    ]
