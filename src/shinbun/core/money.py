"""How amounts of money are written: one way everywhere (「1,980円」, English ¥1,980)."""

from django.utils.translation import gettext as _


def format_yen(amount: int) -> str:
    return _("%(amount)s円") % {"amount": f"{int(amount):,}"}
