"""Helpers for the search tests: put articles into the index, ask the way readers do.

Articles made with ``make.article`` are not indexed by themselves (indexing runs in the
publish flow's background task); ``index`` feeds them to the index directly.
"""

import pytest
from django.conf import settings

from shinbun.search.indexing import index_articles

ON_POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]


@pytest.fixture
def index():
    def index_(*articles):
        for article in articles:
            article.refresh_from_db()
        return index_articles(list(articles))

    return index_


@pytest.fixture
def api_ids():
    """Ids of the articles /api/v1/search finds for these parameters."""

    def ask(client, **params):
        response = client.get("/api/v1/search", params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    return ask


@pytest.fixture
def page_ids(parse_html):
    """Ids of the articles the /search/ page lists for these parameters, in order."""

    def ask(client, **params):
        response = client.get("/search/", params)
        assert response.status_code == 200
        links = parse_html(response).all("a", class_="headline")
        return [int(link["href"].rstrip("/").rsplit("/", 1)[1]) for link in links]

    return ask
