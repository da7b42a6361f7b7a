"""Importing articles from JSON lines and RSS/Atom files, and a whole `shinbun export`.

Idempotent: every article carries an external id (the record's `id`, or the feed
item's guid/id/link), so importing again updates instead of duplicating, and leaves
alone what has not changed. A bad record is reported with its file and line number (or
item number) and skipped; the rest goes in. What the files say is read in
newsroom/import_formats.py; here it becomes articles, one revision each (publishing).
A new article from the corpus format or a feed is free; one from an export keeps its
access level, series, column, keywords, related articles, corrections and history.
"""

import html
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from shinbun.newsroom import publishing
from shinbun.newsroom.exporting import ARTICLES_FILE, FOLDER_FILES
from shinbun.newsroom.import_formats import Record, RecordError, json_lines, read_records
from shinbun.newsroom.models import (
    Article,
    ArticleRevision,
    Column,
    Correction,
    Keyword,
    Section,
    Series,
)

BATCH = 200
LEAD_MAX = 200


@dataclass
class ImportSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[str, int, str]] = field(default_factory=list)  # file, line, why
    article_ids: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"追加 {self.added}件、更新 {self.updated}件、変更なし {self.unchanged}件、"
            f"不正 {len(self.rejected)}件"
        )


def _section(record: Record, cache: dict) -> Section:
    section = cache.get(record.section_slug)
    if section is None:
        section, _ = Section.objects.get_or_create(
            slug=record.section_slug, defaults={"name": record.section_name}
        )
        cache[record.section_slug] = section
    return section


def _named(model, slug: str, cache: dict):
    """The series, column or keyword of this slug; made, named after its slug, when the
    database has none (an export folder's own files bring the names first)."""
    key = (model, slug)
    if key not in cache:
        cache[key], _ = model.objects.get_or_create(slug=slug, defaults={"name": slug})
    return cache[key]


def _apply(article: Article, record: Record, section: Section, extra: dict | None = None) -> bool:
    """Copy the record onto the article; True if anything changed."""
    if record.body_source is not None:
        lead, body_source = record.lead, record.body_source
    else:
        lead, rest = record.paragraphs[0], record.paragraphs[1:]
        if len(lead) > LEAD_MAX and not rest:
            lead, rest = lead[:LEAD_MAX], [lead[LEAD_MAX:]]
        body_source = "\n\n".join(html.escape(p, quote=False) for p in rest)
    values = {
        "headline": record.headline,
        "lead": lead,
        "body_source": body_source,
        "section_id": section.pk,
        "published_at": record.published,
        "status": Article.Status.PUBLISHED,
        **record.fields,
        **(extra or {}),
    }
    before = {name: getattr(article, name) for name in values}
    for name, value in values.items():
        setattr(article, name, value)
    article.apply_schedule()  # a time ahead keeps (or makes) the article scheduled
    return any(getattr(article, name) != value for name, value in before.items())


def _links(record: Record, cache: dict) -> dict:
    """The record's series and column as the article's foreign keys."""
    models = {"series": Series, "column": Column}
    return {
        f"{name}_id": _named(models[name], slug, cache).pk if slug else None
        for name, slug in record.links.items()
    }


def _keywords(article: Article, record: Record, cache: dict) -> list[Keyword] | None:
    """The record's keywords if they differ from the article's, else None."""
    if record.keywords is None:
        return None
    keywords = [_named(Keyword, slug, cache) for slug in record.keywords]
    if article.pk and {k.pk for k in article.keywords.all()} == {k.pk for k in keywords}:
        return None
    return keywords if article.pk or keywords else None


def _corrections(article: Article, record: Record) -> list[Correction] | None:
    """The record's corrections if they differ from the article's, else None."""
    if record.corrections is None:
        return None
    existing = [(c.text, c.created_at) for c in article.corrections.all()] if article.pk else []
    if existing == record.corrections:
        return None
    return [Correction(text=text, created_at=at) for text, at in record.corrections]


def _history(record: Record, authors: dict) -> list[ArticleRevision]:
    return [
        ArticleRevision(
            created_at=item["created_at"],
            author=authors.get(item["author"]),
            note=item["note"],
            snapshot=item["snapshot"],
        )
        for item in record.history
    ]


def _authors(records) -> dict:
    """The accounts, by e-mail address, that wrote the revisions the records bring."""
    emails = {item["author"] for r in records for item in r.history if item["author"]}
    if not emails:
        return {}
    return {user.email: user for user in get_user_model().objects.filter(email__in=emails)}


