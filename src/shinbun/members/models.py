"""Accounts. Readers log in with their e-mail address; there is no user name."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shinbun.core.money import format_yen


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("メールアドレス"), unique=True)
    display_name = models.CharField(_("表示名"), max_length=100, blank=True)
    is_expert = models.BooleanField(
        _("エキスパート"), default=False, help_text=_("Think! に投稿できる専門家です。")
    )
    expert_title = models.CharField(_("肩書"), max_length=100, blank=True)
    expert_affiliation = models.CharField(_("所属"), max_length=100, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("会員")
        verbose_name_plural = _("会員")

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return self.display_name or self.email

    def get_short_name(self) -> str:
        return self.display_name or self.email.split("@")[0]


class MeterSetting(models.Model):  # メーター(無料会員の月間本数)
    """How many paid-only articles a free member reads in full a month, as the operator
    set it in the admin: one row (pk 1). Without it, SHINBUN_METER_LIMIT decides
    (entitlements.meter_limit)."""

    limit = models.PositiveSmallIntegerField(
        _("月に読める本数"),
        validators=[MaxValueValidator(1000)],
        help_text=_(
            "無料会員が毎月全文を読める有料会員限定記事の本数です。0にすると、無料会員は"
            "有料会員限定記事の全文を読めなくなります。変更は1分以内にすべてのページに反映されます。"
        ),
    )
    updated_at = models.DateTimeField(_("最終更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("メーター(無料会員の月間本数)")
        verbose_name_plural = _("メーター(無料会員の月間本数)")

    def __str__(self) -> str:
        return gettext("月%(limit)d本") % {"limit": self.limit}


class Plan(models.Model):  # 料金プラン
    class Interval(models.TextChoices):
        MONTH = "month", _("月額")
        YEAR = "year", _("年額")

    code = models.SlugField(_("コード"), max_length=50, unique=True)
    name = models.CharField(_("名前"), max_length=100)
    interval = models.CharField(_("期間"), max_length=10, choices=Interval.choices)
    price_jpy = models.PositiveIntegerField(_("価格(税込・円)"))
    stripe_price_id = models.CharField(_("Stripe の価格 ID"), max_length=100, blank=True)
    is_active = models.BooleanField(_("受付中"), default=True)
    position = models.PositiveSmallIntegerField(_("表示順"), default=0)

    class Meta:
        ordering = ["position", "price_jpy"]
        verbose_name = _("料金プラン")
        verbose_name_plural = _("料金プラン")

    def __str__(self) -> str:
        return f"{self.name}({self.price_display})"

    @property
    def label(self) -> str:
        """The name as readers see it: translated where it is also a msgid (月額プラン)."""
        return gettext(self.name)

    @property
    def price_display(self) -> str:
        per = _("月") if self.interval == self.Interval.MONTH else _("年")
        return _("%(price)s/%(per)s(税込)") % {"price": format_yen(self.price_jpy), "per": per}

    @property
    def cycle_display(self) -> str:
        """How often the plan renews (and is charged)."""
        return _("1か月ごと") if self.interval == self.Interval.MONTH else _("1年ごと")


class Campaign(models.Model):  # キャンペーン(無料体験)
    name = models.CharField(_("名前"), max_length=100)
    cta_text = models.CharField(
        _("ボタンの文言"), max_length=60, help_text=_("例: 春割で無料体験する")
    )
    starts_at = models.DateTimeField(_("開始日時"))
    ends_at = models.DateTimeField(_("終了日時"))
    trial_days = models.PositiveSmallIntegerField(
        _("無料期間(日)"), help_text=_("例: 初月無料なら 31")
    )
    plans = models.ManyToManyField(
        Plan,
        verbose_name=_("対象プラン"),
        blank=True,
        help_text=_("空なら受付中のすべてのプランが対象です。"),
    )

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("キャンペーン")
        verbose_name_plural = _("キャンペーン")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="campaign_window_not_empty",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name as readers see it: translated where it is also a msgid (春割)."""
        return gettext(self.name)

    @property
    def cta_label(self) -> str:
        return gettext(self.cta_text)

    def is_running(self, now) -> bool:
        return self.starts_at <= now < self.ends_at

    def applies_to(self, plan: Plan) -> bool:
        chosen = list(self.plans.all())
        return not chosen or plan in chosen


class SubscriptionQuerySet(models.QuerySet):
    def live(self):
        """Subscriptions that have not ended (they may still be past due)."""
        return self.filter(status__in=Subscription.LIVE)


