"""`shinbun export` then `shinbun import` of the folder into an empty newsroom gives back
every article with everything editors set: access level, series, column, keywords,
related articles, corrections and the revision history; re-importing it changes
nothing."""

import json
from datetime import timedelta

import pytest

from shinbun.newsroom import publishing
from shinbun.newsroom.models import (
    Article,
    Column,
    Figure,
    Keyword,
    Section,
    Series,
)
from tests.test_backup import run_cli
from tests.test_import import run_import, write_jsonl

ARTICLE_FIELDS = (
    *("headline", "subheadline", "lead", "body_source", "blocks", "byline", "access"),
    *("status", "pinned", "newsletter_unlock", "published_at", "updated_at"),
    *("reading_fixes", "ruby"),
)
NEWSROOM = (Section, Series, Column, Keyword, Figure)


def key_of(article: Article) -> str:
    """The key the import finds an article by (exporting.export_id)."""
    return article.external_id or f"shinbun-{article.pk}"


def everything() -> dict:
    """What editors made, by the key the import finds it by."""
    articles = {}
    for article in Article.objects.select_related("section", "series", "column"):
        articles[key_of(article)] = {
            **{name: getattr(article, name) for name in ARTICLE_FIELDS},
            "section": article.section.slug,
            "series": article.series.slug if article.series else None,
            "column": article.column.slug if article.column else None,
            "keywords": sorted(k.slug for k in article.keywords.all()),
            "related": sorted(key_of(related) for related in article.related.all()),
            "corrections": [(c.text, c.created_at) for c in article.corrections.all()],
            "revisions": [
                (r.created_at, r.note, r.snapshot, r.author.email if r.author else None)
                for r in article.revisions.order_by("created_at", "id")
            ],
        }
    rows = {}
    for model in NEWSROOM:
        fields = [f.name for f in model._meta.concrete_fields if f.name != "id"]
        key = "key" if model is Figure else "slug"
        rows[model.__name__] = {row[key]: row for row in model.objects.values(*fields)}
    return {"articles": articles, **rows}


@pytest.fixture
def newsroom(make, editor):
    economy = make.section(slug="economy", name="経済", description="お金と暮らし", position=3)
    series = make.series(slug="kurashi", name="暮らしの値段", description="物価の連載")
    column = make.column(slug="shasetsu", name="社説", description="論説委員室", author="論説委員")
    wages, prices = (
        make.keyword(slug="chingin", name="賃金"),
        make.keyword(slug="物価", name="物価"),
    )
    make.figure(key="wages")
    paid = make.article(
        section=economy,
        access="paid",
        series=series,
        column=column,
        keywords=[wages, prices],
        subheadline="3カ月ぶりの増加",
        byline="経済部 田中",
        reading_fixes="賃金 ちんぎん",
        pinned=True,
        newsletter_unlock=True,
        body_source="## 賃金の動き\n\n実質賃金は<strong>増えた</strong>。\n\n[[figure:wages]]",
    )
    publishing.save_edit(paid, editor)
    publishing.correct(paid, "当初、3カ月を2カ月と誤って記載しました。", by=editor)
    members = make.article(access="members", external_id="feed-2025-001")
    scheduled = make.article(headline="予約された記事")
    publishing.publish(scheduled, editor, at=scheduled.published_at + timedelta(days=2))
    paid.related.add(members, scheduled)  # articles later in the export's file
    scheduled.related.add(paid)
    return [paid, members, scheduled]


def empty_the_newsroom() -> None:
    Article.objects.all().delete()
    for model in NEWSROOM:
        model.objects.all().delete()


def test_an_export_imports_into_an_empty_newsroom_as_the_same_articles(tmp_path, newsroom):
    before = everything()
    assert before["articles"][f"shinbun-{newsroom[0].pk}"]["access"] == "paid"
    out = tmp_path / "export"
    assert run_cli("export", "--out", str(out)) == 0
    empty_the_newsroom()

    stdout, stderr = run_import(out)
    assert "追加 3件" in stdout and "不正 0件" in stdout and stderr == ""
    after = everything()
    for model in NEWSROOM:
        assert after[model.__name__] == before[model.__name__], model.__name__
    assert after["articles"].keys() == before["articles"].keys()
    for key, original in before["articles"].items():
        imported = after["articles"][key]
        # The export's history, then the import's own revision.
        *history, (_, note, snapshot, author) = imported.pop("revisions")
        assert history == original.pop("revisions"), key
        assert (note, author) == ("取り込み", None)
        assert snapshot["access"] == original["access"]
        assert imported == original, key

    # Importing the same export again changes nothing, not even the history.
    imported = everything()
    stdout, _ = run_import(out)
    assert "追加 0件" in stdout and "更新 0件" in stdout and "変更なし 3件" in stdout
    assert everything() == imported


