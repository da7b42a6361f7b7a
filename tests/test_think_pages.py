"""Think! through every channel: the expert's page and the article's Think! section as each
reader kind sees them, the experts' plain-form posting flow, editors' moderation in the
admin, and /api/v1/articles/{id}/think."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone

from shinbun.members.entitlements import reader_for
from shinbun.members.models import AuditLog
from shinbun.newsroom.models import Article
from shinbun.think import services
from shinbun.think.models import ExpertProfile, Post

BODY = "日銀の判断は賃上げの定着を前提にしており、来春の交渉が次の焦点になる。"
INVITATION = (
    "記事と併せて、エキスパート(専門家)のひとこと解説や分析を読むことができます。"
    "会員の方のみご利用になれます。"
)
READERS = ["visitor", "free_member", "paid_member", "expert", "editor"]
MEMBERS = READERS[1:]


@pytest.fixture
def profile(expert) -> ExpertProfile:
    return services.appoint(ExpertProfile(user=expert, slug="senmonka"), by=None)


@pytest.fixture
def post(profile, make) -> Post:
    return services.create_post(profile.user, make.article(headline="利上げの記事"), BODY)


@pytest.fixture
def as_reader(request, client_for, plans):
    """A client for the reader kind named by the test's parameter."""

    def client(name: str) -> Client:
        return client_for(None if name == "visitor" else request.getfixturevalue(name))

    return client


# The expert's page ------------------------------------------------------------------


@pytest.mark.parametrize("who", READERS)
def test_the_experts_page_shows_posts_to_members_and_the_count_to_others(
    as_reader, who, post, parse_html
):
    response = as_reader(who).get("/experts/senmonka/")
    assert response.status_code == 200
    doc = parse_html(response)
    assert doc.one("h1")["text"] == "専門家 一郎"
    assert "教授 / シンブン大学" in response.text
    assert "(1件)" in doc.one("h2", id="expert-posts-heading")["text"]
    if who == "visitor":
        assert BODY not in response.text and "利上げの記事" not in response.text
        assert INVITATION in response.text
        assert "春割で無料体験する" in [a["text"] for a in doc.all("a", class_="cta")]
        login = [a for a in doc.all("a") if a["text"] == "ログイン" and "next=" in a["href"]]
        assert login[0]["href"] == "/accounts/login/?next=/experts/senmonka/"
    else:
        assert BODY in response.text and INVITATION not in response.text
        link = doc.one("a", href=f"{post.article.get_absolute_url()}#think")
        assert link["text"] == "利上げの記事"


def test_only_the_expert_finds_the_controls_for_their_posts(client_for, post, paid_member):
    own = client_for(post.expert.user).get("/experts/senmonka/").text
    assert f"/experts/posts/{post.pk}/edit/" in own and f"/experts/posts/{post.pk}/delete/" in own
    other = client_for(paid_member).get("/experts/senmonka/").text
    assert "/experts/posts/" not in other


def test_the_experts_page_pages_newest_first_in_pinned_queries(
    client_for, paid_member, profile, make, settings, django_assert_num_queries
):
    settings.PAGE_SIZE = 3
    for n in range(7):
        at = timezone.now() - timedelta(hours=n)
        services.create_post(profile.user, make.article(headline=f"記事{n}"), f"{BODY}{n}", now=at)
    client = client_for(paid_member)
    client.get("/experts/senmonka/")  # the reader's state, now cached
    # the reader's account, the profile, the count, one page of posts with their articles
    with django_assert_num_queries(4):
        first = client.get("/experts/senmonka/")
    assert [f"{BODY}{n}" in first.text for n in range(4)] == [True, True, True, False]
    next_page = first.text.split('rel="next" href="')[1].split('"')[0]
    with django_assert_num_queries(4):
        second = client.get(f"/experts/senmonka/{next_page.replace('&amp;', '&')}")
    assert [f"{BODY}{n}" in second.text for n in (2, 3, 5, 6)] == [False, True, True, False]
    assert client.get("/experts/senmonka/?before=nonsense").status_code == 404


def test_the_experts_page_in_english(client_for, free_member, post):
    response = client_for(free_member).get("/en/experts/senmonka/")
    assert '<html lang="en">' in response.text
    assert "Think! posts" in response.text and "(1 post)" in response.text
    assert f'href="/en/articles/{post.article_id}/#think"' in response.text
    assert BODY in response.text  # the post itself stays as written


