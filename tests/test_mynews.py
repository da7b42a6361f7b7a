"""Follow → Myニュース: following series, columns, keywords and typed words; the publish
flow putting new articles into every matching follower's My News; the page and its
marks; who may; bad input."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from shinbun.members.entitlements import Reader, ReaderKind
from shinbun.mynews import entries, feed, services
from shinbun.mynews.models import Entry, Follow, PendingSync, Target
from shinbun.newsroom import publishing
from shinbun.newsroom.models import Article
from shinbun.search.analysis import terms
from shinbun.search.indexing import index_articles

PAID = Reader(ReaderKind.PAID, 1)
FOLLOW_REFUSED = "権限不足のため、フォローできません"
FOLLOW_GATE = "有料会員の方のみご利用になれます。気になる連載・コラム・キーワードをフォローすると"


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Publish (or correct, unpublish) through the real flow: the background task runs
    once the transaction commits (Huey runs tasks at once in tests)."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


def new_article(make, publish, **fields) -> Article:
    article = make.article(status=Article.Status.DRAFT, **fields)
    publish(publishing.publish, article)
    return article


def my_news_ids(user) -> list[int]:
    return [a.pk for a in feed.my_news(user).items]


def post_json(client, path, data):
    return client.post(path, data, HTTP_ACCEPT="application/json")


# Matching -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, written",
    [
        ("ｻﾝｸﾄﾍﾟﾃﾙﾌﾞﾙｸ", "ロシアのサンクトペテルブルクで首脳会談が開かれた。"),
        ("國學院", "国学院大学の研究チームが発表した。"),
        ("生成AI", "生成ＡＩを使った記事の要約が広がっている。"),
        ("日本銀行", "日本銀行は金融政策の据え置きを決めた。"),
    ],
)
def test_a_typed_word_finds_its_spelling_variants(typed, written, paid_member, make, publish):
    services.follow(paid_member, PAID, "word", typed)
    hit = new_article(make, publish, body_source=written)
    new_article(make, publish, body_source="関係のない記事の本文。")
    assert my_news_ids(paid_member) == [hit.pk]


def test_a_word_matches_its_words_in_a_row_not_scattered(paid_member, make, publish):
    services.follow(paid_member, PAID, "word", "日本銀行")
    new_article(make, publish, body_source="日本の銀行が合併を発表した。")
    hit = new_article(make, publish, headline="日本銀行が利上げ")
    assert my_news_ids(paid_member) == [hit.pk]


def test_percolation_matches_many_followers_with_one_target(
    paid_member, trialing_member, make, publish
):
    services.follow(paid_member, PAID, "word", "國學院")
    services.follow(trialing_member, PAID, "word", "国学院")
    assert Target.objects.filter(kind="word").count() == 1
    hit = new_article(make, publish, body_source="國學院大學で講演会。")
    assert my_news_ids(paid_member) == my_news_ids(trialing_member) == [hit.pk]


def test_series_column_and_keyword_follows(paid_member, make, publish):
    series, column, keyword = make.series(), make.column(), make.keyword()
    for kind, obj in (("series", series), ("column", column), ("keyword", keyword)):
        services.follow(paid_member, PAID, kind, obj.slug)
    a = new_article(make, publish, series=series)
    b = new_article(make, publish, column=column)
    c = make.article(status=Article.Status.DRAFT)
    c.keywords.set([keyword])
    publish(publishing.publish, c)
    new_article(make, publish)  # none of them
    assert set(my_news_ids(paid_member)) == {a.pk, b.pk, c.pk}


def test_a_keyword_follow_matches_its_name_in_text_not_only_its_tag(paid_member, make, publish):
    """表記ゆれ included: the keyword 國學院 holds an untagged article about 国学院大学."""
    keyword = make.keyword(name="國學院")
    services.follow(paid_member, PAID, "keyword", keyword.slug)
    tagged = make.article(status=Article.Status.DRAFT, body_source="大学の記事。")
    tagged.keywords.set([keyword])
    publish(publishing.publish, tagged)
    written = new_article(make, publish, body_source="国学院大学の研究チームが発表した。")
    new_article(make, publish, body_source="関係のない記事の本文。")
    assert my_news_ids(paid_member) == [written.pk, tagged.pk]
    assert Target.objects.get(kind="keyword").article_count == 2


def test_a_keyword_followed_anew_holds_its_tagged_and_written_articles(paid_member, make, publish):
    keyword = make.keyword(name="半導体")
    tagged = make.article(keywords=[keyword], body_source="工場の記事。")
    written = make.article(body_source="半導体の新工場が完成した。")
    old = make.article(
        body_source="半導体の古い記事。", published_at=timezone.now() - timedelta(days=90)
    )
    make.article(body_source="関係のない記事。")
    index_articles([tagged, written, old])
    services.follow(paid_member, PAID, "keyword", keyword.slug)
    # The text's matches of the last 30 days, as for a typed word; every tagged article.
    assert set(my_news_ids(paid_member)) == {tagged.pk, written.pk}


def test_a_renamed_keyword_matches_its_new_name(paid_member, make, publish):
    keyword = make.keyword(name="半導体")
    services.follow(paid_member, PAID, "keyword", keyword.slug)
    new_article(make, publish, body_source="半導体の新工場。")
    assert len(my_news_ids(paid_member)) == 1

    def rename():
        keyword.name = "蓄電池"
        keyword.save()

    publish(rename)
    after = new_article(make, publish, body_source="蓄電池の新工場。")
    new_article(make, publish, body_source="半導体の別の工場。")
    assert my_news_ids(paid_member) == [after.pk]


def test_a_scheduled_article_reaches_my_news_when_it_is_released(paid_member, make, publish):
    series = make.series()
    services.follow(paid_member, PAID, "series", series.slug)
    article = make.article(status=Article.Status.DRAFT, series=series)
    at = timezone.now() + timedelta(hours=2)
    publish(publishing.publish, article, at=at)
    assert Article.objects.get(pk=article.pk).status == Article.Status.SCHEDULED
    assert my_news_ids(paid_member) == []
    with time_machine.travel(at + timedelta(seconds=30), tick=False):
        # The worker's release_scheduled task, run every minute.
        assert publish(publishing.release_due) == [article.pk]
        assert my_news_ids(paid_member) == [article.pk]


def test_the_nightly_upkeep_drops_targets_nobody_follows(
    paid_member, trialing_member, make, publish
):
    services.follow(paid_member, PAID, "word", "半導体")
    services.follow(trialing_member, PAID, "word", "蓄電池")
    new_article(make, publish, body_source="半導体と蓄電池の新工場。")
    services.unfollow(trialing_member, target=Target.objects.get(label="蓄電池"))
    Target.objects.update(article_count=7)  # as a failed task might leave it
    assert entries.upkeep() == 0  # made today: its first follow may be on its way
    assert Target.objects.count() == 2
    assert set(Target.objects.values_list("article_count", flat=True)) == {1}
    assert entries.upkeep(now=timezone.now() + timedelta(days=2)) == 1
    assert list(Target.objects.values_list("label", flat=True)) == ["半導体"]
    assert Entry.objects.filter(target__label="半導体").count() == 1
    assert my_news_ids(paid_member) != []


def test_an_article_matching_two_follows_is_listed_once(paid_member, make, publish):
    series = make.series()
    services.follow(paid_member, PAID, "series", series.slug)
    services.follow(paid_member, PAID, "word", "半導体")
    hit = new_article(make, publish, series=series, body_source="半導体の新工場。")
    assert my_news_ids(paid_member) == [hit.pk]


def test_a_correction_or_unpublishing_updates_my_news(paid_member, make, publish):
    services.follow(paid_member, PAID, "word", "半導体")
    article = new_article(make, publish, body_source="新工場の記事。")
    assert my_news_ids(paid_member) == []
    article.body_source = "半導体の新工場の記事。"
    publish(publishing.save_edit, article)
    assert my_news_ids(paid_member) == [article.pk]
    assert Target.objects.get(kind="word").article_count == 1
    publish(publishing.unpublish, article)
    assert my_news_ids(paid_member) == []
    assert Target.objects.get(kind="word").article_count == 0


def test_a_deleted_article_leaves_my_news_and_its_counts(paid_member, make, publish):
    services.follow(paid_member, PAID, "word", "半導体")
    article = new_article(make, publish, body_source="半導体の記事。")
    with_counts = Target.objects.get(kind="word").article_count
    publish(article.delete)
    assert with_counts == 1 and Target.objects.get(kind="word").article_count == 0
    assert not Entry.objects.exists()


def test_a_new_follow_brings_the_recent_archive(paid_member, make, publish):
    recent = new_article(make, publish, body_source="半導体の記事。")
    old = make.article(
        status=Article.Status.DRAFT,
        body_source="半導体の古い記事。",
    )
    publish(publishing.publish, old, at=timezone.now() - timedelta(days=45))
    series = make.series()
    in_series = [new_article(make, publish, series=series) for _ in range(3)]
    services.follow(paid_member, PAID, "word", "半導体")
    services.follow(paid_member, PAID, "series", series.slug)
    # The word brings the last 30 days; the series all its articles.
    assert set(my_news_ids(paid_member)) == {recent.pk, *(a.pk for a in in_series)}


def test_matching_words_against_many_followed_words(db):
    words = ["生成AI", "日本銀行", "半導体", "サンクトペテルブルク", "国学院"]
    for word in words:
        label, forms = services.clean_word(word)
        Target.objects.create(
            kind="word", forms=" ".join(forms), label=label, **entries.anchors(forms)
        )
    title, body = (" ".join(terms(text)) for text in ("日本銀行が発表", "生成ＡＩと半導体の話"))
    found = entries.matching_words(title, body)
    labels = set(Target.objects.filter(pk__in=found).values_list("label", flat=True))
    assert labels == {"日本銀行", "生成AI", "半導体"}


# My News page -----------------------------------------------------------------------------


def test_my_news_pages_newest_first_without_repeats(paid_member, make, publish, client_for):
    series = make.series()
    services.follow(paid_member, PAID, "series", series.slug)
    articles = [make.article(series=series) for _ in range(45)]
    entries.sync([a.pk for a in articles])
    client = client_for(paid_member)
    seen, url = [], "/mynews/"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        page = response.context["page"]
        seen += [a.pk for a in page.items]
        url = f"/mynews/?before={page.next}" if page.next else None
    expected = sorted(articles, key=lambda a: (a.published_at, a.pk), reverse=True)
    assert seen == [a.pk for a in expected]


def test_my_news_filters_by_one_follow(paid_member, make, client_for):
    s1, s2 = make.series(), make.series()
    f1 = services.follow(paid_member, PAID, "series", s1.slug)
    services.follow(paid_member, PAID, "series", s2.slug)
    a1, a2 = make.article(series=s1), make.article(series=s2)
    entries.sync([a1.pk, a2.pk])
    client = client_for(paid_member)
    assert [a.pk for a in client.get("/mynews/").context["page"].items] == [a1.pk, a2.pk]
    assert [a.pk for a in client.get(f"/mynews/?follow={f1.pk}").context["page"].items] == [a1.pk]
    assert client.get("/mynews/?follow=999999").status_code == 404
    assert client.get("/mynews/?follow=abc").status_code == 404
    assert client.get("/mynews/?before=nonsense").status_code == 404


def test_new_marks_what_arrived_since_the_previous_visit(paid_member, make, publish, client_for):
    series = make.series()
    services.follow(paid_member, PAID, "series", series.slug)
    client = client_for(paid_member)
    now = timezone.now()
    with time_machine.travel(now - timedelta(hours=3), tick=False):
        old = new_article(make, publish, series=series)
    with time_machine.travel(now - timedelta(hours=2), tick=False):
        client.get("/mynews/")  # a first visit marks nothing
    with time_machine.travel(now - timedelta(hours=1), tick=False):
        fresh = new_article(make, publish, series=series)
    assert listed(client.get("/mynews/")) == {fresh.pk: True, old.pk: False}
    # Within the same visit (a reload: the cached page) the marks stay.
    assert listed(client.get("/mynews/")) == {fresh.pk: True, old.pk: False}
    assert "新着" in client.get("/mynews/").text
    # A new visit starts after a pause: what was new is not any more.
    with time_machine.travel(now + timedelta(hours=1), tick=False):
        assert listed(client.get("/mynews/")) == {fresh.pk: False, old.pk: False}


def listed(response) -> dict[int, bool]:
    """The articles a My News page lists, each with whether it is marked 新着."""
    article_list = response.text.split('<section class="mynews-articles"', 1)[1]
    items = re.findall(
        r'<li( class="is-new")?>(?:(?!<li).)*?href="/articles/(\d+)/"', article_list, re.S
    )
    return {int(pk): bool(new) for new, pk in items}


def test_the_cached_page_follows_publishing_and_follows(paid_member, make, publish, client_for):
    """My News's first page is a cached variant: a publication, a follow and an unfollow
    show on the next request; the page holds this member's name and CSRF token."""
    series, other = make.series(), make.series()
    services.follow(paid_member, PAID, "series", series.slug)
    client = client_for(paid_member)
    first = new_article(make, publish, series=series)
    assert list(listed(client.get("/mynews/"))) == [first.pk]
    second = new_article(make, publish, series=series)
    assert list(listed(client.get("/mynews/"))) == [second.pk, first.pk]  # newest first
    in_other = new_article(make, publish, series=other)
    assert in_other.pk not in listed(client.get("/mynews/"))
    client.post("/mynews/follow/", {"kind": "series", "target": other.slug, "state": "on"})
    client.get("/mynews/")  # the message after the redirect
    assert in_other.pk in listed(client.get("/mynews/"))
    html = client.get("/mynews/").text
    assert paid_member.get_short_name() in html and "shinbunslot" not in html


