"""API answers that depend on the caller (the full text, a member's own data) are never
kept by a shared cache, and say that they vary with the credentials."""

import pytest

from shinbun.members import tokens
from tests.conftest import BODY_MARKER


@pytest.fixture
def bearer(paid_member) -> dict:
    _token, raw = tokens.create_token(paid_member, "テスト")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def assert_per_caller(response) -> None:
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    vary = {part.strip().lower() for part in response["Vary"].split(",")}
    assert {"authorization", "cookie"} <= vary


def test_the_full_text_is_private_and_varies_by_authorization(client, make, bearer):
    article = make.article(access="paid")
    full = client.get(f"/api/v1/articles/{article.pk}", **bearer)
    assert BODY_MARKER in full.text
    assert_per_caller(full)
    lead_only = client.get(f"/api/v1/articles/{article.pk}")
    assert BODY_MARKER not in lead_only.text
    assert_per_caller(lead_only)


def test_search_and_me_are_private(client, make, bearer):
    make.article(access="paid", headline="賃金の記事")
    assert_per_caller(client.get("/api/v1/search", {"q": "賃金"}, **bearer))
    assert_per_caller(client.get("/api/v1/me", **bearer))
