"""Think!: the posting rules (who, on what, how long, when it may be corrected), the text's
sanitising, editors' hiding (audited, at once), the cached view of an article's posts and
the demo."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shinbun.members.entitlements import VISITOR, Reader, ReaderKind, reader_for
from shinbun.members.models import AuditLog
from shinbun.newsroom.models import Article
from shinbun.think import services
from shinbun.think.models import ExpertProfile, Post
from shinbun.think.text import render_body

BODY = "日銀の判断は賃上げの定着を前提にしており、来春の交渉が次の焦点になる。"
NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def profile(expert) -> ExpertProfile:
    return services.appoint(ExpertProfile(user=expert, slug="senmonka"), by=None)


@pytest.fixture
def article(make) -> Article:
    return make.article(access="paid")


def refusal(call, *args, **kwargs) -> services.ThinkError:
    with pytest.raises(services.ThinkError) as caught:
        call(*args, **kwargs)
    return caught.value


# Who may post, on what, what -----------------------------------------------------


def test_an_expert_posts_plain_text_trimmed_with_line_breaks_folded(profile, article):
    post = services.create_post(profile.user, article, f"  {BODY}\r\n二行目です。\r  ")
    assert post.body == f"{BODY}\n二行目です。"
    assert post.expert == profile and post.article == article
    assert post.edited_at is None and post.hidden_at is None


@pytest.mark.parametrize(
    ("body", "accepted"),
    [
        ("あ" * 19, False),
        ("あ" * 20, True),
        ("あ" * 800, True),
        ("あ" * 801, False),
        ("あ" * 10_000, False),
        ("   \n\t  ", False),
        ("", False),
        # A CRLF counts as the one line break it is: 10 + 1 + 9 characters.
        ("あ" * 10 + "\r\n" + "い" * 9, True),
        ("あ" * 10 + "\r\n" + "い" * 8, False),
        (" " * 5 + "あ" * 19 + " " * 5, False),  # spaces around do not count
    ],
)
def test_a_post_is_20_to_800_characters(profile, article, body, accepted):
    if accepted:
        assert services.create_post(profile.user, article, body).pk
    else:
        error = refusal(services.create_post, profile.user, article, body)
        assert error.code == services.ThinkError.INVALID
        assert "文字" in str(error)
        assert not Post.objects.exists()


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202e", "\u2066"])
def test_control_characters_are_refused(profile, article, control):
    error = refusal(services.create_post, profile.user, article, BODY + control + "続き")
    assert error.code == services.ThinkError.INVALID
    assert str(error) == "投稿に使えない文字(制御文字)が含まれています。"
    assert not Post.objects.exists()


def test_tabs_and_line_breaks_are_text(profile, article):
    post = services.create_post(profile.user, article, f"{BODY}\n\t二段落目。")
    assert post.body == f"{BODY}\n\t二段落目。"


def test_only_appointed_experts_post(free_member, paid_member, expert, editor, article):
    for user in (free_member, paid_member, editor, expert):  # expert: no profile yet
        error = refusal(services.create_post, user, article, BODY)
        assert error.code == services.ThinkError.FORBIDDEN
        assert str(error) == "Think! に投稿できるのはエキスパートのみです。"
    profile = services.appoint(ExpertProfile(user=expert, slug="e"), by=None)
    assert services.may_post(expert) and services.create_post(expert, article, BODY)
    expert.is_expert = False  # relieved of the role: the profile alone does not let them post
    expert.save(update_fields=["is_expert"])
    assert not services.may_post(expert)
    assert refusal(services.create_post, expert, article, BODY + "。").code == "forbidden"
    assert profile.posts.count() == 1


def test_only_articles_readers_see_take_posts(profile, make):
    draft = make.article(status=Article.Status.DRAFT)
    scheduled = make.article(published_at=timezone.now() + timedelta(hours=1))
    for article in (draft, scheduled):
        error = refusal(services.create_post, profile.user, article, BODY)
        assert error.code == services.ThinkError.NOT_FOUND
    assert not Post.objects.exists()


def test_sending_the_same_post_again_posts_once(profile, article):
    first = services.create_post(profile.user, article, BODY)
    again = services.create_post(profile.user, article, f"{BODY}\r\n")
    assert again.pk == first.pk and Post.objects.count() == 1


# Correcting and deleting ------------------------------------------------------------


def test_the_author_corrects_a_post_within_15_minutes(profile, article):
    with time_machine.travel(NOW, tick=False):
        post = services.create_post(profile.user, article, BODY)
    with time_machine.travel(NOW + timedelta(minutes=14, seconds=59), tick=False):
        edited = services.edit_post(profile.user, post, BODY + "訂正")
        assert edited.body == BODY + "訂正" and edited.edited_at == timezone.now()
    with time_machine.travel(NOW + timedelta(minutes=15, seconds=1), tick=False):
        error = refusal(services.edit_post, profile.user, post, BODY + "再訂正")
        assert error.code == services.ThinkError.CLOSED
        assert str(error) == "投稿から15分を過ぎたため、編集できません。削除はできます。"
        # Sending what the post already says changes nothing, window or not.
        assert services.edit_post(profile.user, post, BODY + "訂正").body == BODY + "訂正"
    post.refresh_from_db()
    assert post.body == BODY + "訂正"


def test_the_edit_window_is_passed_in_as_now(profile, article):
    post = services.create_post(profile.user, article, BODY, now=NOW)
    services.edit_post(profile.user, post, BODY + "一", now=NOW + timedelta(minutes=15))
    with pytest.raises(services.ThinkError):
        services.edit_post(profile.user, post, BODY + "二", now=NOW + timedelta(minutes=16))


def test_only_the_author_corrects_or_deletes(profile, article, free_member, editor, make):
    post = services.create_post(profile.user, article, BODY)
    other = make_expert(make, "other@example.jp", "other")
    for user in (other, free_member, editor):
        assert refusal(services.edit_post, user, post, BODY + "改").code == "forbidden"
        assert refusal(services.delete_post, user, post).code == "forbidden"
    assert Post.objects.get().body == BODY


def test_a_hidden_post_cannot_be_corrected_but_can_be_deleted(profile, article, editor):
    post = services.create_post(profile.user, article, BODY)
    services.hide_post(editor, post, "確認中")
    assert refusal(services.edit_post, profile.user, post, BODY + "改").code == "closed"
    services.delete_post(profile.user, post)
    assert not Post.objects.exists()


def test_deleting_removes_the_row_once_and_notes_it(profile, article):
    post = services.create_post(profile.user, article, BODY)
    services.delete_post(profile.user, post)
    services.delete_post(profile.user, post)  # a second click
    assert not Post.objects.exists()
    log = AuditLog.objects.get(action="think.post_deleted")
    assert log.subject == profile.user and log.actor == profile.user
    assert log.detail == {"post": post.pk, "article": article.pk}
    assert BODY not in str(log.detail)  # the author took the words back


# Sanitising -------------------------------------------------------------------------


def test_markup_comes_out_as_text(parse_html):
    written = (
        '<script>alert(1)</script><img src=x onerror=alert(1)> <a href="javascript:alert(1)">x</a>'
        " javascript:alert(1) data:text/html,<b>x</b>"
    )
    html = render_body(written)
    assert parse_html(f"<div>{html}</div>").found == [{"tag": "div", "text": written}]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_http_urls_become_nofollow_links_and_line_breaks_br():
    html = render_body('資料: https://example.jp/a?b=1&c=2です。\n次(http://example.jp/x_(y))。"')
    assert html == (
        '資料: <a href="https://example.jp/a?b=1&amp;c=2" rel="nofollow noopener ugc">'
        "https://example.jp/a?b=1&amp;c=2</a>です。<br>\n"
        '次(<a href="http://example.jp/x_(y)" rel="nofollow noopener ugc">'
        'http://example.jp/x_(y)</a>)。"'
    )


@pytest.mark.parametrize(
    "text",
    [
        'https://example.jp/"onmouseover="alert(1)',
        "https://example.jp/'onmouseover='alert(1)",
        "https://example.jp/<script>alert(1)</script>",
        "https://example.jp/&quot;&gt;<img src=x onerror=alert(1)>",
        "ftp://example.jp/ mailto:a@example.jp www.example.jp http:// https://",
    ],
)
def test_no_url_can_break_out_of_its_link(parse_html, text):
    doc = parse_html(render_body(text))
    assert {element["tag"] for element in doc.found} <= {"a", "br"}
    for link in doc.all("a"):
        assert set(link) == {"tag", "href", "rel", "text"}
        assert link["href"].startswith("https://example.jp/")
        assert link["rel"] == "nofollow noopener ugc"


# Hiding -----------------------------------------------------------------------------


def test_a_hidden_post_vanishes_for_readers_at_once_and_is_audited(profile, article, editor):
    post = services.create_post(profile.user, article, BODY)
    member = Reader(ReaderKind.FREE, 1)
    before = services.think_for(member, article.pk)  # now cached
    assert before.count == 1 and [p.id for p in before.posts] == [post.pk]

    services.hide_post(editor, post, "  事実関係を確認中のため  ")

    after = services.think_for(member, article.pk)
    assert after.count == 0 and after.posts == ()
    assert after.stamp != before.stamp
    assert not services.expert_posts(profile).exists()
    post.refresh_from_db()
    assert post.hidden_by == editor and post.hidden_reason == "事実関係を確認中のため"
    log = AuditLog.objects.get(action="think.post_hidden")
    assert (log.actor, log.subject, log.reason) == (editor, profile.user, "事実関係を確認中のため")
    assert log.detail == {"post": post.pk, "article": article.pk}

    services.hide_post(editor, post, "別の理由")  # hidden already: the first reason stands
    assert AuditLog.objects.filter(action="think.post_hidden").count() == 1
    assert Post.objects.get().hidden_reason == "事実関係を確認中のため"

    services.unhide_post(editor, post, "確認が済んだため")
    services.unhide_post(editor, post)  # shown already
    assert services.think_for(member, article.pk).count == 1
    log = AuditLog.objects.get(action="think.post_unhidden")
    assert log.reason == "確認が済んだため"
    assert log.detail["hidden_reason"] == "事実関係を確認中のため"


def test_only_editors_hide_and_a_reason_is_needed(profile, article, editor, free_member):
    post = services.create_post(profile.user, article, BODY)
    for user in (free_member, profile.user):
        assert refusal(services.hide_post, user, post, "理由").code == "forbidden"
        assert refusal(services.unhide_post, user, post).code == "forbidden"
    for reason in ("", "   ", "あ" * 301):
        assert refusal(services.hide_post, editor, post, reason).code == "invalid"
    post.refresh_from_db()
    assert not post.is_hidden and not AuditLog.objects.filter(action__startswith="think.post")


# Reading ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "readable"),
    [
        (ReaderKind.VISITOR, False),
        (ReaderKind.FREE, True),
        (ReaderKind.TRIALING, True),
        (ReaderKind.PAID, True),
        (ReaderKind.EXPERT, True),
        (ReaderKind.EDITOR, True),
    ],
)
def test_members_read_posts_others_get_the_count(profile, article, kind, readable):
    services.create_post(profile.user, article, BODY)
    reader = VISITOR if kind == ReaderKind.VISITOR else Reader(kind, 1)
    think = services.think_for(reader, article.pk)
    assert think.count == 1 and think.readable is readable
    assert [p.body for p in think.posts] == ([BODY] if readable else [])


def test_posts_are_newest_first_with_their_experts(profile, article, make):
    other = make_expert(make, "second@example.jp", "second")
    services.create_post(profile.user, article, BODY, now=NOW - timedelta(hours=2))
    services.create_post(other, article, BODY + "二人目", now=NOW - timedelta(hours=1))
    think = services.article_think(article.pk)
    assert [p.expert.slug for p in think.posts] == ["second", "senmonka"]
    card = think.posts[1].expert
    assert (card.name, card.title, card.affiliation) == ("専門家 一郎", "教授", "シンブン大学")


def test_the_cached_posts_cost_two_queries_then_none(profile, article, make):
    for n in range(5):
        services.create_post(make_expert(make, f"e{n}@example.jp", f"e{n}"), article, BODY)
    with CaptureQueriesContext(connection) as queries:
        assert services.article_think(article.pk).count == 5
    assert len(queries) == 2
    with CaptureQueriesContext(connection) as queries:
        services.stamp(article.pk)
        services.think_for(VISITOR, article.pk)
    assert len(queries) == 0


def test_the_stamp_follows_every_change_readers_see(profile, article, editor, make):
    services.create_post(make_expert(make, "b@example.jp", "b"), article, BODY, now=NOW)
    stamps = [services.stamp(article.pk)]
    post = services.create_post(profile.user, article, BODY, now=NOW + timedelta(minutes=1))
    stamps.append(services.stamp(article.pk))
    services.edit_post(profile.user, post, BODY + "改", now=NOW + timedelta(minutes=2))
    stamps.append(services.stamp(article.pk))
    services.hide_post(editor, post, "確認中", now=NOW + timedelta(minutes=3))
    stamps.append(services.stamp(article.pk))
    services.unhide_post(editor, post, now=NOW + timedelta(minutes=4))
    stamps.append(services.stamp(article.pk))
    services.delete_post(profile.user, post)
    stamps.append(services.stamp(article.pk))
    # Hidden or deleted, the post is gone and the page is the first one again.
    assert stamps[0] == stamps[3] == stamps[5]
    assert len({stamps[0], stamps[1], stamps[2], stamps[4]}) == 4


def test_a_new_name_reaches_the_cached_posts(profile, article):
    services.create_post(profile.user, article, BODY)
    assert services.article_think(article.pk).posts[0].expert.name == "専門家 一郎"
    user = profile.user
    user.display_name, user.expert_title = "専門家 一朗", "名誉教授"
    user.save()
    card = services.article_think(article.pk).posts[0].expert
    assert (card.name, card.title) == ("専門家 一朗", "名誉教授")


def test_the_experts_page_lists_only_visible_posts(profile, make, editor):
    shown = services.create_post(profile.user, make.article(), BODY)
    hidden = services.create_post(profile.user, make.article(), BODY)
    services.hide_post(editor, hidden, "確認中")
    gone = make.article()
    services.create_post(profile.user, gone, BODY)
    gone.status = Article.Status.DRAFT  # unpublished after the post
    gone.save()
    assert list(services.expert_posts(profile)) == [shown]


def test_an_accounts_deletion_takes_its_posts_from_the_cache(profile, article):
    services.create_post(profile.user, article, BODY)
    assert services.article_think(article.pk).count == 1
    profile.user.delete()
    assert services.article_think(article.pk).count == 0


# Demo -------------------------------------------------------------------------------


def test_the_demo_has_two_experts_with_posts_one_hidden_and_loads_twice_the_same(db):
    from shinbun.newsroom.demo import loader

    loader.load_content()
    loader.load_accounts()
    state = (
        sorted(ExpertProfile.objects.values_list("user__email", "slug")),
        sorted(Post.objects.values_list("pk", "body", "hidden_at", "edited_at")),
        AuditLog.objects.filter(action__startswith="think.").count(),
    )
    loader.load_accounts()
    assert state == (
        sorted(ExpertProfile.objects.values_list("user__email", "slug")),
        sorted(Post.objects.values_list("pk", "body", "hidden_at", "edited_at")),
        AuditLog.objects.filter(action__startswith="think.").count(),
    )
    experts = {email for email, _slug in state[0]}
    assert experts == {"expert@example.jp", "expert2@example.jp"}
    posts = Post.objects.select_related("expert__user", "article")
    assert len({p.article_id for p in posts}) >= 5
    assert {p.expert.user.email for p in posts} == experts
    (hidden,) = [p for p in posts if p.is_hidden]
    assert hidden.hidden_by.email == "editor@example.jp" and hidden.hidden_reason
    assert all(p.created_at >= p.article.published_at for p in posts)
    second = ExpertProfile.objects.get(user__email="expert2@example.jp").user
    assert second.check_password(loader.DEMO_PASSWORD) and reader_for(second).is_member


def make_expert(make, email: str, slug: str):
    from shinbun.members.models import User

    user = User.objects.create_user(
        email, "pw", display_name=f"専門家 {slug}", is_expert=True, expert_title="研究員"
    )
    services.appoint(ExpertProfile(user=user, slug=slug), by=None)
    return user
