"""The admin speaks Japanese and shows Japan time: every list column, filter title,
field label and fieldset heading of every page an operator can open is Japanese."""

import re
from datetime import UTC, datetime

import pytest
from django.contrib import admin
from django.test import RequestFactory

from shinbun.members.models import User, WebhookEvent
from shinbun.members.tokens import create_token
from shinbun.newsletter import delivery
from shinbun.newsletter.models import Consent, Edition, Subscriber, Suppression
from shinbun.newsroom import publishing
from shinbun.think import services as think
from shinbun.think.models import ExpertProfile

# Words an operator reads as they are, in any language.
ALLOWED = {"ID", "URL", "API", "JSON", "IP", "Stripe", "Think!", "SVG"}
MOMENT = datetime(2025, 4, 11, 1, 5, tzinfo=UTC)  # 10:05 in Japan


def untranslated(text: str) -> bool:
    text = re.sub(r"\s+", " ", text).strip().rstrip(":").strip()
    if not text or not text.isascii():
        return False
    return any(word not in ALLOWED for word in re.findall(r"[A-Za-z!]+", text))


def labels(doc) -> list[tuple[str, str]]:
    """What names an app, a model, a column, a filter, a field or a group of fields."""
    found = [("filter", e["data-filter-title"]) for e in doc.all("details")]
    found += [("column", e["text"]) for e in doc.all("th") if "column-" in e.get("class", "")]
    found += [("label", e["text"]) for e in doc.all("label")]
    found += [("heading", e["text"]) for e in doc.all("h2", class_="fieldset-heading")]
    found += [("heading", e["text"]) for e in doc.all("h2", class_="inline-heading")]
    found += [("app", e["text"]) for e in doc.all("caption")]
    found += [("model", e["text"]) for e in doc.all("th", scope="row")]
    found += [("action", e["text"]) for e in doc.all("option") if e.get("value")]
    return found


@pytest.fixture
def everything(make, paid_member, expert, editor):
    """At least one row of every model the admin shows."""
    article = make.article(body_source="本文。\n\n[[figure:figure-x]]")
    make.figure(key="figure-x")
    make.series(), make.column(), make.keyword()
    publishing.correct(article, "訂正の文。", by=editor)
    ExpertProfile.objects.create(user=expert, slug="senmonka", appointed_at=MOMENT)
    post = think.create_post(expert, article, "専門家としてのひとこと。" * 3)
    think.hide_post(editor, post, "確認のため")
    create_token(paid_member, "テスト用")
    WebhookEvent.objects.create(
        provider="stripe", event_id="evt_1", event_type="invoice.paid", received_at=MOMENT
    )
    subscriber = Subscriber.objects.create(email="reader@example.jp", status="active")
    Consent.objects.create(
        subscriber=subscriber, email=subscriber.email, form_url="/", text="同意文"
    )
    Suppression.objects.create(email_key="gone@example.jp", reason="bounced")
    edition = Edition.objects.create(subject="けさの5本", send_at=MOMENT, status="scheduled")
    delivery.plan(edition)


def admin_pages(user) -> list[str]:
    request = RequestFactory().get("/admin/")
    request.user = user
    pages = []
    for app in admin.site.get_app_list(request):
        for model in app["models"]:
            pages.append(model["admin_url"])
            if model.get("add_url"):
                pages.append(model["add_url"])
            first = model["model"]._default_manager.order_by("pk").first()
            if first is not None:
                pages.append(f"{model['admin_url']}{first.pk}/change/")
    return pages


def test_every_admin_page_is_japanese(client_for, everything, parse_html):
    operator = User.objects.create_superuser("root@example.jp", "x")
    client = client_for(operator)
    pages = ["/admin/", *admin_pages(operator)]
    assert len(pages) > 40
    problems = []
    for page in pages:
        response = client.get(page, follow=True)  # a one-row setting's list opens its form
        assert response.status_code == 200, page
        for kind, text in labels(parse_html(response)):
            if untranslated(text):
                problems.append(f"{page}: {kind} {text.strip()!r}")
    assert not problems, "\n".join(problems)


def test_admin_lists_show_japan_time(client_for, everything, parse_html):
    operator = User.objects.create_superuser("root@example.jp", "x")
    page = client_for(operator).get("/admin/members/webhookevent/")
    [cell] = parse_html(page).all("th", class_="field-received_at")
    assert cell["text"] == "2025年4月11日 10:05"  # 01:05 UTC, written as on every page
