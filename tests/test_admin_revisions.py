"""Editors' tools in the article admin: any two revisions compared (in Japan time, with
who made them), a revision restored through newsroom.publishing, the figure picker and
the body's live preview."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission

from shinbun.members.models import User
from shinbun.newsroom import publishing
from shinbun.newsroom.models import Article
from tests.test_admin import article_form, management

MOMENT = datetime(2025, 4, 11, 1, 5, tzinfo=UTC)  # 10:05 in Japan


@pytest.fixture
def edited(make, editor):
    """A published article written at 10:05 and rewritten at 11:05 (Japan time)."""
    with time_machine.travel(MOMENT, tick=False):
        article = make.article(
            headline="最初の見出し",
            lead="最初のリード。",
            body_source="一段落目は変わらない。\n\n二段落目は<script>x()</script>円安だった。",
            access="free",
            published_at=MOMENT - timedelta(hours=1),
        )
        publishing.save_edit(article, editor, created=True)
    with time_machine.travel(MOMENT + timedelta(hours=1), tick=False):
        article.headline = "直した見出し"
        article.body_source = "一段落目は変わらない。\n\n二段落目は円高になった。"
        article.access = "paid"
        publishing.save_edit(article, editor)
    first, second = article.revisions.order_by("id")
    return article, first, second


def test_restoring_a_revision_is_one_edit(
    edited, editor, visitor, django_capture_on_commit_callbacks
):
    article, first, _second = edited
    published_at = article.published_at
    assert "直した見出し" in visitor.get(article.get_absolute_url()).text  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.restore(article, first, by=editor)
    assert (article.headline, article.access) == ("最初の見出し", "free")
    assert "<script>" not in str(article.blocks) and "円安" in article.body_text
    assert (article.status, article.published_at) == (Article.Status.PUBLISHED, published_at)
    restored = article.revisions.first()
    assert article.revisions.count() == 3
    assert (restored.author, restored.note) == (editor, "2025年4月11日 10:05の版に戻す")
    assert restored.snapshot["headline"] == "最初の見出し"
    assert "最初の見出し" in visitor.get(article.get_absolute_url()).text  # purged
    # Restoring what the article already says records nothing.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert not publishing.restore(article, first, by=editor)
    assert article.revisions.count() == 3 and not callbacks


def test_a_revision_of_another_article_is_not_restored(edited, make):
    article, first, _second = edited
    with pytest.raises(ValueError):
        publishing.restore(make.article(), first)
    assert article.revisions.count() == 2


def test_an_admin_save_with_a_correction_is_one_revision(client_for, editor, make):
    article = make.article()
    form = article_form(
        article.section,
        make.keyword(),
        headline="見出しと訂正を一度に",
        status="published",
        published_at_0="2025-04-11",
        published_at_1="10:00:00",
        **management("corrections", total=1),
        **{
            "corrections-0-created_at_0": "2025-04-11",
            "corrections-0-created_at_1": "11:00:00",
            "corrections-0-text": "数字を訂正しました。",
        },
    )
    response = client_for(editor).post(f"/admin/newsroom/article/{article.pk}/change/", form)
    assert response.status_code == 302
    assert list(article.revisions.values_list("note", flat=True)) == ["訂正"]


def test_the_revisions_page_compares_any_two_in_japan_time(client_for, editor, edited, parse_html):
    article, first, second = edited
    client = client_for(editor)
    url = f"/admin/newsroom/article/{article.pk}/revisions/"
    page = client.get(url)
    assert page.status_code == 200
    rows = [row["text"] for row in parse_html(page).all("tr")]
    assert any(
        "第2版" in row and "2025年4月11日 11:05" in row and "編集者 次郎" in row for row in rows
    )
    assert any("第1版" in row and "2025年4月11日 10:05" in row and "作成" in row for row in rows)
    # By default the newest against the one before; either order reads oldest to newest.
    for query in ("", f"?old={second.pk}&new={first.pk}"):
        text = client.get(url + query).text
        assert "第1版(2025年4月11日 10:05)から第2版(2025年4月11日 11:05)への変更" in text
        assert "<del>最初の</del><ins>直した</ins>見出し" in text
        assert "<del>無料</del> <ins>有料会員限定</ins>" in text
        assert "円<del>安だ</del><ins>高にな</ins>った。" in text
        assert "&lt;script&gt;" in text and "<script>x()" not in text  # the source, escaped
    page = client.get(f"{url}?old={first.pk}&new=999999")
    assert page.status_code == 400 and "この記事の版を選んでください。" in page.text
    assert client.get(f"{url}?old=x").status_code == 400
    other = f"/admin/newsroom/article/{article.pk + 1000}/revisions/"
    assert client.get(other).status_code == 404


def test_an_editor_restores_a_revision_after_seeing_what_changes(
    client_for, editor, edited, make, django_capture_on_commit_callbacks
):
    article, first, _second = edited
    client = client_for(editor)
    url = f"/admin/newsroom/article/{article.pk}/revisions/{first.pk}/restore/"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "<del>直した</del><ins>最初の</ins>見出し" in confirm.text
    assert 'type="submit" value="この版に戻す"' in confirm.text
    article.refresh_from_db()
    assert article.headline == "直した見出し"  # asking changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert "2025年4月11日 10:05 の版に戻しました。" in response.text
    article.refresh_from_db()
    assert article.headline == "最初の見出し" and article.revisions.count() == 3
    response = client.post(url, follow=True)
    assert "すでに 2025年4月11日 10:05 の版と同じ内容です。" in response.text
    assert article.revisions.count() == 3
    other = publishing.record_revision(make.article(), editor, "編集")
    assert client.post(url.replace(f"/{first.pk}/", f"/{other.pk}/")).status_code == 404


def test_who_may_see_and_restore_revisions(client_for, edited, operator, visitor):
    article, first, _second = edited
    pages = f"/admin/newsroom/article/{article.pk}/revisions/"
    restore = f"{pages}{first.pk}/restore/"
    reader = User.objects.create_user("viewer@example.jp", "x", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_article"))
    viewer = client_for(reader)
    assert viewer.get(pages).status_code == 200 and "この版に戻す" not in viewer.get(pages).text
    assert viewer.post(restore).status_code == 403
    assert client_for(operator).get(pages).status_code == 403
    assert visitor.post(restore).status_code == 302  # to the login page
    article.refresh_from_db()
    assert article.revisions.count() == 2


def test_the_change_form_offers_the_body_tools_and_the_history(client_for, editor, edited):
    article, _first, _second = edited
    page = client_for(editor).get(f"/admin/newsroom/article/{article.pk}/change/").text
    assert 'id="body-tools"' in page and "shinbun/admin-article.js" in page
    assert "/admin/newsroom/article/preview/" in page and "/admin/newsroom/figure/add/" in page
    assert "2版。最新: 2025年4月11日 11:05 編集(編集者 次郎)" in page
    assert f"/admin/newsroom/article/{article.pk}/revisions/" in page
    assert 'id="body-tools"' in client_for(editor).get("/admin/newsroom/article/add/").text


def test_the_preview_renders_the_body_as_readers_see_it(client_for, editor, make, visitor):
    make.figure(key="wages", title="実質賃金の推移")
    client = client_for(editor)
    source = "\n\n".join(
        [
            "本文です<script>alert(1)</script>。",
            "## 小見出し",
            "[[figure:wages]]",
            "[[figure:nothing]]",
        ]
    )
    response = client.post(
        "/admin/newsroom/article/preview/", {"body_source": source, "lead": "リード"}
    )
    assert response.status_code == 200
    text = response.text
    assert '<p class="lead">リード</p>' in text and "<p>本文です。</p>" in text
    assert "<h2>小見出し</h2>" in text and "<script" not in text
    assert "実質賃金の推移" in text and "<svg" in text
    assert "図表「nothing」が見つかりません。" in text
    assert "図表を保存する" not in text  # no reader actions in the editor's preview
    assert client.get("/admin/newsroom/article/preview/").status_code == 405
    too_long = client.post("/admin/newsroom/article/preview/", {"body_source": "あ" * 200_001})
    assert too_long.status_code == 413 and "長すぎる" in too_long.text
    assert visitor.post("/admin/newsroom/article/preview/", {"body_source": "x"}).status_code == 302


def test_the_preview_needs_the_csrf_token(editor, make):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post("/admin/newsroom/article/preview/", {"body_source": "本文"})
    assert response.status_code == 403


def test_the_figure_picker_lists_the_articles_figures_first(client_for, editor, operator, make):
    make.figure(key="old-chart", title="古いグラフ")
    for n in range(3):
        make.figure(key=f"new-{n}", title=f"新しい図{n}")
    client = client_for(editor)
    found = client.get("/admin/newsroom/article/figures/", {"keys": "old-chart,missing"}).json()
    keys = [figure["key"] for figure in found["figures"]]
    assert keys == ["old-chart", "new-2", "new-1", "new-0"]
    assert [figure["in_article"] for figure in found["figures"]] == [True, False, False, False]
    assert found["figures"][0]["kind"] == "グラフ(データから描画)"
    searched = client.get("/admin/newsroom/article/figures/", {"q": "新しい図1"}).json()
    assert [figure["key"] for figure in searched["figures"]] == ["new-1"]
    assert client_for(operator).get("/admin/newsroom/article/figures/").status_code == 403


def test_a_figure_made_in_the_pickers_popup_comes_back_to_the_picker(
    client_for, editor, make, parse_html
):
    from shinbun.newsroom.models import Figure

    article = make.article(headline="図を足す記事", body_source="本文。")
    client = client_for(editor)
    form = parse_html(client.get(f"/admin/newsroom/article/{article.pk}/change/"))
    [link] = form.all("a", id="add_figure-created")
    assert link["text"] == "新しい図表を作る"
    assert "_popup=1" in link["href"] and link["data-popup"] == "yes"
    assert form.one("input", id="figure-created")["type"] == "hidden"

    response = client.post(
        link["href"],
        {
            "key": "made-in-popup",
            "title": "ポップアップの図",
            "kind": "chart",
            "chart": '{"type": "bar", "labels": ["1月"], "series": [{"name": "A", "values": [1]}]}',
            "_popup": "1",
            "_to_field": "id",
            "_save": "保存",
        },
    )
    figure = Figure.objects.get(key="made-in-popup")
    # The admin's popup response hands the new id to the opener's picker.
    popup = parse_html(response).one("script", id="django-admin-popup-response-constants")
    assert f'"value": "{figure.pk}"' in popup["data-popup-response"]
    listed = client.get("/admin/newsroom/article/figures/").json()["figures"]
    assert listed[0] == {
        "id": figure.pk,
        "key": "made-in-popup",
        "title": "ポップアップの図",
        "kind": "グラフ(データから描画)",
        "in_article": False,
    }


def test_the_picker_offers_no_popup_to_whom_may_not_add_figures(client_for, editor, make):
    article = make.article(headline="図を足せない記事", body_source="本文。")
    editor.groups.clear()
    editor.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="newsroom",
            codename__in=["view_article", "change_article", "view_figure"],
        )
    )
    page = client_for(editor).get(f"/admin/newsroom/article/{article.pk}/change/")
    assert page.status_code == 200
    assert 'id="figure-choice"' in page.text and "add_figure-created" not in page.text
