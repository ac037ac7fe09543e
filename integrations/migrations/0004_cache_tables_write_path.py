"""Bring cache tables created by the first versions of 0001/0002 to their current shape; data is kept.

0001 and 0002 now create the cache tables as they should be: the payload column last and without SQLite's
`CHECK (JSON_VALID(...))` (see integrations.fields.PayloadField), and no indexes of their own on `connection_id`
(the unique (connection_id, psa_id) constraint serves it) or `synced_at` (never searched). A database created by
the earlier text of those migrations still has the old shape: on SQLite each such table is rebuilt once (rows
copied), on PostgreSQL the two indexes are dropped. A database created from the current text has nothing to do.
"""

from django.db import migrations

from integrations.models import CachedRecord

_OLD_INDEX_COLUMNS = (["connection_id"], ["synced_at"])


def _cache_models(apps):
    """The historical model of every cache table (historical models do not keep the abstract base)."""
    from django.apps import apps as current_apps

    labels = [
        m._meta.label for m in current_apps.get_app_config("integrations").get_models() if issubclass(m, CachedRecord)
    ]
    return [apps.get_model(label) for label in labels]


def _old_indexes(schema_editor, table: str) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, info in constraints.items()
        if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] in _OLD_INDEX_COLUMNS
    ]


def _has_json_check(schema_editor, table: str) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
        row = cursor.fetchone()
    return bool(row) and "JSON_VALID" in row[0].upper()


def upgrade(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for model in _cache_models(apps):
        table = model._meta.db_table
        old_indexes = _old_indexes(schema_editor, table)
        if vendor == "sqlite":
            if old_indexes or _has_json_check(schema_editor, table):
                schema_editor._remake_table(model)  # Django's own copy-and-swap, as any AlterField on SQLite
        else:
            for name in old_indexes:
                schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0003_sync_schedules"),
    ]

    operations = [
        migrations.RunPython(upgrade, migrations.RunPython.noop, elidable=True),
    ]
