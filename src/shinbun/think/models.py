"""Think!: experts (エキスパート) and their short commentary on articles (投稿).

An expert is a member (``User.is_expert``, with the name, title and affiliation kept on
the account) whom an operator has given an :class:`ExpertProfile`: the public page's
slug, a short profile and an optional photo. Only such a member may post.
"""

from datetime import timedelta

from django.db import models
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shinbun.members.models import User
from shinbun.newsroom.models import Article

# An expert may correct their post this long after writing it; later it stands as read.
EDIT_WINDOW = timedelta(minutes=15)


class ExpertProfile(models.Model):  # エキスパートのプロフィール
    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="expert_profile", verbose_name=_("会員")
    )
    slug = models.SlugField(
        _("URL 用の名前"), max_length=50, unique=True, help_text=_("例: yamada-taro")
    )
    profile = models.TextField(_("プロフィール"), max_length=500, blank=True)
    photo = models.ImageField(_("写真"), upload_to="experts/", blank=True)
    appointed_at = models.DateTimeField(_("任命日時"))

    class Meta:
        ordering = ["slug"]
        verbose_name = _("エキスパート")
        verbose_name_plural = _("エキスパート")

    def __str__(self) -> str:
        return self.name or self.slug

    def get_absolute_url(self) -> str:
        return reverse("think:expert", args=[self.slug])

    @property
    def name(self) -> str:
        return self.user.display_name

    @property
    def title(self) -> str:
        return self.user.expert_title

    @property
    def affiliation(self) -> str:
        return self.user.expert_affiliation

    @property
    def may_post(self) -> bool:
        return self.user.is_expert and self.user.is_active


class PostQuerySet(models.QuerySet):
    def unhidden(self):
        """Posts no editor has hidden."""
        return self.filter(hidden_at__isnull=True)

    def visible(self):
        """What readers may see: not hidden, on an article readers may see."""
        return self.unhidden().filter(
            Exists(Article.objects.published().filter(pk=OuterRef("article_id")))
        )


class Post(models.Model):  # Think! の投稿
    """A post is plain text as the expert wrote it (CRLF folded, trimmed); pages render it
    escaped (think.text.render_body), so it never holds markup.

    An expert's deletion deletes the row: the expert takes their words back, and nothing
    of them is kept (the audit log notes that a post was deleted, not what it said).
    An editor's hiding keeps the row, with who hid it and why."""

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="think_posts",
        verbose_name=_("記事"),
        db_index=False,  # the (article, created_at) index serves it
    )
    expert = models.ForeignKey(
        ExpertProfile,
        on_delete=models.CASCADE,
        related_name="posts",
        verbose_name=_("エキスパート"),
        db_index=False,  # the (expert, created_at) index serves it
    )
    body = models.TextField(_("本文"))
    created_at = models.DateTimeField(_("投稿日時"))
    edited_at = models.DateTimeField(_("編集日時"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("非表示にした日時"), null=True, blank=True)
    hidden_reason = models.CharField(_("非表示の理由"), max_length=300, blank=True)
    hidden_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("非表示にした編集者"),
    )
    # The last change a reader could notice (written, edited, hidden, shown again): what
    # think.services.stamp is made of.
    changed_at = models.DateTimeField(_("最終変更日時"))

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Think! の投稿")
        verbose_name_plural = _("Think! の投稿")
        indexes = [
            # Under an article and on the expert's page, newest first.
            models.Index(fields=["article", "created_at"], name="think_post_article"),
            models.Index(fields=["expert", "created_at"], name="think_post_expert"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hidden_at__isnull=True) | ~models.Q(hidden_reason=""),
                name="think_hidden_post_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert} / {self.article_id} / {self.body[:20]}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def editable_until(self):
        return self.created_at + EDIT_WINDOW
