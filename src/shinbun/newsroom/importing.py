"""Importing articles from JSON lines and RSS/Atom files.

Idempotent: every article carries an external id (the record's `id`, or the feed
item's guid/id/link), so importing again updates instead of duplicating. A bad record
is reported with its line number (or item number) and skipped; the rest goes in.
Imported text is plain text: it is escaped before it becomes a body, so nothing in it
is taken for markup.
"""

import gzip
import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from xml.sax import SAXException

import feedparser
import nh3
from django.db import transaction
from django.utils import timezone

from shinbun.core.timefmt import JST
from shinbun.newsroom import publishing
from shinbun.newsroom.body import clean_text
from shinbun.newsroom.models import Article, Section

BATCH = 200
LEAD_MAX = 200
_PARAGRAPHS = re.compile(r"\n\s*\n")


class RecordError(ValueError):
    pass


@dataclass
class Record:
    external_id: str
    headline: str
    published: datetime
    paragraphs: list[str]
    section_slug: str
    section_name: str
    url: str = ""


@dataclass
class ImportSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"追加 {self.added}件、更新 {self.updated}件、変更なし {self.unchanged}件、"
            f"不正 {len(self.rejected)}件"
        )


def _open_binary(path: Path):
    raw = path.open("rb")
    magic = raw.read(2)
    raw.seek(0)
    return gzip.GzipFile(fileobj=raw) if magic == b"\x1f\x8b" else raw


def _parse_time(value: str) -> datetime:
    value = (value or "").strip()
    if not value:
        raise RecordError("公開日時がありません")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            raise RecordError(f"公開日時を読めません: {value[:40]!r}") from None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=JST)
    return moment


def _paragraphs(text: str) -> list[str]:
    parts = [clean_text(p.replace("\n", " ")) for p in _PARAGRAPHS.split(text or "")]
    return [p for p in parts if p]


def _section_of(category) -> tuple[str, str]:
    """(slug, name) of the section a record's category becomes."""
    name = clean_text(str(category or "imported"))[:60] or "imported"
    slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:60]
    if not slug or not name.isascii():
        # A Japanese category gets a stable ASCII slug of its own.
        slug = "c-" + hashlib.blake2b(name.encode(), digest_size=5).hexdigest()
    return slug, name


def _missing(data: dict, names) -> None:
    missing = [name for name in names if not data.get(name)]
    if missing:
        raise RecordError(f"必須項目がありません: {', '.join(missing)}")


def record_from_json(data) -> Record:
    if not isinstance(data, dict):
        raise RecordError("JSON オブジェクトではありません")
    _missing(data, ("id", "title", "published", "body"))
    slug, name = _section_of(data.get("category"))
    return Record(
        external_id=str(data["id"])[:120],
        headline=clean_text(str(data["title"]))[:200],
        published=_parse_time(str(data["published"])),
        paragraphs=_paragraphs(str(data["body"])),
        section_slug=slug,
        section_name=name,
        url=str(data.get("url") or ""),
    )


