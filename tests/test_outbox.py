"""The demo's outbox: the backend keeps each mail as a .eml file in the data folder, and
staff (only staff) read them at /outbox/: newest first, then one mail with its headers,
its text with clickable links, and its HTML in a sandboxed frame."""

import re
from email import message_from_bytes, policy

import pytest

from shinbun.core.mail import MAIL_ID, build_message

BASE = "https://www.example.jp"
LINK = f"{BASE}/accounts/password/reset/key/1-set/"


@pytest.fixture
def outbox(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.BASE_URL = BASE
    settings.EMAIL_BACKEND = "shinbun.core.mail.OutboxBackend"
    return tmp_path / "outbox"


def send(to: str, **headers) -> None:
    context = {"password_reset_url": LINK}
    build_message(to, "mail/account/password_reset_key", context, headers=headers).send()


def test_each_mail_is_a_eml_file_named_in_sending_order(outbox, db):
    send("first@example.jp")
    send("second@example.jp", **{"List-Unsubscribe": f"<{BASE}/newsletter/unsubscribe/t/>"})
    files = sorted(outbox.glob("*.eml"))
    assert [f.stem for f in files if MAIL_ID.fullmatch(f.stem)] == [f.stem for f in files]
    first, second = (message_from_bytes(f.read_bytes(), policy=policy.default) for f in files)
    assert str(first["To"]) == "first@example.jp" and str(second["To"]) == "second@example.jp"
    assert first["Subject"] == "パスワードの再設定"
    assert first["From"].addresses[0].display_name == "シンブン電子版"
    assert LINK in first.get_body(("plain",)).get_content()
    assert LINK in first.get_body(("html",)).get_content()
    assert second["List-Unsubscribe"] == f"<{BASE}/newsletter/unsubscribe/t/>"
    assert not list(outbox.glob(".*"))  # nothing half-written left behind


def test_only_operators_read_the_outbox(outbox, client_for, visitor, free_member, editor, operator):
    send("reader@example.jp")
    [mail_id] = [f.stem for f in outbox.glob("*.eml")]
    for path in ("/outbox/", f"/outbox/{mail_id}/", f"/outbox/{mail_id}/html/"):
        for client in (visitor, client_for(free_member)):
            response = client.get(path)
            assert response.status_code == 302 and "/admin/login/" in response.url, path
        # Editors see no member's address, so no mail either.
        assert client_for(editor).get(path).status_code == 403, path
        assert client_for(operator).get(path).status_code == 200, path


def test_the_list_shows_the_newest_first(outbox, client_for, operator, parse_html):
    send("older@example.jp")
    send("newer@example.jp")
    response = client_for(operator).get("/outbox/")
    assert response["Cache-Control"].startswith("max-age=0")
    rows = parse_html(response).all("td", class_="to")
    assert [row["text"] for row in rows] == ["newer@example.jp", "older@example.jp"]
    assert "パスワードの再設定" in response.text


def test_a_mail_shows_its_headers_text_and_html(outbox, client_for, operator):
    send("reader@example.jp", **{"List-Unsubscribe": f"<{BASE}/newsletter/unsubscribe/t/>"})
    [mail_id] = [f.stem for f in outbox.glob("*.eml")]
    client = client_for(operator)
    page = client.get(f"/outbox/{mail_id}/")
    assert "<dt>List-Unsubscribe</dt>" in page.text and "reader@example.jp" in page.text
    assert f'<a href="{LINK}"' in page.text  # the link in the text part is clickable
    frame = re.search(r'<iframe[^>]*src="([^"]+)"[^>]*>', page.text)
    assert "sandbox=" in frame.group(0) and "allow-scripts" not in frame.group(0)
    assert "unsafe-inline" not in page["Content-Security-Policy"]

    html = client.get(frame.group(1))
    assert f'href="{LINK}"' in html.text and '<base target="_top">' in html.text
    policy = html["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy
    assert "frame-ancestors 'self'" in policy and "script-src" not in policy
    assert html["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize(
    "mail_id", ["..", "..%2F..%2Fsecret", "%2E%2E", "20261206T050102123456Z-00000000", "secret"]
)
def test_nothing_but_a_listed_mail_is_read(outbox, client_for, operator, mail_id):
    send("reader@example.jp")
    (outbox.parent / "secret.eml").write_bytes(b"Subject: hidden\n\nTOP-SECRET-BODY")
    (outbox / "secret.eml").write_bytes(b"Subject: hidden\n\nTOP-SECRET-BODY")
    client = client_for(operator)
    for path in (f"/outbox/{mail_id}/", f"/outbox/{mail_id}/html/"):
        response = client.get(path)
        assert response.status_code == 404 and "TOP-SECRET-BODY" not in response.text, path


def test_the_header_links_staff_to_the_outbox_when_it_is_used(
    outbox, settings, client_for, operator, free_member
):
    assert 'href="/outbox/"' in client_for(operator).get("/accounts/").text
    assert 'href="/outbox/"' not in client_for(free_member).get("/accounts/").text
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert 'href="/outbox/"' not in client_for(operator).get("/accounts/").text


def test_an_empty_outbox(outbox, client_for, operator):
    response = client_for(operator).get("/outbox/")
    assert response.status_code == 200 and "まだメールはありません。" in response.text
    assert client_for(operator).get("/outbox/?page=2").status_code == 404
