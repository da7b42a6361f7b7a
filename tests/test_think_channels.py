"""Think! posts reach members only: no channel a visitor can read holds a post's words
(the article page and its meta tags, print view, feeds, sitemap, search, the API)."""

import pytest

from shinbun.think import services
from shinbun.think.models import ExpertProfile, Post

SECRET = "専門家だけが知る見立てとして、来期の設備投資は三割増えると考えている。"


@pytest.fixture
def posted(expert, make, django_capture_on_commit_callbacks):
    profile = services.appoint(ExpertProfile(user=expert, slug="senmonka"), by=None)
    article = make.article(access="free", headline="設備投資の記事")
    with django_capture_on_commit_callbacks(execute=True):
        services.create_post(profile.user, article, SECRET)
    return article


def channels(article) -> list[str]:
    return [
        article.get_absolute_url(),
        f"/en{article.get_absolute_url()}",
        f"/articles/{article.pk}/print/",
        "/feeds/rss/",
        "/feeds/atom/",
        "/sitemap-news.xml",
        "/search/?q=設備投資",
        f"/api/v1/articles/{article.pk}",
        f"/api/v1/articles/{article.pk}/think",
        "/api/v1/search?q=設備投資",
        "/experts/senmonka/",
    ]


def test_visitors_never_receive_a_post(posted, visitor):
    for path in channels(posted):
        response = visitor.get(path)
        assert response.status_code == 200, path
        assert SECRET not in response.content.decode(), path
    # They see that there is one, and how to read it.
    page = visitor.get(posted.get_absolute_url()).content.decode()
    assert "Think! の投稿を読む" in page and "(1件)" in page


@pytest.mark.parametrize("name", ["free_member", "paid_member"])
def test_members_read_it_under_the_article_only(name, request, posted, client_for):
    client = client_for(request.getfixturevalue(name))
    assert SECRET in client.get(posted.get_absolute_url()).content.decode()
    assert SECRET in client.get("/experts/senmonka/").content.decode()
    for path in ("/feeds/rss/", f"/articles/{posted.pk}/print/"):
        assert SECRET not in client.get(path).content.decode(), path


def test_a_member_sees_a_new_and_a_hidden_post_on_the_next_request(
    posted, paid_member, editor, client_for, django_capture_on_commit_callbacks
):
    """The member's article page is a cached variant: its key holds Think!'s stamp."""
    client = client_for(paid_member)
    assert SECRET in client.get(posted.get_absolute_url()).content.decode()
    post = Post.objects.get(article=posted)
    with django_capture_on_commit_callbacks(execute=True):
        services.hide_post(editor, post, "確認中")
    assert SECRET not in client.get(posted.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.unhide_post(editor, post)
    assert SECRET in client.get(posted.get_absolute_url()).content.decode()


def test_an_expert_sees_their_hidden_posts_and_why_and_nobody_else(
    posted, expert, editor, paid_member, client_for
):
    post = Post.objects.get(article=posted)
    services.hide_post(editor, post, "事実関係を確認中のため")
    own = client_for(expert).get("/experts/senmonka/").content.decode()
    assert "編集者が非表示にした投稿" in own and SECRET in own and "事実関係を確認中のため" in own
    for user in (paid_member, editor, None):
        page = client_for(user).get("/experts/senmonka/").content.decode()
        assert SECRET not in page and "事実関係を確認中のため" not in page
