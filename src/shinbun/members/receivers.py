"""Keep the cached reader state (entitlements.subscription_state) in step with the
database: any saved or deleted subscription, a deleted member, a logout."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

from shinbun.members import roles
from shinbun.members.entitlements import forget_reader
from shinbun.members.models import Subscription, User


@receiver(post_save, sender=Subscription, dispatch_uid="members.forget_reader.sub_saved")
@receiver(post_delete, sender=Subscription, dispatch_uid="members.forget_reader.sub_deleted")
def subscription_changed(sender, instance, **kwargs) -> None:
    forget_reader(instance.user_id)


@receiver(post_delete, sender=User, dispatch_uid="members.forget_reader.user_deleted")
def member_deleted(sender, instance, **kwargs) -> None:
    forget_reader(instance.pk)


@receiver(user_logged_in, dispatch_uid="members.forget_reader.login")
@receiver(user_logged_out, dispatch_uid="members.forget_reader.logout")
def session_changed(sender, request, user, **kwargs) -> None:
    forget_reader(getattr(user, "pk", None))


@receiver(post_migrate, dispatch_uid="members.roles")
def roles_in_step(sender, using, apps=None, **kwargs) -> None:
    """After every migrate (once, for this app): the role groups as members.roles defines
    them, 管理者 with the permissions of apps migrated after the groups were made."""
    if sender.name == "shinbun.members":
        roles.sync_roles(apps, using=using)  # no apps: a flush, the current models