def test_empty_my_news_explains_what_to_follow(paid_member, client_for):
    text = client_for(paid_member).get("/mynews/").text
    assert "まだ何もフォローしていません。" in text and "生成AI" in text


def test_my_news_page_query_count_does_not_grow_with_follows(
    paid_member, make, client_for, django_assert_max_num_queries
):
    for _ in range(30):
        series = make.series()
        services.follow(paid_member, PAID, "series", series.slug)
        entries.sync([make.article(series=series).pk])
    client = client_for(paid_member)
    client.get("/mynews/?before=9999999999999999-1")  # the rendered page (not cached)
    with django_assert_max_num_queries(10):
        response = client.get("/mynews/?before=9999999999999999-1")
    assert len(response.context["page"].items) == 20
    client.get("/mynews/")
    with django_assert_max_num_queries(1):  # the cached page: the user's row only
        assert len(listed(client.get("/mynews/"))) == 20


def test_header_links_my_news_for_paid_members_only(paid_member, free_member, client_for, make):
    article = make.article()
    assert 'href="/mynews/"' in client_for(paid_member).get(article.get_absolute_url()).text
    assert 'href="/mynews/"' in client_for(paid_member).get("/").text
    assert 'href="/mynews/"' not in client_for(free_member).get("/").text
    assert 'href="/mynews/"' not in client_for(None).get("/").text


