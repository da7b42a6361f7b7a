"""What `shinbun import` reads, as Records: JSON lines (plain or gzip) and RSS/Atom.

The corpus format (`id`, `title`, `published`, `body`, `category`, `url`) is plain
text: it is escaped before it becomes a body, so nothing in it is taken for markup. A
line of `shinbun export` (newsroom/exporting.py) carries more, read when present: the
editor's lead and body source (markup, sanitised as an editor's is when the article is
saved), access level, byline, section, series, column and keywords by slug, related
articles by their `shinbun_id`, corrections and the revision history. A bad record is
a RecordError with the reason, in Japanese, and its line (or item) number.
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
from django.core.exceptions import ValidationError
from django.core.validators import slug_re, slug_unicode_re
from django.utils import timezone

from shinbun.core.timefmt import JST
from shinbun.newsroom import furigana
from shinbun.newsroom.body import clean_text
from shinbun.newsroom.models import Article

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
    # What an export's line carries beyond the corpus format (None: not in the record).
    lead: str | None = None
    body_source: str | None = None
    fields: dict = field(default_factory=dict)  # access, byline, ... as the article has them
    links: dict[str, str | None] = field(default_factory=dict)  # "series"/"column": slug
    keywords: list[str] | None = None
    corrections: list[tuple[str, datetime]] | None = None
    history: list[dict] = field(default_factory=list)
    exported_id: int | None = None  # the article's id in the database it was exported from
    related: list[int] | None = None  # editors' picks, by those ids


def _open_binary(path: Path):
    raw = path.open("rb")
    magic = raw.read(2)
    raw.seek(0)
    return gzip.GzipFile(fileobj=raw) if magic == b"\x1f\x8b" else raw


def _parse_time(value: str, what: str = "公開日時") -> datetime:
    value = (value or "").strip()
    if not value:
        raise RecordError(f"{what}がありません")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            raise RecordError(f"{what}を読めません: {value[:40]!r}") from None
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
    record = Record(
        external_id=str(data["id"])[:120],
        headline=clean_text(str(data["title"]))[:200],
        published=_parse_time(str(data["published"])),
        paragraphs=_paragraphs(str(data["body"])),
        section_slug=slug,
        section_name=name,
        url=str(data.get("url") or ""),
    )
    _read_export_fields(record, data)
    return record


def _text(data: dict, name: str, limit: int | None = None, *, markup: bool = False) -> str:
    value = data[name]
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"{name} が文字列ではありません")
    # A body source keeps its line breaks: they separate its paragraphs.
    return value if markup else clean_text(value)[:limit]


def _slug(value, name: str, *, unicode: bool = False, limit: int = 80) -> str:
    pattern = slug_unicode_re if unicode else slug_re
    if not isinstance(value, str) or len(value) > limit or not pattern.fullmatch(value):
        raise RecordError(f"{name} のスラッグが正しくありません: {str(value)[:40]!r}")
    return value


def _list(data: dict, name: str) -> list:
    value = data[name]
    if not isinstance(value, list):
        raise RecordError(f"{name} がリストではありません")
    return value


def _read_export_fields(record: Record, data: dict) -> None:
    """The fields of an export's line, each when the record has it."""
    if "section" in data:
        record.section_slug = _slug(data["section"], "section", limit=60)
    if "body_source" in data:
        record.body_source = _text(data, "body_source", markup=True)
        record.lead = _text(data, "lead") if "lead" in data else ""
        if not record.lead:
            raise RecordError("必須項目がありません: lead")
    if "access" in data:
        if data["access"] not in Article.Access.values:
            raise RecordError(
                f"公開範囲が正しくありません: {str(data['access'])[:20]!r}"
                f"({', '.join(Article.Access.values)} のいずれか)"
            )
        record.fields["access"] = data["access"]
    for name, limit in (("subheadline", 200), ("byline", 120)):
        if name in data:
            record.fields[name] = _text(data, name, limit)
    if "reading_fixes" in data:
        fixes = _text(data, "reading_fixes")
        try:
            furigana.check_fixes(fixes)
        except ValidationError as error:
            raise RecordError(" ".join(error.messages)) from None
        record.fields["reading_fixes"] = fixes
    for name in ("pinned", "newsletter_unlock"):
        if name in data:
            if not isinstance(data[name], bool):
                raise RecordError(f"{name} が true/false ではありません")
            record.fields[name] = data[name]
    if "updated_at" in data:
        value = data["updated_at"]
        record.fields["updated_at"] = _parse_time(str(value), "更新日時") if value else None
    for name in ("series", "column"):
        if name in data:
            record.links[name] = _slug(data[name], name) if data[name] is not None else None
    if "keywords" in data:
        slugs = [_slug(v, "keywords", unicode=True) for v in _list(data, "keywords")]
        record.keywords = list(dict.fromkeys(slugs))
    if "corrections" in data:
        record.corrections = [_correction(item) for item in _list(data, "corrections")]
    if "revisions" in data:
        record.history = [_revision(item) for item in _list(data, "revisions")]
    if "shinbun_id" in data:
        record.exported_id = _id(data["shinbun_id"], "shinbun_id")
    if "related" in data:
        record.related = [_id(value, "related") for value in _list(data, "related")]


def _id(value, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise RecordError(f"{name} が記事の番号ではありません: {str(value)[:20]!r}")
    return value


def _correction(item) -> tuple[str, datetime]:
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        raise RecordError("corrections の項目に text がありません")
    text = item["text"].strip()
    if not text:
        raise RecordError("corrections の項目に text がありません")
    return text, _parse_time(str(item.get("created_at") or ""), "訂正日時")


def _revision(item) -> dict:
    if not isinstance(item, dict) or not isinstance(item.get("snapshot"), dict):
        raise RecordError("revisions の項目に snapshot がありません")
    author = item.get("author")
    return {
        "created_at": _parse_time(str(item.get("created_at") or ""), "改訂日時"),
        "author": author if isinstance(author, str) else None,
        "note": clean_text(str(item.get("note") or ""))[:200],
        "snapshot": item["snapshot"],
    }


def json_lines(path: Path):
    """Yields (line number, decoded JSON or RecordError). Lines are decoded one by one, so
    a line that is not UTF-8 is reported and the next one is read."""
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
                yield number, json.loads(line)
            except json.JSONDecodeError as error:
                yield number, RecordError(f"JSON として読めません ({error.msg})")


def read_jsonl(path: Path):
    """Yields (line number, Record or RecordError)."""
    for number, data in json_lines(path):
        if isinstance(data, RecordError):
            yield number, data
            continue
        try:
            yield number, record_from_json(data)
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
