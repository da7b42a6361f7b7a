"""What a paid member follows (series, columns, keywords, words they type), the articles
each followed thing holds (My News), and the articles and figures they save."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shinbun.newsroom.models import Article, Column, Figure, Keyword, Series


class Target(models.Model):
    """Something members can follow, one row however many follow it. A word (言葉) is
    kept as its analysed forms, so 國學院 and 国学院 are one target."""

    class Kind(models.TextChoices):
        SERIES = "series", _("連載")
        COLUMN = "column", _("コラム")
        KEYWORD = "keyword", _("キーワード")
        WORD = "word", _("言葉")

    kind = models.CharField(_("種類"), max_length=10, choices=Kind.choices)
    series = models.ForeignKey(Series, null=True, blank=True, on_delete=models.CASCADE)
    column = models.ForeignKey(Column, null=True, blank=True, on_delete=models.CASCADE)
    keyword = models.ForeignKey(Keyword, null=True, blank=True, on_delete=models.CASCADE)
    # The normalised forms separated by spaces of a word, or of a keyword's name (a
    # keyword holds the articles tagged with it and those whose text holds its name), and
    # their two rarest (by the archive's document frequencies when followed; "" for a
    # one-form word's second, "" both for a series or column): percolation looks up the
    # targets whose two anchors are both among an article's forms.
    forms = models.CharField(_("正規化形"), max_length=400, blank=True)
    anchor = models.CharField(max_length=100, blank=True)
    second_anchor = models.CharField(max_length=100, blank=True)
    label = models.CharField(_("表示名"), max_length=100)
    article_count = models.PositiveIntegerField(_("記事数"), default=0)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("フォロー対象")
        verbose_name_plural = _("フォロー対象")
        constraints = [
            models.UniqueConstraint(
                fields=["series"], name="target_series", condition=Q(kind="series")
            ),
            models.UniqueConstraint(
                fields=["column"], name="target_column", condition=Q(kind="column")
            ),
            models.UniqueConstraint(
                fields=["keyword"], name="target_keyword", condition=Q(kind="keyword")
            ),
            models.UniqueConstraint(fields=["forms"], name="target_word", condition=Q(kind="word")),
        ]
        indexes = [
            # Percolation: the followed words and keywords anchored on an article's forms.
            models.Index(fields=["anchor"], name="target_anchor"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"

    @property
    def ref(self) -> tuple[str, int]:
        """(kind, id of the followed series/column/keyword, or this target's id)."""
        return self.kind, self.series_id or self.column_id or self.keyword_id or self.pk


class Entry(models.Model):
    """An article that a followed target holds; My News is a walk down these."""

    # No index of its own: the two below begin with it (fewer indexes, cheaper inserts).
    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, related_name="entries", db_index=False
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    # The article's place in time, as the search index orders it (indexing.sort_key):
    # one integer to compare, and the same order as every other list of articles.
    sort_key = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target", "article"], name="entry_target_article"),
        ]
        indexes = [
            # Each target's articles newest first: a page of My News reads the top of
            # each followed target's range, however large the archive.
            models.Index(fields=["target", "-sort_key"], name="entry_target_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.target_id} → {self.article_id}"


class PendingSync(models.Model):
    """An article whose entries are to be brought in step (entries.sync_pending): a burst
    of publishing is synced in batches, whatever the order its flows run in."""

    article_id = models.BigIntegerField(unique=True)
    queued_at = models.DateTimeField()
    # The sync that took it ("" while it waits), and when: a sync that died leaves its
    # claim to expire. Noting the article again clears the claim.
    claim = models.CharField(max_length=32, blank=True, default="")
    claimed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.article_id} ({self.queued_at:%H:%M:%S})"


class Follow(models.Model):  # フォロー
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="follows")
    label = models.CharField(_("表示名"), max_length=100)  # a word as this member wrote it
    created = models.DateTimeField(_("フォロー日時"), default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("フォロー")
        verbose_name_plural = _("フォロー")
        constraints = [
            models.UniqueConstraint(fields=["user", "target"], name="follow_user_target"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.label}"


class Visit(models.Model):
    """When a member last opened My News: what arrived after the visit before is 新着."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_seen = models.DateTimeField()
    previous_seen = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.last_seen:%Y-%m-%d %H:%M}"


class SavedArticle(models.Model):  # 保存した記事
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_articles"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(_("保存日時"), default=timezone.now)

    class Meta:
        verbose_name = _("保存した記事")
        verbose_name_plural = _("保存した記事")
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="saved_article_once"),
        ]
        indexes = [models.Index(fields=["user", "-created", "-id"], name="saved_article_newest")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.article_id}"


class SavedFigure(models.Model):  # 保存した図表
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_figures"
    )
    figure = models.ForeignKey(Figure, on_delete=models.CASCADE, related_name="+")
    # The article it was saved from, so the list links back to the story around it.
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(_("保存日時"), default=timezone.now)

    class Meta:
        verbose_name = _("保存した図表")
        verbose_name_plural = _("保存した図表")
        constraints = [
            models.UniqueConstraint(fields=["user", "figure"], name="saved_figure_once"),
        ]
        indexes = [models.Index(fields=["user", "-created", "-id"], name="saved_figure_newest")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.figure_id}"
