"""Draw the site's icons into src/shinbun/static/shinbun/: the favicon (16, 32 and 48 px in
one .ico) and the app icons (180 px for iOS's home screen, 192 and 512 px for the web
app manifest). The mark is 新 in Noto Serif CJK Bold, white on the site's ink colour.
Run it again after changing the mark; the files it writes are committed.

    .venv/bin/python scripts/make_icons.py
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

STATIC = Path(__file__).resolve().parents[1] / "src" / "shinbun" / "static" / "shinbun"
FONT = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"
JAPANESE_FACE = 0  # the .ttc's faces start with JP
INK, PAPER = (26, 26, 26), (255, 255, 255)


def mark(size: int) -> Image.Image:
    image = Image.new("RGB", (size, size), INK)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, int(size * 0.66), index=JAPANESE_FACE)
    draw.text((size / 2, size * 0.45), "新", font=font, fill=PAPER, anchor="mm")
    # A rule under the glyph, as the masthead's.
    draw.rectangle([size * 0.14, size * 0.84, size * 0.86, size * 0.88], fill=PAPER)
    return image


def main() -> None:
    large = mark(512)
    large.save(STATIC / "icon-512.png", optimize=True)
    mark(192).save(STATIC / "icon-192.png", optimize=True)
    mark(180).save(STATIC / "apple-touch-icon.png", optimize=True)
    mark(48).save(STATIC / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()
