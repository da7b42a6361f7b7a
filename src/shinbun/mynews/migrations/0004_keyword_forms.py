"""Keyword targets match their keyword's name in articles' text too: their forms and
anchors are filled, and percolation's index covers every target with an anchor."""

from django.db import migrations, models


def keyword_forms(apps, schema_editor):
    from shinbun.search.analysis import terms

    Target = apps.get_model("mynews", "Target")
    for target in Target.objects.filter(kind="keyword", forms="").select_related("keyword"):
        forms = terms(target.keyword.name)
        if not forms or len(" ".join(forms)) > 400:
            continue
        # Longest first: the archive's frequencies are read when a keyword is followed
        # anew or renamed; here, without them, a longer form is usually a rarer one.
        rarest = sorted(set(forms), key=lambda form: (-len(form), form))
        target.forms = " ".join(forms)
        target.anchor = rarest[0][:100]
        target.second_anchor = rarest[1][:100] if len(rarest) > 1 else ""
        target.save(update_fields=["forms", "anchor", "second_anchor"])


class Migration(migrations.Migration):
    dependencies = [("mynews", "0003_pending_sync")]

    operations = [
        migrations.RemoveIndex(model_name="target", name="target_word_anchor"),
        migrations.AddIndex(
            model_name="target",
            index=models.Index(fields=["anchor"], name="target_anchor"),
        ),
        migrations.RunPython(keyword_forms, migrations.RunPython.noop, elidable=True),
    ]
