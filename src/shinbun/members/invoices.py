"""Receipts as qualified invoices (適格請求書, Japan's invoice system for consumption tax):
the issuer's name and registration number, the date, the item, the amount with its tax
rate, the tax, and the recipient."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from shinbun.members.models import Receipt

# A digital edition is standard-rated: the reduced 8 % covers printed newspapers
# delivered under a subscription, not their online editions.
TAX_RATE_PERCENT = 10


def tax_in(amount_jpy: int, rate_percent: int = TAX_RATE_PERCENT) -> int:
    """The consumption tax inside a tax-inclusive amount: amount × rate / (100 + rate),
    rounded down to the yen, once per invoice and rate (1,980円 → 180円)."""
    return amount_jpy * rate_percent // (100 + rate_percent)


@dataclass(frozen=True)
class Invoice:
    receipt: Receipt
    recipient: str
    issuer: str
    issuer_address: str
    registration_number: str  # empty: the issuer is not registered, not a 適格請求書
    date: datetime
    rate_percent: int
    amount_jpy: int
    tax_jpy: int

    @property
    def qualified(self) -> bool:
        return bool(self.registration_number)


def invoice_for(receipt: Receipt) -> Invoice:
    user = receipt.user
    return Invoice(
        receipt=receipt,
        recipient=(user.display_name or user.email) if user else "",
        issuer=settings.PUBLISHER_NAME,
        issuer_address=settings.PUBLISHER_ADDRESS,
        registration_number=settings.INVOICE_REGISTRATION_NUMBER,
        date=receipt.issued_at,
        rate_percent=TAX_RATE_PERCENT,
        amount_jpy=receipt.amount_jpy,
        tax_jpy=tax_in(receipt.amount_jpy),
    )
