"""Attack attempts by category, each one a request an attacker would send, and whether it
succeeded. Every category must stay at 0 successes; the counts go to
test-artifacts/attacks.md (docs/OPERATIONS.md, "Security").

Success means: an error page from the server (500: an attacker found a crash), text
that only a paying reader may see, markup the attacker wrote coming back unescaped, a
change made without the member's CSRF token or by another member, a redirect off the
site, or a page built for a host the site is not."""

from collections import Counter
from pathlib import Path

import pytest
from django.test import Client
from django.utils.html import escape

from shinbun.members.models import AccessToken
from shinbun.members.tokens import create_token
from tests.conftest import BODY_MARKER

SQL = [
    "' OR '1'='1",
    "1; DROP TABLE newsroom_article; --",
    '" UNION SELECT password FROM members_user --',
    "経済' AND 1=(SELECT COUNT(*) FROM members_user) --",
    "%' OR 1=1 --",
    "NEAR(経済 物価) OR *",
    '"未閉じの引用',
    "経済 & | ! <-> :*",
]
SCRIPT = '<script>alert("x")</script>'
MARKUP = [SCRIPT, '"><img src=x onerror=alert(1)>', "javascript:alert(1)//</title>"]
OFFSITE = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "https:evil.example"]
MALFORMED = [
    ("/search/", {"q": "経済", "from": "9999-12-31", "to": "0000-01-01"}),
    ("/search/", {"q": "経済", "page": "99999999999999999999"}),
    ("/search/", {"q": "x" * 20000}),
    ("/search/", {"q": "経済\x00"}),
    ("/search/", {"q": "経済", "section": "../../etc/passwd"}),
    ("/search/", {"q": "経済", "sort": "pk; DROP"}),
    ("/api/v1/search", {"q": "経済", "to": "9999-12-31"}),
    ("/api/v1/search", {"q": "経済", "page": "-1"}),
    ("/api/v1/articles", {"before": "not-a-cursor"}),
    ("/api/v1/articles", {"after": "A" * 5000}),
    ("/api/v1/articles", {"section": "\x00"}),
    ("/", {"before": "%ff%fe"}),
    ("/sections/national/", {"page": "1e309"}),
]


class Attempts:
    def __init__(self):
        self.tried: Counter = Counter()
        self.succeeded: Counter = Counter()
        self.how: list[str] = []

    def record(self, category: str, succeeded: bool, what: str) -> None:
        self.tried[category] += 1
        if succeeded:
            self.succeeded[category] += 1
            self.how.append(f"{category}: {what}")

    def table(self) -> str:
        lines = ["| category | attempts | succeeded |", "| --- | ---: | ---: |"]
        for category in self.tried:
            lines.append(f"| {category} | {self.tried[category]} | {self.succeeded[category]} |")
        return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def all_attempts():
    found = Attempts()
    yield found
    out = Path("test-artifacts")
    if out.is_dir():
        (out / "attacks.md").write_text(found.table(), encoding="utf-8")


@pytest.fixture
def attempts(all_attempts):
    all_attempts.how = []
    return all_attempts


def crashed(response) -> bool:
    return response.status_code >= 500


def test_injection_markup_and_malformed_input(attempts, make, client_for, free_member):
    make.article(access="free", headline="経済の見出し")
    visitor, member = Client(), client_for(free_member)
    for client in (visitor, member):
        for payload in SQL:
            for path in ("/search/", "/api/v1/search"):
                response = client.get(path, {"q": payload})
                attempts.record("SQL / full-text query injection", crashed(response), payload)
            for path in ("/api/v1/articles", "/search/"):
                response = client.get(path, {"section": payload, "q": "経済"})
                attempts.record("SQL / full-text query injection", crashed(response), payload)
        for payload in MARKUP:
            page = client.get("/search/", {"q": payload})
            assert escape(payload) in page.content.decode()  # the query is shown, escaped
            echoed = payload in page.content.decode()
            attempts.record("reflected markup (XSS)", echoed or crashed(page), payload)
            api = client.get("/api/v1/search", {"q": payload})
            typed = api.get("Content-Type", "").startswith("application/json")
            attempts.record("reflected markup (XSS)", not typed or crashed(api), payload)
        for path, params in MALFORMED:
            response = client.get(path, params)
            attempts.record("malformed input", crashed(response), f"{path} {params}"[:80])
    assert not attempts.how, attempts.how


