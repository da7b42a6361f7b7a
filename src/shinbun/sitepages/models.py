"""The pages every page links to in its footer (利用規約, プライバシーポリシー,
特定商取引法に基づく表記, お問い合わせ, ヘルプ), written by operators in the admin in the
articles' body format (newsroom.body) and parsed once on save."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from shinbun.newsroom.body import clean_text, parse_body


class SitePage(models.Model):  # サイトの案内ページ
    class Kind(models.TextChoices):
        TERMS = "terms", _("利用規約")
        PRIVACY = "privacy", _("プライバシーポリシー")
        TOKUSHOHO = "tokushoho", _("特定商取引法に基づく表記")
        CONTACT = "contact", _("お問い合わせ")
        HELP = "help", _("ヘルプ")

    slug = models.SlugField(
        _("ページ"),
        max_length=20,
        unique=True,
        choices=Kind.choices,
        help_text=_("どのページか。各ページの URL は /terms/ のように決まっています。"),
    )
    title = models.CharField(_("タイトル"), max_length=100)
    body_source = models.TextField(
        _("本文"),
        help_text=_(
            "記事の本文と同じ書き方です。段落は空行で区切り、「## 」で始まる行は小見出しです。"
            "使えるタグは strong, em, a などに限られ、それ以外は取り除かれます。"
        ),
    )
    blocks = models.JSONField(_("本文(構造化)"), default=list, editable=False)
    updated_at = models.DateTimeField(_("最終更新日"), auto_now=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("案内ページ")
        verbose_name_plural = _("案内ページ")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.title = clean_text(self.title)
        self.blocks = parse_body(self.body_source)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "title", "blocks", "updated_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse(f"sitepages:{self.slug}")

    def default_language_path(self) -> str:
        """The page's path without a language prefix (what a purge names)."""
        with translation.override(settings.LANGUAGE_CODE):
            return self.get_absolute_url()
