"""`shinbun import FILE`: JSON lines (plain or gzip) and RSS/Atom into articles.

Files are written by each test into tmp_path. One test reads a few records of the real
corpus at run time (never copied into the repository).
"""

import gzip
import itertools
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from shinbun.newsroom.import_formats import RecordError, read_records
from shinbun.newsroom.importing import import_file
from shinbun.newsroom.models import Article, Section
from tests.corpus import CORPUS


def record(n, **fields):
    data = {
        "id": f"test-{n}",
        "category": "sports-watch",
        "url": f"http://example.com/{n}/",
        "published": f"2012-05-{(n - 1) % 28 + 1:02d}T10:00:00+09:00",
        "title": f"記事{n}の見出し",
        "body": f"記事{n}の最初の段落。\n\n記事{n}の二つ目の段落。",
    }
    data.update(fields)
    return data


def write_jsonl(path: Path, lines, gz=False) -> Path:
    text = "".join(
        (x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)) + "\n" for x in lines
    )
    if gz:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def run_import(path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_articles", str(path), stdout=out, stderr=err, verbosity=0)
    return out.getvalue(), err.getvalue()


def search_ids(client, q):
    response = client.get("/api/v1/search", {"q": q})
    assert response.status_code == 200
    return [item["id"] for item in response.json()["items"]]


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_json_lines_become_articles(db, tmp_path, visitor, gz):
    path = write_jsonl(
        tmp_path / ("news.jsonl.gz" if gz else "news.jsonl"),
        [record(1), record(2, category="it-life-hack"), record(3)],
        gz=gz,
    )
    out, err = run_import(path)
    assert "追加 3件" in out and "更新 0件" in out and "不正 0件" in out
    assert err == ""
    assert Article.objects.count() == 3
    article = Article.objects.get(external_id="test-2")
    assert article.headline == "記事2の見出し"
    assert article.lead == "記事2の最初の段落。"
    assert "記事2の二つ目の段落。" in article.body_text
    assert article.published_at == datetime(2012, 5, 2, 1, 0, tzinfo=UTC)
    assert article.status == Article.Status.PUBLISHED and article.access == "free"
    # The category becomes the section.
    assert article.section.slug == "it-life-hack" and article.section.name == "it-life-hack"
    assert set(Section.objects.values_list("slug", flat=True)) == {"sports-watch", "it-life-hack"}
    assert Article.objects.filter(section__slug="sports-watch").count() == 2
    # Readers see it on the article page and in the section.
    page = visitor.get(article.get_absolute_url())
    assert page.status_code == 200 and "記事2の二つ目の段落。" in page.text
    assert article.get_absolute_url() in visitor.get("/sections/it-life-hack/").text


def test_imported_articles_are_searchable(db, tmp_path, visitor):
    path = write_jsonl(
        tmp_path / "news.jsonl",
        [record(1, title="ｻｯｶｰ日本代表が勝利"), record(2, body="野球の試合。\n\n延長戦で決着。")],
    )
    run_import(path)
    soccer = Article.objects.get(external_id="test-1").pk
    baseball = Article.objects.get(external_id="test-2").pk
    assert search_ids(visitor, "サッカー") == [soccer]
    assert search_ids(visitor, "延長戦") == [baseball]
    assert search_ids(visitor, "見出し") == [baseball]  # test-2 keeps the default title


def test_importing_again_updates_instead_of_duplicating(db, tmp_path, visitor):
    first = write_jsonl(tmp_path / "a.jsonl", [record(1), record(2), record(3)])
    run_import(first)
    ids = set(Article.objects.values_list("pk", flat=True))

    out, _ = run_import(first)
    assert "追加 0件" in out and "更新 0件" in out and "変更なし 3件" in out
    assert set(Article.objects.values_list("pk", flat=True)) == ids

    changed = write_jsonl(
        tmp_path / "b.jsonl",
        [record(1), record(2, title="差し替えた見出し"), record(3), record(4)],
    )
    out, _ = run_import(changed)
    assert "追加 1件" in out and "更新 1件" in out and "変更なし 2件" in out
    assert Article.objects.count() == 4
    updated = Article.objects.get(external_id="test-2")
    assert updated.pk in ids and updated.headline == "差し替えた見出し"
    # The index follows: the new headline is found, the old one no longer.
    assert search_ids(visitor, "差し替える") == [updated.pk]
    assert search_ids(visitor, '"記事2の見出し"') == []


def test_same_id_twice_in_one_file_keeps_one_article(db, tmp_path):
    path = write_jsonl(tmp_path / "dup.jsonl", [record(1), record(1, title="後の版")])
    summary = import_file(path)
    assert Article.objects.count() == 1
    assert Article.objects.get().headline == "後の版"
    assert (summary.added, summary.updated) == (1, 1)


def test_bad_lines_are_reported_by_number_and_skipped(db, tmp_path):
    path = write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            record(1),
            "{not json",
            record(3, title=""),
            "[1, 2, 3]",
            record(5, published="昨日の夜"),
            "",  # a blank line is not an error
            record(7),
            record(8, body=None),
        ],
    )
    out, err = run_import(path)
    assert "追加 2件" in out and "不正 5件" in out
    assert sorted(Article.objects.values_list("external_id", flat=True)) == ["test-1", "test-7"]
    reported = [line for line in err.splitlines() if line]
    assert [line.split(":")[1] for line in reported] == ["2", "3", "4", "5", "8"]
    assert all(line.startswith("mixed.jsonl:") for line in reported)
    assert "title" in reported[1] and "JSON" in reported[0]


