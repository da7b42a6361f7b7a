from django.core.management.base import BaseCommand
from tqdm import tqdm

from shinbun.search import recommend, tasks, topics
from shinbun.search.models import SearchDocument


class Command(BaseCommand):
    help = "Fit the topic model for こちらもおすすめ on the archive and refresh every list."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-due",
            action="store_true",
            help="only when there is no model yet or the archive has grown enough",
        )
        parser.add_argument(
            "--no-refresh", action="store_true", help="do not recompute the stored lists"
        )
        parser.add_argument(
            "--queue-refresh",
            action="store_true",
            help="queue the lists' recomputation for the background worker, newest first",
        )

    def handle(
        self, *args, if_due=False, no_refresh=False, queue_refresh=False, verbosity=1, **options
    ):
        if if_due and not topics.is_due():
            self.stdout.write("トピックモデルは最新です。")
            return
        quiet = verbosity == 0
        with tqdm(total=SearchDocument.objects.count(), unit="記事", disable=quiet) as bar:
            model = topics.fit(progress=bar.update)
        if model is None:
            self.stdout.write(
                f"記事が少ないため、トピックモデルは作りません({topics.MIN_ARCHIVE}件以上で作ります)。"
            )
            return
        self.stdout.write(f"{model}")
        if queue_refresh:
            queued = tasks.refresh_in_background(topics.indexed_newest_first())
            self.stdout.write(f"おすすめの更新を予約しました: {queued}記事")
        elif not no_refresh:
            refreshed = recommend.refresh_all_recommendations(progress=not quiet)
            self.stdout.write(f"おすすめを更新しました: {refreshed}記事")
