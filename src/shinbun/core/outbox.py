"""The demo's outbox for staff: the mails OutboxBackend wrote, newest first, each shown
with its headers, its text and its HTML (in a sandboxed frame), its links clickable."""

import re
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from functools import wraps
from pathlib import Path

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from shinbun.core.mail import MAIL_ID, outbox_dir, outbox_in_use, sent_at
from shinbun.core.pagination import BadPage, page_number

PAGE_SIZE = 50
# What the framed mail may do: open a link, in the whole window or a new one, on a click.
SANDBOX = "allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
# The headers a person checking a mail looks at, in the order shown.
HEADERS = ("From", "To", "Cc", "Reply-To", "List-Unsubscribe", "List-Unsubscribe-Post")
# Links in a previewed mail open in the whole window, out of the frame.
_HEAD = re.compile(r"<head[^>]*>", re.I)
_BASE_TARGET = '<base target="_top">'


@dataclass(frozen=True)
class OutboxMail:
    id: str
    sent_at: datetime
    to: str
    subject: str


def _mail_ids() -> list[str]:
    """Every mail in the outbox, newest first."""
    folder = outbox_dir()
    if not folder.is_dir():
        return []
    ids = (path.stem for path in folder.glob("*.eml"))
    return sorted((i for i in ids if MAIL_ID.fullmatch(i)), reverse=True)


def _path(mail_id: str) -> Path:
    """The file of a listed mail; anything else (another name, a path) is not found."""
    path = outbox_dir() / f"{mail_id}.eml"
    if not MAIL_ID.fullmatch(mail_id) or not path.is_file():
        raise BadPage(_("このメールはありません。"))
    return path


def _summary(mail_id: str, headers=None) -> OutboxMail:
    if headers is None:
        with _path(mail_id).open("rb") as file:
            headers = BytesHeaderParser(policy=policy.default).parse(file)
    return OutboxMail(mail_id, sent_at(mail_id), str(headers["To"]), str(headers["Subject"]))


def _message(mail_id: str) -> EmailMessage:
    return message_from_bytes(_path(mail_id).read_bytes(), policy=policy.default)


def may_read_mail(view):
    """Staff who may see members' addresses (OUTBOX_PERMISSION: the 運用 role), not every
    editor: the mails name their recipients."""

    @staff_member_required
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.has_perm(settings.OUTBOX_PERMISSION):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return checked


def _part(message: EmailMessage, subtype: str) -> str:
    body = message.get_body((subtype,))
    return body.get_content() if body is not None else ""


@may_read_mail
@never_cache
@require_safe
def index(request):
    number = page_number(request.GET.get("page"))
    ids = _mail_ids()
    start = (number - 1) * PAGE_SIZE
    if number > 1 and start >= len(ids):
        raise BadPage(_("このページはありません。"))
    context = {
        "mails": [_summary(i) for i in ids[start : start + PAGE_SIZE]],
        "previous_page": number - 1 if number > 1 else None,
        "next_page": number + 1 if start + PAGE_SIZE < len(ids) else None,
        "folder": outbox_dir(),
        "in_use": outbox_in_use(),
    }
    return render(request, "outbox/index.html", context)


@may_read_mail
@never_cache
@require_safe
def message(request, mail_id: str):
    mail = _message(mail_id)
    context = {
        "mail": _summary(mail_id, mail),
        "headers": [(name, str(mail[name])) for name in HEADERS if mail[name] is not None],
        "text": _part(mail, "plain"),
        "has_html": mail.get_body(("html",)) is not None,
        "sandbox": SANDBOX,
    }
    return render(request, "outbox/message.html", context)


# The mail's own HTML, framed by the message page only: its inline styles apply; no script
# runs, images come only from this site, data: or https, and no form is sent.
PREVIEW_POLICY = {
    "default-src": [NONE],
    "style-src": [UNSAFE_INLINE],
    "img-src": [SELF, "data:", "https:"],
    "form-action": [NONE],
    "frame-ancestors": [SELF],
    # The same as the frame's: a document's sandbox flags are those both allow.
    "sandbox": [SANDBOX],
}


@may_read_mail
@never_cache
@require_safe
@xframe_options_sameorigin
@csp(PREVIEW_POLICY)
def html_part(request, mail_id: str):
    html = _part(_message(mail_id), "html")
    if not html:
        raise BadPage(_("このメールにはHTMLの部分がありません。"))
    framed, found = _HEAD.subn(lambda head: head.group(0) + _BASE_TARGET, html, count=1)
    return HttpResponse(framed if found else _BASE_TARGET + html)
