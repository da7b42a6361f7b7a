"""Member actions (follow, save article, save figure; Think! for members) and the texts
a reader sees when one is refused or fails (SPEC §2.5-2.8, §2.11).

The actions (mynews.services, think.services) ask :func:`may_use` and answer a refusal
with :func:`refusal_message`, so the page and the API say the same thing.
"""

from django.utils.translation import gettext_lazy as _

from shinbun.members.entitlements import Reader

PAID_ACTIONS = ("follow", "save_article", "save_figure")  # 有料会員のみ
MEMBER_ACTIONS = ("think",)  # 会員のみ

FOLLOW_REFUSED = _("権限不足のため、フォローできません")
ACTION_FAILED_TITLE = _("エラー")
ACTION_FAILED = _("操作を実行できませんでした。時間を空けて再度お試しください。")

# What each gate says to a reader without the right (SPEC §2.6, §2.8): a save refused
# says who may save, as the button's gate does.
SAVE_ARTICLE_GATE = _(
    "有料会員の方のみご利用になれます。保存した記事はスマホやタブレットでもご覧いただけます。"
)
SAVE_FIGURE_GATE = _(
    "有料会員の方のみご利用になれます。保存した図表はスマホやタブレットでもご覧いただけます。"
)
THINK_GATE = _(
    "記事と併せて、エキスパート(専門家)のひとこと解説や分析を読むことができます。"
    "会員の方のみご利用になれます。"
)
REFUSALS = {
    "follow": FOLLOW_REFUSED,
    "save_article": SAVE_ARTICLE_GATE,
    "save_figure": SAVE_FIGURE_GATE,
    "think": THINK_GATE,
}

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
    return REFUSALS.get(action, ACTION_FAILED)
