"""Sign-up answers alike for a registered and a new address, in what it computes too:
the submitted password is hashed once either way, so timing tells nothing."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher

from tests.test_accounts import NEW_PASSWORD


class CountingHasher(MD5PasswordHasher):
    algorithm = "counting_md5"
    encoded = 0

    def encode(self, password, salt):
        CountingHasher.encoded += 1
        return super().encode(password, salt)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.encoded = 0
    return CountingHasher


def sign_up(client, email: str):
    return client.post(
        "/accounts/signup/",
        {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )


def test_a_registered_address_hashes_the_password_like_a_new_one(
    client, free_member, counting_hasher
):
    sign_up(client, "new@example.jp")
    for_new = counting_hasher.encoded
    counting_hasher.encoded = 0
    response = sign_up(client, free_member.email)
    assert response.status_code == 302 and response.url == "/accounts/confirm-email/"
    assert for_new == counting_hasher.encoded == 1


def test_it_hashes_even_when_the_e_mail_is_rate_limited(client, free_member, counting_hasher):
    sign_up(client, free_member.email)  # the notice to the address is sent once per while
    counting_hasher.encoded = 0
    response = sign_up(client, free_member.email)
    assert response.status_code == 302
    assert counting_hasher.encoded == 1
