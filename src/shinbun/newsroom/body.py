"""Article bodies: the editor's source text -> sanitised structured blocks.

Source format (what an editor types in the admin):
- paragraphs are separated by blank lines;
- a paragraph starting with "## " is a sub-heading (小見出し);
- a paragraph that is exactly ``[[figure:KEY]]`` places that figure (図表) there;
- inside a paragraph only a few inline tags survive (strong, em, b, i, br, sup, sub,
  a with http(s) links); everything else, <script> included, is removed by nh3.

Blocks are stored as JSON so pages never parse HTML at read time:
``{"type": "p", "html": ...}``, ``{"type": "h2", "text": ...}``,
``{"type": "figure", "key": ...}``.
"""

import html
import re
import unicodedata

import nh3

INLINE_TAGS = {"strong", "em", "b", "i", "br", "sup", "sub", "a"}
INLINE_ATTRIBUTES = {"a": {"href", "title"}}
FIGURE_RE = re.compile(r"^\[\[figure:([A-Za-z0-9_.\-]+)\]\]$")
PARAGRAPH_SPLIT_RE = re.compile(r"\n\s*\n")
# C0/C1 control characters other than tab and newline never belong in an article, nor
# do the characters XML 1.0 forbids (lone surrogates, U+FFFE, U+FFFF): feeds would break.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """Plain text fields (headline, lead, captions): no control characters, NFC, trimmed."""
    return unicodedata.normalize("NFC", CONTROL_RE.sub("", value or "")).strip()


def sanitize_inline(html: str) -> str:
    return nh3.clean(
        html,
        tags=INLINE_TAGS,
        attributes=INLINE_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    ).strip()


def parse_body(source: str) -> list[dict]:
    blocks: list[dict] = []
    text = clean_text((source or "").replace("\r\n", "\n").replace("\r", "\n"))
    for raw in PARAGRAPH_SPLIT_RE.split(text):
        chunk = raw.strip()
        if not chunk:
            continue
        figure = FIGURE_RE.match(chunk)
        if figure:
            blocks.append({"type": "figure", "key": figure.group(1)})
        elif chunk.startswith("## "):
            heading = nh3.clean(chunk[3:], tags=set()).strip()
            if heading:
                blocks.append({"type": "h2", "text": html.unescape(heading)})
        else:
            fragment = sanitize_inline(chunk.replace("\n", "<br>"))
            if fragment:
                blocks.append({"type": "p", "html": fragment})
    return blocks


_MARKUP = re.compile(r"[<&\r\0]")  # what the HTML parser would change


def blocks_to_text(blocks: list[dict]) -> str:
    """Plain text of the body (for feeds' descriptions, JSON-LD, search)."""
    parts = []
    for block in blocks:
        if block["type"] == "p":
            text = block["html"]
            if _MARKUP.search(text):  # most paragraphs are plain text: nothing to strip
                text = html.unescape(nh3.clean(text.replace("<br>", "\n"), tags=set()))
            parts.append(text)
        elif block["type"] == "h2":
            parts.append(block["text"])
    return "\n\n".join(parts)


def figure_keys(blocks: list[dict]) -> list[str]:
    return [block["key"] for block in blocks if block["type"] == "figure"]
