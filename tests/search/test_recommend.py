"""こちらもおすすめ(自動検索): by words on a young archive, by topics once a model exists.

The archive: three kinds of story (baseball, smartphones, cooking) written from pools
of sentences, so that articles of one kind share their vocabulary and style but no two
are the same text.
"""

import math
import random
from io import StringIO

import pytest
from django.core.management import call_command

from shinbun.search import recommend, topics
from shinbun.search.models import Recommendation, SearchDocument, TopicModel
from shinbun.search.termstats import term_weights

POOLS = {
    "sports": [
        "先発投手が七回まで無失点に抑えた",
        "四番打者が逆転の本塁打を放った",
        "監督は試合後に若手の守備をほめた",
        "リーグ優勝に向けて連勝を伸ばした",
        "延長戦の末にサヨナラ勝ちを収めた",
        "新人選手が初めての安打を記録した",
        "球場には三万人の観客が詰めかけた",
        "救援陣が最後の打者を三振に打ち取った",
        "捕手の好リードが投手を支えた",
        "次の試合では先発の入れ替えが予想される",
    ],
    "phones": [
        "新しいスマートフォンは画面が大きくなった",
        "電池の持ちが前の機種より改善された",
        "アプリの起動が速くなり操作が快適だ",
        "通信会社各社が新端末の予約を始めた",
        "カメラの暗所性能が大きく向上した",
        "価格は前の機種と同じに据え置かれた",
        "ソフトウェアの更新で新機能が追加された",
        "折りたたみ型の端末も発売される予定だ",
        "充電端子が新しい規格に変わった",
        "発売日には店頭に長い列ができた",
    ],
    "cooking": [
        "大根と豚肉を甘辛く煮込んだ",
        "味噌汁の出汁は昆布とかつお節でとる",
        "旬の野菜を使った献立を紹介する",
        "鍋に油をひいて玉ねぎを炒める",
        "調味料は醤油とみりんを同じ量にする",
        "弱火で二十分ほど煮ると味がしみる",
        "台所にある材料で手早く作れる一品だ",
        "仕上げにごま油を少し回しかける",
        "冷めてもおいしいので弁当にも向く",
        "ご飯が進む味付けに家族も喜んだ",
    ],
}


@pytest.fixture
def archive(make, index):
    """Eight articles of each kind, indexed; {article id: kind}."""
    rng = random.Random(7)
    kinds = {}
    made = []
    for _ in range(8):
        for kind, pool in POOLS.items():
            sentences = rng.sample(pool, 6)
            article = make.article(
                headline=sentences[0],
                lead=sentences[1] + "。",
                body_source="。\n\n".join(sentences[2:]) + "。",
            )
            kinds[article.pk] = kind
            made.append(article)
    index(*made)
    return kinds


def precision(kinds, article_id, picks) -> float:
    return sum(kinds[p.article_id] == kinds[article_id] for p in picks) / recommend.COUNT


def check_lists(kinds, floor: float):
    scores = []
    for article_id in kinds:
        picks = recommend.recommend(article_id)
        ids = [p.article_id for p in picks]
        assert len(ids) == recommend.COUNT, article_id
        assert article_id not in ids and len(set(ids)) == len(ids)
        scores.append(precision(kinds, article_id, picks))
    assert sum(scores) / len(scores) >= floor, scores


def test_a_young_archive_is_served_by_words(archive):
    assert topics.active_projector() is None
    check_lists(archive, floor=0.8)


@pytest.fixture
def small_archives_get_topics(monkeypatch):
    monkeypatch.setattr(topics, "MIN_ARCHIVE", 12)
    monkeypatch.setattr(topics, "MIN_DF", 2)


def test_a_topic_model_recommends_the_same_kind_of_story(archive, small_archives_get_topics):
    model = topics.fit()
    assert model is not None and model.documents == len(archive) == model.archive
    assert not SearchDocument.objects.filter(topic=None).exists()
    some = next(iter(archive))
    nearest = topics.nearest(SearchDocument.objects.get(pk=some), 5)
    assert len(nearest) == 5 and some not in [pk for pk, _ in nearest]
    check_lists(archive, floor=0.9)


def test_new_articles_are_projected_with_the_model_in_use(
    archive, small_archives_get_topics, make, index
):
    topics.fit()
    article = make.article(
        headline="エースが完封で今季十勝目",
        lead="先発投手が七回まで無失点に抑えた。",
        body_source="四番打者が逆転の本塁打を放った。\n\n監督は試合後に若手の守備をほめた。",
    )
    index(article)
    document = SearchDocument.objects.get(pk=article.pk)
    assert document.topic_model_id == TopicModel.objects.latest().pk
    picks = recommend.recommend(article.pk)
    assert [archive[p.article_id] for p in picks].count("sports") >= 4