def read_jsonl(path: Path):
    """Yields (line number, Record or RecordError). Lines are decoded one by one, so a
    line that is not UTF-8 is reported and the next one is read."""
    with _open_binary(path) as lines:
        for number, raw in enumerate(lines, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield number, RecordError("UTF-8 として読めません")
                continue
            if not line.strip():
                continue
            try:
                yield number, record_from_json(json.loads(line))
            except json.JSONDecodeError as error:
                yield number, RecordError(f"JSON として読めません ({error.msg})")
            except RecordError as error:
                yield number, error


def _html_to_paragraphs(markup: str) -> list[str]:
    marked = re.sub(r"(?i)<\s*(br|/p|/div|/h\d|/li)\b[^>]*>", "\n\n", markup or "")
    return _paragraphs(html.unescape(nh3.clean(marked, tags=set())))


def _feed_time(entry) -> datetime:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed is None:
        raise RecordError("公開日時がありません")
    return datetime(*parsed[:6], tzinfo=UTC)


def read_feed(path: Path):
    """RSS 0.9x/1.0/2.0 or Atom items, as (item number, Record or RecordError), parsed by
    feedparser (dates, declared encodings). A file that is not well-formed XML is reported
    as item 0 and nothing of it is imported: feedparser's lenient fallback would otherwise
    turn a malformed or hostile file (entity expansion, external entities) into articles."""
    parsed = feedparser.parse(path.read_bytes())
    if isinstance(parsed.get("bozo_exception"), SAXException):
        yield 0, RecordError(f"XML として読めません: {parsed.bozo_exception}")
        return
    for number, entry in enumerate(parsed.entries, start=1):
        try:
            data = {"id": entry.get("id") or entry.get("link"), "title": entry.get("title")}
            _missing(data, ("id", "title"))
            tags = entry.get("tags") or []
            content = entry.get("content") or []
            slug, name = _section_of(tags[0].get("term") if tags else "")
            record = Record(
                external_id=str(data["id"])[:120],
                headline=clean_text(data["title"])[:200],
                published=_feed_time(entry),
                paragraphs=_html_to_paragraphs(
                    content[0].get("value") if content else entry.get("summary", "")
                ),
                section_slug=slug,
                section_name=name,
                url=entry.get("link", ""),
            )
            if not record.paragraphs:
                raise RecordError("本文がありません")
            yield number, record
        except RecordError as error:
            yield number, error


def read_records(path: Path):
    with path.open("rb") as probe:
        head = probe.read(512)
    if head[:2] != b"\x1f\x8b" and head.lstrip().startswith(b"<"):
        return read_feed(path)
    return read_jsonl(path)


def _section(record: Record, cache: dict) -> Section:
    section = cache.get(record.section_slug)
    if section is None:
        section, _ = Section.objects.get_or_create(
            slug=record.section_slug, defaults={"name": record.section_name}
        )
        cache[record.section_slug] = section
    return section


def _apply(article: Article, record: Record, section: Section) -> bool:
    """Copy the record onto the article; True if anything changed."""
    lead, rest = record.paragraphs[0], record.paragraphs[1:]
    if len(lead) > LEAD_MAX and not rest:
        lead, rest = lead[:LEAD_MAX], [lead[LEAD_MAX:]]
    values = {
        "headline": record.headline,
        "lead": lead,
        "body_source": "\n\n".join(html.escape(p, quote=False) for p in rest),
        "section_id": section.pk,
        "published_at": record.published,
        "status": Article.Status.PUBLISHED,
    }
    changed = False
    for name, value in values.items():
        if getattr(article, name) != value:
            setattr(article, name, value)
            changed = True
    return changed


def import_file(path: Path, on_progress=None) -> ImportSummary:
    summary = ImportSummary()
    sections: dict[str, Section] = {}
    batch: list[tuple[int, Record]] = []

    def flush():
        with transaction.atomic():
            existing = Article.objects.in_bulk(
                [r.external_id for _, r in batch], field_name="external_id"
            )
            changed = []
            for _, record in batch:
                article = existing.get(record.external_id)
                section = _section(record, sections)
                if article is None:
                    article = Article(external_id=record.external_id, access=Article.Access.FREE)
                    _apply(article, record, section)
                    summary.added += 1
                elif _apply(article, record, section):
                    summary.updated += 1
                else:
                    summary.unchanged += 1
                    continue
                changed.append(article)
            publishing.save_imported(changed)
        summary.article_ids += [article.pk for article in changed]
        batch.clear()

    for number, item in read_records(path):
        if isinstance(item, RecordError):
            summary.rejected.append((number, str(item)))
        else:
            if any(r.external_id == item.external_id for _, r in batch):
                flush()
            batch.append((number, item))
            if len(batch) >= BATCH:
                flush()
        if on_progress:
            on_progress(1)
    if batch:
        flush()
    return summary
