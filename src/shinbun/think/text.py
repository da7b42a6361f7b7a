"""A post's text: what an expert may write (plain text, 20-800 characters, line breaks,
no control characters) and how pages show it (escaped; http(s) URLs become links and
line breaks <br>). Nothing a reader did not write ever reaches a page as markup."""

import re
import unicodedata

import nh3
from django.utils.html import escape
from django.utils.translation import gettext as _

from shinbun.newsroom.body import CONTROL_RE

MIN_LENGTH = 20
MAX_LENGTH = 800
LINK_REL = "nofollow noopener ugc"
# Bidirectional embeddings, overrides and isolates: they reorder what a reader sees
# (a link's text could read otherwise than it goes), so they count as control characters.
BIDI_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")
# A URL is ASCII: Japanese text that follows it without a space is not part of it.
URL_RE = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?'"


class InvalidBody(ValueError):
    """The text cannot be posted; the message is for the expert (Japanese)."""


def clean_body(raw: str) -> str:
    """The text to store: line breaks as LF, trimmed, NFC. InvalidBody if it is not a
    post (control characters, fewer than MIN_LENGTH or more than MAX_LENGTH characters)."""
    text = (raw or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if CONTROL_RE.search(text) or BIDI_RE.search(text):
        raise InvalidBody(_("投稿に使えない文字(制御文字)が含まれています。"))
    text = unicodedata.normalize("NFC", text)
    if len(text) < MIN_LENGTH:
        raise InvalidBody(
            _("投稿は%(min)d文字以上で書いてください(現在%(count)d文字)。")
            % {"min": MIN_LENGTH, "count": len(text)}
        )
    if len(text) > MAX_LENGTH:
        raise InvalidBody(
            _("投稿は%(max)d文字以内で書いてください(現在%(count)d文字)。")
            % {"max": MAX_LENGTH, "count": len(text)}
        )
    return text


def _split_url(candidate: str) -> tuple[str, str]:
    """A URL found in text, without the punctuation that ends the sentence around it."""
    url = candidate.rstrip(TRAILING_PUNCTUATION)
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1].rstrip(TRAILING_PUNCTUATION)
    return url, candidate[len(url) :]


def render_body(text: str) -> str:
    """HTML for a stored post: the text escaped, its http(s) URLs linked (nofollow, for
    user-generated content), its line breaks <br>. nh3 cleans the result once more, so
    only <a href="http(s)..."> and <br> can ever come out."""
    parts, position = [], 0
    for match in URL_RE.finditer(text):
        url, rest = _split_url(match.group())
        parts.append(escape(text[position : match.start()]))
        if url.partition("://")[2]:
            parts.append(f'<a href="{escape(url)}">{escape(url)}</a>')
        else:
            parts.append(escape(url))
        parts.append(escape(rest))
        position = match.end()
    parts.append(escape(text[position:]))
    html = "".join(parts).replace("\n", "<br>\n")
    return nh3.clean(
        html,
        tags={"a", "br"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        link_rel=LINK_REL,
    )