def test_paid_text_stays_behind_the_paywall(
    attempts, make, client_for, metered_out_member, paid_member
):
    article = make.article(access="paid")
    subscriber = client_for(paid_member)  # the check sees the text where it may be shown
    assert BODY_MARKER in subscriber.get(article.get_absolute_url()).content.decode()
    assert BODY_MARKER in subscriber.get(f"/api/v1/articles/{article.pk}").content.decode()
    section = article.section.slug
    channels = [
        article.get_absolute_url(),
        f"/articles/{article.pk}/print/",
        f"/en/articles/{article.pk}/",
        f"/articles/{article.pk}/?format=json",
        f"/articles/{article.pk}/?amp=1",
        f"/api/v1/articles/{article.pk}",
        f"/api/v1/articles/{article.pk}?full=1",
        "/api/v1/articles",
        # Part of the body's sentence: the search page shows the query itself.
        f"/api/v1/search?q={BODY_MARKER[:5]}",
        f"/search/?q={BODY_MARKER[:5]}",
        "/feeds/rss/",
        "/feeds/atom/",
        f"/sections/{section}/rss/",
        "/sitemap-news.xml",
        "/",
        f"/sections/{section}/",
    ]
    headers = [
        {},
        {"HTTP_ACCEPT": "application/json"},
        {"HTTP_X_FORWARDED_FOR": "66.249.66.1", "HTTP_USER_AGENT": "Googlebot/2.1"},
        {"HTTP_REFERER": "https://www.google.com/"},
        {"HTTP_AUTHORIZATION": "Bearer not-a-token"},
        {"HTTP_SEC_PURPOSE": "prefetch"},
    ]
    readers = {"visitor": Client(), "metered-out member": client_for(metered_out_member)}
    for who, client in readers.items():
        for path in channels:
            for extra in headers:
                for method in (client.get, client.head):
                    response = method(path, **extra)
                    leaked = BODY_MARKER in response.content.decode(errors="replace")
                    attempts.record(
                        "paid text without entitlement",
                        leaked or crashed(response),
                        f"{who} {method.__name__} {path} {extra}",
                    )
    assert not attempts.how, attempts.how


def test_member_actions_need_the_members_own_token_and_session(
    attempts, client_for, free_member, paid_member
):
    victim_token, _raw = create_token(paid_member, "被害者のアプリ")
    forms = {
        "/accounts/tokens/": {"name": "攻撃者のトークン"},
        f"/accounts/tokens/{victim_token.pk}/revoke/": {},
        "/accounts/subscription/cancel/": {},
        "/accounts/delete/": {"password": "wrong"},
        "/accounts/logout/": {},
    }
    # Cross-site requests: the victim's session, no CSRF token.
    victim = Client(enforce_csrf_checks=True)
    victim.force_login(paid_member)
    for path, data in forms.items():
        response = victim.post(path, data, HTTP_ORIGIN="https://evil.example")
        attempts.record("cross-site request (CSRF)", response.status_code != 403, path)
    # Another member's token, through that member's own form; the owner's own works.
    own_token, _raw = create_token(free_member, "自分のアプリ")
    attacker = client_for(free_member)
    attacker.post(f"/accounts/tokens/{own_token.pk}/revoke/")
    own_token.refresh_from_db()
    assert own_token.revoked_at is not None
    attacker.post(f"/accounts/tokens/{victim_token.pk}/revoke/")
    victim_token.refresh_from_db()
    attempts.record("another member's data (IDOR)", victim_token.revoked_at is not None, "revoke")
    # The victim's data download and account page, without the victim's session.
    for path in ("/accounts/data/", "/accounts/", "/api/v1/me"):
        response = Client().get(path)
        shown = paid_member.email in response.content.decode(errors="replace")
        attempts.record("another member's data (IDOR)", shown or crashed(response), path)
    for header in ("Bearer ", f"Bearer {victim_token.pk}", "Basic cGFpZDpwYWlk", "Bearer x" * 500):
        response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/me")
        attempts.record("forged API token", response.status_code != 401, header[:40])
    assert AccessToken.objects.filter(user=free_member).count() == 1  # only its own
    assert not attempts.how, attempts.how


def test_redirects_and_hosts_stay_on_the_site(attempts, client_for, free_member, settings):
    member = client_for(free_member)
    for target in OFFSITE:
        for client, path, data in (
            (Client(), "/i18n/setlang/", {"language": "en", "next": target}),
            (Client(), "/accounts/login/?next=" + target, None),
            (member, "/accounts/logout/?next=" + target, {}),
        ):
            response = client.post(path, data) if data is not None else client.get(path)
            location = response.get("Location", "")
            offsite = "evil.example" in location
            attempts.record("open redirect", offsite or crashed(response), f"{path} {target}")
    for host in ("evil.example", "evil.example:80", "127.0.0.1.evil.example", "localhost\r\nX: y"):
        response = Client().get("/", HTTP_HOST=host)
        poisoned = response.status_code == 200 and "evil.example" in response.content.decode()
        attempts.record("Host header poisoning", poisoned or crashed(response), host)
    assert not attempts.how, attempts.how


def test_a_nul_character_in_a_url_is_no_server_error_on_any_database(db, client):
    # Search takes any text (the character is dropped); a list filter or a keyword page
    # names a slug, which never holds one.
    assert client.get("/search/", {"q": "経済", "section": "national\x00"}).status_code == 200
    api = client.get("/api/v1/articles", {"section": "\x00"})
    assert api.status_code == 422
    assert api.json()["detail"] == "リクエストの値が正しくありません。"
    assert client.get("/keywords/a%00b/").status_code == 404
    assert client.get("/api/v1/articles", {"section": "national"}).status_code == 200
