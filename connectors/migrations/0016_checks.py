"""Checks on actions, and whether each run passed them.

Runs stored before checks were held to what is now the default check, status 2xx: a run
passed when it was answered with a 2xx. Each action's and connector's last run follows its
run. Self-contained: a migration must not change when the app's code does.
"""

from django.conf import settings
from django.db import migrations, models

import connectors.models

PASSED = {"error_kind": "", "status__gte": 200, "status__lt": 300}
LAST_PASSED = {"last_run_error": "", "last_run_status__gte": 200, "last_run_status__lt": 300}


def mark_passed(apps, schema_editor):
    apps.get_model("connectors", "TestRun").objects.filter(**PASSED).update(passed=True)
    for model in ("Action", "Connector"):
        found = apps.get_model("connectors", model).objects.filter(last_run_at__isnull=False)
        found.filter(**LAST_PASSED).update(last_run_passed=True)


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0015_credential_makers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="connector",
            name="connector_passing_name",
        ),
        migrations.RemoveIndex(
            model_name="connector",
            name="connector_passing_changed",
        ),
        migrations.RemoveIndex(
            model_name="connector",
            name="connector_failing_name",
        ),
        migrations.RemoveIndex(
            model_name="connector",
            name="connector_failing_changed",
        ),
        migrations.AddField(
            model_name="action",
            name="checks",
            field=models.JSONField(
                blank=True,
                default=list,
                validators=[connectors.models.validate_checks],
                verbose_name="Checks",
            ),
        ),
        migrations.AddField(
            model_name="action",
            name="last_run_passed",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="connector",
            name="last_run_passed",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="testrun",
            name="check_results",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="testrun",
            name="passed",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_passed, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="connector",
            index=models.Index(
                condition=models.Q(
                    ("last_run_passed", True),
                    models.Q(("last_run_at__isnull", True), _negated=True),
                ),
                fields=["name", "id"],
                name="connector_passing_name",
            ),
        ),
        migrations.AddIndex(
            model_name="connector",
            index=models.Index(
                condition=models.Q(
                    ("last_run_passed", True),
                    models.Q(("last_run_at__isnull", True), _negated=True),
                ),
                fields=["-updated_at", "name", "id"],
                name="connector_passing_changed",
            ),
        ),
        migrations.AddIndex(
            model_name="connector",
            index=models.Index(
                condition=models.Q(
                    models.Q(("last_run_passed", True), _negated=True),
                    models.Q(("last_run_at__isnull", True), _negated=True),
                ),
                fields=["name", "id"],
                name="connector_failing_name",
            ),
        ),
        migrations.AddIndex(
            model_name="connector",
            index=models.Index(
                condition=models.Q(
                    models.Q(("last_run_passed", True), _negated=True),
                    models.Q(("last_run_at__isnull", True), _negated=True),
                ),
                fields=["-updated_at", "name", "id"],
                name="connector_failing_changed",
            ),
        ),
    ]