def test_the_article_itself_and_its_copies_are_never_recommended(archive, make, index):
    original = next(pk for pk, kind in archive.items() if kind == "cooking")
    source = SearchDocument.objects.get(pk=original)
    from shinbun.newsroom.models import Article

    article = Article.objects.get(pk=original)
    copy = make.article(
        headline=article.headline, lead=article.lead, body_source=article.body_source
    )
    index(copy)
    for article_id in (original, copy.pk):
        ids = [p.article_id for p in recommend.recommend(article_id)]
        assert original not in ids and copy.pk not in ids
    assert source.terms == SearchDocument.objects.get(pk=copy.pk).terms


def test_a_story_sent_again_with_more_around_it_is_a_near_duplicate(archive, make, index):
    """The vectors of a copy with extra paragraphs can differ enough to pass the cosine
    rule; the shared running text (shingles) still marks it as the same story."""
    from shinbun.newsroom.models import Article

    original = next(pk for pk, kind in archive.items() if kind == "phones")
    article = Article.objects.get(pk=original)
    unused = [s for s in POOLS["phones"] if s not in article.headline + article.lead]
    unused = [s for s in unused if s not in article.body_source][:4]
    longer = make.article(
        headline=article.headline,
        lead=article.lead,
        body_source=article.body_source + "\n\n" + "。\n\n".join(unused) + "。",
    )
    index(longer)
    a, b = (SearchDocument.objects.get(pk=pk) for pk in (original, longer.pk))
    df, total = recommend.document_frequencies([*a.terms, *b.terms])
    vectors = [term_weights(d.terms, df, total) for d in (a, b)]
    assert recommend.cosine(*vectors) < recommend.NEAR_DUPLICATE  # the vectors miss it
    assert (
        recommend.jaccard(
            recommend.shingles(a.title, a.body, a.terms),
            recommend.shingles(b.title, b.body, b.terms),
        )
        >= recommend.SHINGLE_DUPLICATE
    )
    for article_id, other in ((original, longer.pk), (longer.pk, original)):
        ids = [p.article_id for p in recommend.recommend(article_id)]
        assert other not in ids and len(ids) == recommend.COUNT


def test_fit_command_refits_only_when_due(archive, small_archives_get_topics):
    out = StringIO()
    call_command("fit_topics", if_due=True, stdout=out, verbosity=0)
    assert TopicModel.objects.count() == 1
    assert Recommendation.objects.filter(article_id=next(iter(archive))).count() == 5
    call_command("fit_topics", if_due=True, stdout=out, verbosity=0)
    assert TopicModel.objects.count() == 1
    assert "最新" in out.getvalue()


def test_fit_command_can_leave_the_lists_to_the_worker(archive, small_archives_get_topics):
    out = StringIO()
    Recommendation.objects.all().delete()
    call_command("fit_topics", queue_refresh=True, stdout=out, verbosity=0)
    assert f"おすすめの更新を予約しました: {len(archive)}記事" in out.getvalue()
    # The tests' queue runs a task as it is queued: the worker's recomputation is done.
    assert Recommendation.objects.filter(article_id=next(iter(archive))).count() == 5


def test_a_small_archive_gets_no_model(archive):
    out = StringIO()
    call_command("fit_topics", stdout=out, verbosity=0)
    assert not TopicModel.objects.exists()
    assert "記事が少ない" in out.getvalue()


def test_the_page_shows_the_stored_list(archive, visitor, parse_html):
    article_id = next(iter(archive))
    picked = recommend.store_recommendations(article_id)
    from shinbun.newsroom.models import Article

    html = visitor.get(Article.objects.get(pk=article_id).get_absolute_url()).content.decode()
    assert "こちらもおすすめ(自動検索)" in html
    shown = html[html.index("こちらもおすすめ(自動検索)") :]
    places = [shown.index(Article.objects.get(pk=pk).get_absolute_url()) for pk in picked]
    assert places == sorted(places)  # in the stored order
    # The freshest of the relevant first (SPEC §2 item 4).
    published = [Article.objects.get(pk=pk).published_at for pk in picked]
    assert published == sorted(published, reverse=True)