def test_invalid_utf8_line_is_rejected_and_the_rest_goes_in(db, tmp_path):
    path = tmp_path / "mixed-encoding.jsonl"
    lines = [json.dumps(record(n), ensure_ascii=False).encode() for n in range(1, 41)]
    lines[29] = lines[29].replace("見出し".encode(), "見出し".encode("shift_jis"))  # line 30
    path.write_bytes(b"\n".join(lines) + b"\n")
    # Bounded, so that the bug cannot hang the suite: read at most 100 items.
    items = list(itertools.islice(read_records(path), 100))
    rejected = [number for number, item in items if isinstance(item, RecordError)]
    assert rejected == [30]
    assert len(items) == 40


def test_summary_counts(db, tmp_path):
    run_import(write_jsonl(tmp_path / "a.jsonl", [record(1), record(2)]))
    summary = import_file(
        write_jsonl(tmp_path / "b.jsonl", [record(1, title="新"), record(2), record(3), "oops"])
    )
    assert (summary.added, summary.updated, summary.unchanged) == (1, 1, 1)
    assert summary.rejected == [("b.jsonl", 4, summary.rejected[0][2])]
    assert str(summary) == "追加 1件、更新 1件、変更なし 1件、不正 1件"


SCRIPT = "<script>alert('x')</script>"


def test_markup_in_imported_text_is_text(db, tmp_path, visitor):
    path = write_jsonl(
        tmp_path / "xss.jsonl",
        [
            record(
                1,
                title=f"{SCRIPT}見出し",
                body=f"{SCRIPT}最初の段落。\n\n<img src=x onerror=alert(1)>次の段落。<b>太字</b>",
            )
        ],
    )
    run_import(path)
    article = Article.objects.get()
    for url in (article.get_absolute_url(), "/", "/search/?q=段落"):
        page = visitor.get(url).text
        assert SCRIPT not in page and "<img src=x" not in page and "<b>太字" not in page, url
    page = visitor.get(article.get_absolute_url()).text
    assert "&lt;script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script" not in str(article.blocks) and "<img" not in str(article.blocks)
    api = visitor.get(f"/api/v1/articles/{article.pk}").json()
    assert all("<img" not in (block.get("html") or "") for block in api["body"])


def test_japanese_categories_become_their_own_sections(db, tmp_path):
    path = write_jsonl(
        tmp_path / "ja.jsonl", [record(1, category="スポーツ"), record(2, category="経済")]
    )
    run_import(path)
    assert Article.objects.get(external_id="test-1").section.name == "スポーツ"
    assert Article.objects.get(external_id="test-2").section.name == "経済"


def test_missing_file_is_an_error(db, tmp_path):
    with pytest.raises(CommandError):
        run_import(tmp_path / "nowhere.jsonl")


# RSS and Atom ---------------------------------------------------------------------------

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>テスト通信</title><link>https://example.jp/</link><description>d</description>
<item>
  <title>台風が上陸</title>
  <link>https://example.jp/news/1</link>
  <guid>https://example.jp/news/1</guid>
  <pubDate>Tue, 01 Apr 2025 09:30:00 +0900</pubDate>
  <category>weather</category>
  <description><![CDATA[<p>台風10号が上陸した。</p><p>交通機関に影響が出ている。</p><script>alert(1)</script>]]></description>
</item>
<item>
  <title>新駅が開業</title>
  <link>https://example.jp/news/2</link>
  <pubDate>Wed, 02 Apr 2025 08:00:00 GMT</pubDate>
  <description>短い説明。</description>
  <content:encoded><![CDATA[<p>新駅が開業した。</p><p>記念式典が開かれた。</p>]]></content:encoded>
</item>
<item>
  <title>日付のない記事</title>
  <guid>no-date</guid>
  <description>本文。</description>
