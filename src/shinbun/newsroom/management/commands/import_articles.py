from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from shinbun.newsroom.exporting import ARTICLES_FILE
from shinbun.newsroom.importing import import_export_folder, import_file
from shinbun.newsroom.signals import articles_changed

BATCH = 200


class Command(BaseCommand):
    help = (
        "Import articles from JSON lines (gzip or plain) or an RSS/Atom file, or a folder"
        " written by `shinbun export`."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a file, or a folder written by `shinbun export`")

    def handle(self, *args, file, **options):
        path = Path(file)
        if path.is_dir() and not (path / ARTICLES_FILE).is_file():
            raise CommandError(f"{ARTICLES_FILE} のないフォルダです: {file}")
        if not path.exists():
            raise CommandError(f"ファイルが見つかりません: {file}")
        read = import_export_folder if path.is_dir() else import_file
        with tqdm(unit="件", disable=options["verbosity"] == 0) as bar:
            summary = read(path, on_progress=bar.update)
        for name, number, message in summary.rejected[:100]:
            self.stderr.write(f"{name}:{number}: {message} (スキップしました)")
        if len(summary.rejected) > 100:
            self.stderr.write(f"... ほか {len(summary.rejected) - 100}件")
        self.stdout.write(f"import: {summary}")
        if summary.article_ids:
            self.stdout.write("検索インデックスとおすすめを更新しています...")
            ids = summary.article_ids
            with tqdm(total=len(ids), unit="記事", disable=options["verbosity"] == 0) as bar:
                for start in range(0, len(ids), BATCH):
                    batch = ids[start : start + BATCH]
                    articles_changed.send(sender=None, article_ids=batch)
                    bar.update(len(batch))
            # A large import changes what the archive is about: refit the topic model of
            # こちらもおすすめ when it is due (no model yet, or the archive grew by a quarter).
            # Every list is then recomputed by the worker (~55 ms an article), not here.
            call_command(
                "fit_topics", if_due=True, queue_refresh=True, verbosity=options["verbosity"]
            )
