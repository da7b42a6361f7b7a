"""Every route of the site, as every kind of reader, with the ids and slugs that exist and
with ones that do not, by GET and by an empty POST: whatever the answer (a page, a
redirect to log in, 403, 404, 405, a Japanese form error), never a server error.

The routes are read from the URLconf, so a route added later is tried too; only the
few that the URLconf gives as regular expressions are left to their own tests."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from shinbun.members.models import Receipt
from shinbun.members.tokens import create_token
from shinbun.mynews.models import Follow, Target
from shinbun.think import services as think
from shinbun.think.models import ExpertProfile

READERS = ["visitor", "free_member", "paid_member", "expert", "editor", "operator"]
# Leaving the session would make the rest of the sweep a visitor's.
NOT_POSTED = {"logout", "account_logout"}


def routes(patterns=None, prefix=""):
    """(route with <converter:name> parts, URL name) of every plain route."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and "^" not in prefix + str(pattern.pattern):
            yield prefix + str(pattern.pattern), pattern.name


def fill(route: str, values: dict) -> str:
    path = route
    while "<" in path:
        start, end = path.index("<"), path.index(">")
        name = path[start + 1 : end].split(":")[-1]
        converter = path[start + 1 : end].split(":")[0] if ":" in path[start:end] else "str"
        value = values.get((path[:start], name)) or values.get(name)
        if value is None:
            value = 999999 if converter == "int" or name.endswith("_id") else "nai"
        path = path[:start] + str(value) + path[end + 1 :]
    return "/" + path


@pytest.fixture
def site(make, paid_member, expert):
    article = make.article(access="paid")
    figure = make.figure()
    section = article.section
    series, column, keyword = make.series(), make.column(), make.keyword()
    profile = think.appoint(ExpertProfile(user=expert, slug="senmonka"), by=None)
    post = think.create_post(expert, article, "専門家としてのひとこと。" * 3)
    follow = Follow.objects.create(
        user=paid_member,
        target=Target.objects.create(kind="series", series=series, label=series.name),
        label=series.name,
    )
    token, _secret = create_token(paid_member, "テスト")
    receipt = Receipt.objects.filter(user=paid_member).first()
    return {
        "article_id": article.pk,
        "figure_id": figure.pk,
        "post_id": post.pk,
        "follow_id": follow.pk,
        "token_id": token.pk,
        "receipt_id": receipt.pk,
        ("sections/", "slug"): section.slug,
        ("sitemap-", "section"): section.slug,
        ("series/", "slug"): series.slug,
        ("columns/", "slug"): column.slug,
        ("keywords/", "slug"): keyword.slug,
        ("experts/", "slug"): profile.slug,
    }


@pytest.mark.parametrize("reader", READERS)
def test_no_route_answers_with_a_server_error(request, reader, site, client_for):
    user = None if reader == "visitor" else request.getfixturevalue(reader)
    client = client_for(user)
    crashes, seen = [], set()
    for route, name in routes():
        if route.startswith("admin/"):
            continue  # the admin's pages have tests of their own, per role
        for values in (site, {}):
            url = fill(route, values)
            answers = [("GET", client.get(url))]
            if name not in NOT_POSTED:
                answers.append(("POST", client.post(url)))
            crashes += [
                f"{method} {url}: {r.status_code}" for method, r in answers if r.status_code >= 500
            ]
            seen.update(r.status_code for _method, r in answers)
    assert not crashes, "\n".join(crashes)
    assert {200, 404} <= seen  # pages were read, and the made-up ids were not found
