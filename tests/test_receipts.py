"""Receipts as qualified invoices (適格請求書): one page per receipt for its owner only,
with the publisher's name and registration number, the date, the item, the amount with
the 10 % rate and the tax (税込金額 × 10/110, rounded down once per receipt), printable;
amounts written one way everywhere (1,980円)."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

import shinbun
from shinbun.core.timefmt import to_jst
from shinbun.members import services
from shinbun.members.invoices import tax_in
from shinbun.members.models import Receipt, User
from tests.conftest import PASSWORD
from tests.test_security_headers import manage, production

SITE_CSS = Path(shinbun.__file__).parent / "static" / "shinbun" / "site.css"


@pytest.mark.parametrize(
    ("amount", "tax"),
    [
        (1980, 180),
        (19800, 1800),
        (110, 10),
        (109, 9),
        (11, 1),
        (10, 0),
        (1, 0),
        (0, 0),
        (2480, 225),
    ],
)
def test_the_tax_inside_an_amount_is_rounded_down(amount, tax):
    assert tax_in(amount) == tax


@given(amount=st.integers(min_value=0, max_value=10**9))
def test_the_tax_is_never_more_than_the_exact_share(amount):
    tax = tax_in(amount)
    assert tax * 110 <= amount * 10 < (tax + 1) * 110  # floor(amount × 10/110)
    assert tax_in(amount, 8) * 108 <= amount * 8


@pytest.fixture
def receipt(paid_member) -> Receipt:
    return Receipt.objects.get(user=paid_member)


def test_the_owner_sees_a_qualified_invoice(client_for, paid_member, receipt, settings, parse_html):
    response = client_for(paid_member).get(f"/accounts/receipts/{receipt.pk}/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    doc = parse_html(response)
    text = re.sub(r"\s+", " ", doc.one("article", class_="receipt-doc")["text"])
    assert doc.one("h1")["text"] == "領収書(適格請求書)"
    assert "有料 花子 様" in text  # the recipient
    assert settings.PUBLISHER_NAME in text and settings.PUBLISHER_ADDRESS in text
    assert "登録番号 T0000000000000" in text
    local = to_jst(receipt.issued_at)
    assert doc.one("dd", class_="receipt-date")["text"] == (
        f"{local.year}年{local.month}月{local.day}日"
    )
    assert receipt.number in text and "月額プラン" in text
    assert "金額 1,980円(税込)" in text
    assert "10%対象 合計(税込)1,980円" in text
    assert doc.one("td", class_="receipt-tax")["text"] == "180円"
    assert "税込金額×10/110を計算し、1円未満を切り捨てています" in text
    assert doc.one("body")["class"] == "receipt-view"
    assert doc.one("button", class_="print-now")


def test_a_member_without_a_name_gets_the_address_as_recipient(client_for, plans):
    member = User.objects.create_user("noname@example.jp", PASSWORD)
    services.subscribe(member, plans["yearly"], actor=member, reason="テスト")
    receipt = Receipt.objects.get(user=member)
    text = client_for(member).get(f"/accounts/receipts/{receipt.pk}/").text
    assert "noname@example.jp 様" in text and "19,800円" in text and "1,800円" in text


def test_without_a_registration_number_it_is_a_plain_receipt(
    client_for, paid_member, receipt, settings
):
    settings.INVOICE_REGISTRATION_NUMBER = ""
    text = client_for(paid_member).get(f"/accounts/receipts/{receipt.pk}/").text
    assert "適格請求書" not in text and "登録番号" not in text
    assert "180円" in text


def test_only_the_owner_sees_a_receipt(client_for, paid_member, free_member, receipt, visitor):
    other = client_for(free_member).get(f"/accounts/receipts/{receipt.pk}/")
    assert other.status_code == 404 and receipt.number not in other.text
    assert "ページが見つかりません" in other.text
    anonymous = visitor.get(f"/accounts/receipts/{receipt.pk}/")
    assert anonymous.status_code == 302 and anonymous.url.startswith("/accounts/login/")
    owner = client_for(paid_member)
    for bad in (receipt.pk + 1000, 0, 2**63, 10**30):
        assert owner.get(f"/accounts/receipts/{bad}/").status_code == 404, bad
    assert owner.get("/accounts/receipts/abc/").status_code == 404
    assert owner.post(f"/accounts/receipts/{receipt.pk}/").status_code == 405


def test_a_receipt_kept_after_the_account_was_deleted_is_nobodys(client_for, paid_member, receipt):
    receipt.user = None
    receipt.save()
    assert client_for(paid_member).get(f"/accounts/receipts/{receipt.pk}/").status_code == 404


def test_the_account_page_links_each_receipt(client_for, paid_member, receipt, parse_html):
    page = client_for(paid_member).get("/accounts/")
    link = parse_html(page).one("a", href=f"/accounts/receipts/{receipt.pk}/")
    assert link["text"] == receipt.number
    row = [r for r in parse_html(page).all("tr") if receipt.number in r["text"]][0]
    assert row["text"].endswith("1,980円")


def test_the_receipt_prints_without_the_sites_chrome():
    css = SITE_CSS.read_text()
    prints = re.findall(r"@media print \{(.*?)\n\}", css, re.S)
    receipt_rules = [block for block in prints if ".receipt-view" in block]
    assert receipt_rules, "no print rules for the receipt page"
    assert ".receipt-view .print-controls" in receipt_rules[0]
    # The site's own print block already hides the masthead and the footer on every page.
    assert any(".masthead, .site-footer" in block for block in prints)


def test_amounts_are_written_one_way(plans):
    render = Template("{% load shinbun %}{{ a|yen }} {{ b|yen }} {{ c|yen }}").render
    assert render(Context({"a": 1980, "b": 19800, "c": 0})) == "1,980円 19,800円 0円"
    assert plans["monthly"].price_display == "1,980円/月(税込)"
    assert plans["yearly"].price_display == "19,800円/年(税込)"
    with translation.override("en"):
        assert render(Context({"a": 1980, "b": 1234567, "c": 5})) == "¥1,980 ¥1,234,567 ¥5"
        assert str(plans["monthly"].price_display) == "¥1,980/month (tax incl.)"


def test_no_template_writes_an_amount_by_hand():
    templates = Path(shinbun.__file__).parent / "templates"
    offenders = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if re.search(r"\}\}\s*円|amount_jpy \}\}|price_jpy \}\}", path.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize("number", ["T123456789012", "T１２３４５６７８９０１２３"])
def test_a_malformed_registration_number_refuses_to_start(tmp_path, number):
    result = manage(production(tmp_path, SHINBUN_INVOICE_REGISTRATION_NUMBER=number), "check")
    assert result.returncode != 0
    assert "ConfigError" in result.stderr and "SHINBUN_INVOICE_REGISTRATION_NUMBER" in result.stderr
