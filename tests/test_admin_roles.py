"""Staff roles (members.roles): 編集者 writes and moderates but never sees a member's
address, a receipt or the audit log; 運用 runs membership, payments and the newsletter's
lists; 管理者 may do everything. The groups come from a migration."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory

from shinbun.members import roles
from shinbun.members.models import User
from shinbun.newsletter import delivery
from shinbun.newsletter.models import Consent, Edition, Subscriber
from shinbun.think import services as think
from shinbun.think.models import ExpertProfile
from tests.test_admin import article_form, management

MEMBER_PAGES = [
    "/admin/members/user/",
    "/admin/members/receipt/",
    "/admin/members/auditlog/",
    "/admin/members/subscription/",
    "/admin/members/accesstoken/",
    "/admin/newsletter/subscriber/",
    "/admin/newsletter/delivery/",
    "/admin/newsletter/suppression/",
    "/admin/account/emailaddress/",
]
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def permissions(group: Group) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_the_migration_made_the_three_roles(db):
    editor, operator, administrator = (
        Group.objects.get(name=name) for name in (roles.EDITOR, roles.OPERATOR, roles.ADMINISTRATOR)
    )
    granted = permissions(editor)
    assert {"newsroom.change_article", "think.change_post", "newsletter.change_edition"} <= granted
    assert "think.add_expertprofile" in granted  # an editor appoints experts
    assert not {p for p in granted if p.startswith("members.")}
    assert not granted & {"newsletter.view_subscriber", "newsletter.view_delivery"}
    granted = permissions(operator)
    assert {"members.view_user", "members.view_receipt", "members.view_auditlog"} <= granted
    assert "newsletter.view_subscriber" in granted
    assert "newsroom.change_article" not in granted and "auth.change_group" not in granted
    assert permissions(administrator) == {
        f"{app}.{codename}"
        for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }


def test_syncing_the_roles_again_restores_them_exactly(db):
    editor = Group.objects.get(name=roles.EDITOR)
    before = permissions(editor)
    editor.permissions.add(Permission.objects.get(codename="view_receipt"))
    editor.permissions.remove(Permission.objects.get(codename="change_article"))
    roles.sync_roles()
    roles.sync_roles()
    assert permissions(editor) == before
    assert Group.objects.filter(name__in=roles.ROLES).count() == 2


@pytest.mark.parametrize("page", MEMBER_PAGES)
def test_editors_are_refused_what_operators_run(client_for, editor, operator, page):
    assert client_for(editor).get(page).status_code == 403
    assert client_for(operator).get(page).status_code == 200


def test_an_editor_edits_articles_and_newsletter_editions(client_for, editor, make):
    client = client_for(editor)
    article = make.article()
    form = article_form(
        article.section,
        make.keyword(),
        headline="編集者が直した見出し",
        status="published",
        published_at_0="2025-04-11",
        published_at_1="10:00:00",
    )
    assert client.post(f"/admin/newsroom/article/{article.pk}/change/", form).status_code == 302
    article.refresh_from_db()
    assert article.headline == "編集者が直した見出し"
    response = client.post(
        "/admin/newsletter/edition/add/",
        {
            "subject": "けさの5本",
            "intro": "",
            "send_at_0": "2025-04-14",
            "send_at_1": "07:00:00",
            **management("items"),
        },
    )
    assert response.status_code == 302
    assert Edition.objects.get().subject == "けさの5本"


def test_an_editor_sees_no_members_address_anywhere_in_the_admin(
    client_for, editor, paid_member, free_member, expert, make
):
    """Every page an editor can reach, with a Think! post hidden by a colleague who has no
    display name: people are named, never by their address."""
    article = make.article()
    ExpertProfile.objects.create(user=expert, slug="senmonka", appointed_at=article.published_at)
    post = think.create_post(expert, article, "専門家としてのひとこと。" * 3)
    colleague = User.objects.create_user("colleague@example.jp", "x", is_staff=True)
    colleague.groups.add(Group.objects.get(name=roles.EDITOR))
    think.hide_post(colleague, post, "確認のため")
    subscriber = Subscriber.objects.create(email="reader@example.jp", status="active")
    Consent.objects.create(subscriber=subscriber, email=subscriber.email, form_url="/", text="同意")
    edition = Edition.objects.create(
        subject="けさの5本", send_at=article.published_at, status="scheduled"
    )
    delivery.plan(edition)

    request = RequestFactory().get("/admin/")
    request.user = editor
    pages = ["/admin/", f"/admin/newsroom/article/{article.pk}/revisions/"]
    for app in admin.site.get_app_list(request):
        for model in app["models"]:
            pages.append(model["admin_url"])
            first = model["model"]._default_manager.order_by("pk").first()
            if first is not None:
                pages.append(f"{model['admin_url']}{first.pk}/change/")
    assert f"/admin/think/post/{post.pk}/change/" in pages
    client = client_for(editor)
    own = {editor.email}
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert set(ADDRESS.findall(response.text)) <= own, page
    assert "会員番号" in client.get(f"/admin/think/post/{post.pk}/change/").text


def test_an_operator_cannot_take_over_a_staff_account(client_for, operator, editor, paid_member):
    client = client_for(operator)
    member = client.get(f"/admin/members/user/{paid_member.pk}/change/")
    assert member.status_code == 200 and 'name="is_staff"' not in member.text
    assert 'name="groups"' not in member.text and 'name="is_superuser"' not in member.text
    editor.user_permissions.add(Permission.objects.get(codename="view_receipt"))
    colleague = client.get(f"/admin/members/user/{editor.pk}/change/")
    assert colleague.status_code == 200 and 'name="email"' not in colleague.text  # view only
    assert "Can view" not in colleague.text  # single permissions are for administrators
    for page in (
        f"/admin/members/user/{editor.pk}/password/",
        f"/admin/members/user/{editor.pk}/delete/",
    ):
        assert client.get(page).status_code == 403, page
    response = client.post(
        f"/admin/members/user/{editor.pk}/change/", {"email": editor.email, "is_superuser": "on"}
    )
    assert response.status_code == 403
    editor.refresh_from_db()
    assert not editor.is_superuser


def test_an_administrator_gives_a_role(client_for, free_member):
    chief = User.objects.create_user("chief@example.jp", "x", is_staff=True)
    chief.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
    page = client_for(chief).get(f"/admin/members/user/{free_member.pk}/change/")
    assert 'name="groups"' in page.text and 'name="is_staff"' in page.text
    assert 'name="is_superuser"' not in page.text  # only a superuser makes another
    assert "記事 | 変更" in page.text  # permissions named in Japanese


def test_the_demo_editor_and_operator_have_their_roles(db):
    from shinbun.newsroom.demo import loader

    loader.load_content()
    loader.load_accounts()
    editor = User.objects.get(email="editor@example.jp")
    operator = User.objects.get(email="operator@example.jp")
    assert [g.name for g in editor.groups.all()] == [roles.EDITOR]
    assert [g.name for g in operator.groups.all()] == [roles.OPERATOR]
    assert operator.is_staff and operator.check_password(loader.DEMO_PASSWORD)
    assert editor.has_perm("newsroom.change_article") and not editor.has_perm("members.view_user")
    assert operator.has_perm("members.view_receipt")


def test_operators_edit_the_site_pages(client_for, editor, operator):
    assert client_for(operator).get("/admin/sitepages/sitepage/").status_code == 200
    assert client_for(editor).get("/admin/sitepages/sitepage/").status_code == 403


def test_access_and_plan_changes_in_the_admin_are_audited(client_for, free_member):
    """Who may do what, and what a plan costs, change with a row saying who changed it."""
    from django.utils import timezone

    from shinbun.members.models import AuditLog, Plan
    from tests.test_admin import management

    chief = User.objects.create_user("chief@example.jp", "x", is_staff=True)
    chief.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
    client = client_for(chief)
    joined = timezone.localtime(free_member.date_joined)
    form = {
        "email": free_member.email,
        "display_name": free_member.display_name,
        "is_active": "on",
        "is_staff": "on",
        "groups": [Group.objects.get(name=roles.EDITOR).pk],
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        **management("subscriptions"),
    }
    response = client.post(f"/admin/members/user/{free_member.pk}/change/", form)
    assert response.status_code == 302, response.text[-2000:]
    row = AuditLog.objects.get(action="member.access_changed")
    assert row.actor == chief and row.subject == free_member
    assert row.detail["is_staff"] == [False, True]
    assert row.detail["groups"] == [[], [roles.EDITOR]]
    client.post(f"/admin/members/user/{free_member.pk}/change/", form)  # the same again
    assert AuditLog.objects.filter(action="member.access_changed").count() == 1

    plan = Plan.objects.create(code="yearly", name="年額プラン", interval="year", price_jpy=19800)
    chief.is_superuser = True
    chief.save(update_fields=["is_superuser"])
    changed = {"name": plan.name, "code": plan.code, "interval": "year", "price_jpy": "21780"}
    changed |= {"is_active": "on", "position": "0"}
    assert client.post(f"/admin/members/plan/{plan.pk}/change/", changed).status_code == 302
    row = AuditLog.objects.get(action="plan.changed")
    assert row.actor == chief and row.detail["price_jpy"] == 21780
    assert row.detail["changed"] == ["price_jpy"]
    assert client.post(f"/admin/members/plan/{plan.pk}/delete/", {"post": "yes"}).status_code == 302
    assert AuditLog.objects.get(action="plan.deleted").detail["plan"] == "yearly"


def test_an_administrator_cannot_delete_a_superuser(client_for):
    chief = User.objects.create_user("chief@example.jp", "x", is_staff=True)
    chief.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
    root = User.objects.create_superuser("root@example.jp", "x")
    client = client_for(chief)
    assert client.get(f"/admin/members/user/{root.pk}/delete/").status_code == 403
    assert client.post(f"/admin/members/user/{root.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=root.pk).exists()
