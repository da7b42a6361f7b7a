"""Members and subscriptions as CSV for the operator (`shinbun export`).

UTF-8 with a byte-order mark, so that spreadsheet programs read the Japanese names; a
cell that a spreadsheet would take for a formula (=, +, -, @ first) is written with a
leading apostrophe. Times are Japan time, ISO 8601.
"""

import csv
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from shinbun.core.timefmt import to_jst
from shinbun.members.models import Subscription, User

CHUNK = 1000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

MEMBER_FIELDS = [
    "id",
    "email",
    "display_name",
    "date_joined",
    "last_login",
    "is_active",
    "is_staff",
    "is_expert",
    "expert_title",
    "expert_affiliation",
]
SUBSCRIPTION_FIELDS = [
    "id",
    "member_id",
    "email",
    "plan",
    "campaign",
    "status",
    "paid",
    "started_at",
    "trial_ends_at",
    "current_period_start",
    "current_period_end",
    "cancel_at_period_end",
    "canceled_at",
    "ended_at",
    "provider",
    "provider_customer_id",
    "provider_subscription_id",
]


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return to_jst(value).isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _members() -> Iterable[list]:
    rows = User.objects.order_by("id").values_list(*MEMBER_FIELDS)
    return rows.iterator(chunk_size=CHUNK)


def _subscriptions() -> Iterable[list]:
    rows = Subscription.objects.order_by("id").values_list(
        "id",
        "user_id",
        "user__email",
        "plan__code",
        "campaign__name",
        *SUBSCRIPTION_FIELDS[5:],
    )
    return rows.iterator(chunk_size=CHUNK)


def _write(path: Path, header: list[str], rows: Iterable[list]) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        for row in rows:
            writer.writerow([cell(value) for value in row])
            count += 1
    return count


def export_members(out: Path) -> dict[str, int]:
    """Write members.csv and subscriptions.csv into the folder `out`; returns rows per file."""
    out.mkdir(parents=True, exist_ok=True)
    return {
        "members.csv": _write(out / "members.csv", MEMBER_FIELDS, _members()),
        "subscriptions.csv": _write(
            out / "subscriptions.csv", SUBSCRIPTION_FIELDS, _subscriptions()
        ),
    }