</item>
</channel></rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>テスト通信</title><id>urn:feed</id><updated>2025-04-02T00:00:00Z</updated>
  <entry>
    <title>株価が反発</title>
    <id>urn:uuid:1</id>
    <link href="https://example.jp/a/1"/>
    <published>2025-04-01T15:00:00+09:00</published>
    <updated>2025-04-01T16:00:00+09:00</updated>
    <category term="economy"/>
    <content type="html">&lt;p&gt;日経平均株価が反発した。&lt;/p&gt;
      &lt;p&gt;半導体株が買われた。&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>為替の動き</title>
    <id>urn:uuid:2</id>
    <updated>2025-04-02T09:00:00+09:00</updated>
    <summary>円相場は小動き。</summary>
  </entry>
  <entry>
    <title>本文のない記事</title>
    <id>urn:uuid:3</id>
    <updated>2025-04-02T09:00:00+09:00</updated>
  </entry>
</feed>
"""


def test_rss_items_become_articles(db, tmp_path, visitor):
    path = tmp_path / "feed.xml"
    path.write_text(RSS, encoding="utf-8")
    out, err = run_import(path)
    assert "追加 2件" in out and "不正 1件" in out
    assert "feed.xml:3:" in err
    typhoon = Article.objects.get(external_id="https://example.jp/news/1")
    assert typhoon.headline == "台風が上陸"
    assert typhoon.lead == "台風10号が上陸した。"
    assert "交通機関に影響が出ている。" in typhoon.body_text
    assert "alert" not in typhoon.body_text and "<script" not in str(typhoon.blocks)
    assert typhoon.published_at == datetime(2025, 4, 1, 0, 30, tzinfo=UTC)
    assert typhoon.section.slug == "weather"
    station = Article.objects.get(external_id="https://example.jp/news/2")  # link as id
    assert station.lead == "新駅が開業した。"  # content:encoded preferred to description
    assert "記念式典" in station.body_text
    assert search_ids(visitor, "台風") == [typhoon.pk]
    # Again: nothing new.
    out, _ = run_import(path)
    assert "追加 0件" in out and "変更なし 2件" in out
    assert Article.objects.count() == 2


def test_atom_entries_become_articles(db, tmp_path, visitor):
    path = tmp_path / "feed.atom"
    path.write_text(ATOM, encoding="utf-8")
    out, err = run_import(path)
    assert "追加 2件" in out and "不正 1件" in out and "feed.atom:3:" in err
    stocks = Article.objects.get(external_id="urn:uuid:1")
    assert stocks.headline == "株価が反発"
    assert stocks.lead == "日経平均株価が反発した。"
    assert "半導体株" in stocks.body_text
    assert stocks.published_at == datetime(2025, 4, 1, 6, 0, tzinfo=UTC)  # published, not updated
    assert stocks.section.slug == "economy"
    yen = Article.objects.get(external_id="urn:uuid:2")
    assert yen.lead == "円相場は小動き。"
    assert yen.published_at == datetime(2025, 4, 2, 0, 0, tzinfo=UTC)  # falls back to updated
    assert search_ids(visitor, "半導体") == [stocks.pk]


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>t</title>
<item><title>&lol9;</title><guid>bomb</guid><pubDate>Tue, 01 Apr 2025 09:30:00 +0900</pubDate>
<description>&lol9;</description></item>
</channel></rss>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title>
<item><title>漏洩</title><guid>xxe</guid><pubDate>Tue, 01 Apr 2025 09:30:00 +0900</pubDate>
<description>&secret;</description></item>
</channel></rss>
"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "xxe"])
def test_malicious_xml_is_rejected_without_blowing_up(db, tmp_path, xml):
    path = tmp_path / "evil.xml"
    path.write_text(xml, encoding="utf-8")
    started = time.monotonic()
    out, err = run_import(path)
    assert time.monotonic() - started < 5
    assert Article.objects.count() == 0
    assert "追加 0件" in out and "不正 1件" in out
    assert "evil.xml:0:" in err and "XML" in err
    assert "root:" not in out + err


def test_broken_xml_is_reported(db, tmp_path):
    path = tmp_path / "broken.xml"
    path.write_text("<rss><channel><item><title>途中で", encoding="utf-8")
    out, err = run_import(path)
    assert "不正 1件" in out and "broken.xml:0:" in err
    assert Article.objects.count() == 0


# The real corpus and the command line --------------------------------------------------


@pytest.fixture
def corpus_sample(tmp_path) -> tuple[Path, list[dict]]:
    """The first records of the real corpus, read at run time into a temporary file."""
    records = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        for line in lines:
            records.append(json.loads(line))
            if len(records) == 5:
                break
    return write_jsonl(tmp_path / "sample.jsonl.gz", records, gz=True), records


def test_real_corpus_records_import_and_are_searchable(db, visitor, corpus_sample):
    path, records = corpus_sample
    out, err = run_import(path)
    assert f"追加 {len(records)}件" in out and err == ""
    for data in records:
        article = Article.objects.get(external_id=data["id"])
        assert article.section.slug == data["category"]
        assert article.headline == data["title"].strip()
        assert article.published_at == datetime.fromisoformat(data["published"])
        assert article.pk in search_ids(visitor, f'"{data["title"]}"')
    out, _ = run_import(path)
    assert f"変更なし {len(records)}件" in out


def test_shinbun_import_command_line_with_data_dir(tmp_path, corpus_sample):
    path, records = corpus_sample
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SHINBUN_DATA_DIR"}}
    command = [sys.executable, "-m", "shinbun", "import", str(path), "--data", str(data)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"追加 {len(records)}件" in result.stdout
    assert (data / "shinbun.sqlite3").exists()
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert f"変更なし {len(records)}件" in again.stdout


RSS_1_0 = """<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://example.jp/"><title>テスト通信</title>
    <link>https://example.jp/</link><description>d</description></channel>
  <item rdf:about="https://example.jp/rdf/1">
    <title>桜が開花</title>
    <link>https://example.jp/rdf/1</link>
    <dc:date>2025-03-24T14:00:00+09:00</dc:date>
    <dc:subject>season</dc:subject>
    <description>東京で桜が開花した。</description>
  </item>
