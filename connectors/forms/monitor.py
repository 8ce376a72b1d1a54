"""The monitor form: parsed here; the rules (scope, schedule, inputs, unique name) are the
service's (connectors.engine.monitors.check), whose errors land next to these fields at once."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from connectors.engine import monitors
from connectors.models import AlertChannel, Connector, Monitor

# The service's field names -> this form's.
FIELD_OF = {"interval_seconds": "every_minutes"}


class MonitorForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, help_text="e.g. OpenAI every 5 minutes.")
    connector = forms.ChoiceField(
        label="Connector",
        required=False,
        help_text="The connector to run; leave empty to run a tag across every connector.",
    )
    tag = forms.CharField(
        label="Tag", required=False, max_length=200, help_text="Only the actions with this tag."
    )
    actions = forms.CharField(
        label="Actions",
        required=False,
        max_length=5000,
        help_text="Only these actions of the connector, by name, separated by commas.",
    )
    every_minutes = forms.IntegerField(
        label="Every (minutes)",
        required=False,
        min_value=1,
        help_text="Run every N minutes; or leave empty and write a cron expression.",
    )
    cron = forms.CharField(
        label="Cron",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "mono", "spellcheck": "false"}),
        help_text="minute hour day month weekday, e.g. 0 9 * * 1-5 for 9:00 on weekdays.",
    )
    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        initial="UTC",
        help_text="The cron expression's time zone, e.g. Europe/Paris.",
    )
    inputs = forms.CharField(
        label="Inputs",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "mono", "spellcheck": "false"}),
        help_text="Each action's example values are used unless given here, as JSON: "
        '{"get_pet": {"id": "7"}}.',
    )
    alert_after = forms.IntegerField(
        label="Alert after",
        initial=2,
        min_value=1,
        max_value=100,
        help_text="failing runs in a row; a recovery notice follows once it passes again.",
    )
    remind_every_hours = forms.IntegerField(
        label="Remind every (hours)",
        required=False,
        min_value=1,
        help_text="While it stays failing; empty: no reminder.",
    )
    channels = forms.ModelMultipleChoiceField(
        label="Channels",
        queryset=AlertChannel.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    active = forms.BooleanField(label="Active", required=False, initial=True)

    def __init__(self, *args: Any, monitor: Monitor | None = None, **kwargs: Any) -> None:
        self.monitor = monitor
        if monitor is not None and "data" not in kwargs and not args:
            kwargs["initial"] = initial_of(monitor)
        super().__init__(*args, **kwargs)
        names = Connector.objects.order_by("name").values_list("name", flat=True)
        self.fields["connector"].choices = [("", "(every connector)")] + [(n, n) for n in names]

    def values(self) -> monitors.Values:
        data = self.cleaned_data
        minutes = data.get("every_minutes")
        return monitors.Values(
            name=data.get("name") or "",
            connector=data.get("connector") or "",
            tag=data.get("tag") or "",
            actions=tuple(n.strip() for n in (data.get("actions") or "").split(",") if n.strip()),
            interval_seconds=minutes * 60 if minutes else None,
            cron=data.get("cron") or "",
            timezone=data.get("timezone") or "UTC",
            inputs=data.get("inputs") or "",
            alert_after=data.get("alert_after") or 2,
            remind_every_hours=data.get("remind_every_hours"),
            active=bool(data.get("active")),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for field, message in monitors.check(self.values(), self.monitor).items():
            name = FIELD_OF.get(field, field)
            if name not in self.errors:  # one sentence per field: the parse error comes first
                self.add_error(name, message)
        return data


def initial_of(monitor: Monitor) -> dict[str, Any]:
    return {
        "name": monitor.name,
        "connector": monitor.connector,
        "tag": monitor.tag,
        "actions": ", ".join(monitor.actions or []),
        "every_minutes": monitor.interval_seconds // 60 if monitor.interval_seconds else None,
        "cron": monitor.cron,
        "timezone": monitor.timezone,
        "inputs": json.dumps(monitor.inputs, indent=1) if monitor.inputs else "",
        "alert_after": monitor.alert_after,
        "remind_every_hours": monitor.remind_every_hours,
        "channels": list(monitor.channels.all()),
        "active": monitor.active,
    }