def import_file(path: Path, on_progress=None) -> ImportSummary:
    summary = ImportSummary()
    sections: dict[str, Section] = {}
    named: dict = {}
    batch: list[tuple[int, Record]] = []
    # Related articles are linked once every article of the file is in.
    exported_ids: dict[int, str] = {}
    related: list[tuple[str, list[int]]] = []

    def flush():
        with transaction.atomic():
            # Only an export's lines carry keywords and corrections to compare.
            carried = [
                name
                for name in ("keywords", "corrections")
                if any(getattr(r, name) is not None for _, r in batch)
            ]
            existing = Article.objects.prefetch_related(*carried).in_bulk(
                [r.external_id for _, r in batch], field_name="external_id"
            )
            authors = _authors(r for _, r in batch)
            changed = []
            for _, record in batch:
                article = existing.get(record.external_id)
                new = article is None
                if new:
                    article = Article(external_id=record.external_id, access=Article.Access.FREE)
                section = _section(record, sections)
                fields_changed = _apply(article, record, section, _links(record, named))
                keywords = _keywords(article, record, named)
                corrections = _corrections(article, record)
                if not (new or fields_changed) and keywords is None and corrections is None:
                    summary.unchanged += 1
                    continue
                if new:
                    summary.added += 1
                else:
                    summary.updated += 1
                history = _history(record, authors) if new else []
                changed.append(publishing.ImportedArticle(article, keywords, corrections, history))
            publishing.save_imported(changed)
        summary.article_ids += [item.article.pk for item in changed]
        batch.clear()

    for number, item in read_records(path):
        if isinstance(item, RecordError):
            summary.rejected.append((path.name, number, str(item)))
        else:
            if any(r.external_id == item.external_id for _, r in batch):
                flush()
            batch.append((number, item))
            if item.exported_id is not None:
                exported_ids[item.exported_id] = item.external_id
            if item.related is not None:
                related.append((item.external_id, item.related))
            if len(batch) >= BATCH:
                flush()
        if on_progress:
            on_progress(1)
    if batch:
        flush()
    for start in range(0, len(related), BATCH):
        publishing.set_related(_related_links(related[start : start + BATCH], exported_ids))
    return summary


def _related_links(wanted: list[tuple[str, list[int]]], exported_ids: dict[int, str]) -> dict:
    """Article -> the ids of the articles it links to, from the exporting database's ids
    (a pick that did not come with the import is left out)."""
    external_ids = {external_id for external_id, _ in wanted}
    external_ids |= {exported_ids[i] for _, ids in wanted for i in ids if i in exported_ids}
    articles = Article.objects.only("id", "external_id").in_bulk(
        list(external_ids), field_name="external_id"
    )
    links = {}
    for external_id, ids in wanted:
        if external_id in articles:
            targets = [articles.get(exported_ids.get(i)) for i in ids]
            links[articles[external_id]] = [target.pk for target in targets if target]
    return links


def _import_row(model, key: str, names, data) -> None:
    """Make or update the row of this key, validated as the admin's form would."""
    if not isinstance(data, dict):
        raise RecordError("JSON オブジェクトではありません")
    if not isinstance(data.get(key), str):
        raise RecordError(f"必須項目がありません: {key}")
    row = model.objects.filter(**{key: data[key]}).first() or model(**{key: data[key]})
    for name in names:
        if data.get(name) is not None:
            setattr(row, name, data[name])
    try:
        row.full_clean(validate_unique=False)
    except ValidationError as error:
        raise RecordError(
            "; ".join(
                f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
            )
        ) from None
    row.save()


def import_export_folder(folder: Path, on_progress=None) -> ImportSummary:
    """A `shinbun export` folder: its sections, series, columns, keywords and figures
    (made or updated by slug or key; a figure's image file stays where the export's
    media folder is copied), then its articles. drafts.jsonl is left out: importing it
    would publish the drafts."""
    rejected = []
    for name, model, key, names in FOLDER_FILES:
        if not (folder / name).is_file():
            continue
        for number, data in json_lines(folder / name):
            try:
                if isinstance(data, RecordError):
                    raise data
                _import_row(model, key, names, data)
            except RecordError as error:
                rejected.append((name, number, str(error)))
    summary = import_file(folder / ARTICLES_FILE, on_progress)
    summary.rejected[:0] = rejected
    return summary
