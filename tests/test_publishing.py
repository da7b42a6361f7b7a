"""Drafts, scheduling (予約公開), publishing, unpublishing and corrections (訂正)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from shinbun.newsroom import publishing
from shinbun.newsroom.models import Article, ArticleRevision

NOON = datetime(2025, 3, 31, 3, 0, tzinfo=UTC)  # 12:00 in Japan, the last day of March


def reader_channels(article):
    return [
        article.get_absolute_url(),
        f"/articles/{article.pk}/print/",
        f"/api/v1/articles/{article.pk}",
    ]


def listed(client, article) -> dict:
    """Where a reader finds the article listed."""
    path = article.get_absolute_url()
    return {
        "home": path in client.get("/").text,
        "section": path in client.get(article.section.get_absolute_url()).text,
        "rss": path in client.get("/feeds/rss/").text,
        "sitemap": path in client.get("/sitemap-articles.xml").text,
        "api": article.pk in [a["id"] for a in client.get("/api/v1/articles").json()["items"]],
    }


def test_draft_is_hidden_from_readers_and_previewed_by_editors(
    visitor, client_for, free_member, expert, editor, make
):
    draft = make.article(status=Article.Status.DRAFT, headline="まだ下書きの記事")
    for client in (visitor, client_for(free_member), client_for(expert)):
        for url in reader_channels(draft):
            response = client.get(url)
            assert response.status_code == 404, url
            assert "まだ下書きの記事" not in response.text
        assert not any(listed(client, draft).values())
    preview = client_for(editor).get(draft.get_absolute_url())
    assert preview.status_code == 200
    assert "プレビュー(未公開)" in preview.text
    assert not any(listed(client_for(editor), draft).values())


def test_scheduled_article_appears_on_time_without_anyone_acting(visitor, editor, make):
    with time_machine.travel(NOON, tick=False):
        article = make.article(status=Article.Status.DRAFT)
        publishing.publish(article, by=editor, at=NOON + timedelta(hours=12))  # 翌0:00 JST
        article.refresh_from_db()
        assert article.status == Article.Status.SCHEDULED
        assert article.revisions.get().note == "予約公開"
        for url in reader_channels(article):
            assert visitor.get(url).status_code == 404, url
        assert not any(listed(visitor, article).values())

    with time_machine.travel(NOON + timedelta(hours=11, minutes=59), tick=False):
        assert visitor.get(article.get_absolute_url()).status_code == 404

    with time_machine.travel(NOON + timedelta(hours=12), tick=False):
        for url in reader_channels(article):
            assert visitor.get(url).status_code == 200, url
        assert all(listed(visitor, article).values())
        page = visitor.get(article.get_absolute_url()).text
        assert "2025年4月1日 00:00" in page  # Japan time, across the month end


def test_release_due_publishes_due_articles_and_purges_cached_pages(
    visitor, make, django_capture_on_commit_callbacks
):
    at = NOON + timedelta(seconds=30)
    with time_machine.travel(NOON, tick=False):
        due = make.article(status=Article.Status.DRAFT)
        later = make.article(status=Article.Status.DRAFT)
        publishing.publish(due, at=at)
        publishing.publish(later, at=at + timedelta(days=1))
        assert due.get_absolute_url() not in visitor.get("/").text  # now in the page cache

    with time_machine.travel(at + timedelta(seconds=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert publishing.release_due() == [due.pk]
        assert due.get_absolute_url() in visitor.get("/").text
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == Article.Status.PUBLISHED
    assert later.status == Article.Status.SCHEDULED
    with time_machine.travel(at + timedelta(seconds=2), tick=False):
        assert publishing.release_due() == []


def test_release_due_task_runs_the_same_flow(make):
    from shinbun.newsroom.tasks import release_scheduled

    with time_machine.travel(NOON, tick=False):
        article = make.article(status=Article.Status.DRAFT)
        publishing.publish(article, at=NOON + timedelta(minutes=5))
    with time_machine.travel(NOON + timedelta(minutes=6), tick=False):
        release_scheduled.call_local()
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED


def test_publish_now_and_revisions(editor, make):
    article = make.article(status=Article.Status.DRAFT)
    publishing.publish(article, by=editor)
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at is not None
    revision = article.revisions.get()
    assert revision.note == "公開"
    assert revision.author == editor
    assert revision.snapshot["headline"] == article.headline
    assert revision.snapshot["status"] == "published"


def test_publishing_a_scheduled_article_now_brings_it_forward(visitor, make):
    article = make.article(published_at=datetime(2099, 1, 1, tzinfo=UTC))
    assert article.status == Article.Status.SCHEDULED
    publishing.publish(article)
    assert visitor.get(article.get_absolute_url()).status_code == 200


def test_unpublish_removes_the_article_at_once(
    visitor, editor, make, django_capture_on_commit_callbacks
):
    article = make.article()
    assert visitor.get(article.get_absolute_url()).status_code == 200  # cached now
    assert article.get_absolute_url() in visitor.get("/").text
    with django_capture_on_commit_callbacks(execute=True):
        publishing.unpublish(article, by=editor)
    assert visitor.get(article.get_absolute_url()).status_code == 404
    assert article.get_absolute_url() not in visitor.get("/").text
    assert article.revisions.get().note == "公開取り消し"


def test_correction_shows_with_update_time(
    visitor, editor, make, django_capture_on_commit_callbacks
):
    article = make.article(published_at=datetime(2025, 4, 11, 10, 30, tzinfo=UTC))
    visitor.get(article.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        publishing.correct(
            article,
            "  人名に誤りがありました。  ",
            by=editor,
            at=datetime(2025, 4, 11, 11, 5, tzinfo=UTC),
        )
    article.refresh_from_db()
    assert article.updated_at == datetime(2025, 4, 11, 11, 5, tzinfo=UTC)
    assert article.corrections.get().text == "人名に誤りがありました。"
    assert ArticleRevision.objects.filter(article=article, note="訂正").count() == 1
    page = visitor.get(article.get_absolute_url()).text  # purged: the correction shows
    assert "人名に誤りがありました。" in page
    assert "更新" in page
    assert "20:05" in page


@pytest.mark.parametrize("status", [Article.Status.PUBLISHED, Article.Status.SCHEDULED])
def test_saving_with_a_future_time_schedules(status, make):
    article = make.article(status=status, published_at=datetime(2099, 1, 1, tzinfo=UTC))
    assert article.status == Article.Status.SCHEDULED
    assert not article.is_visible


# Every state change leaves exactly one revision ----------------------------------------


def notes(article) -> list[str]:
    return list(article.revisions.order_by("id").values_list("note", flat=True))


def test_publish_unpublish_and_correct_each_leave_one_revision(editor, make):
    article = make.article(status=Article.Status.DRAFT)
    publishing.publish(article, by=editor)
    publishing.unpublish(article, by=editor)
    publishing.publish(article, by=editor, at=datetime(2099, 1, 1, tzinfo=UTC))
    publishing.correct(article, "誤字を直しました。", by=editor)
    assert notes(article) == ["公開", "公開取り消し", "予約公開", "訂正"]
    assert article.revisions.filter(author=editor).count() == 4


def test_an_edit_with_corrections_leaves_one_revision(editor, make):
    from shinbun.newsroom.models import Correction

    article = make.article()
    old = Correction.objects.create(article=article, text="古い訂正")
    at = datetime(2025, 4, 11, 2, 0, tzinfo=UTC)
    article.headline = "直した見出し"
    publishing.save_edit(
        article,
        by=editor,
        corrections=[Correction(text=" 見出しを訂正しました。 ", created_at=at)],
        removed_corrections=[old],
    )
    article.refresh_from_db()
    assert notes(article) == ["訂正"]
    assert article.revisions.get().snapshot["headline"] == "直した見出し"
    assert list(article.corrections.values_list("text", flat=True)) == ["見出しを訂正しました。"]
    assert article.updated_at == at
    publishing.save_edit(article, by=editor)
    assert notes(article) == ["訂正", "編集"]


def test_release_due_leaves_one_revision_per_released_article(make):
    with time_machine.travel(NOON, tick=False):
        first = make.article(status=Article.Status.DRAFT)
        second = make.article(status=Article.Status.DRAFT)
        for article in (first, second):
            publishing.publish(article, at=NOON + timedelta(minutes=1))
    with time_machine.travel(NOON + timedelta(minutes=2), tick=False):
        assert sorted(publishing.release_due()) == sorted([first.pk, second.pk])
        assert publishing.release_due() == []
    for article in (first, second):
        assert notes(article) == ["予約公開", "予約時刻に公開"]
        assert article.revisions.first().snapshot["status"] == "published"


def test_the_publish_flow_runs_after_commit_only(make, django_capture_on_commit_callbacks):
    from shinbun.newsroom.signals import article_committed

    seen = []

    def listener(sender, article_id, **kwargs):
        seen.append(article_id)

    article_committed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            article = make.article(status=Article.Status.DRAFT)
            publishing.publish(article)
        assert seen == []
        for callback in callbacks:
            callback()
        assert seen == [article.pk]
    finally:
        article_committed.disconnect(listener)