def test_a_new_list_reaches_kept_pages_at_once(
    archive, visitor, client_for, paid_member, settings, django_capture_on_commit_callbacks
):
    """A visitor's kept copy and a member's variant made before the list existed are made
    again once it is stored, not after the page cache's TTL."""
    from shinbun.newsroom.models import Article

    settings.PAGE_CACHE_SECONDS = 3600
    article = Article.objects.get(pk=next(iter(archive)))
    member = client_for(paid_member)
    for client in (visitor, member):
        assert "おすすめの記事を準備しています。" in client.get(article.get_absolute_url()).text
    with django_capture_on_commit_callbacks(execute=True):
        picked = recommend.store_recommendations(article.pk)
    assert picked
    for client in (visitor, member):
        page = client.get(article.get_absolute_url()).text
        assert "おすすめの記事を準備しています。" not in page
        assert Article.objects.get(pk=picked[0]).get_absolute_url() in page


def test_the_vector_matrix_follows_new_and_changed_articles(
    archive, small_archives_get_topics, make, index
):
    model = topics.fit()
    matrix = topics.vectors_for(model.pk)
    before = len(matrix.ids)
    article = make.article(
        headline="新型スマートフォンの予約が始まった",
        lead="通信会社各社が新端末の予約を始めた。",
        body_source="カメラの暗所性能が大きく向上した。",
    )
    index(article)
    matrix = topics.vectors_for(model.pk)
    assert len(matrix.ids) == before + 1 and article.pk in matrix.rows
    row = matrix.vectors[matrix.rows[article.pk]].copy()
    # A correction re-projects the article; the matrix takes the new vector in place.
    article.body_source = "大根と豚肉を甘辛く煮込んだ。\n\n味噌汁の出汁は昆布とかつお節でとる。"
    article.save()
    index(article)
    matrix = topics.vectors_for(model.pk)
    assert len(matrix.ids) == before + 1
    stored = topics.vector_of(SearchDocument.objects.get(pk=article.pk))
    assert not (matrix.vectors[matrix.rows[article.pk]] == row).all()
    assert (matrix.vectors[matrix.rows[article.pk]] == stored).all()


# Recomputing many lists ----------------------------------------------------------------


def test_lists_are_refreshed_in_batches_newest_first(archive, small_archives_get_topics):
    from shinbun.search import tasks

    Recommendation.objects.all().delete()
    topics.fit()
    newest_first = topics.indexed_newest_first()
    assert len(newest_first) == len(archive)
    assert tasks.refresh_in_background(newest_first) == len(archive)  # inline in tests
    stored = set(Recommendation.objects.values_list("article_id", flat=True))
    assert stored == set(archive)


@pytest.mark.parametrize("storage", ["sqlite", "redis"])
def test_batch_refreshes_wait_behind_publishing(storage, tmp_path):
    """The queue kinds the settings choose both honour the batch's lower priority."""
    import uuid

    from huey import PriorityRedisHuey, SqliteHuey
    from huey.contrib.djhuey import HUEY

    from shinbun.search import tasks

    if storage == "sqlite":
        queue = SqliteHuey("t", filename=str(tmp_path / "tasks.sqlite3"))
    else:
        queue = PriorityRedisHuey(f"shinbun-test-{uuid.uuid4().hex}", url="redis://127.0.0.1:6379")
    try:
        for task in [tasks.refresh_recommendations_batch.s([1, 2])] * 3 + [
            tasks.refresh_recommendations.s(3)
        ]:
            queue.storage.enqueue(HUEY.serialize_task(task), task.priority)
        order = [HUEY.deserialize_task(queue.storage.dequeue()).name for _ in range(4)]
    finally:
        queue.storage.flush_all()
    assert order[0].endswith("refresh_recommendations")
    assert all(name.endswith("refresh_recommendations_batch") for name in order[1:])


def test_norms_are_the_lengths_of_the_vectors_by_the_frequencies_after_indexing(make, index):
    """set_norms takes the frequencies update_term_stats wrote (and reads the rest): the
    articles indexed together get the length of their vector by the new counts, also
    when indexed again (the counts then do not change)."""
    articles = [
        make.article(headline=f"選挙と{word}", lead=f"{word}の話題が続く。選挙も近い。")
        for word in ("台風", "円安", "台風")
    ]
    for _ in range(2):
        index(*articles)
        documents = list(SearchDocument.objects.filter(pk__in=[a.pk for a in articles]))
        df, total = recommend.document_frequencies(f for d in documents for f in d.terms)
        for document in documents:
            weights = term_weights(document.terms, df, total).values()
            assert document.norm == pytest.approx(math.sqrt(sum(w * w for w in weights)))
            assert document.norm > 0
