"""The authentication backend reads the logged-in user with one statement of its own:
the user it gives is the ORM's, field for field and type for type, on both databases."""

import pytest
from django.contrib.auth import SESSION_KEY, get_user
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shinbun.members.backends import MemberBackend
from shinbun.members.models import User


def test_the_user_read_is_the_orms_field_for_field(expert):
    expert.last_login = timezone.now()
    expert.save()
    orm = User.objects.get(pk=expert.pk)
    with CaptureQueriesContext(connection) as one:
        user = MemberBackend().get_user(expert.pk)
    assert len(one) == 1
    for field in User._meta.concrete_fields:
        assert type(getattr(user, field.attname)) is type(getattr(orm, field.attname)), field
        assert getattr(user, field.attname) == getattr(orm, field.attname), field
    assert user.is_expert is True and user.is_staff is False
    assert timezone.is_aware(user.date_joined)  # read on first use, by the ORM


def test_a_saved_user_keeps_its_dates(free_member):
    user = MemberBackend().get_user(free_member.pk)
    user.display_name = "新しい名前"
    user.save()
    stored = User.objects.get(pk=free_member.pk)
    assert stored.display_name == "新しい名前"
    assert stored.date_joined == free_member.date_joined


@pytest.mark.parametrize("missing", ["inactive", "deleted"])
def test_no_user_for_an_inactive_or_deleted_account(free_member, missing):
    if missing == "inactive":
        User.objects.filter(pk=free_member.pk).update(is_active=False)
    else:
        free_member.delete()
    assert MemberBackend().get_user(free_member.pk) is None


def test_a_changed_password_ends_other_sessions(client, free_member):
    client.force_login(free_member)
    request = type("Request", (), {"session": client.session})()
    assert get_user(request).pk == free_member.pk
    assert client.session[SESSION_KEY] == str(free_member.pk)
    free_member.set_password("another long passphrase 2026")
    free_member.save()
    assert get_user(type("Request", (), {"session": client.session})()).is_anonymous
