"""The one function that decides who may read what (shinbun.members.entitlements)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from shinbun.members.entitlements import (
    VISITOR,
    Reader,
    ReaderKind,
    Reason,
    decide,
    readable_blocks,
    readable_text,
    reader_for,
)

FULL_TEXT = {
    # (reader kind, access): may read in full?
    (ReaderKind.VISITOR, "free"): True,
    (ReaderKind.VISITOR, "members"): False,
    (ReaderKind.VISITOR, "paid"): False,
    (ReaderKind.FREE, "free"): True,
    (ReaderKind.FREE, "members"): True,
    (ReaderKind.FREE, "paid"): False,
    (ReaderKind.EXPERT, "free"): True,
    (ReaderKind.EXPERT, "members"): True,
    (ReaderKind.EXPERT, "paid"): False,
    (ReaderKind.TRIALING, "free"): True,
    (ReaderKind.TRIALING, "members"): True,
    (ReaderKind.TRIALING, "paid"): True,
    (ReaderKind.PAID, "free"): True,
    (ReaderKind.PAID, "members"): True,
    (ReaderKind.PAID, "paid"): True,
    (ReaderKind.EDITOR, "free"): True,
    (ReaderKind.EDITOR, "members"): True,
    (ReaderKind.EDITOR, "paid"): True,
}


@pytest.mark.parametrize(("kind", "access"), list(FULL_TEXT))
def test_decide_matrix(kind, access):
    decision = decide(Reader(kind, None if kind == ReaderKind.VISITOR else 1), access)
    assert decision.full_text is FULL_TEXT[kind, access]
    if not decision.full_text:
        assert decision.reason == Reason.LEAD_ONLY


def test_decide_reasons():
    assert decide(VISITOR, "free").reason == Reason.FREE_ARTICLE
    assert decide(Reader(ReaderKind.FREE, 1), "members").reason == Reason.MEMBER
    assert decide(Reader(ReaderKind.PAID, 1), "paid").reason == Reason.PAID_MEMBER
    assert decide(Reader(ReaderKind.EDITOR, 1), "paid").reason == Reason.EDITOR


@pytest.mark.parametrize("access", ["", "secret", "PAID", None])
def test_unknown_access_level_gives_only_the_lead(access):
    assert not decide(VISITOR, access).full_text
    assert not decide(Reader(ReaderKind.FREE, 1), access).full_text


def test_reader_for_each_base_reader(free_member, paid_member, expert, editor):
    assert reader_for(None) == VISITOR
    assert reader_for(AnonymousUser()) == VISITOR
    assert reader_for(free_member) == Reader(ReaderKind.FREE, free_member.pk)
    assert reader_for(expert) == Reader(ReaderKind.EXPERT, expert.pk)
    assert reader_for(editor) == Reader(ReaderKind.EDITOR, editor.pk)
    assert reader_for(paid_member) == Reader(ReaderKind.PAID, paid_member.pk)


def test_readable_blocks_and_text_follow_the_decision(make):
    article = make.article(access="paid", lead="リードです。", body_source="秘密の本文です。")
    allowed = decide(Reader(ReaderKind.EDITOR, 1), "paid")
    refused = decide(VISITOR, "paid")
    assert readable_blocks(article, allowed) == article.blocks
    assert readable_blocks(article, refused) == []
    assert "秘密の本文です。" in readable_text(article, allowed)
    assert readable_text(article, refused) == "リードです。"
