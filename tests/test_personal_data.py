"""A reader's own data: downloaded from the account page as JSON (profile, subscriptions,
receipts, meter reads, follows and saved lists, newsletters, Think!); and what deleting
the account leaves in the audit log."""

import json

from django.utils import timezone

from shinbun.members.entitlements import meter_month
from shinbun.members.models import AuditLog, MeteredRead, Receipt
from tests.conftest import PASSWORD


def download(client) -> dict:
    response = client.get("/accounts/data/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="shinbun-data-')
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    return json.loads(response.content)


def test_visitors_are_sent_to_log_in(visitor):
    response = visitor.get("/accounts/data/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_account_page_offers_the_download(client_for, free_member):
    client = client_for(free_member)
    assert (
        'href="/accounts/data/" download>データをダウンロード</a>' in client.get("/accounts/").text
    )
    assert 'href="/en/accounts/data/" download>Download your data</a>' in (
        client.get("/en/accounts/").text
    )


def test_a_free_member_gets_profile_and_meter_reads(client_for, free_member, make):
    article = make.article(access="paid", headline="有料の記事")
    now = timezone.now()
    MeteredRead.objects.create(
        user=free_member, article=article, month=meter_month(now), read_at=now
    )
    data = download(client_for(free_member))
    assert data["profile"]["email"] == "free@example.jp"
    assert data["profile"]["display_name"] == "無料 太郎"
    assert data["subscriptions"] == [] and data["receipts"] == []
    (read,) = data["meter_reads"]
    assert read["headline"] == "有料の記事" and read["url"] == f"/articles/{article.pk}/"
    assert read["read_at"].endswith("+09:00")


def test_a_paid_member_gets_subscription_and_receipts_and_nobody_elses(
    client_for, paid_member, free_member
):
    data = download(client_for(paid_member))
    (subscription,) = data["subscriptions"]
    assert subscription["plan"] == "月額プラン" and subscription["status"] == "active"
    assert [r["number"] for r in data["receipts"]] == [Receipt.objects.get().number]
    assert data["meter_reads"] == []
    assert "subscription.started" in {row["action"] for row in data["account_history"]}
    assert "free@example.jp" not in json.dumps(data, ensure_ascii=False)


def test_only_get_and_head(client_for, free_member):
    assert client_for(free_member).post("/accounts/data/").status_code == 405


def test_deleting_the_account_keeps_the_events_and_drops_the_address(client_for, paid_member):
    events = set(AuditLog.objects.filter(subject=paid_member).values_list("action", flat=True))
    assert events and AuditLog.objects.filter(subject_email="paid@example.jp").exists()
    response = client_for(paid_member).post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    kept = AuditLog.objects.all()
    assert events | {"account.deleted"} <= {row.action for row in kept}
    for row in kept:
        assert "paid@example.jp" not in json.dumps(
            [row.subject_email, row.reason, row.detail], ensure_ascii=False
        )
    deleted = AuditLog.objects.get(action="account.deleted")
    assert deleted.subject is None and deleted.detail["user_id"] == paid_member.pk


def test_the_download_holds_what_every_part_of_the_site_keeps(
    client_for, paid_member, free_member, expert, make
):
    """Follows, saved articles and figures, the lists with their consent records (by a
    verified address only), and an expert's Think! posts."""
    from allauth.account.models import EmailAddress

    from shinbun.members.entitlements import Reader, ReaderKind
    from shinbun.mynews import services as mynews
    from shinbun.newsletter import services as newsletter
    from shinbun.think import services as think
    from shinbun.think.models import ExpertProfile

    paid = Reader(ReaderKind.PAID, paid_member.pk)
    series, figure = make.series(name="検証の連載"), make.figure(title="物価の推移")
    article = make.article(headline="保存した記事")
    mynews.follow(paid_member, paid, "series", series.slug)
    mynews.save_article(paid_member, paid, article.pk)
    mynews.save_figure(paid_member, paid, figure.pk, article.pk)
    EmailAddress.objects.update_or_create(
        user=paid_member, email=paid_member.email, defaults={"verified": True, "primary": True}
    )
    newsletter.sign_up(paid_member.email, form_url="/newsletter/", consent_text="同意文A")
    newsletter.set_digest(paid_member, True, form_url="/accounts/")
    # An address the free member typed but never proved is theirs: not in their download.
    EmailAddress.objects.create(user=free_member, email="stranger@example.jp", verified=False)
    newsletter.sign_up("stranger@example.jp", form_url="/newsletter/", consent_text="同意文B")

    data = download(client_for(paid_member))
    assert [(f["kind"], f["label"]) for f in data["follows"]] == [("series", "検証の連載")]
    assert [s["headline"] for s in data["saved_articles"]] == ["保存した記事"]
    assert [(s["figure"], s["article_id"]) for s in data["saved_figures"]] == [
        ("物価の推移", article.pk)
    ]
    lists = {entry["list"]: entry for entry in data["newsletters"]}
    assert set(lists) == {"news5", "digest"}
    assert [c["text"] for c in lists["news5"]["consents"]] == ["同意文A"]
    assert data["expert_profile"] is None and data["think_posts"] == []

    assert download(client_for(free_member))["newsletters"] == []

    think.appoint(ExpertProfile(user=expert, slug="senmonka"), by=None)
    think.create_post(expert, article, "専門家としてのひとこと。" * 3)
    data = download(client_for(expert))
    assert data["expert_profile"]["slug"] == "senmonka"
    assert [p["headline"] for p in data["think_posts"]] == ["保存した記事"]
