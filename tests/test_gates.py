"""Member action gates: follow, save article, save figure for paid members; Think! for
members. Everyone else sees the SPEC's texts with the campaign's button and ログイン."""

import pytest

from shinbun.members import gates
from shinbun.members.entitlements import VISITOR, Reader, ReaderKind
from tests.test_article_page import FIGURE_TEXT, FOLLOW_TEXT, SAVE_TEXT, THINK_TEXT

PAID_GATES = {"gate-follow": FOLLOW_TEXT, "gate-save": SAVE_TEXT, "gate-figure": FIGURE_TEXT}


@pytest.fixture
def page(make, spring_campaign, client_for, request):
    def open_as(name):
        user = None if name == "visitor" else request.getfixturevalue(name)
        figure = make.figure()
        article = make.article(access="free", body_source=f"本文。\n\n[[figure:{figure.key}]]")
        response = client_for(user).get(article.get_absolute_url())
        assert response.status_code == 200
        return response

    return open_as


@pytest.mark.parametrize(
    "name", ["visitor", "free_member", "metered_out_member", "expert", "editor"]
)
def test_anyone_but_a_paid_member_sees_the_spec_texts(name, page, parse_html):
    doc = parse_html(page(name))
    for css_class, text in PAID_GATES.items():
        gate = doc.one("details", class_=css_class)
        assert text in gate["text"], (name, css_class)
        assert "春割で無料体験する" in gate["text"] and "ログイン" in gate["text"]
        assert not doc.all("div", class_="gate-ready")


@pytest.mark.parametrize("name", ["paid_member", "trialing_member"])
def test_paid_members_get_working_buttons(name, page, parse_html):
    response = page(name)
    doc = parse_html(response)
    for css_class in PAID_GATES:
        assert not doc.all("details", class_=css_class)
    actions = {form["action"] for form in doc.all("form", class_="member-action")}
    assert any(action.startswith("/saved/articles/") for action in actions)
    assert any(action.startswith("/saved/figures/") for action in actions)
    labels = {button["text"] for button in doc.all("button", class_="when-off")}
    assert {"記事を保存する", "図表を保存する"} <= labels
    buttons = doc.all("button", class_="when-off") + doc.all("button", class_="when-on")
    assert not [button for button in buttons if "disabled" in button]
    assert "この機能は準備中です" not in response.content.decode()


def test_think_invites_visitors_and_opens_for_members(page, parse_html):
    visitor_gate = parse_html(page("visitor")).one("details", class_="gate-think")
    assert THINK_TEXT in visitor_gate["text"] and "ログイン" in visitor_gate["text"]
    member_gate = parse_html(page("free_member")).one("details", class_="gate-think")
    assert THINK_TEXT not in member_gate["text"]
    assert "Think! の投稿はまだありません。" in member_gate["text"]


def test_the_failure_messages_are_on_the_page(page, parse_html):
    actions = parse_html(page("paid_member")).one("div", class_="member-actions")
    assert actions["data-message-follow-refused"] == "権限不足のため、フォローできません"
    assert (
        actions["data-message-failed"]
        == "操作を実行できませんでした。時間を空けて再度お試しください。"
    )
    assert actions["data-message-error-title"] == "エラー"


def test_who_may_use_which_action():
    paid = Reader(ReaderKind.PAID, 1)
    trial = Reader(ReaderKind.TRIALING, 1)
    free = Reader(ReaderKind.FREE, 1)
    for action in gates.PAID_ACTIONS:
        assert gates.may_use(paid, action) and gates.may_use(trial, action)
        assert not gates.may_use(free, action) and not gates.may_use(VISITOR, action)
    assert gates.may_use(free, "think") and not gates.may_use(VISITOR, "think")
    assert str(gates.refusal_message("follow")) == "権限不足のため、フォローできません"
    assert str(gates.refusal_message("save_article")) == SAVE_TEXT
    assert str(gates.refusal_message("save_figure")) == FIGURE_TEXT
    with pytest.raises(ValueError):
        gates.may_use(paid, "delete_everything")
