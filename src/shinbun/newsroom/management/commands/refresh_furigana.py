"""Make every article's ふりがな again: after SHINBUN_FURIGANA changes, or for articles
written into the database without Article.save (bulk loads). Stopped, it can be run
again (it remakes every article each time)."""

from django.core.management.base import BaseCommand

from shinbun.core.phrases import phrases_of
from shinbun.newsroom import furigana
from shinbun.newsroom.models import Article

TEXTS = ["pk", "modified", "headline", "subheadline", "lead", "blocks", "reading_fixes", "ruby"]


class Command(BaseCommand):
    help = "ふりがなを全記事について作り直します(SHINBUN_FURIGANA を変えたとき)。"

    def handle(self, *args, **options):
        seen = changed = 0
        for article in Article.objects.only(*TEXTS).order_by("pk").iterator(chunk_size=500):
            seen += 1
            # Read outside any transaction; each row written alone, and only if no one
            # saved the article meanwhile (their save made its ruby from the new text).
            # Derived data, like the search index: no revision, no new version.
            ruby = furigana.annotate(article, phrases_of)
            if ruby != article.ruby:
                changed += Article.objects.filter(pk=article.pk, modified=article.modified).update(
                    ruby=ruby
                )
        self.stdout.write(f"{seen} articles, {changed} changed")
