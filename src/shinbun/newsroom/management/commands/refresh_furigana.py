"""Make every article's ふりがな again: after SHINBUN_FURIGANA changes, or for articles
written into the database without Article.save (bulk loads)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from shinbun.core.phrases import phrases_of
from shinbun.newsroom import furigana
from shinbun.newsroom.models import Article


class Command(BaseCommand):
    help = "ふりがなを全記事について作り直します(SHINBUN_FURIGANA を変えたとき)。"

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args, batch: int, **options):
        changed = 0
        ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch):
            with transaction.atomic():
                articles = Article.objects.filter(pk__in=ids[start : start + batch])
                for article in articles.select_for_update():
                    ruby = furigana.annotate(article, phrases_of)
                    if ruby != article.ruby:
                        # Derived data, like the search index: no revision, no new version.
                        Article.objects.filter(pk=article.pk).update(ruby=ruby)
                        changed += 1
        self.stdout.write(f"{len(ids)} articles, {changed} changed")
