"""Load the shipped starter templates (the same service as `manage.py load_starter_templates`; idempotent).

Test databases are left empty so every test starts from a known state (tests load the templates explicitly).
If a later migration changes the documents models, make this a no-op: the command does the same job.
"""

from django.db import migrations


def load_starter_templates(apps, schema_editor):
    from django.core import mail

    if hasattr(mail, "outbox"):  # set by Django's test environment: leave test databases empty
        return
    from documents.starter_templates import starter_templates_load

    starter_templates_load()


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(load_starter_templates, migrations.RunPython.noop, elidable=True)]
