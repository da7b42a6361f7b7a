"""The way in: a visitor's trial and sign-up buttons lead to sign-up (which links to log
in), and once the address is confirmed the new member is logged in and back where they
started; the paywall names the price and the campaign's offer."""

import re

import pytest
from django.core import mail

from tests.conftest import PASSWORD


def confirm_link(message) -> str:
    url = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body)[0]
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.mark.parametrize("access", ["paid", "members"])
def test_the_paywall_leads_a_visitor_to_sign_up(visitor, make, plans, access):
    article = make.article(access=access)
    page = visitor.get(article.get_absolute_url()).content.decode()
    paywall = page[page.index('class="paywall"') :]
    assert "/accounts/signup/?next=/join/" in paywall  # the trial
    assert "月額プラン 1,980円/月(税込)。春割なら最初の30日間は無料です。" in paywall
    assert f"/accounts/login/?next={article.get_absolute_url()}" in paywall
    signup_here = f'class="cta" href="/accounts/signup/?next={article.get_absolute_url()}"'
    assert (signup_here in paywall) == (access == "members")


def test_choosing_a_plan_as_a_visitor_opens_sign_up_not_login(visitor, plans):
    response = visitor.get("/join/confirm/?plan=monthly&trial=1")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/signup/?next=")
    page = visitor.get(response.url).content.decode()
    assert "こちらからログイン" in page


@pytest.mark.parametrize("start", ["article", "join"])
def test_after_confirming_the_new_member_is_logged_in_and_back(visitor, make, plans, start):
    article = make.article(access="members")
    target = article.get_absolute_url() if start == "article" else "/join/"
    response = visitor.post(
        f"/accounts/signup/?next={target}",
        {"email": "new@example.jp", "password1": PASSWORD, "password2": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    [message] = mail.outbox
    link = confirm_link(message)
    done = visitor.post(link)
    assert done.status_code == 302 and done.url == target
    page = visitor.get(target).content.decode()
    assert 'class="who"' in page  # logged in
