"""History covers monitors and alert channels: the two kinds, names up to 100 characters (theirs
are), and a first "created" revision for each monitor and channel made before history was kept,
so their first recorded change has something to be compared with.

Self-contained: the snapshots are written as connectors.catalog.monitor_history writes them
today; a migration must not change when the app's code does. A channel's URL is a secret: its
snapshot holds only a digest of the sealed token, which says nothing about the URL.
"""

import hashlib

from django.db import migrations, models

MONITOR_FIELDS = [
    "name",
    "connector",
    "tag",
    "actions",
    "inputs",
    "interval_seconds",
    "cron",
    "timezone",
    "alert_after",
    "remind_every_hours",
    "active",
]
NOTE = "Recorded when history began"


def _marker(sealed):
    return hashlib.sha256(sealed.encode()).hexdigest()[:16] if sealed else ""


def first_revisions(apps, schema_editor):
    Monitor = apps.get_model("connectors", "Monitor")
    AlertChannel = apps.get_model("connectors", "AlertChannel")
    Revision = apps.get_model("connectors", "Revision")
    for channel in AlertChannel.objects.all():
        if Revision.objects.filter(kind="channel", object_id=channel.pk).exists():
            continue
        Revision.objects.create(
            kind="channel",
            object_id=channel.pk,
            object_name=channel.name,
            event="created",
            user_id=channel.created_by_id,
            at=channel.created_at,
            snapshot={
                "name": channel.name,
                "kind": channel.kind,
                "target": channel.address,
                "url": _marker(channel.url_sealed),
            },
            version=1,
            note=NOTE,
        )
    for monitor in Monitor.objects.all():
        if Revision.objects.filter(kind="monitor", object_id=monitor.pk).exists():
            continue
        data = {field: getattr(monitor, field) for field in MONITOR_FIELDS}
        data["actions"] = list(data["actions"] or [])
        data["channels"] = [
            {"id": pk, "name": name}
            for pk, name in monitor.channels.order_by("name").values_list("pk", "name")
        ]
        Revision.objects.create(
            kind="monitor",
            object_id=monitor.pk,
            object_name=monitor.name,
            event="created",
            user_id=monitor.created_by_id,
            at=monitor.created_at,
            snapshot=data,
            version=1,
            note=NOTE,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0023_monitors"),
    ]

    operations = [
        migrations.AlterField(
            model_name="revision",
            name="kind",
            field=models.CharField(
                choices=[
                    ("connector", "Connector"),
                    ("action", "Action"),
                    ("credential", "Credential"),
                    ("monitor", "Monitor"),
                    ("channel", "Alert channel"),
                ],
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="revision",
            name="object_name",
            field=models.CharField(max_length=100),
        ),
        migrations.RunPython(first_revisions, migrations.RunPython.noop),
    ]
