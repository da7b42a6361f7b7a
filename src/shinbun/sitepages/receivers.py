"""Keep the anonymous copies of the site pages in step: a page's own save or deletion,
and the plans and campaigns that 特定商取引法に基づく表記 lists at render time."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from shinbun.core.pagecache import purge_paths
from shinbun.members.models import Campaign, Plan
from shinbun.sitepages.models import SitePage


@receiver(post_save, sender=SitePage, dispatch_uid="sitepages.page_saved")
@receiver(post_delete, sender=SitePage, dispatch_uid="sitepages.page_deleted")
def page_changed(sender, instance, **kwargs) -> None:
    path = instance.default_language_path()
    transaction.on_commit(lambda: purge_paths([path]))


@receiver(post_save, sender=Plan, dispatch_uid="sitepages.plan_saved")
@receiver(post_save, sender=Campaign, dispatch_uid="sitepages.campaign_saved")
def prices_changed(sender, instance, **kwargs) -> None:
    page = SitePage(slug=SitePage.Kind.TOKUSHOHO)
    path = page.default_language_path()
    transaction.on_commit(lambda: purge_paths([path]))
