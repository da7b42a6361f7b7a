"""What changed between two revisions of an article (改訂履歴の差分), for the admin.

Each field an editor can restore (publishing.RESTORED_FIELDS) is shown as one text: the
newer version, with what the older one had struck through (<del>) and what it adds
marked (<ins>), paragraph by paragraph and, inside a changed paragraph, character by
character (Japanese has no spaces to diff words by). Everything is escaped here.
"""

from dataclasses import dataclass
from difflib import SequenceMatcher

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from shinbun.newsroom.models import Article
from shinbun.newsroom.publishing import RESTORED_FIELDS

# Unchanged lines kept around a change; longer unchanged runs are folded.
CONTEXT = 2


@dataclass(frozen=True)
class FieldChange:
    label: str
    changed: bool
    html: SafeString


def readable(name: str, value) -> str:
    """A snapshot's value as an editor reads it (the access level by its label)."""
    if value is None:
        return ""
    if name == "access" and value in Article.Access.values:
        return str(Article.Access(value).label)
    return str(value)


def compare(old: dict, new: dict) -> list[FieldChange]:
    """The restorable fields of two snapshots (publishing.snapshot), older first."""
    changes = []
    for name in RESTORED_FIELDS:
        before, after = readable(name, old.get(name)), readable(name, new.get(name))
        field = Article._meta.get_field(name)
        # A choice is replaced as a whole: 無料 → 有料会員限定 shares a character by chance.
        html = replacement(before, after) if field.choices else redline(before, after)
        changes.append(FieldChange(str(field.verbose_name), before != after, html))
    return changes


def replacement(old: str, new: str) -> SafeString:
    if old == new:
        return format_html('<div class="diff-same">{}</div>', new)
    return format_html('<div class="diff-changed"><del>{}</del> <ins>{}</ins></div>', old, new)


def redline(old: str, new: str) -> SafeString:
    lines = []
    old_lines, new_lines = old.splitlines(), new.splitlines()
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines += [("same", escape(line)) for line in new_lines[j1:j2]]
            continue
        removed, added = old_lines[i1:i2], new_lines[j1:j2]
        paired = min(len(removed), len(added)) if tag == "replace" else 0
        for before, after in zip(removed[:paired], added[:paired], strict=True):
            lines.append(("changed", _characters(before, after)))
        lines += [("removed", format_html("<del>{}</del>", line)) for line in removed[paired:]]
        lines += [("added", format_html("<ins>{}</ins>", line)) for line in added[paired:]]
    return _fold(lines)


def _characters(old: str, new: str) -> SafeString:
    parts = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(escape(new[j1:j2]))
            continue
        if i2 > i1:
            parts.append(format_html("<del>{}</del>", old[i1:i2]))
        if j2 > j1:
            parts.append(format_html("<ins>{}</ins>", new[j1:j2]))
    return mark_safe("".join(parts))  # noqa: S308 - every part escaped above


def _fold(lines: list[tuple[str, str]]) -> SafeString:
    """Lines as <div>s, unchanged runs away from any change folded into a note."""
    near = set()
    for index, (kind, _html) in enumerate(lines):
        if kind != "same":
            near.update(range(index - CONTEXT, index + CONTEXT + 1))
    shown, folded = [], 0
    for index, (kind, html) in enumerate(lines):
        if kind == "same" and index not in near and near:
            folded += 1
            continue
        if folded:
            shown.append(("folded", _folded_note(folded)))
            folded = 0
        shown.append((kind, html or mark_safe("&nbsp;")))
    if folded:
        shown.append(("folded", _folded_note(folded)))
    return format_html_join("", '<div class="diff-{}">{}</div>', shown)


def _folded_note(count: int) -> str:
    return escape(gettext("(変更のない%(count)d行)") % {"count": count})
