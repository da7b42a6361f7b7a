"""Share links of the action bar: each opens that service's own share page."""

from urllib.parse import quote, urlencode

from django.utils.translation import gettext as _


def share_links(url: str, title: str) -> list[dict]:
    text = f"{title} {url}"
    return [
        {"name": "note", "href": "https://note.com/intent/post?" + urlencode({"url": url})},
        {
            "name": _("X(旧Twitter)"),
            "href": "https://x.com/intent/post?" + urlencode({"text": title, "url": url}),
        },
        {
            "name": "Facebook",
            "href": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        },
        {
            "name": _("はてなブックマーク"),
            "href": "https://b.hatena.ne.jp/add?"
            + urlencode({"mode": "confirm", "url": url, "title": title}),
        },
        {
            "name": "LinkedIn",
            "href": "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url}),
        },
        {"name": "Bluesky", "href": "https://bsky.app/intent/compose?" + urlencode({"text": text})},
    ]


def mailto_link(url: str, title: str) -> str:
    return f"mailto:?subject={quote(title)}&body={quote(title + chr(10) + url)}"
