"""Loads the demo publication (content.json, written for this project) and the demo
accounts. Running it again keeps what is there: rows are found by their slugs and
external ids, and existing ones are left as editors may have changed them."""

import json
from datetime import datetime, timedelta
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from shinbun.core.timefmt import JST
from shinbun.members import roles
from shinbun.members.demo import load_plans, make_paid
from shinbun.mynews.demo import load_mynews
from shinbun.newsletter.demo import load_newsletter
from shinbun.newsroom import publishing
from shinbun.newsroom.models import (
    Article,
    Column,
    Correction,
    Figure,
    Keyword,
    Section,
    Series,
)
from shinbun.newsroom.signals import articles_changed
from shinbun.sitepages.demo import load_sitepages
from shinbun.think.demo import load_think

CONTENT = Path(__file__).with_name("content.json")
DEMO_PASSWORD = "shinbun-demo"
DEMO_ACCOUNTS = [
    # (email, display name, flags, staff role)
    ("free@example.jp", "無料会員 太郎", {}, None),
    ("paid@example.jp", "有料会員 花子", {}, None),
    (
        "expert@example.jp",
        "専門家 一郎",
        {"is_expert": True, "expert_title": "教授", "expert_affiliation": "シンブン大学"},
        None,
    ),
    ("editor@example.jp", "編集者 次郎", {"is_staff": True}, roles.EDITOR),
    ("operator@example.jp", "運用 三郎", {"is_staff": True}, roles.OPERATOR),
]
PAID_ACCOUNT = "paid@example.jp"  # a real paid member: active monthly subscription


def load_content(now: datetime | None = None) -> dict:
    data = json.loads(CONTENT.read_text(encoding="utf-8"))
    now = now or timezone.now()
    counts = {"articles": 0}
    with transaction.atomic():
        for position, item in enumerate(data["sections"]):
            Section.objects.get_or_create(
                slug=item["slug"],
                defaults={
                    "name": item["name"],
                    "description": item.get("description", ""),
                    "position": position,
                },
            )
        for model, key in ((Series, "series"), (Column, "columns")):
            for item in data[key]:
                fields = {k: v for k, v in item.items() if k != "slug"}
                model.objects.get_or_create(slug=item["slug"], defaults=fields)
        for item in data["keywords"]:
            Keyword.objects.get_or_create(slug=item["slug"], defaults={"name": item["name"]})
        for item in data["figures"]:
            Figure.objects.get_or_create(
                key=item["key"],
                defaults={
                    "title": item["title"],
                    "caption": item.get("caption", ""),
                    "credit": item.get("credit", ""),
                    "kind": Figure.Kind.CHART,
                    "chart": item["chart"],
                },
            )
        sections = {s.slug: s for s in Section.objects.all()}
        series = {s.slug: s for s in Series.objects.all()}
        columns = {c.slug: c for c in Column.objects.all()}
        keywords = {k.slug: k for k in Keyword.objects.all()}
        today = now.astimezone(JST).replace(second=0, microsecond=0)
        created = {}
        for item in data["articles"]:
            external_id = f"demo:{item['slug']}"
            if Article.objects.filter(external_id=external_id).exists():
                continue
            hour, minute = (int(part) for part in item["time"].split(":"))
            published = (today - timedelta(days=item["days_ago"])).replace(hour=hour, minute=minute)
            if item["days_ago"] >= 0 and published > now:
                published -= timedelta(days=1)
            updated = item.get("updated_minutes_after")
            article = Article(
                external_id=external_id,
                headline=item["headline"],
                subheadline=item.get("subheadline") or "",
                lead=item["lead"],
                body_source="\n\n".join(item["body"]),
                byline=item.get("byline", ""),
                section=sections[item["section"]],
                series=series.get(item.get("series") or ""),
                column=columns.get(item.get("column") or ""),
                access=item["access"],
                newsletter_unlock=item.get("newsletter_unlock", False),
                status=Article.Status.PUBLISHED,
                published_at=published,
                updated_at=published + timedelta(minutes=updated) if updated else None,
            )
            corrections = [
                Correction(
                    text=correction["text"],
                    created_at=published + timedelta(minutes=correction.get("minutes_after", 60)),
                )
                for correction in item.get("corrections", [])
            ]
            for correction in corrections:
                article.updated_at = max(
                    article.updated_at or correction.created_at, correction.created_at
                )
            publishing.save_imported([article], note="デモデータ")
            article.keywords.set([keywords[slug] for slug in item.get("keywords", [])])
            for correction in corrections:
                correction.article = article
            Correction.objects.bulk_create(corrections)
            created[item["slug"]] = (article, item.get("related", []))
            counts["articles"] += 1
        by_slug = {
            a.external_id.removeprefix("demo:"): a
            for a in Article.objects.filter(external_id__startswith="demo:")
        }
        for article, related in created.values():
            article.related.set([by_slug[slug] for slug in related if slug in by_slug])
    # The publish flow for the new articles, in one batch: search index and 自動検索.
    if created:
        articles_changed.send(
            sender=None, article_ids=[article.pk for article, _ in created.values()]
        )
    return counts


def editor_group():
    """The 編集者 group the migration made (members.roles)."""
    return roles.role_group(roles.EDITOR)


def load_accounts() -> int:
    User = get_user_model()
    created = 0
    plans = load_plans()
    for email, name, flags, role in DEMO_ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, display_name=name, **flags)
            created += 1
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        if role:
            user.groups.add(roles.role_group(role))
        if email == PAID_ACCOUNT:
            make_paid(user, plans["monthly"])
    created += load_think(DEMO_PASSWORD)
    created += load_mynews(PAID_ACCOUNT)
    created += load_newsletter()
    created += load_sitepages()
    return created