</rdf:RDF>
"""

SHIFT_JIS_RSS = """<?xml version="1.0" encoding="Shift_JIS"?>
<rss version="2.0"><channel><title>地方通信</title><link>https://example.jp/</link>
<description>d</description>
<item><title>祭りに人出</title><guid>sjis-1</guid>
<pubDate>Sat, 05 Apr 2025 10:00:00 +0900</pubDate>
<description>夏祭りに多くの人が訪れた。</description></item>
</channel></rss>
"""


def test_rss_1_0_items_become_articles(db, tmp_path):
    path = tmp_path / "feed.rdf"
    path.write_text(RSS_1_0, encoding="utf-8")
    out, err = run_import(path)
    assert "追加 1件" in out and err == ""
    article = Article.objects.get(external_id="https://example.jp/rdf/1")
    assert article.headline == "桜が開花"
    assert article.lead == "東京で桜が開花した。"
    assert article.published_at == datetime(2025, 3, 24, 5, 0, tzinfo=UTC)
    assert article.section.slug == "season"


def test_a_feed_in_its_declared_encoding(db, tmp_path):
    path = tmp_path / "sjis.xml"
    path.write_bytes(SHIFT_JIS_RSS.encode("shift_jis"))
    out, err = run_import(path)
    assert "追加 1件" in out and err == ""
    article = Article.objects.get(external_id="sjis-1")
    assert article.headline == "祭りに人出"
    assert article.lead == "夏祭りに多くの人が訪れた。"


def test_import_leaves_one_revision_per_created_or_changed_article(db, tmp_path):
    run_import(write_jsonl(tmp_path / "a.jsonl", [record(1), record(2)]))
    assert {a.revisions.count() for a in Article.objects.all()} == {1}
    first = Article.objects.get(external_id="test-1").revisions.get()
    assert first.note == "取り込み" and first.snapshot["headline"] == "記事1の見出し"

    run_import(write_jsonl(tmp_path / "b.jsonl", [record(1, title="差し替え"), record(2)]))
    assert Article.objects.get(external_id="test-1").revisions.count() == 2
    assert Article.objects.get(external_id="test-2").revisions.count() == 1  # unchanged


def test_import_purges_every_page_the_article_appears_on(
    db, tmp_path, visitor, make, django_capture_on_commit_callbacks
):
    section = make.section(slug="sports-watch", name="スポーツ")
    old = make.article(section=section, headline="前からある記事")
    pages = ["/", section.get_absolute_url(), "/feeds/rss/"]
    for url in pages:  # cached now; headlines carry <wbr> between phrases
        assert "前からある記事" in visitor.get(url).text.replace("<wbr>", ""), url
    with django_capture_on_commit_callbacks(execute=True):
        run_import(write_jsonl(tmp_path / "new.jsonl", [record(1, title="取り込んだ新しい記事")]))
    for url in pages:
        assert "取り込んだ新しい記事" in visitor.get(url).text.replace("<wbr>", ""), url
    assert old.get_absolute_url() in visitor.get(section.get_absolute_url()).text
