"""Every reader kind x every access level x every channel: no full text reaches a reader
who may not read it, and a reader who may read gets all of it (SPEC §1)."""

import pytest

from shinbun.members import entitlements
from shinbun.search.indexing import index_articles
from tests.conftest import Elements
from tests.test_article_page import json_ld_of

SECRET = "カモノハシ計画の全容"  # only in the body
LEAD = "誰でも読めるリードの一文。"

# reader fixture -> access levels it reads in full on the page, print view, API, JSON-LD
READS_IN_FULL = {
    "visitor": {"free"},
    "free_member": {"free", "members", "paid"},  # paid: through the meter
    "metered_out_member": {"free", "members"},
    "expert": {"free", "members", "paid"},  # an expert is a free member: meter
    "paid_member": {"free", "members", "paid"},
    "trialing_member": {"free", "members", "paid"},
    "editor": {"free", "members", "paid"},
}


@pytest.fixture(params=list(READS_IN_FULL))
def reader(request, client_for):
    name = request.param
    user = None if name == "visitor" else request.getfixturevalue(name)
    return name, user, client_for(user)


@pytest.mark.parametrize("access", ["free", "members", "paid"])
def test_every_channel_gives_each_reader_exactly_what_they_may_read(reader, access, make):
    name, user, client = reader
    article = make.article(
        access=access,
        headline="マトリクスの記事",
        lead=LEAD,
        body_source=f"{SECRET}が明らかになった。\n\n二段落目も本文。",
    )
    index_articles([article])
    full = access in READS_IN_FULL[name]

    def check(channel: str, text: str, expect_full: bool = full):
        assert LEAD in text, (name, access, channel)
        assert (SECRET in text) is expect_full, (name, access, channel)
        if expect_full:
            assert "二段落目も本文。" in text, (name, access, channel)

    page = client.get(article.get_absolute_url())
    assert page.status_code == 200
    check("page", page.text)
    doc = Elements(page.text)
    check("json-ld", json_ld_of(page)["articleBody"])
    for attrs in ({"name": "description"}, {"property": "og:description"}):
        content = doc.one("meta", **attrs)["content"]
        assert content == LEAD, (name, access, attrs)  # the lead, for every reader

    printed = client.get(f"/articles/{article.pk}/print/")
    assert printed.status_code == 200
    check("print", printed.text)

    api = client.get(f"/api/v1/articles/{article.pk}")
    assert api.status_code == 200
    data = api.json()
    assert data["full_text"] is full
    body = " ".join(block.get("html") or block.get("text") or "" for block in data["body"])
    check("api", data["lead"] + body)
    assert (SECRET in str(data)) is full

    for feed in ("/feeds/rss/", "/feeds/atom/", f"/sections/{article.section.slug}/rss/"):
        response = client.get(feed)
        assert response.status_code == 200
        check(feed, response.text, expect_full=False)  # feeds carry only the lead

    # Search snippets are cut from what the reader may read without using the meter.
    snippet_full = entitlements.decide(entitlements.reader_for(user), access).full_text
    found = client.get("/api/v1/search", {"q": "カモノハシ"}).json()
    assert [item["id"] for item in found["items"]] == [article.pk]
    snippet = found["items"][0]["snippet"].replace("<mark>", "").replace("</mark>", "")
    assert ("カモノハシ計画" in snippet) is snippet_full, (name, access)
    assert snippet_full <= full
    page_snippets = Elements(client.get("/search/", {"q": "カモノハシ"}).text)
    text = " ".join(p["text"] for p in page_snippets.all("p", class_="snippet"))
    assert ("カモノハシ計画" in text) is snippet_full, (name, access)
