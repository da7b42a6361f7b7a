"""The newsletter 「ニュース5本」: subscribers and their consent, editions of five articles,
one delivery row per edition and subscriber, and the addresses never to be sent to."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shinbun.newsroom.models import Article


def address_key(address: str) -> str:
    """What makes two addresses one subscriber: the domain is case-insensitive (and so,
    in practice, is every mailbox we send to)."""
    return address.strip().lower()


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Kind(models.TextChoices):
    """The two lists: the editors' 「ニュース5本」 for any address that signed up, and the
    daily My News digest for paid members who asked for it on their account page."""

    NEWS5 = "news5", _("ニュース5本")
    DIGEST = "digest", _("Myニュースのまとめ")


class Subscriber(models.Model):
    """An address on one list. A sign-up creates no account; unsubscribing keeps the row
    (and its consent records) with the date it ended."""

    class Status(models.TextChoices):
        PENDING = "pending", _("確認待ち")
        ACTIVE = "active", _("配信中")
        UNSUBSCRIBED = "unsubscribed", _("配信停止")

    kind = models.CharField(_("種類"), max_length=8, choices=Kind.choices, default=Kind.NEWS5)
    email = models.EmailField(_("メールアドレス"), max_length=254)
    email_key = models.CharField(max_length=254, editable=False)
    # The member a digest goes to (it follows their current address); none for 「ニュース5本」.
    # A deleted account's digest ends (receivers.on_user_deleted); the row and its consent
    # records stay, as for anyone who unsubscribed.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("状態"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    # The unsubscribe link's secret: per subscriber, so a link names one address only.
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created = models.DateTimeField(_("申込日時"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("確認日時"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("配信停止日時"), null=True, blank=True)
    unsubscribed_from = models.ForeignKey(
        "Edition",
        verbose_name=_("配信停止した号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="unsubscribes",
    )
    # When the last confirmation mail went out: at most one per address per hour.
    last_mailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("購読者")
        verbose_name_plural = _("購読者")
        constraints = [
            models.UniqueConstraint(fields=["kind", "email_key"], name="subscriber_once"),
            models.UniqueConstraint(
                fields=["user"], name="digest_once", condition=Q(kind="digest")
            ),
        ]
        indexes = [models.Index(fields=["status", "id"], name="subscriber_status")]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        self.email_key = address_key(self.email)
        super().save(*args, **kwargs)


class Consent(models.Model):
    """One sign-up as 特定電子メール法 asks it to be kept: the address, when, on which page,
    and the exact consent text the form showed; confirmed when the mail's link is used.
    Kept after unsubscribing. The confirmation link names this row and its nonce."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.PROTECT, related_name="consents")
    email = models.EmailField(_("メールアドレス"), max_length=254)
    created = models.DateTimeField(_("同意日時"), default=timezone.now)
    form_url = models.CharField(_("申込ページ"), max_length=500)
    text = models.TextField(_("表示した同意文"))
    language = models.CharField(max_length=8, default="ja")
    # The article the sign-up unlocks (the box on an article page), if any.
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    nonce = models.CharField(max_length=64, default=new_token, editable=False)
    confirmed_at = models.DateTimeField(_("確認日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("同意の記録")
        verbose_name_plural = _("同意の記録")

    def __str__(self) -> str:
        return f"{self.email} {self.created:%Y-%m-%d %H:%M}"


class Edition(models.Model):
    """One morning's 「ニュース5本」 (five articles in order with a note each), or one
    day's My News digest (no items: each member's is their own), sent at ``send_at``.
    Planning writes its deliveries; the workers send them."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("下書き")
        SCHEDULED = "scheduled", _("配信予約")
        SENDING = "sending", _("配信中")
        SENT = "sent", _("配信済み")

    kind = models.CharField(_("種類"), max_length=8, choices=Kind.choices, default=Kind.NEWS5)
    subject = models.CharField(_("件名"), max_length=120)
    intro = models.TextField(_("前書き"), blank=True, max_length=400)
    send_at = models.DateTimeField(_("配信日時"))
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    planned_at = models.DateTimeField(_("配信計画日時"), null=True, blank=True)
    finished_at = models.DateTimeField(_("配信完了日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("配信号")
        verbose_name_plural = _("配信号")
        ordering = ["-send_at"]
        indexes = [models.Index(fields=["status", "send_at"], name="edition_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["send_at"], name="digest_edition_once", condition=Q(kind="digest")
            )
        ]

    def __str__(self) -> str:
        return self.subject


class EditionItem(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("順番"))
    article = models.ForeignKey(
        Article, verbose_name=_("記事"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("ひとこと"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("記事")
        verbose_name_plural = _("5本の記事")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "position"], name="item_position"),
            models.UniqueConstraint(fields=["edition", "article"], name="item_article"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.article_id}"


class Delivery(models.Model):
    """One edition to one subscriber: planned once (unique), claimed by a worker for a
    lease, and settled with what the mail server said. Its Message-ID derives from it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("未送信")
        DEFERRED = "deferred", _("再送待ち")
        SENT = "sent", _("送信済み")
        FAILED = "failed", _("送信失敗")
        BOUNCED = "bounced", _("不達")
        COMPLAINED = "complained", _("迷惑メール報告")
        SKIPPED = "skipped", _("送信中止")

    OPEN = (Status.PENDING, Status.DEFERRED)

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    due_at = models.DateTimeField(default=timezone.now)
    # Held by one worker until the lease ends; a crashed worker's rows come back then.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("配信")
        verbose_name_plural = _("配信")
        constraints = [
            models.UniqueConstraint(fields=["edition", "subscriber"], name="delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["edition", "due_at"],
                name="delivery_open",
                condition=Q(status__in=["pending", "deferred"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.edition_id} → {self.subscriber_id}: {self.status}"


class Suppression(models.Model):
    """An address never to be sent to again: it bounced for good or complained."""

    class Reason(models.TextChoices):
        BOUNCED = "bounced", _("不達(恒久的エラー)")
        COMPLAINED = "complained", _("迷惑メール報告")
        MANUAL = "manual", _("運用者による停止")

    email_key = models.CharField(_("メールアドレス"), max_length=254, unique=True)
    reason = models.CharField(_("理由"), max_length=10, choices=Reason.choices)
    detail = models.CharField(_("詳細"), max_length=300, blank=True)
    created = models.DateTimeField(_("登録日時"), default=timezone.now)

    class Meta:
        verbose_name = _("配信停止アドレス")
        verbose_name_plural = _("配信停止アドレス")

    def __str__(self) -> str:
        return self.email_key
