from django.core.management.base import BaseCommand
from tqdm import tqdm

from shinbun.newsroom.models import Article
from shinbun.search.indexing import index_articles
from shinbun.search.models import ReindexState

BATCH = 200


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the articles, with a progress bar. Interrupted, it "
        "resumes where it stopped; --restart starts from the first article again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--restart", action="store_true", help="start from the beginning")

    def handle(self, *args, restart=False, **options):
        state, _ = ReindexState.objects.get_or_create(name="articles")
        if restart or state.finished:
            state.last_article_id, state.finished = 0, False
            state.save()
        remaining = Article.objects.filter(pk__gt=state.last_article_id)
        indexed = 0
        with tqdm(total=remaining.count(), unit="記事", disable=options["verbosity"] == 0) as bar:
            while True:
                batch = list(
                    Article.objects.filter(pk__gt=state.last_article_id).order_by("pk")[:BATCH]
                )
                if not batch:
                    break
                indexed += index_articles(batch)
                state.last_article_id = batch[-1].pk
                state.save(update_fields=["last_article_id"])
                bar.update(len(batch))
        state.finished = True
        state.save(update_fields=["finished"])
        self.stdout.write(f"reindex: {indexed} articles indexed")
