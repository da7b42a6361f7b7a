"""Everything editors made, as JSON lines (`shinbun export`), which `shinbun import`
reads back (newsroom/importing.py).

articles.jsonl holds the published and scheduled articles, one a line. Its first fields
are the corpus format (`id`, `title`, `published`, `body`, `category`, `url`), which any
importer of plain articles reads; the rest is the article as editors left it (lead and
body source, access level, byline, section, series, column and keywords by slug,
related articles by `shinbun_id`, corrections, revisions), which `shinbun import` reads
back too. drafts.jsonl is the same for drafts: importing it would publish them.
Sections, series, columns, keywords and figures have a file each; `shinbun import` of
the folder brings them in before the articles, so an archive moves to another shinbun
whole (figure images live in the data folder's media/, copied beside the export).
"""

import json
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db.models import Prefetch

from shinbun.core.timefmt import iso_jst
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

CHUNK = 500
# The newsroom's named things, a file each: (file, model, key, the fields besides it).
# `shinbun import` of an export folder reads them back, before the articles.
FOLDER_FILES = (
    ("sections.jsonl", Section, "slug", ("name", "description", "position")),
    ("series.jsonl", Series, "slug", ("name", "description")),
    ("columns.jsonl", Column, "slug", ("name", "description", "author")),
    ("keywords.jsonl", Keyword, "slug", ("name",)),
    (
        "figures.jsonl",
        Figure,
        "key",
        ("title", "caption", "credit", "kind", "chart", "image", "alt"),
    ),
)
ARTICLES_FILE = "articles.jsonl"


def export_id(article: Article) -> str:
    """The import's key: an imported article keeps its external id, so importing the
    export again into the same database updates instead of duplicating."""
    return article.external_id or f"shinbun-{article.pk}"


def article_record(article: Article) -> dict:
    paragraphs = [article.lead, article.body_text]
    return {
        # What `shinbun import` reads.
        "id": export_id(article),
        "title": article.headline,
        "published": iso_jst(article.published_at),
        "body": "\n\n".join(p for p in paragraphs if p),
        "category": article.section.name,
        "url": settings.BASE_URL + article.get_absolute_url(),
        # The rest of the article, as editors left it.
        "shinbun_id": article.pk,
        "subheadline": article.subheadline,
        "lead": article.lead,
        "body_source": article.body_source,
        "byline": article.byline,
        "reading_fixes": article.reading_fixes,
        "access": article.access,
        "status": article.status,
        "pinned": article.pinned,
        "newsletter_unlock": article.newsletter_unlock,
        "updated_at": iso_jst(article.updated_at),
        "section": article.section.slug,
        "series": article.series.slug if article.series else None,
        "column": article.column.slug if article.column else None,
        "keywords": [keyword.slug for keyword in article.keywords.all()],
        "related": [related.pk for related in article.related.all()],
        "corrections": [
            {"text": c.text, "created_at": iso_jst(c.created_at)} for c in article.corrections.all()
        ],
        "revisions": [
            {
                "created_at": iso_jst(r.created_at),
                "author": r.author.email if r.author else None,
                "note": r.note,
                "snapshot": r.snapshot,
            }
            for r in article.revisions.all()
        ],
    }


def _articles(drafts: bool) -> Iterable[Article]:
    articles = (
        Article.objects.filter(status=Article.Status.DRAFT)
        if drafts
        else (Article.objects.exclude(status=Article.Status.DRAFT))
    )
    return (
        articles.order_by("id")
        .select_related("section", "series", "column")
        .prefetch_related(
            "keywords",
            Prefetch("related", queryset=Article.objects.only("id")),
            Prefetch("corrections", queryset=Correction.objects.order_by("created_at", "id")),
            Prefetch(
                "revisions",
                queryset=ArticleRevision.objects.select_related("author").order_by(
                    "created_at", "id"
                ),
            ),
        )
        .iterator(chunk_size=CHUNK)
    )


def _names(model, *fields: str) -> Iterable[dict]:
    return model.objects.order_by("id").values(*fields).iterator(chunk_size=CHUNK)


def _figures(*fields: str) -> Iterable[dict]:
    for figure in _names(Figure, *fields):
        # A path under the data folder's media/, where the image file stays.
        figure["image"] = figure["image"] or None
        yield figure


def _write(path: Path, records: Iterable[dict]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as file:
        for record in records:
            file.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def export_editorial(out: Path) -> dict[str, int]:
    """Write the newsroom's files into the folder `out`; returns lines per file."""
    out.mkdir(parents=True, exist_ok=True)
    files = {
        **{
            name: _figures(key, *fields) if model is Figure else _names(model, key, *fields)
            for name, model, key, fields in FOLDER_FILES
        },
        ARTICLES_FILE: (article_record(a) for a in _articles(drafts=False)),
        "drafts.jsonl": (article_record(a) for a in _articles(drafts=True)),
    }
    return {name: _write(out / name, records) for name, records in files.items()}
