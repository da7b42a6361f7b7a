"""The newsroom: what editors write and readers read."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shinbun.core.phrases import phrases_of
from shinbun.newsroom import furigana
from shinbun.newsroom.body import blocks_to_text, clean_text, parse_body


class CleanNamesMixin:
    """Names and descriptions reach feeds and sitemaps: no control characters."""

    def save(self, *args, **kwargs):
        for field in ("name", "description", "author"):
            if hasattr(self, field):
                setattr(self, field, clean_text(getattr(self, field)))
        super().save(*args, **kwargs)


class Section(CleanNamesMixin, models.Model):  # 面・セクション
    slug = models.SlugField(_("スラッグ"), unique=True, max_length=60)
    name = models.CharField(_("名前"), max_length=60)
    description = models.TextField(_("説明"), blank=True)
    position = models.PositiveSmallIntegerField(_("表示順"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("セクション")
        verbose_name_plural = _("セクション")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("newsroom:section", args=[self.slug])


class Series(CleanNamesMixin, models.Model):  # 連載
    slug = models.SlugField(_("スラッグ"), unique=True, max_length=80)
    name = models.CharField(_("名前"), max_length=100)
    description = models.TextField(_("説明"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("連載")
        verbose_name_plural = _("連載")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("newsroom:series", args=[self.slug])


class Column(CleanNamesMixin, models.Model):  # コラム
    slug = models.SlugField(_("スラッグ"), unique=True, max_length=80)
    name = models.CharField(_("名前"), max_length=100)
    description = models.TextField(_("説明"), blank=True)
    author = models.CharField(_("筆者"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("コラム")
        verbose_name_plural = _("コラム")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("newsroom:column", args=[self.slug])


class Keyword(CleanNamesMixin, models.Model):  # キーワード
    slug = models.SlugField(_("スラッグ"), unique=True, max_length=80, allow_unicode=True)
    name = models.CharField(_("名前"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("キーワード")
        verbose_name_plural = _("キーワード")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("newsroom:keyword", args=[self.slug])


class Figure(models.Model):  # 図表
    class Kind(models.TextChoices):
        CHART = "chart", _("グラフ(データから描画)")
        IMAGE = "image", _("画像")

    key = models.SlugField(
        _("キー"),
        unique=True,
        max_length=80,
        help_text=_("本文に [[figure:キー]] と書くと表示されます。"),
    )
    title = models.CharField(_("タイトル"), max_length=200)
    caption = models.CharField(_("キャプション"), max_length=300, blank=True)
    credit = models.CharField(_("クレジット"), max_length=200, blank=True)
    kind = models.CharField(_("種類"), max_length=10, choices=Kind.choices, default=Kind.CHART)
    chart = models.JSONField(
        _("グラフのデータ"),
        default=dict,
        blank=True,
        help_text=_(
            '例: {"type": "bar", "unit": "%", "labels": ["1月", "2月"], '
            '"series": [{"name": "実質賃金", "values": [-1.2, 0.3]}]}'
        ),
    )
    image = models.ImageField(_("画像"), upload_to="figures/%Y/%m/", blank=True)
    alt = models.CharField(_("代替テキスト"), max_length=300, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("図表")
        verbose_name_plural = _("図表")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from shinbun.newsroom.charts import ChartError, validate_chart

        if self.kind == self.Kind.CHART:
            try:
                validate_chart(self.chart)
            except ChartError as error:
                raise ValidationError({"chart": str(error)}) from None
        elif not self.image:
            raise ValidationError({"image": _("画像を選んでください。")})

    def svg(self) -> str:
        from shinbun.newsroom.charts import render_chart_svg

        return render_chart_svg(self.chart, title=self.title)


class ArticleQuerySet(models.QuerySet):
    def published(self, now=None):
        """What readers may see listed: published, or scheduled whose time has come."""
        now = now or timezone.now()
        return self.filter(
            status__in=[Article.Status.PUBLISHED, Article.Status.SCHEDULED], published_at__lte=now
        )

    def for_listing(self):
        return self.select_related("section").only(
            "id",
            "headline",
            "lead",
            "access",
            "published_at",
            "updated_at",
            "section__slug",
            "section__name",
        )


class Article(models.Model):  # 記事
    class Access(models.TextChoices):
        FREE = "free", _("無料")
        MEMBERS = "members", _("会員限定")
        PAID = "paid", _("有料会員限定")

    class Status(models.TextChoices):
        DRAFT = "draft", _("下書き")
        SCHEDULED = "scheduled", _("予約公開")
        PUBLISHED = "published", _("公開")

    headline = models.CharField(_("見出し"), max_length=200)
    subheadline = models.CharField(_("副見出し"), max_length=200, blank=True)
    lead = models.TextField(
        _("リード"), help_text=_("会員限定・有料記事でも誰でも読める最初の段落です。")
    )
    body_source = models.TextField(
        _("本文"),
        blank=True,
        help_text=_(
            "段落は空行で区切ります。「## 」で始まる行は小見出し、[[figure:キー]] は図表です。"
            "使えるタグは strong, em, a などに限られ、それ以外は取り除かれます。"
        ),
    )
    blocks = models.JSONField(_("本文(構造化)"), default=list, editable=False)
    reading_fixes = models.TextField(
        _("読みの修正"),
        blank=True,
        help_text=_(
            "ふりがなの読みを直す語を1行に1つ、「語 よみ」の形で書きます(例: 一日 ついたち)。"
            "よみを「-」にすると、その語にはふりがなを付けません。"
        ),
    )
    # The texts with ふりがな as HTML (newsroom/furigana.py), made on every save.
    ruby = models.JSONField(_("ふりがな"), default=dict, blank=True, editable=False)
    byline = models.CharField(_("署名"), max_length=120, blank=True)
    section = models.ForeignKey(
        Section, verbose_name=_("セクション"), on_delete=models.PROTECT, related_name="articles"
    )
    series = models.ForeignKey(
        Series,
        verbose_name=_("連載"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
    )
    column = models.ForeignKey(
        Column,
        verbose_name=_("コラム"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
    )
    keywords = models.ManyToManyField(
        Keyword, verbose_name=_("キーワード"), blank=True, related_name="articles"
    )
    related = models.ManyToManyField(
        "self",
        verbose_name=_("関連記事"),
        symmetrical=False,
        blank=True,
        related_name="+",
        help_text=_("編集者が選ぶ関連記事です。"),
    )
    access = models.CharField(
        _("公開範囲"), max_length=10, choices=Access.choices, default=Access.FREE
    )
    newsletter_unlock = models.BooleanField(
        _("ニュースレター登録で全文公開"),
        default=False,
        help_text=_("ニュースレターに登録した読者がこの記事を全文読めるようにします。"),
    )
    pinned = models.BooleanField(_("トップに掲載"), default=False)
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("公開日時"), null=True, blank=True)
    updated_at = models.DateTimeField(
        _("更新日時"), null=True, blank=True, help_text=_("読者に「更新」として表示されます。")
    )
    external_id = models.CharField(
        _("外部ID"), max_length=120, unique=True, null=True, blank=True, editable=False
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("記事")
        verbose_name_plural = _("記事")
        # Lists walk one of these backwards by time and stop after a page, so their
        # cost does not grow with the archive; the few drafts are skipped on the way.
        indexes = [
            models.Index(fields=["published_at"], name="article_pub"),
            models.Index(fields=["section", "published_at"], name="article_section_pub"),
            models.Index(fields=["series", "published_at"], name="article_series_pub"),
            models.Index(fields=["column", "published_at"], name="article_column_pub"),
            # Few articles are pinned: a partial index finds them without walking the
            # archive (a plain (pinned, published_at) index went unused on SQLite).
            models.Index(
                fields=["published_at"], condition=models.Q(pinned=True), name="article_pinned_pub"
            ),
        ]

    def __str__(self) -> str:
        return self.headline

    # What the structured body and the ふりがな are made from.
    TEXT_FIELDS = frozenset({"headline", "subheadline", "lead", "body_source", "reading_fixes"})

    def save(self, *args, **kwargs):
        self.headline = clean_text(self.headline)
        self.subheadline = clean_text(self.subheadline)
        self.lead = clean_text(self.lead)
        self.byline = clean_text(self.byline)
        update_fields = kwargs.get("update_fields")
        # A save of other fields (a status, a time) leaves the texts as stored, and what
        # is made from them: this instance's texts may be older than the stored ones.
        texts = update_fields is None or not self.TEXT_FIELDS.isdisjoint(update_fields)
        if texts:
            self.blocks = parse_body(self.body_source)
            self.ruby = furigana.annotate(self, phrases_of)
        self.apply_schedule()
        if update_fields is not None:
            made = ("blocks", "ruby") if texts else ()
            kwargs["update_fields"] = {*update_fields, *made, "published_at", "status"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("newsroom:article", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        try:
            furigana.check_fixes(self.reading_fixes)
        except ValidationError as error:
            raise ValidationError({"reading_fixes": error.messages}) from None

    def apply_schedule(self, now=None) -> None:
        """The scheduling rule (予約公開), the one place it is written: an article that is
        not a draft and has no time is published now; a time in the future makes it
        scheduled, a past one published."""
        if self.status == self.Status.DRAFT:
            return
        now = now or timezone.now()
        self.published_at = self.published_at or now
        self.status = self.Status.SCHEDULED if self.published_at > now else self.Status.PUBLISHED

    @property
    def is_visible(self) -> bool:
        return (
            self.status in (self.Status.PUBLISHED, self.Status.SCHEDULED)
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def body_text(self) -> str:
        return blocks_to_text(self.blocks)

    @property
    def last_modified(self):
        return self.updated_at or self.published_at


class Correction(models.Model):  # 訂正
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    text = models.TextField(_("訂正内容"))
    created_at = models.DateTimeField(_("訂正日時"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("訂正")
        verbose_name_plural = _("訂正")

    def __str__(self) -> str:
        return self.text[:40]


class ArticleRevision(models.Model):  # 改訂履歴
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    created_at = models.DateTimeField(_("日時"), default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("編集した人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    note = models.CharField(_("メモ"), max_length=200, blank=True)
    snapshot = models.JSONField(_("内容"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("改訂履歴")
        verbose_name_plural = _("改訂履歴")

    def __str__(self) -> str:
        return f"{self.article_id} @ {self.created_at:%Y-%m-%d %H:%M}"
