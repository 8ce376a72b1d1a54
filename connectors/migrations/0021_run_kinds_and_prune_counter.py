"""Error kinds as choices, the missing credential's name kept on its run, and each action's
count of runs stored since its runs were last pruned.

Runs stored before kept the missing credential's name only in their message; it is read from
there once, here. Self-contained: a migration must not change when the app's code does.
"""

import re

from django.db import migrations, models

NAMED = re.compile(r"^credential ([A-Za-z_][A-Za-z0-9_]*) is not set")


def _name_missing_credentials(apps, schema_editor):
    TestRun = apps.get_model("connectors", "TestRun")
    # An environment credential's message starts "environment credential ...": not matched.
    missing = TestRun.objects.filter(error_kind="CredentialMissing", missing_credential="")
    for pk, message in missing.values_list("pk", "error_message").iterator(chunk_size=1000):
        if named := NAMED.match(message):
            TestRun.objects.filter(pk=pk).update(missing_credential=named[1])


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0019_workbench"),
    ]

    operations = [
        migrations.AddField(
            model_name="action",
            name="runs_since_prune",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="testrun",
            name="missing_credential",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="testrun",
            name="error_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "None"),
                    ("AuthFailed", "Authorization failed"),
                    ("BadResponse", "Unreadable response"),
                    ("Blocked", "Address blocked"),
                    ("Cancelled", "Cancelled"),
                    ("ConnectError", "Could not connect"),
                    ("ConnectTimeout", "Could not connect in time"),
                    ("ConstructError", "Could not build the request"),
                    ("CredentialMissing", "Credential missing"),
                    ("DNSError", "Host not found"),
                    ("Deadline", "Timed out"),
                    ("InvalidHeader", "Invalid header"),
                    ("InvalidURL", "Invalid URL"),
                    ("OutboundError", "Request failed"),
                    ("Redirect", "Redirect not followed"),
                    ("RequestTooLarge", "Request too large"),
                    ("SecretUnreadable", "Secret unreadable"),
                    ("TLSError", "Secure connection failed"),
                    ("TooLarge", "Response too large"),
                ],
                max_length=32,
            ),
        ),
        migrations.RunPython(_name_missing_credentials, migrations.RunPython.noop),
    ]
