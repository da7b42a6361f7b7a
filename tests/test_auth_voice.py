"""The account pages speak the site's Japanese: 会員登録 everywhere (not ユーザー登録),
full-width punctuation, no stray spaces between Japanese words, labels without colons."""

import re

import pytest

JAPANESE = r"[\u3040-\u30ff\u4e00-\u9fff]"
PROBLEMS = {
    "ユーザー登録": re.compile("ユーザー登録"),
    "a half-width colon after Japanese": re.compile(JAPANESE + r"\s*:"),
    "a half-width ? or ( after Japanese": re.compile(JAPANESE + r"\s*[?(]"),
    "a space between Japanese words": re.compile(JAPANESE + r" +" + JAPANESE),
}
PAGES = [
    "/accounts/signup/",
    "/accounts/login/",
    "/accounts/login/code/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/confirm-email/",
]


def visible_main_text(html: str) -> str:
    main = html[html.index("<main") : html.index("</main>")]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    attributes = " | ".join(re.findall(r'(?:placeholder|aria-label|title)="([^"]*)"', main))
    # Tags join the words they separate (a link inside a sentence), as the reader sees it.
    return re.sub(r"<[^>]+>", "", main) + " " + attributes


@pytest.mark.parametrize("path", PAGES)
def test_account_pages_speak_the_sites_japanese(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    text = re.sub(r"\s*\n\s*", "", visible_main_text(response.content.decode()))
    for problem, pattern in PROBLEMS.items():
        found = pattern.search(text)
        context = "" if found is None else text[max(found.start() - 20, 0) : found.end() + 20]
        assert found is None, f"{path}: {problem}: …{context}…"


def test_a_signup_error_is_in_the_sites_japanese(client, db):
    response = client.post(
        "/accounts/signup/", {"email": "x@example.jp", "password1": "abc", "password2": "abc"}
    )
    text = visible_main_text(response.content.decode())
    assert "8文字以上にしてください" in text
    assert "最低 8 文字" not in text
