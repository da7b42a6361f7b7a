"""`shinbun export`: what editors made as JSON lines that `shinbun import` reads back into
a fresh database with the same articles; members and subscriptions as CSV."""

import csv
import json
import sqlite3
import subprocess
from datetime import UTC, datetime

from shinbun.newsroom import publishing
from shinbun.newsroom.body import blocks_to_text
from shinbun.newsroom.models import Article
from tests.processes import SHINBUN, environment
from tests.test_backup import run_cli


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_exported_articles_import_into_a_fresh_database_as_the_same_articles(tmp_path, make):
    economy = make.section(slug="economy", name="経済")
    keyword = make.keyword(slug="chingin", name="賃金")
    series = make.series(slug="kurashi", name="暮らしの値段")
    figure = make.figure(key="wages")
    paid = make.article(
        section=economy,
        access="paid",
        series=series,
        keywords=[keyword],
        body_source=(
            "## 賃金の動き\n\n実質賃金は3カ月ぶりに増えた。\n\n"
            "[[figure:wages]]\n\n物価は落ち着いた。"
        ),
    )
    publishing.correct(paid, "当初、3カ月を2カ月と誤って記載しました。")
    fed = make.article(external_id="feed-2025-001")
    draft = make.article(status="draft")

    out = tmp_path / "export"
    assert run_cli("export", "--out", str(out)) == 0
    articles = lines(out / "articles.jsonl")
    assert [a["id"] for a in articles] == [f"shinbun-{paid.pk}", "feed-2025-001"]
    record = articles[0]
    assert record["access"] == "paid" and record["series"] == "kurashi"
    assert record["keywords"] == ["chingin"] and record["section"] == "economy"
    assert record["corrections"][0]["text"].startswith("当初、3カ月を")
    assert [r["note"] for r in record["revisions"]] == ["訂正"]
    assert [d["shinbun_id"] for d in lines(out / "drafts.jsonl")] == [draft.pk]
    assert [f["key"] for f in lines(out / "figures.jsonl")] == [figure.key]
    assert {"economy", "national"} <= {s["slug"] for s in lines(out / "sections.jsonl")}
    assert lines(out / "series.jsonl")[0]["name"] == "暮らしの値段"
    assert lines(out / "keywords.jsonl")[0]["name"] == "賃金"

    data = tmp_path / "fresh"
    command = [*SHINBUN, "import", str(out / "articles.jsonl"), "--data", str(data)]
    result = subprocess.run(
        command, env=environment(data), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "追加 2件" in result.stdout and "不正 0件" in result.stdout
    fresh = sqlite3.connect(data / "shinbun.sqlite3")
    imported = {
        external_id: (headline, lead, blocks_to_text(json.loads(blocks)), published, section)
        for external_id, headline, lead, blocks, published, section in fresh.execute(
            "SELECT a.external_id, a.headline, a.lead, a.blocks, a.published_at, s.name"
            " FROM newsroom_article a JOIN newsroom_section s ON s.id = a.section_id"
        )
    }
    fresh.close()
    for original, key in ((paid, f"shinbun-{paid.pk}"), (fed, "feed-2025-001")):
        original = Article.objects.get(pk=original.pk)
        headline, lead, text, published, section = imported[key]
        assert (headline, lead, text) == (original.headline, original.lead, original.body_text)
        assert datetime.fromisoformat(published).replace(tzinfo=UTC) == original.published_at
        assert section == original.section.name


def test_members_and_subscriptions_as_csv(tmp_path, paid_member, free_member):
    free_member.display_name = '=HYPERLINK("https://evil.example")'
    free_member.save(update_fields=["display_name"])
    assert run_cli("export", "--out", str(tmp_path / "export")) == 0
    raw = (tmp_path / "export" / "members.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a byte-order mark: spreadsheets read UTF-8
    with (tmp_path / "export" / "members.csv").open(encoding="utf-8-sig", newline="") as file:
        members = {row["email"]: row for row in csv.DictReader(file)}
    assert members["paid@example.jp"]["display_name"] == "有料 花子"
    assert members["free@example.jp"]["display_name"].startswith("'=HYPERLINK")
    with (tmp_path / "export" / "subscriptions.csv").open(encoding="utf-8-sig") as file:
        (subscription,) = csv.DictReader(file)
    assert subscription["email"] == "paid@example.jp" and subscription["plan"] == "monthly"
    assert subscription["status"] == "active" and subscription["paid"] == "1"
    assert subscription["current_period_end"].endswith("+09:00")


def test_export_refuses_a_folder_that_is_not_empty(tmp_path, db, capsys):
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "notes.txt").write_text("x")
    assert run_cli("export", "--out", str(tmp_path / "export")) == 1
    assert "は空のフォルダではありません。" in capsys.readouterr().err
