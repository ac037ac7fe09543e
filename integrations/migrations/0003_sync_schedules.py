"""Default django-q2 schedules for PSA syncs: incremental every 15 minutes, full nightly (editable in the admin)."""

from datetime import datetime, time, timedelta

from django.db import migrations
from django.utils import timezone

INCREMENTAL = "PSA sync: incremental (every 15 min)"
FULL = "PSA sync: full (nightly)"
FUNC = "integrations.tasks.sync_all_connections_task"


def create_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    now = timezone.now()
    tomorrow = timezone.localtime(now).date() + timedelta(days=1)
    nightly = timezone.make_aware(datetime.combine(tomorrow, time(2, 30)))
    # get_or_create by name: running migrations again never resets what someone changed in the admin.
    Schedule.objects.get_or_create(
        name=INCREMENTAL,
        defaults={"func": FUNC, "args": "'incremental'", "schedule_type": "I", "minutes": 15, "repeats": -1,
                  "next_run": now + timedelta(minutes=15)},
    )
    Schedule.objects.get_or_create(
        name=FULL,
        defaults={"func": FUNC, "args": "'full'", "schedule_type": "D", "repeats": -1, "next_run": nightly},
    )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=[INCREMENTAL, FULL]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0002_cache_tables"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