def test_unknown_experts_are_a_404(visitor, db):
    assert visitor.get("/experts/nobody/").status_code == 404


def test_a_hidden_post_leaves_the_cached_page_for_visitors_once_committed(
    visitor, post, editor, django_capture_on_commit_callbacks
):
    assert "(1件)" in visitor.get("/experts/senmonka/").text  # kept in the page cache
    with django_capture_on_commit_callbacks(execute=True):
        services.hide_post(editor, post, "確認中")
    assert "(0件)" in visitor.get("/experts/senmonka/").text


# The article's Think! section (the include the article page renders) ---------------


def render_section(user, article, **extra) -> str:
    request = RequestFactory().get(article.get_absolute_url())
    request.user = user or AnonymousUser()
    context = {
        "think": services.article_think(article.pk),
        "reader": reader_for(request.user),
        "think_can_post": services.may_post(request.user),
        **extra,
    }
    return render_to_string("think/includes/article_think.html", context, request=request)


@pytest.mark.parametrize("who", READERS)
def test_the_article_section_shows_posts_to_members_only(
    request, who, post, plans, parse_html, editor
):
    user = None if who == "visitor" else request.getfixturevalue(who)
    services.create_post(post.expert.user, post.article, "<script>alert(1)</script>" * 3)
    hidden = services.create_post(post.expert.user, post.article, BODY + "非表示")
    services.hide_post(editor, hidden, "確認中")
    html = render_section(user, post.article)
    doc = parse_html(html)
    summary = doc.one("details", id="think")
    assert " ".join(summary["text"].split()).startswith("Think! の投稿を読む (2件)")
    assert "非表示" not in html and "<script>" not in html
    if who == "visitor":
        assert BODY not in html and "alert" not in html and INVITATION in html
        assert [a["text"] for a in doc.all("a")] == ["春割で無料体験する", "ログイン"]
    else:
        assert [li["id"] for li in doc.all("li", class_="think-post")][1] == f"think-{post.pk}"
        assert doc.all("a", href="/experts/senmonka/")[0]["text"] == "専門家 一郎"
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert INVITATION not in html
    forms = doc.all("form", action=f"/experts/posts/new/{post.article.pk}/")
    assert len(forms) == (1 if who == "expert" else 0)
    assert "/edit/" not in html  # the page is shared by every reader of a kind


# Posting with plain forms -----------------------------------------------------------


def test_an_expert_posts_from_the_article_and_comes_back_to_it(client_for, profile, make):
    article = make.article()
    client = client_for(profile.user)
    response = client.post(f"/experts/posts/new/{article.pk}/", {"body": BODY})
    assert response.status_code == 302
    assert response["Location"] == f"/articles/{article.pk}/#think"
    page = client.get("/experts/senmonka/")
    assert "Think! に投稿しました。" in page.text and BODY in page.text
    client.post(f"/experts/posts/new/{article.pk}/", {"body": BODY})  # sent twice
    assert Post.objects.count() == 1


def test_a_refused_text_comes_back_with_the_reason_and_nothing_lost(client_for, profile, make):
    article = make.article()
    typed = "<b>短すぎる</b>"
    response = client_for(profile.user).post(f"/experts/posts/new/{article.pk}/", {"body": typed})
    assert response.status_code == 400
    assert "投稿は20文字以上で書いてください(現在11文字)。" in response.text
    assert "&lt;b&gt;短すぎる&lt;/b&gt;</textarea>" in response.text
    assert not Post.objects.exists()


def test_who_is_no_expert_cannot_post(client_for, visitor, free_member, make):
    article = make.article()
    response = visitor.post(f"/experts/posts/new/{article.pk}/", {"body": BODY})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client = client_for(free_member)
    response = client.post(f"/experts/posts/new/{article.pk}/", {"body": BODY}, follow=True)
    assert "Think! に投稿できるのはエキスパートのみです。" in response.text
    draft = make.article(status=Article.Status.DRAFT)
    assert client.post(f"/experts/posts/new/{draft.pk}/", {"body": BODY}).status_code == 404
    assert client.get(f"/experts/posts/new/{article.pk}/").status_code == 405
    assert not Post.objects.exists()


