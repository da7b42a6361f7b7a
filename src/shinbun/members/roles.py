"""Staff roles: the groups 編集者 (editors), 運用 (operators) and 管理者 (administrators).

A person gets a role by being staff (``is_staff``) and in the role's group; what a role
may do in the admin is the group's permissions, granted here by codename. An editor
writes, appoints experts and moderates but sees no member's address, receipt or the
audit log; an operator runs membership, payments and the newsletter's lists; an
administrator may do everything (as a superuser may).

Migration ``members.0004_staff_roles`` creates the groups, and every ``migrate`` after
it brings them in step again (members.receivers): a group's permissions are exactly what
ROLES says (a person who needs more gets a second group, not a changed role), and
管理者 holds every permission, of apps added later too.
"""

import operator
from functools import reduce

from django.apps import apps as global_apps
from django.contrib.auth import models as auth_models
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q

EDITOR = "編集者"
OPERATOR = "運用"
ADMINISTRATOR = "管理者"

ALL = ("add", "change", "delete", "view")

# {role: {app label: {model: actions}}}
ROLES: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    EDITOR: {
        "newsroom": {
            "article": ALL,
            "correction": ALL,
            "figure": ALL,
            "keyword": ALL,
            "series": ALL,
            "column": ALL,
            "section": ALL,
            "articlerevision": ("view",),
        },
        "think": {"post": ("view", "change"), "expertprofile": ("add", "change", "view")},
        "newsletter": {"edition": ALL, "editionitem": ALL},
    },
    OPERATOR: {
        "members": {
            "user": ("add", "change", "view"),
            "plan": ALL,
            "campaign": ALL,
            "metersetting": ("add", "change", "view"),
            "subscription": ("change", "view"),
            "receipt": ("view",),
            "auditlog": ("view",),
            "accesstoken": ("view",),
            "webhookevent": ("view",),
        },
        "account": {"emailaddress": ("add", "change", "view")},
        "newsletter": {
            "subscriber": ("view",),
            "consent": ("view",),
            "suppression": ALL,
            "delivery": ("view",),
            "edition": ("view",),
        },
        # 利用規約, プライバシーポリシー, 特定商取引法に基づく表記 and the other site pages.
        "sitepages": {"sitepage": ("add", "change", "view")},
    },
}


def codenames(role: str) -> dict[str, set[str]]:
    """{app label: permission codenames} a role is granted."""
    return {
        app_label: {f"{action}_{model}" for model, actions in models.items() for action in actions}
        for app_label, models in ROLES[role].items()
    }


def sync_roles(apps=None, using: str = DEFAULT_DB_ALIAS) -> dict:
    """Create the role groups with exactly their permissions, making sure every model's
    permissions exist first. ``apps``: a migration's historical apps."""
    apps = apps or global_apps
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
    Group = apps.get_model("auth", "Group")
    permissions = apps.get_model("auth", "Permission").objects.using(using)
    granted = {ADMINISTRATOR: permissions.all()}
    for role in ROLES:
        wanted = [
            Q(content_type__app_label=app_label, codename__in=names)
            for app_label, names in codenames(role).items()
        ]
        granted[role] = permissions.filter(reduce(operator.or_, wanted))
    groups = {}
    for name, perms in granted.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set(perms)
        groups[name] = group
    return groups


def role_group(role: str) -> auth_models.Group:
    return auth_models.Group.objects.get(name=role)
