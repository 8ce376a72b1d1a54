"""Who made each credential and through what path, from its "created" revision in history.

A credential made by someone who was not an Admin (a Developer's cURL import, before only Admins
could make team credentials) is flagged until an Admin confirms or deletes it. A credential
with no "created" revision (made before history was kept) is left unflagged: who made it
cannot be known. Self-contained: a migration must not change when the app's code does.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ADMIN = "Admin"


def _via(note):
    """The path, read from the note imports put on their revisions."""
    if not note:
        return "page"
    if note.startswith("Imported from a cURL command"):
        return "curl"
    if note.startswith("Created from the") and "template" in note:
        return "template"
    if note.startswith("Imported from"):
        return "api"
    if note.startswith("Imported"):
        return "catalog"
    return ""


def mark_makers(apps, schema_editor):
    Credential = apps.get_model("connectors", "Credential")
    Revision = apps.get_model("connectors", "Revision")
    for credential in Credential.objects.all():
        created = (
            Revision.objects.filter(
                kind="credential", object_id=credential.pk, event__in=["created", "restored"]
            )
            .order_by("at", "id")
            .select_related("user")
            .first()
        )
        if created is None:
            continue  # made before history was kept: its maker is unknown, left unflagged
        maker = created.user
        credential.created_by = maker
        credential.created_via = _via(created.note)
        credential.needs_confirmation = maker is not None and not (
            maker.is_superuser or maker.groups.filter(name=ADMIN).exists()
        )
        credential.save(update_fields=["created_by", "created_via", "needs_confirmation"])


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0014_merge_round"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="credential",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="credential",
            name="confirmed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="credential",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="credential",
            name="created_via",
            field=models.CharField(
                blank=True,
                choices=[
                    ("page", "the Credentials page"),
                    ("curl", "cURL import"),
                    ("api", "Import API"),
                    ("template", "a template"),
                    ("catalog", "catalog import"),
                    ("", "an unknown path"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="credential",
            name="needs_confirmation",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_makers, migrations.RunPython.noop),
    ]
