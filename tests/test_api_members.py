"""/api/v1/me and personal access tokens; the article API honours the caller's rights."""

import re

import pytest
from django.test import Client

from shinbun.members import tokens
from shinbun.members.entitlements import open_article, reader_for
from shinbun.members.models import AccessToken
from tests.conftest import BODY_MARKER


def test_me_needs_a_member(visitor):
    response = visitor.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["detail"] == "ログインするか、アクセストークンを送ってください。"


def test_me_with_the_sites_session_shows_the_plan(client_for, paid_member):
    data = client_for(paid_member).get("/api/v1/me").json()
    assert data["email"] == "paid@example.jp" and data["reader"] == "paid"
    assert data["plan"]["code"] == "monthly" and data["plan"]["status"] == "active"
    assert data["plan"]["price_jpy"] == 1980 and data["meter"] is None


def test_me_shows_the_free_members_meter(client_for, free_member, make, settings):
    settings.METER_LIMIT = 10
    for _ in range(2):
        open_article(reader_for(free_member), make.article(access="paid"))
    data = client_for(free_member).get("/api/v1/me").json()
    assert data["plan"] is None
    assert data["meter"]["limit"] == 10 and data["meter"]["used"] == 2
    assert data["meter"]["remaining"] == 8


def test_tokens_are_created_on_the_account_page_shown_once_and_stored_hashed(
    client_for, paid_member, make
):
    client = client_for(paid_member)
    response = client.post("/accounts/tokens/", {"name": "スマホ"}, follow=True)
    raw = re.search(r'<code class="new-token">(shb_[^<]+)</code>', response.text).group(1)
    assert raw not in client.get("/accounts/").text  # only once
    token = AccessToken.objects.get(user=paid_member)
    assert token.token_hash != raw and raw not in token.token_hash
    assert token.prefix == raw[:10]

    app = Client()  # no session: the token alone
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert app.get("/api/v1/me", **auth).json()["reader"] == "paid"
    article = make.article(access="paid")
    detail = app.get(f"/api/v1/articles/{article.pk}", **auth).json()
    assert detail["full_text"] is True and BODY_MARKER in str(detail)

    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert app.get("/api/v1/me", **auth).status_code == 401
    assert app.get(f"/api/v1/articles/{article.pk}", **auth).status_code == 401


@pytest.mark.parametrize(
    "header", ["Bearer shb_nope", "Bearer ", "Basic abc", "Bearer " + "x" * 500]
)
def test_a_wrong_token_is_a_401_never_a_visitor(visitor, make, header):
    article = make.article(access="free")
    response = visitor.get(f"/api/v1/articles/{article.pk}", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert "アクセストークン" in response.json()["detail"]


def test_bad_token_names_are_a_clear_400(client_for, free_member):
    client = client_for(free_member)
    for name in ("", " ", "x" * 101):
        response = client.post("/accounts/tokens/", {"name": name})
        assert response.status_code == 400
        assert "100文字以内" in response.text
    assert not AccessToken.objects.exists()


def test_a_member_cannot_revoke_someone_elses_token(client_for, free_member, paid_member):
    token, _raw = tokens.create_token(paid_member, "他人の")
    response = client_for(free_member).post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