# Membership ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["free_member", "expert", "editor"])
def test_only_paid_members_may_follow(name, request, make, client_for):
    user = request.getfixturevalue(name)
    series = make.series()
    client = client_for(user)
    response = post_json(
        client, "/mynews/follow/", {"kind": "series", "target": series.slug, "state": "on"}
    )
    assert response.status_code == 403
    assert response.json() == {"title": "エラー", "message": FOLLOW_REFUSED}
    page = client.post("/mynews/follow/", {"kind": "series", "target": series.slug, "state": "on"})
    assert page.status_code == 403 and FOLLOW_REFUSED in page.text
    assert not Follow.objects.exists()
    closed = client.get("/mynews/")
    assert closed.status_code == 403 and FOLLOW_GATE in closed.text
    assert "春割で無料体験する" in closed.text or "有料会員になる" in closed.text


def test_a_visitor_is_refused_and_sent_to_log_in(visitor, make):
    series = make.series()
    response = post_json(
        visitor, "/mynews/follow/", {"kind": "series", "target": series.slug, "state": "on"}
    )
    assert response.status_code == 403 and response.json()["message"] == FOLLOW_REFUSED
    assert visitor.get("/mynews/").status_code == 302


def test_follows_outlive_a_lapsed_membership_and_work_again(paid_member, make, client_for, plans):
    from shinbun.members.demo import make_paid
    from shinbun.members.entitlements import forget_reader
    from shinbun.members.models import Subscription

    series = make.series()
    services.follow(paid_member, PAID, "series", series.slug)
    entries.sync([make.article(series=series).pk])
    Subscription.objects.filter(user=paid_member).delete()
    forget_reader(paid_member.pk)
    client = client_for(paid_member)
    closed = client.get("/mynews/")
    assert closed.status_code == 403 and "フォローと保存した記事・図表は残っています" in closed.text
    assert Follow.objects.filter(user=paid_member).count() == 1
    make_paid(paid_member, plans["monthly"])
    forget_reader(paid_member.pk)
    assert len(client.get("/mynews/").context["page"].items) == 1