def test_forms_need_the_csrf_token(profile, make):
    client = Client(enforce_csrf_checks=True)
    client.force_login(profile.user)
    response = client.post(f"/experts/posts/new/{make.article().pk}/", {"body": BODY})
    assert response.status_code == 403 and not Post.objects.exists()


def test_the_author_corrects_within_15_minutes_on_the_posts_page(client_for, post):
    client = client_for(post.expert.user)
    url = f"/experts/posts/{post.pk}/edit/"
    assert "<textarea" in client.get(url).text
    response = client.post(url, {"body": BODY + "(訂正)"})
    assert response["Location"] == f"/articles/{post.article_id}/#think"
    later = timezone.now() + timedelta(minutes=16)
    with time_machine.travel(later, tick=False):
        page = client.get(url).text
        assert '<textarea id="think-body"' not in page
        response = client.post(url, {"body": BODY + "(再訂正)"})
    assert response.status_code == 409
    assert "投稿から15分を過ぎたため、編集できません。" in response.text
    assert "(再訂正)</textarea>" in response.text  # what was typed, to copy
    assert Post.objects.get().body == BODY + "(訂正)"


def test_another_readers_post_is_a_404(client_for, post, free_member, make):
    from tests.test_think import make_expert

    for user in (free_member, make_expert(make, "b@example.jp", "b")):
        client = client_for(user)
        assert client.get(f"/experts/posts/{post.pk}/edit/").status_code == 404
        assert client.post(f"/experts/posts/{post.pk}/delete/").status_code == 404
    assert Post.objects.exists()


def test_the_author_deletes_and_a_second_click_is_harmless(client_for, post):
    client = client_for(post.expert.user)
    url = f"/experts/posts/{post.pk}/delete/"
    response = client.post(url, {"next": "/experts/senmonka/"})
    assert response["Location"] == "/experts/senmonka/"
    assert client.post(url)["Location"] == "/experts/senmonka/"
    assert "投稿を削除しました。" in client.get("/experts/senmonka/").text
    assert not Post.objects.exists()


