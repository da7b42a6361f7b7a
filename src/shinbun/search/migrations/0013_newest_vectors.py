"""PostgreSQL once kept the newest articles' vectors again in a table of their own
(search_tsv_newest); migration 0014 drops it, so a new database never makes it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("search", "0012_ascii_tokenizer")]

    operations = []