# Buttons ----------------------------------------------------------------------------------


def test_follow_button_without_js_posts_and_comes_back(paid_member, make, client_for):
    series = make.series()
    article = make.article(series=series)
    client = client_for(paid_member)
    data = {
        "kind": "series",
        "target": series.slug,
        "state": "on",
        "next": article.get_absolute_url(),
    }
    response = client.post("/mynews/follow/", data)
    assert response.status_code == 302 and response["Location"] == article.get_absolute_url()
    page = client.get(article.get_absolute_url())
    assert "をフォローしました" in page.text  # the message after the redirect
    assert Follow.objects.filter(user=paid_member, target__series=series).exists()
    # A foreign address to come back to is not followed.
    response = client.post("/mynews/follow/", {**data, "next": "https://evil.example/"})
    assert response["Location"] == "/mynews/"


def test_follow_and_unfollow_are_harmless_to_repeat(paid_member, make, client_for):
    series = make.series()
    client = client_for(paid_member)
    data = {"kind": "series", "target": series.slug}
    for _ in range(2):
        response = post_json(client, "/mynews/follow/", {**data, "state": "on"})
        assert response.status_code == 200 and response.json()["state"] == "on"
    assert Follow.objects.count() == 1
    for _ in range(2):
        response = post_json(client, "/mynews/follow/", {**data, "state": "off"})
        assert response.status_code == 200 and response.json()["state"] == "off"
    assert Follow.objects.count() == 0


