"""The staff roles 編集者, 運用 and 管理者 (members.roles), with their permissions."""

from django.db import migrations

from shinbun.members import roles


def create_roles(apps, schema_editor):
    roles.sync_roles(apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    # Every app whose permissions a role is granted (管理者: all of them) comes first.
    dependencies = [
        ("members", "0003_admin_labels"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("account", "0009_emailaddress_unique_primary_email"),
        ("newsroom", "0003_admin_labels"),
        ("think", "0001_initial"),
        ("newsletter", "0003_digest_outlives_account"),
        ("mynews", "0003_pending_sync"),
        ("search", "0015_terms_compact_json"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
