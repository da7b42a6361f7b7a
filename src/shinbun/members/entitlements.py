"""The ONE place that decides who may read what.

Every channel (article page, print view, API, feeds, meta tags, JSON-LD, and later
search snippets and e-mails) asks :func:`decide` and shows the full text only when
it says so. Content for readers is fetched through :func:`readable_blocks`, so a
new view cannot forget the check.

Membership plans, the monthly meter and newsletter unlocks arrive with the
membership work; until then a signed-in reader counts as a free member.
"""

from dataclasses import dataclass
from enum import StrEnum


class ReaderKind(StrEnum):
    VISITOR = "visitor"  # 非会員
    FREE = "free"  # 無料会員
    PAID = "paid"  # 有料会員
    EXPERT = "expert"  # エキスパート
    EDITOR = "editor"  # 編集者


class Reason(StrEnum):
    FREE_ARTICLE = "free_article"
    MEMBER = "member"
    PAID_MEMBER = "paid_member"
    EDITOR = "editor"
    LEAD_ONLY = "lead_only"


@dataclass(frozen=True)
class Reader:
    kind: ReaderKind
    user_id: int | None = None


@dataclass(frozen=True)
class Decision:
    full_text: bool
    reason: Reason


VISITOR = Reader(ReaderKind.VISITOR)


def reader_for(user) -> Reader:
    if user is None or not user.is_authenticated:
        return VISITOR
    if user.is_staff:
        return Reader(ReaderKind.EDITOR, user.pk)
    if getattr(user, "is_expert", False):
        return Reader(ReaderKind.EXPERT, user.pk)
    return Reader(ReaderKind.FREE, user.pk)


def decide(reader: Reader, access: str) -> Decision:
    """May this reader read an article of this access level (free/members/paid) in full?"""
    if access == "free":
        return Decision(True, Reason.FREE_ARTICLE)
    if reader.kind == ReaderKind.EDITOR:
        return Decision(True, Reason.EDITOR)
    if reader.kind == ReaderKind.PAID:
        return Decision(True, Reason.PAID_MEMBER)
    if access == "members" and reader.kind in (ReaderKind.FREE, ReaderKind.EXPERT):
        return Decision(True, Reason.MEMBER)
    return Decision(False, Reason.LEAD_ONLY)


def readable_blocks(article, decision: Decision) -> list[dict]:
    """The body blocks a reader may receive: all of them, or none (the lead stands alone)."""
    return list(article.blocks) if decision.full_text else []


def readable_text(article, decision: Decision) -> str:
    """Plain text for machine channels: the full body or only the lead."""
    if decision.full_text:
        return "\n\n".join(part for part in (article.lead, article.body_text) if part)
    return article.lead
