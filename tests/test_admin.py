"""The Japanese admin: an editor writes, schedules, publishes and corrects."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from shinbun.newsroom.models import Article, ArticleRevision, Correction
from tests.conftest import PASSWORD

NOW = datetime(2025, 4, 11, 1, 0, tzinfo=UTC)  # 10:00 in Japan


def management(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def article_form(section, keyword, **overrides) -> dict:
    data = {
        "headline": "管理画面から書いた記事",
        "subheadline": "",
        "lead": "管理画面で入力したリード。",
        "body_source": "本文の一段落目。<script>alert(1)</script>\n\n本文の二段落目。",
        "byline": "政治部 佐藤",
        "section": str(section.pk),
        "keywords": [str(keyword.pk)],
        "access": "members",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "updated_at_0": "",
        "updated_at_1": "",
        **management("corrections"),
        **management("revisions"),
    }
    data.update(overrides)
    return data


@pytest.fixture
def editor_client(editor):
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": editor.email, "password": PASSWORD},
    )
    assert response.status_code == 302, "the editor could not log in"
    return client


def test_admin_is_japanese_and_closed_to_readers(client, client_for, free_member, editor_client):
    index = editor_client.get("/admin/")
    assert index.status_code == 200
    assert "シンブン編集局" in index.text
    assert "記事" in index.text
    for reader in (client, client_for(free_member)):
        response = reader.get("/admin/newsroom/article/")
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_editor_writes_schedules_publishes_and_corrects(
    editor_client, editor, visitor, make, django_capture_on_commit_callbacks
):
    section = make.section(name="政治")
    keyword = make.keyword(name="国会")
    with time_machine.travel(NOW, tick=False):
        # 1. Write a draft.
        with django_capture_on_commit_callbacks(execute=True):
            response = editor_client.post(
                "/admin/newsroom/article/add/", article_form(section, keyword)
            )
        assert response.status_code == 302, (
            response.context and response.context["adminform"].form.errors
        )
        article = Article.objects.get(headline="管理画面から書いた記事")
        assert article.status == Article.Status.DRAFT
        assert article.blocks == [
            {"type": "p", "html": "本文の一段落目。"},
            {"type": "p", "html": "本文の二段落目。"},
        ]
        assert list(article.keywords.all()) == [keyword]
        assert visitor.get(article.get_absolute_url()).status_code == 404

        # 2. Schedule it for 15:00 Japan time (fields are in Japan time).
        with django_capture_on_commit_callbacks(execute=True):
            response = editor_client.post(
                f"/admin/newsroom/article/{article.pk}/change/",
                article_form(
                    section,
                    keyword,
                    status="published",
                    published_at_0="2025-04-11",
                    published_at_1="15:00:00",
                ),
            )
        assert response.status_code == 302
        article.refresh_from_db()
        assert article.status == Article.Status.SCHEDULED
        assert article.published_at == datetime(2025, 4, 11, 6, 0, tzinfo=UTC)
        assert visitor.get(article.get_absolute_url()).status_code == 404

        # 3. Publish now through the list action.
        with django_capture_on_commit_callbacks(execute=True):
            response = editor_client.post(
                "/admin/newsroom/article/",
                {"action": "publish_now", ACTION_CHECKBOX_NAME: [str(article.pk)]},
                follow=True,
            )
        assert "1件の記事を公開しました。" in response.text
        article.refresh_from_db()
        assert article.status == Article.Status.PUBLISHED
        assert article.published_at == NOW
        page = visitor.get(article.get_absolute_url())
        assert page.status_code == 200
        assert "2025年4月11日 10:00" in page.text

    # 4. Correct it through the inline, an hour later.
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = editor_client.post(
                f"/admin/newsroom/article/{article.pk}/change/",
                article_form(
                    section,
                    keyword,
                    status="published",
                    published_at_0="2025-04-11",
                    published_at_1="10:00:00",
                    **management("corrections", total=1),
                    **{
                        "corrections-0-created_at_0": "2025-04-11",
                        "corrections-0-created_at_1": "11:00:00",
                        "corrections-0-text": "議員の所属政党を訂正しました。",
                        "corrections-0-article": str(article.pk),
                    },
                ),
            )
        assert response.status_code == 302
        article.refresh_from_db()
        assert Correction.objects.get(article=article).text == "議員の所属政党を訂正しました。"
        assert article.updated_at == datetime(2025, 4, 11, 2, 0, tzinfo=UTC)
        page = visitor.get(article.get_absolute_url()).text
        assert "議員の所属政党を訂正しました。" in page
        assert "更新" in page

    notes = list(
        ArticleRevision.objects.filter(article=article).order_by("id").values_list("note", "author")
    )
    # One save with a correction leaves one revision.
    assert [note for note, _author in notes] == ["作成", "編集", "公開", "訂正"]
    assert {author for _note, author in notes} == {editor.pk}
    assert editor_client.get(f"/admin/newsroom/article/{article.pk}/change/").status_code == 200


def test_unpublish_action(editor_client, visitor, make, django_capture_on_commit_callbacks):
    article = make.article()
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(
            "/admin/newsroom/article/",
            {"action": "unpublish", ACTION_CHECKBOX_NAME: [str(article.pk)]},
        )
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert visitor.get(article.get_absolute_url()).status_code == 404
    assert list(article.revisions.values_list("note", flat=True)) == ["公開取り消し"]


def test_removing_a_correction_in_the_admin_is_one_edit(
    editor_client, editor, make, django_capture_on_commit_callbacks
):
    article = make.article()
    correction = Correction.objects.create(article=article, text="取り消す訂正")
    form = article_form(
        article.section,
        make.keyword(),
        headline="見出しも直した",
        status="published",
        published_at_0="2025-04-11",
        published_at_1="10:00:00",
        **management("corrections", total=1, initial=1),
        **{
            "corrections-0-id": str(correction.pk),
            "corrections-0-article": str(article.pk),
            "corrections-0-created_at_0": "2025-04-11",
            "corrections-0-created_at_1": "11:00:00",
            "corrections-0-text": "取り消す訂正",
            "corrections-0-DELETE": "on",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(f"/admin/newsroom/article/{article.pk}/change/", form)
    assert response.status_code == 302
    assert not Correction.objects.filter(article=article).exists()
    revision = ArticleRevision.objects.get(article=article)
    assert (revision.note, revision.author) == ("編集", editor)
    assert revision.snapshot["headline"] == "見出しも直した"


def test_admin_pages_render(editor_client, make):
    figure = make.figure()
    article = make.article()
    for url in (
        "/admin/newsroom/article/",
        "/admin/newsroom/article/?status__exact=published",
        f"/admin/newsroom/article/{article.pk}/change/",
        "/admin/newsroom/figure/",
        f"/admin/newsroom/figure/{figure.pk}/change/",
        "/admin/newsroom/section/",
        "/admin/newsroom/series/add/",
        "/admin/newsroom/column/add/",
        "/admin/newsroom/keyword/add/",
    ):
        assert editor_client.get(url).status_code == 200, url