def test_the_imported_paid_article_is_gated_and_corrected(tmp_path, newsroom, client_for):
    out = tmp_path / "export"
    assert run_cli("export", "--out", str(out)) == 0
    empty_the_newsroom()
    run_import(out)
    article = Article.objects.get(external_id=f"shinbun-{newsroom[0].pk}")
    page = client_for().get(article.get_absolute_url()).text
    assert "当初、3カ月を2カ月と誤って記載しました。" in page
    assert "実質賃金は" not in page  # paid: a visitor reads the lead only
    assert article.get_absolute_url() in client_for().get("/series/kurashi/").text


def test_the_articles_file_alone_names_new_series_by_their_slug(tmp_path, newsroom):
    out = tmp_path / "export"
    assert run_cli("export", "--out", str(out)) == 0
    empty_the_newsroom()
    run_import(out / "articles.jsonl")
    article = Article.objects.get(external_id=f"shinbun-{newsroom[0].pk}")
    assert (article.access, article.series.slug, article.series.name) == ("paid", *["kurashi"] * 2)
    assert sorted(article.keywords.values_list("slug", flat=True)) == ["chingin", "物価"]


def test_a_change_in_the_export_updates_the_article(tmp_path, newsroom):
    out = tmp_path / "export"
    assert run_cli("export", "--out", str(out)) == 0
    empty_the_newsroom()
    run_import(out)
    records = [json.loads(line) for line in (out / "articles.jsonl").read_text().splitlines()]
    records[0].update(access="free", series=None, keywords=["chingin"], corrections=[])
    records[0]["related"] = [newsroom[1].pk, 999_999]  # an id the export does not hold
    stdout, _ = run_import(write_jsonl(tmp_path / "changed.jsonl", records))
    assert "更新 1件" in stdout and "変更なし 2件" in stdout
    article = Article.objects.get(external_id=f"shinbun-{newsroom[0].pk}")
    assert (article.access, article.series, article.corrections.count()) == ("free", None, 0)
    assert list(article.keywords.values_list("slug", flat=True)) == ["chingin"]
    assert [key_of(related) for related in article.related.all()] == ["feed-2025-001"]


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"access": "vip"}, "公開範囲が正しくありません"),
        ({"access": None}, "公開範囲が正しくありません"),
        ({"series": "暮らし の値段"}, "series のスラッグが正しくありません"),
        ({"keywords": "chingin"}, "keywords がリストではありません"),
        ({"corrections": [{"text": ""}]}, "corrections の項目に text がありません"),
        ({"corrections": [{"text": "訂正", "created_at": "昨日"}]}, "訂正日時を読めません"),
        ({"pinned": "yes"}, "pinned が true/false ではありません"),
        ({"body_source": "本文", "lead": ""}, "必須項目がありません: lead"),
        ({"revisions": [{"note": "編集"}]}, "revisions の項目に snapshot がありません"),
        ({"related": ["shinbun-1"]}, "related が記事の番号ではありません"),
    ],
)
def test_a_bad_export_field_rejects_its_line_only(db, tmp_path, fields, message):
    good = {"id": "a", "title": "見出し", "published": "2025-01-01T09:00:00+09:00", "body": "本文"}
    path = write_jsonl(tmp_path / "bad.jsonl", [good, {**good, "id": "b", **fields}])
    stdout, stderr = run_import(path)
    assert "追加 1件" in stdout and "不正 1件" in stdout
    assert stderr.startswith("bad.jsonl:2: ") and message in stderr
    assert list(Article.objects.values_list("external_id", "access")) == [("a", "free")]


def test_a_bad_line_in_an_export_folder_file_is_reported_by_file_and_line(tmp_path, newsroom):
    out = tmp_path / "export"
    assert run_cli("export", "--out", str(out)) == 0
    with (out / "series.jsonl").open("a", encoding="utf-8") as file:
        file.write('{"slug": "no good", "name": "x"}\n{"name": "スラッグなし"}\n')
    empty_the_newsroom()
    stdout, stderr = run_import(out)
    assert "追加 3件" in stdout and "不正 2件" in stdout
    assert [line.split(":")[:2] for line in stderr.splitlines()] == [
        ["series.jsonl", "2"],
        ["series.jsonl", "3"],
    ]
    assert list(Series.objects.values_list("slug", flat=True)) == ["kurashi"]