def test_a_foreign_next_is_not_followed(client_for, post):
    response = client_for(post.expert.user).post(
        f"/experts/posts/{post.pk}/delete/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/articles/{post.article_id}/#think"


# Editors in the admin ---------------------------------------------------------------


def test_an_editor_hides_a_post_with_a_reason_in_the_admin(client_for, editor, post):
    client = client_for(editor)
    assert BODY[:40] in client.get("/admin/think/post/").text
    url = f"/admin/think/post/{post.pk}/change/"
    response = client.post(url, {"hide": "on", "reason": ""})
    assert response.status_code == 200 and "非表示にする理由を書いてください。" in response.text
    client.post(url, {"hide": "on", "reason": "事実確認のため"})
    post.refresh_from_db()
    assert post.is_hidden and post.hidden_by == editor and post.hidden_reason == "事実確認のため"
    log = AuditLog.objects.get(action="think.post_hidden")
    assert log.actor == editor and log.reason == "事実確認のため"
    assert "事実確認のため" in client.get(url).text  # the moderation history
    client.post(url, {"reason": "確認済み"})  # "hide" unticked
    post.refresh_from_db()
    assert not post.is_hidden
    assert AuditLog.objects.get(action="think.post_unhidden").reason == "確認済み"


def test_members_cannot_moderate(client_for, expert, post):
    response = client_for(expert).get(f"/admin/think/post/{post.pk}/change/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_editor_appoints_an_expert_by_their_address(
    client_for, editor, free_member, paid_member
):
    """The editor types the address the expert gave; no list of members' addresses is
    shown, and the change form does not show it either."""
    as_editor = client_for(editor)
    form = {
        "email": " Free@Example.jp ",
        "name": "新任 専門家",
        "title": "准教授",
        "affiliation": "シンブン大学",
        "slug": "shinnin",
        "profile": "専門は地方財政。",
    }
    add = as_editor.get("/admin/think/expertprofile/add/")
    assert add.status_code == 200 and "会員のメールアドレス" in add.text
    assert paid_member.email not in add.text and free_member.email not in add.text
    unknown = as_editor.post(
        "/admin/think/expertprofile/add/", {**form, "email": "nobody@example.jp"}
    )
    assert unknown.status_code == 200
    assert "このメールアドレスの会員は見つかりません" in unknown.text
    assert as_editor.post("/admin/think/expertprofile/add/", form).status_code == 302
    free_member.refresh_from_db()
    assert free_member.is_expert and free_member.display_name == "新任 専門家"
    assert free_member.expert_title == "准教授" and services.may_post(free_member)
    assert AuditLog.objects.get(action="think.expert_appointed").actor == editor

    again = as_editor.post("/admin/think/expertprofile/add/", {**form, "slug": "futatabi"})
    assert again.status_code == 200 and "この会員はすでに専門家です" in again.text
    profile = ExpertProfile.objects.get()
    change = as_editor.get(f"/admin/think/expertprofile/{profile.pk}/change/")
    assert change.status_code == 200 and "新任 専門家" in change.text
    assert free_member.email not in change.text
    changed = {**form, "email": "", "title": "教授"}
    assert (
        as_editor.post(f"/admin/think/expertprofile/{profile.pk}/change/", changed).status_code
        == 302
    )
    free_member.refresh_from_db()
    assert free_member.expert_title == "教授"
    assert ExpertProfile.objects.get().user == free_member


# The API ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", READERS)
def test_the_api_gives_members_the_posts_and_others_the_count(as_reader, who, post):
    data = as_reader(who).get(f"/api/v1/articles/{post.article_id}/think").json()
    assert data["count"] == 1
    if who == "visitor":
        assert data == {"count": 1, "readable": False, "items": []}
    else:
        assert data["readable"] is True
        (item,) = data["items"]
        assert item["id"] == post.pk and item["body"] == BODY
        assert item["expert"]["name"] == "専門家 一郎"
        assert item["expert"]["url"] == "http://testserver/experts/senmonka/"


def test_the_api_answers_per_caller(visitor, post):
    response = visitor.get(f"/api/v1/articles/{post.article_id}/think")
    assert "private" in response["Cache-Control"]


def test_the_api_has_no_think_for_unseen_articles(visitor, make):
    draft = make.article(status=Article.Status.DRAFT)
    for article_id in (draft.pk, 999999):
        response = visitor.get(f"/api/v1/articles/{article_id}/think")
        assert response.status_code == 404
        assert response.json()["detail"] == "見つかりませんでした。"


def test_an_expert_posts_through_the_api(client_for, profile, make, parse_html):
    article = make.article()
    client = client_for(profile.user)
    url = f"/api/v1/articles/{article.pk}/think"
    body = "<script>alert(1)</script> 詳しくは https://example.jp/a と javascript:alert(1)"
    response = client.post(url, {"body": body}, content_type="application/json")
    assert response.status_code == 201
    data = response.json()
    assert data["body"] == body and data["expert"]["slug"] == "senmonka"
    links = parse_html(data["body_html"]).all("a")
    assert [(a["href"], a["rel"]) for a in links] == [
        ("https://example.jp/a", "nofollow noopener ugc")
    ]
    assert "<script" not in data["body_html"]
    again = client.post(url, {"body": body}, content_type="application/json")
    assert again.status_code == 201 and again.json()["id"] == data["id"]
    assert Post.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ("短い", "投稿は20文字以上で書いてください(現在2文字)。"),
        ("あ" * 10_000, "投稿は800文字以内で書いてください(現在10000文字)。"),
        (BODY + "\x1b[31m", "投稿に使えない文字(制御文字)が含まれています。"),
    ],
)
def test_a_bad_body_is_a_422_in_japanese(client_for, profile, make, body, detail):
    response = client_for(profile.user).post(
        f"/api/v1/articles/{make.article().pk}/think",
        {"body": body},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json() == {"detail": detail}


def test_only_experts_post_through_the_api(visitor, client_for, free_member, paid_member, make):
    article = make.article()
    url = f"/api/v1/articles/{article.pk}/think"
    assert visitor.post(url, {"body": BODY}, content_type="application/json").status_code == 401
    for user in (free_member, paid_member):
        response = client_for(user).post(url, {"body": BODY}, content_type="application/json")
        assert response.status_code == 403
        assert response.json() == {"detail": "Think! に投稿できるのはエキスパートのみです。"}
    assert not Post.objects.exists()


def test_posting_through_the_api_on_an_unseen_article_is_a_404(client_for, profile, make):
    draft = make.article(status=Article.Status.DRAFT)
    for article_id in (draft.pk, 999999):
        response = client_for(profile.user).post(
            f"/api/v1/articles/{article_id}/think", {"body": BODY}, content_type="application/json"
        )
        assert response.status_code == 404