class Subscription(models.Model):  # 購読契約
    class Status(models.TextChoices):
        TRIALING = "trialing", _("無料体験中")
        ACTIVE = "active", _("有効")
        PAST_DUE = "past_due", _("支払い遅延")
        CANCELED = "canceled", _("解約済み")
        EXPIRED = "expired", _("期限切れ")

    class Provider(models.TextChoices):
        MANUAL = "manual", _("手動(デモ・テスト)")
        STRIPE = "stripe", "Stripe"

    LIVE = (Status.TRIALING, Status.ACTIVE, Status.PAST_DUE)

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("会員")
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, verbose_name=_("プラン"))
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("キャンペーン")
    )
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices)
    started_at = models.DateTimeField(_("開始日時"))
    trial_ends_at = models.DateTimeField(_("無料体験の終了日時"), null=True, blank=True)
    current_period_start = models.DateTimeField(_("現在の期間の開始"))
    current_period_end = models.DateTimeField(_("現在の期間の終了(次回更新日)"))
    cancel_at_period_end = models.BooleanField(_("期間終了で解約"), default=False)
    canceled_at = models.DateTimeField(_("解約の申し込み日時"), null=True, blank=True)
    ended_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    paid = models.BooleanField(
        _("支払い実績あり"), default=False, help_text=_("一度でも料金を支払った契約です。")
    )
    provider = models.CharField(
        _("決済"), max_length=20, choices=Provider.choices, default=Provider.MANUAL
    )
    provider_customer_id = models.CharField(_("決済側の顧客 ID"), max_length=100, blank=True)
    provider_subscription_id = models.CharField(_("決済側の契約 ID"), max_length=100, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("購読契約")
        verbose_name_plural = _("購読契約")
        constraints = [
            # At most one subscription per member that has not ended.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status__in=["trialing", "active", "past_due"]),
                name="one_live_subscription_per_user",
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_subscription_id"],
                condition=~models.Q(provider_subscription_id=""),
                name="unique_provider_subscription",
            ),
        ]
        indexes = [models.Index(fields=["status", "current_period_end"])]

    def __str__(self) -> str:
        return f"{self.user} / {self.plan.name} / {self.get_status_display()}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE


class Receipt(models.Model):  # 領収書
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="receipts",
        verbose_name=_("会員"),
    )
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.SET_NULL,
        null=True,
        related_name="receipts",
        verbose_name=_("購読契約"),
    )
    number = models.CharField(_("領収書番号"), max_length=40, unique=True)
    description = models.CharField(_("内容"), max_length=200)
    amount_jpy = models.PositiveIntegerField(_("金額(税込・円)"))
    period_start = models.DateTimeField(_("対象期間の開始"))
    period_end = models.DateTimeField(_("対象期間の終了"))
    issued_at = models.DateTimeField(_("発行日時"))
    provider_reference = models.CharField(
        _("決済側の参照"), max_length=100, blank=True, help_text=_("Stripe の請求書 ID など")
    )

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("領収書")
        verbose_name_plural = _("領収書")
        constraints = [
            models.UniqueConstraint(
                fields=["provider_reference"],
                condition=~models.Q(provider_reference=""),
                name="unique_receipt_provider_reference",
            )
        ]

    def __str__(self) -> str:
        return self.number


class AuditLog(models.Model):  # 監査ログ
    created_at = models.DateTimeField(_("日時"), db_index=True)
    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作した人"),
        help_text=_("空なら会員本人でも編集者でもなく、システム(決済の通知や定期処理)です。"),
    )
    subject = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_logs",
        verbose_name=_("対象の会員"),
    )
    subject_email = models.CharField(_("対象のメールアドレス"), max_length=254, blank=True)
    action = models.CharField(_("操作"), max_length=50, db_index=True)
    reason = models.CharField(_("理由"), max_length=300, blank=True)
    detail = models.JSONField(_("詳細"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")

    def __str__(self) -> str:
        return f"{self.action} {self.subject_email}"


class MeteredRead(models.Model):  # 無料会員が全文を読んだ有料記事(月ごと)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey("newsroom.Article", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="First day of the month in Japan time.")
    read_at = models.DateTimeField()

    class Meta:
        verbose_name = _("メーター閲覧")
        verbose_name_plural = _("メーター閲覧")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "month", "article"], name="one_metered_read_per_article_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.month:%Y-%m} {self.article_id}"


class AccessToken(models.Model):  # 個人用アクセストークン(API)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="access_tokens", verbose_name=_("会員")
    )
    name = models.CharField(_("名前"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("先頭の文字"), max_length=12)
    created_at = models.DateTimeField(_("作成日時"))
    last_used_at = models.DateTimeField(_("最終利用日時"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("無効にした日時"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("アクセストークン")
        verbose_name_plural = _("アクセストークン")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class WebhookEvent(models.Model):  # 処理済みの決済通知(再送を二度適用しないため)
    provider = models.CharField(_("決済"), max_length=20)
    event_id = models.CharField(_("通知 ID"), max_length=100)
    event_type = models.CharField(_("通知の種類"), max_length=100)
    received_at = models.DateTimeField(_("受信日時"))

    class Meta:
        verbose_name = _("決済通知")
        verbose_name_plural = _("決済通知")
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="unique_webhook_event")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.event_id}"
