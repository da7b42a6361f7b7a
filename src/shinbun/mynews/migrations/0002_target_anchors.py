from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("mynews", "0001_initial")]

    operations = [
        migrations.RemoveIndex(model_name="target", name="target_word_first"),
        migrations.RenameField(model_name="target", old_name="first_form", new_name="anchor"),
        migrations.AddField(
            model_name="target",
            name="second_anchor",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddIndex(
            model_name="target",
            index=models.Index(
                condition=models.Q(("kind", "word")),
                fields=["anchor"],
                name="target_word_anchor",
            ),
        ),
    ]
