"""The base set of readers and the content factories every test builds on.

Readers (STYLE.md, after healthchecks' alice/bob/charlie): ``visitor`` (an anonymous
client), ``free_member``, ``paid_member``, ``expert``, ``editor`` (staff, in the
編集者 group) and ``operator`` (staff, 運用). ``client_for(user)`` gives a client logged
in as that user.
Content comes from ``make`` (``make.article(...)``, ``make.section(...)``, ...).
"""

import itertools
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from shinbun.members.demo import load_plans, make_paid
from shinbun.members.entitlements import meter_month
from shinbun.members.models import Campaign, MeteredRead, Plan, User
from shinbun.members.roles import OPERATOR, role_group
from shinbun.members.services import start_trial
from shinbun.newsroom.demo.loader import editor_group
from shinbun.newsroom.models import Article, Column, Figure, Keyword, Section, Series
from shinbun.search import topics

PASSWORD = "correct horse battery staple"
# Secret-looking text that only a reader with the right to the full text may receive.
BODY_MARKER = "本文だけに書かれた一文"

hypothesis_settings.register_profile(
    "shinbun",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
hypothesis_settings.load_profile("shinbun")


@pytest.fixture(autouse=True)
def _fresh_cache_and_fast_hashing(settings):
    # The cache outlives a test (it is the deployment's shared cache, here one directory
    # per test run) and ids are reused: each test starts with it empty.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    topics.forget()  # the loaded topic model and vectors, likewise
    # A request to /en/... leaves English active in the thread; every test starts in
    # Japanese, the site's language, whatever ran before it.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)


# Readers ---------------------------------------------------------------------------


@pytest.fixture
def visitor(client):
    """非会員: a client without a session."""
    return client


@pytest.fixture
def free_member(db):  # 無料会員
    return User.objects.create_user("free@example.jp", PASSWORD, display_name="無料 太郎")


@pytest.fixture
def plans(db) -> dict[str, Plan]:
    """The monthly and yearly plans (and the 春割 campaign, running from yesterday)."""
    return load_plans()


@pytest.fixture
def spring_campaign(plans) -> Campaign:
    return Campaign.objects.get(name="春割")


@pytest.fixture
def paid_member(plans):  # 有料会員: an active monthly subscription, paid through the service
    user = User.objects.create_user("paid@example.jp", PASSWORD, display_name="有料 花子")
    make_paid(user, plans["monthly"])
    return user


@pytest.fixture
def trialing_member(plans):  # 無料体験中の有料会員 (春割)
    user = User.objects.create_user("trial@example.jp", PASSWORD, display_name="体験 三郎")
    start_trial(user, plans["monthly"], actor=user, reason="テスト")
    return user


@pytest.fixture
def metered_out_member(db, make):  # 無料会員 who has read this month's paid articles
    user = User.objects.create_user("meter@example.jp", PASSWORD, display_name="上限 四郎")
    now = timezone.now()
    # This month's reads and next month's: a test that runs across the month's end in
    # Japan time still finds the member metered out.
    months = {meter_month(now), meter_month(now + timedelta(days=1))}
    MeteredRead.objects.bulk_create(
        MeteredRead(user=user, article=make.article(access="paid"), month=month, read_at=now)
        for month in months
        for _ in range(settings.METER_LIMIT)
    )
    return user


@pytest.fixture
def expert(db):  # エキスパート
    return User.objects.create_user(
        "expert@example.jp",
        PASSWORD,
        display_name="専門家 一郎",
        is_expert=True,
        expert_title="教授",
        expert_affiliation="シンブン大学",
    )


@pytest.fixture
def editor(db):  # 編集者
    user = User.objects.create_user(
        "editor@example.jp", PASSWORD, display_name="編集者 次郎", is_staff=True
    )
    user.groups.add(editor_group())
    return user


@pytest.fixture
def operator(db):  # 運用: membership, payments and the newsletter's lists
    user = User.objects.create_user(
        "operator@example.jp", PASSWORD, display_name="運用 三郎", is_staff=True
    )
    user.groups.add(role_group(OPERATOR))
    return user


@pytest.fixture
def client_for(db):
    def make_client(user=None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make_client


# Content ---------------------------------------------------------------------------


class Factory:
    """Builds newsroom rows with sensible defaults; every keyword argument overrides."""

    def __init__(self):
        self._seq = itertools.count(1)
        self._now = timezone.now().replace(microsecond=0)

    def _n(self) -> int:
        return next(self._seq)

    def section(self, **fields) -> Section:
        n = self._n()
        fields.setdefault("slug", f"section-{n}")
        fields.setdefault("name", f"セクション{n}")
        fields.setdefault("position", n)
        return Section.objects.create(**fields)

    def series(self, **fields) -> Series:
        n = self._n()
        fields.setdefault("slug", f"series-{n}")
        fields.setdefault("name", f"連載{n}")
        return Series.objects.create(**fields)

    def column(self, **fields) -> Column:
        n = self._n()
        fields.setdefault("slug", f"column-{n}")
        fields.setdefault("name", f"コラム{n}")
        fields.setdefault("author", f"筆者{n}")
        return Column.objects.create(**fields)

    def keyword(self, **fields) -> Keyword:
        n = self._n()
        fields.setdefault("slug", f"keyword-{n}")
        fields.setdefault("name", f"キーワード{n}")
        return Keyword.objects.create(**fields)

    def figure(self, **fields) -> Figure:
        n = self._n()
        fields.setdefault("key", f"figure-{n}")
        fields.setdefault("title", f"図表{n}の題")
        fields.setdefault("caption", f"図表{n}の説明")
        fields.setdefault("credit", f"出所:統計局{n}")
        fields.setdefault(
            "chart",
            {
                "type": "bar",
                "unit": "%",
                "labels": ["1月", "2月", "3月"],
                "series": [{"name": "実質賃金", "values": [-1.2, 0.3, 1.5]}],
            },
        )
        return Figure.objects.create(**fields)

    def article(self, *, keywords=(), related=(), **fields) -> Article:
        """A published article (one minute older than the one made before it)."""
        n = self._n()
        if "section" not in fields:
            fields["section"] = self.default_section
        fields.setdefault("headline", f"見出し{n}")
        fields.setdefault("lead", f"リード文{n}。")
        fields.setdefault("body_source", f"{BODY_MARKER}{n}。\n\n二段落目{n}。")
        fields.setdefault("byline", "経済部 山田")
        fields.setdefault("status", Article.Status.PUBLISHED)
        if fields["status"] != Article.Status.DRAFT:
            fields.setdefault("published_at", self._now - timedelta(hours=1, minutes=n))
        article = Article.objects.create(**fields)
        if keywords:
            article.keywords.set(keywords)
        if related:
            article.related.set(related)
        return article

    @property
    def default_section(self) -> Section:
        section = Section.objects.filter(slug="national").first()
        return section or self.section(slug="national", name="社会")


@pytest.fixture
def make(db):
    return Factory()


# Reading pages ---------------------------------------------------------------------


class Elements(HTMLParser):
    """Start tags of an HTML page with their attributes and the text they contain."""

    VOID = {"meta", "link", "input", "img", "br", "hr", "source", "area", "base", "col", "wbr"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.found: list[dict] = []
        self._open: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, **{k: v or "" for k, v in attrs}, "text": ""}
        self.found.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i]["tag"] == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def all(self, tag, **attrs) -> list[dict]:
        def matches(element):
            for name, value in attrs.items():
                name = name.rstrip("_").replace("_", "-")
                if name == "class":
                    if value not in element.get("class", "").split():
                        return False
                elif element.get(name) != value:
                    return False
            return True

        return [e for e in self.found if e["tag"] == tag and matches(e)]

    def one(self, tag, **attrs) -> dict:
        found = self.all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]


@pytest.fixture
def parse_html():
    def parse(response_or_text) -> Elements:
        text = getattr(response_or_text, "content", response_or_text)
        if isinstance(text, bytes):
            text = text.decode()
        return Elements(text)

    return parse
