"""Make the audit table append-only in the database itself (SQLite and PostgreSQL triggers)."""

from django.db import migrations

from ipops.core import audit_guard


def create(apps, schema_editor):
    audit_guard.install(schema_editor.execute, schema_editor.connection.vendor)
    apps.get_model("core", "AuditChainHead").objects.get_or_create(pk=1)


def drop(apps, schema_editor):
    audit_guard.remove(schema_editor.execute, schema_editor.connection.vendor)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
