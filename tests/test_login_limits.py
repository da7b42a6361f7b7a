"""One limit on wrong passwords across every login form (the admin's and allauth's), per
account and per client address, with the client address read behind trusted proxies only."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from tests.conftest import PASSWORD

ADMIN_LOGIN = "/admin/login/?next=/admin/"


def admin_login(client: Client, email: str, password: str):
    return client.post(ADMIN_LOGIN, {"username": email, "password": password})


def member_login(client: Client, email: str, password: str):
    return client.post("/accounts/login/", {"login": email, "password": password})


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture(autouse=True)
def _separate_rate_limits(settings):
    # allauth's own limits (5 per account) would answer first; these tests are about the
    # limit every form shares.
    settings.ACCOUNT_RATE_LIMITS = False


@pytest.fixture
def verified_editor(editor):
    EmailAddress.objects.create(user=editor, email=editor.email, verified=True, primary=True)
    return editor


@pytest.mark.parametrize("path", ["/admin/login/", "/en/admin/login/"])
def test_wrong_admin_passwords_lock_the_account(editor, path):
    for n in range(6):
        admin_login(Client(REMOTE_ADDR=f"10.1.0.{n}"), editor.email, f"wrong{n}")
    client = Client(REMOTE_ADDR="10.1.1.1")
    late = client.post(path, {"username": editor.email, "password": PASSWORD})
    assert late.status_code == 429
    paused = "Login is paused" if path.startswith("/en/") else "ログインを一時的に停止しています"
    assert paused in late.text
    assert int(late["Retry-After"]) > 0
    assert not logged_in(client)


def test_a_mixed_case_address_is_the_same_account(editor):
    for n in range(5):
        admin_login(Client(REMOTE_ADDR=f"10.2.0.{n}"), editor.email.upper(), "wrong")
    client = Client(REMOTE_ADDR="10.2.1.1")
    assert admin_login(client, editor.email, PASSWORD).status_code == 429
    assert not logged_in(client)


def test_the_limit_counts_across_the_admin_and_the_member_forms(verified_editor):
    email = verified_editor.email
    for n in range(3):
        member_login(Client(REMOTE_ADDR=f"10.3.0.{n}"), email, "wrong")
    for n in range(2):
        admin_login(Client(REMOTE_ADDR=f"10.3.1.{n}"), email, "wrong")
    for login in (admin_login, member_login):
        client = Client(REMOTE_ADDR="10.3.2.1")
        assert login(client, email, PASSWORD).status_code == 429
        assert not logged_in(client)


def test_below_the_limit_the_right_password_works(editor):
    for n in range(4):
        admin_login(Client(REMOTE_ADDR=f"10.4.0.{n}"), editor.email, "wrong")
    client = Client(REMOTE_ADDR="10.4.1.1")
    assert admin_login(client, editor.email, PASSWORD).status_code == 302
    assert logged_in(client)


def test_one_address_trying_many_accounts_is_held_up_for_every_account(editor, free_member):
    attacker = Client(REMOTE_ADDR="10.5.5.5")
    for n in range(5):
        member_login(attacker, f"someone{n}@example.jp", "wrong")
    assert admin_login(attacker, editor.email, PASSWORD).status_code == 429
    assert not logged_in(attacker)
    # The accounts themselves are not locked: from another address they log in.
    elsewhere = Client(REMOTE_ADDR="10.5.5.6")
    assert admin_login(elsewhere, editor.email, PASSWORD).status_code == 302


def test_without_trusted_proxies_a_forwarded_address_is_ignored(editor):
    for n in range(5):
        Client(REMOTE_ADDR="10.6.0.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").post(
            ADMIN_LOGIN, {"username": f"other{n}@example.jp", "password": "wrong"}
        )
    spoofing = Client(REMOTE_ADDR="10.6.0.1", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert admin_login(spoofing, editor.email, PASSWORD).status_code == 429


def test_behind_a_trusted_proxy_each_forwarded_client_counts_separately(settings, editor):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = "10.7.0.1"
    for n in range(5):
        Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.1").post(
            ADMIN_LOGIN, {"username": f"other{n}@example.jp", "password": "wrong"}
        )
    held = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert admin_login(held, editor.email, PASSWORD).status_code == 429
    # Another reader behind the same proxy is not locked out with the first.
    other = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert admin_login(other, editor.email, PASSWORD).status_code == 302
    # A client prepending its own entry cannot pick its address: the proxy's entry counts.
    spoof = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.1")
    assert admin_login(spoof, editor.email, PASSWORD).status_code == 429


def test_a_trusted_client_ip_header_names_the_client(settings, editor):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    for n in range(5):
        Client(REMOTE_ADDR="10.8.0.1", HTTP_X_REAL_IP="203.0.113.50").post(
            ADMIN_LOGIN, {"username": f"other{n}@example.jp", "password": "wrong"}
        )
    assert (
        admin_login(Client(HTTP_X_REAL_IP="203.0.113.50"), editor.email, PASSWORD).status_code
        == 429
    )
    assert (
        admin_login(Client(HTTP_X_REAL_IP="203.0.113.51"), editor.email, PASSWORD).status_code
        == 302
    )


def test_with_every_limit_on_a_locked_account_keeps_getting_the_lockout_page(
    settings, verified_editor
):
    from shinbun import settings as site_settings

    settings.ACCOUNT_RATE_LIMITS = site_settings.ACCOUNT_RATE_LIMITS
    email = verified_editor.email
    answers = [
        member_login(Client(REMOTE_ADDR=f"10.9.0.{n}"), email, "wrong").status_code
        for n in range(8)
    ]
    assert answers[:4] == [200] * 4
    assert answers[4:] == [429] * 4
    client = Client(REMOTE_ADDR="10.9.1.1")
    late = member_login(client, email, PASSWORD)
    assert late.status_code == 429 and int(late["Retry-After"]) > 0
    assert not logged_in(client)
