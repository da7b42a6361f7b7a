"""Headers every page carries (a strict CSP, Permissions-Policy), no inline script or style
for the CSP to block, and production settings that refuse a weak secret key and pass
`check --deploy` on HSTS and the HTTPS redirect."""

import re
import secrets
import subprocess
from pathlib import Path

import pytest
from django.template.loader import render_to_string

from tests.processes import SHINBUN, environment

TEMPLATES = Path(__file__).resolve().parent.parent / "src" / "shinbun" / "templates"


def test_pages_carry_a_strict_content_security_policy(visitor, make):
    article = make.article()
    for path in ("/", article.get_absolute_url(), "/accounts/login/", "/admin/login/"):
        response = visitor.get(path)
        assert response.status_code == 200, path
        policy = response["Content-Security-Policy"]
        for directive in (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "base-uri 'self'",
            "object-src 'none'",
        ):
            assert directive in policy, (path, directive)
        assert "unsafe-inline" not in policy
        assert "camera=()" in response["Permissions-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff"


def test_hsts_is_sent_over_https(visitor, settings, db):
    settings.SECURE_HSTS_SECONDS = 31536000
    assert visitor.get("/", secure=True)["Strict-Transport-Security"] == "max-age=31536000"


def _is_mail(path: Path) -> bool:
    """E-mails style themselves inline (mail clients drop stylesheets); they are never
    served as pages, only in the outbox's sandboxed preview with its own policy."""
    text = path.read_text()
    return path.relative_to(TEMPLATES).parts[0] == "mail" or '{% extends "mail/' in text


def test_templates_have_no_inline_script_style_or_handler():
    inline = re.compile(
        r"<style|\sstyle=|\son[a-z]+=|javascript:|<script(?![^>]*\bsrc=)(?![^>]*ld\+json)", re.I
    )
    script = re.compile(r"<script|\son[a-z]+=|javascript:", re.I)
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for match in (script if _is_mail(path) else inline).finditer(path.read_text())
    ]
    assert found == []


def test_python_code_writes_no_inline_style_or_handler():
    attribute = re.compile(r"""<[a-z][^>]*\s(style|on[a-z]+)=""", re.I)
    found = [
        f"{path.relative_to(TEMPLATES.parent)}: {match.group(0)}"
        for path in TEMPLATES.parent.rglob("*.py")
        for match in attribute.finditer(path.read_text())
    ]
    assert found == []


def test_the_error_pages_stand_alone_without_inline_style():
    for name in ("500.html", "503.html"):
        page = render_to_string(name)
        assert "shinbun/error.css" in page and "<style" not in page


def production(tmp_path: Path, **overrides: str) -> dict:
    env = environment(tmp_path, testing=False)
    for name in ("DEBUG", "SHINBUN_DEMO", "DJANGO_ALLOW_ASYNC_UNSAFE"):  # test-run switches
        env.pop(name, None)
    env.update(
        SECRET_KEY=secrets.token_urlsafe(45),
        SHINBUN_SECURE_COOKIES="true",
        SHINBUN_BEHIND_PROXY="true",
        ALLOWED_HOSTS="www.example.jp",
    )
    env.update(overrides)
    return env


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    command = [*SHINBUN, "manage", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("key", ["x", "a" * 60, "abcd" * 20, "django-insecure-" + "k" * 50])
def test_a_weak_secret_key_refuses_to_start_in_production(tmp_path, key):
    result = manage(production(tmp_path, SECRET_KEY=key), "check")
    assert result.returncode != 0
    assert "ConfigError" in result.stderr and "SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = manage(production(tmp_path), "check", "--deploy")
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    for warning in ("W004", "W008", "W009", "W012", "W016"):
        assert warning not in output


def test_the_admin_figure_preview_is_sized_by_a_stylesheet(client_for, editor, make):
    figure = make.figure()
    page = client_for(editor).get(f"/admin/newsroom/figure/{figure.pk}/change/")
    assert page.status_code == 200
    assert "shinbun/admin.css" in page.text and 'class="figure-preview"' in page.text
