from django.core.management.base import BaseCommand

from shinbun.newsroom.demo.loader import load_accounts, load_content


class Command(BaseCommand):
    help = "Load the demo publication and the demo accounts (keeps what is there)."

    def handle(self, *args, **options):
        counts = load_content()
        accounts = load_accounts()
        self.stdout.write(f"demo: {counts['articles']} articles and {accounts} accounts added")
