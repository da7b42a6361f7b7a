"""Starting a trial or a subscription as a member does: the join page's button opens the
final confirmation screen (最終確認画面), whose button posts the terms it showed."""

import re

from django.test import Client

TERMS_FIELD = re.compile(r'<input type="hidden" name="terms" value="([^"]*)">')


def confirmation(client: Client, plan: str, *, trial: bool):
    return client.get("/join/confirm/", {"plan": plan, "trial": "1" if trial else "0"})


def start(client: Client, plan: str, *, trial: bool):
    """Open the confirmation screen and press its button; the response to the press."""
    screen = confirmation(client, plan, trial=trial)
    assert screen.status_code == 200, screen.status_code
    terms = TERMS_FIELD.search(screen.text).group(1)
    return client.post(
        "/join/subscribe/", {"plan": plan, "trial": "1" if trial else "0", "terms": terms}
    )
