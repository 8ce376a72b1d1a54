"""The alert channel form: a name, a kind and a target; a webhook URL is never shown back."""

from __future__ import annotations

from typing import Any

from django import forms

from connectors.models import AlertChannel


class TargetInput(forms.TextInput):
    """A text input that renders an email address back, never a URL (a channel's secret)."""

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
        if value and "://" in str(value):
            value = ""
        return super().get_context(name, value, attrs)


class AlertChannelForm(forms.Form):
    """Parsed here; the rules (address, URL, guard, unique name) are the service's
    (connectors.engine.channels), whose errors the view puts next to these fields."""

    name = forms.CharField(label="Name", max_length=100, help_text="e.g. On-call email.")
    kind = forms.ChoiceField(label="Kind", choices=AlertChannel.Kind.choices)
    target = forms.CharField(
        label="Target",
        max_length=2000,
        widget=TargetInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "mono"}),
        help_text="Email: the address alerts go to. Webhook, Slack or Teams: the URL alerts are "
        "posted to. A URL is kept secret: only its host and last 4 characters are shown again.",
    )


class AlertChannelEditForm(AlertChannelForm):
    """Editing a channel: the Target is write-only, blank keeps the one stored."""

    def __init__(self, *args: Any, channel: AlertChannel, **kwargs: Any) -> None:
        if not args and "data" not in kwargs:
            kwargs["initial"] = {"name": channel.name, "kind": channel.kind}
        super().__init__(*args, **kwargs)
        self.channel = channel
        target = self.fields["target"]
        target.required = False
        target.help_text = (
            "Leave blank to keep it. Type a new email address or URL to replace it; a URL is "
            "kept secret and never shown again."
        )
