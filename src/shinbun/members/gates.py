"""Member actions (follow, save article, save figure; Think! for members) and the texts
a reader sees when one is refused or fails (SPEC §2.5-2.8, §2.11).

The actions themselves arrive with My News and Think!; they ask :func:`may_use` and
answer with these messages, so the page and the API say the same thing.
"""

from django.utils.translation import gettext_lazy as _

from shinbun.members.entitlements import Reader

PAID_ACTIONS = ("follow", "save_article", "save_figure")  # 有料会員のみ
MEMBER_ACTIONS = ("think",)  # 会員のみ

FOLLOW_REFUSED = _("権限不足のため、フォローできません")
ACTION_FAILED_TITLE = _("エラー")
ACTION_FAILED = _("操作を実行できませんでした。時間を空けて再度お試しください。")

MESSAGES = {
    "follow_refused": FOLLOW_REFUSED,
    "failed_title": ACTION_FAILED_TITLE,
    "failed": ACTION_FAILED,
}


def may_use(reader: Reader, action: str) -> bool:
    if action in PAID_ACTIONS:
        return reader.is_paid
    if action in MEMBER_ACTIONS:
        return reader.is_member
    raise ValueError(f"unknown member action: {action}")


def refusal_message(action: str):
    """What a reader without the right sees when the action is refused."""
    return FOLLOW_REFUSED if action == "follow" else ACTION_FAILED
