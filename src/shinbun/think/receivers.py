"""Keep the cached Think! of each article (think.services.article_think) and the cached
pages that show it in step with the database: every saved or deleted post (a deletion
may come from an expert, or from the cascade of a deleted account or article), and every
change of what a post shows of its expert."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from shinbun.core.timefmt import iso_jst
from shinbun.members.models import User
from shinbun.think import services
from shinbun.think.models import ExpertProfile, Post

# What a post shows of its expert that lives on the account.
EXPERT_FIELDS = {"display_name", "expert_title", "expert_affiliation"}


@receiver(post_save, sender=Post, dispatch_uid="think.post_saved")
@receiver(post_delete, sender=Post, dispatch_uid="think.post_deleted")
def post_changed(sender, instance, **kwargs) -> None:
    services.posts_changed([instance.article_id], instance.expert_id)


@receiver(post_save, sender=ExpertProfile, dispatch_uid="think.profile_saved")
def profile_saved(sender, instance, created, **kwargs) -> None:
    services.forget_may_post(instance.user_id)
    if not created:
        services.expert_changed(instance.pk)


@receiver(post_delete, sender=ExpertProfile, dispatch_uid="think.profile_deleted")
def profile_deleted(sender, instance, **kwargs) -> None:
    services.forget_may_post(instance.user_id)
    services.profile_removed(instance.slug)


@receiver(post_save, sender=User, dispatch_uid="think.expert_account_saved")
def account_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    if not created:  # appointed, or no longer: whether they may post changes
        services.forget_may_post(instance.pk)
    if created or (update_fields is not None and not EXPERT_FIELDS & set(update_fields)):
        return  # a new account has no posts; a login touches only last_login
    if not instance.is_expert:
        return
    profile_id = ExpertProfile.objects.filter(user=instance).values_list("pk", flat=True).first()
    if profile_id is not None:
        services.expert_changed(profile_id)


def personal_data(sender, user, **kwargs) -> dict:
    """An expert's profile and Think! posts (hidden ones too), for their data download."""
    profile = ExpertProfile.objects.filter(user=user).first()
    return {
        "expert_profile": None
        if profile is None
        else {
            "slug": profile.slug,
            "profile": profile.profile,
            "appointed_at": iso_jst(profile.appointed_at),
        },
        "think_posts": [
            {
                "article_id": post.article_id,
                "headline": post.article.headline,
                "body": post.body,
                "posted_at": iso_jst(post.created_at),
                "edited_at": iso_jst(post.edited_at),
                "hidden_at": iso_jst(post.hidden_at),
                "hidden_reason": post.hidden_reason,
            }
            for post in Post.objects.filter(expert__user=user)
            .select_related("article")
            .order_by("created_at", "id")
        ],
    }
