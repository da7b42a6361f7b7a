"""The favicon and the app icons: /favicon.ico answers, every page links the icons and
the web app manifest, and the manifest's icons are real images of the sizes it says."""

import json

from django.contrib.staticfiles import finders
from PIL import Image


def static_file(url: str) -> str:
    path = finders.find(url.removeprefix("/static/"))
    assert path, f"{url} is not a static file"
    return path


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    with Image.open(static_file(response["Location"])) as icon:
        assert icon.format == "ICO"
        assert {(16, 16), (32, 32), (48, 48)} <= set(icon.info["sizes"])


def test_pages_link_the_icons_and_the_manifest(client, make, parse_html):
    article = make.article()
    for path in ("/", article.get_absolute_url(), "/en/"):
        page = parse_html(client.get(path))
        assert page.one("link", rel="apple-touch-icon")["href"].endswith("apple-touch-icon.png")
        assert page.one("link", rel="manifest")["href"] == "/manifest.webmanifest"
        assert len(page.all("link", rel="icon")) == 2


def test_the_manifest_names_the_site_and_its_icons(client, settings):
    settings.SITE_NAME = "テスト新聞電子版"
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "テスト新聞電子版" and manifest["lang"] == "ja"
    for icon in manifest["icons"]:
        width, height = map(int, icon["sizes"].split("x"))
        with Image.open(static_file(icon["src"])) as image:
            assert image.size == (width, height)
    assert client.post("/manifest.webmanifest").status_code == 405
