"""Account e-mail through a real SMTP server (aiosmtpd on loopback): the login code
arrives, in Japanese, signed with the publication's name, and logs the member in."""

import re
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from allauth.account.models import EmailAddress


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    yield inbox
    controller.stop()


def test_login_code_over_smtp(client, free_member, smtp):
    EmailAddress.objects.create(
        user=free_member, email=free_member.email, verified=True, primary=True
    )
    response = client.post("/accounts/login/code/", {"email": free_member.email})
    assert response.status_code == 302
    [(recipients, message)] = smtp.messages
    assert recipients == [free_member.email]
    assert message["From"].addresses[0].display_name == "シンブン電子版"
    assert message["Subject"] == "ログインコードのお知らせ"
    body = message.get_body(("plain",)).get_content()
    assert "ログインコード" in body
    code = re.search(r"^\s*([A-Z0-9-]{6,})\s*$", body, re.M).group(1)
    assert client.post(response.url, {"code": code}).status_code == 302
    assert client.get("/accounts/").status_code == 200