def test_the_article_page_shows_each_readers_own_follow_state(
    paid_member, trialing_member, make, client_for, parse_html
):
    series, keyword = make.series(), make.keyword()
    article = make.article(series=series, keywords=[keyword])
    services.follow(paid_member, PAID, "series", series.slug)

    def states(user):
        doc = parse_html(client_for(user).get(article.get_absolute_url()))
        return [form["data-state"] for form in doc.all("form", class_="member-action")]

    # The series, the keyword, then the article's own save button.
    assert states(paid_member) == ["on", "off", "off"]
    assert states(trialing_member) == ["off", "off", "off"]
    services.follow(paid_member, PAID, "keyword", keyword.slug)
    assert states(paid_member) == ["on", "on", "off"]
    page = client_for(paid_member).get(article.get_absolute_url())
    assert "この機能は準備中です" not in page.text


# Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word, message",
    [
        ("", "フォローする言葉を入力してください。"),
        ("   \u3000 ", "フォローする言葉を入力してください。"),
        ("あ" * 101, "100文字以内"),
        ("!!!", "フォローできる言葉が含まれていません。"),
    ],
)
def test_bad_words_are_refused_in_japanese(word, message, paid_member, client_for):
    client = client_for(paid_member)
    response = post_json(client, "/mynews/follow/", {"kind": "word", "target": word, "state": "on"})
    assert response.status_code == 400 and message in response.json()["message"]
    page = client.post("/mynews/follow/", {"kind": "word", "target": word, "state": "on"})
    assert page.status_code == 400 and message in page.text
    assert not Follow.objects.exists()


def test_unknown_targets_and_kinds(paid_member, client_for):
    client = client_for(paid_member)
    for data, status in [
        ({"kind": "series", "target": "no-such-series", "state": "on"}, 404),
        ({"kind": "keyword", "target": "\x00", "state": "on"}, 404),
        ({"kind": "planet", "target": "mars", "state": "on"}, 400),
        ({"kind": "series", "target": "x", "state": "toggle"}, 400),
    ]:
        response = post_json(client, "/mynews/follow/", data)
        assert response.status_code == status, data
        assert response.json()["message"]


def test_the_201st_follow_is_refused(paid_member):
    targets = []
    for n in range(services.MAX_FOLLOWS):
        label, forms = services.clean_word(f"語{n}")
        target = Target(kind="word", forms=" ".join(forms), label=label, **entries.anchors(forms))
        target.save()
        targets.append(target)
    Follow.objects.bulk_create(Follow(user=paid_member, target=t, label=t.label) for t in targets)
    with pytest.raises(services.ActionError, match="200件まで"):
        services.follow(paid_member, PAID, "word", "半導体")
    # Following again what is followed is still harmless.
    assert services.follow(paid_member, PAID, "word", "語0").target == targets[0]


def test_follow_forms_need_csrf(paid_member, make, client_for):
    client = client_for(paid_member)
    client.handler.enforce_csrf_checks = True
    response = client.post("/mynews/follow/", {"kind": "word", "target": "半導体", "state": "on"})
    assert response.status_code == 403
    assert not Follow.objects.exists()


def test_json_answer_is_japanese_text(paid_member, client_for):
    response = post_json(
        client_for(paid_member),
        "/mynews/follow/",
        {"kind": "word", "target": "半導体", "state": "on"},
    )
    assert json.loads(response.content)["message"] == "「半導体」をフォローしました。"


def test_an_article_changed_during_a_sync_is_synced_again(paid_member, make, monkeypatch):
    """A change noted while a batch is being worked out (a correction a moment after the
    publish) waits for the next round, so it is never lost."""
    services.follow(paid_member, PAID, "word", "半導体")
    article = make.article(body_source="半導体の記事。")
    index_articles([article])
    entries.queue_sync([article.pk])
    worked_out = entries.wanted_entries

    rounds = []

    def changed_meanwhile(article_ids):
        wanted = worked_out(article_ids)
        rounds.append(PendingSync.objects.filter(article_id=article.pk).exists())
        if len(rounds) == 1:  # changed once, while the first round works
            entries.queue_sync([article.pk])
        return wanted

    monkeypatch.setattr(entries, "wanted_entries", changed_meanwhile)
    # The first round leaves it waiting; the second takes it again, and then none wait.
    assert entries.sync_pending() == 2
    assert rounds == [True, True]
    assert not PendingSync.objects.exists()
    assert my_news_ids(paid_member) == [article.pk]
