"""History of monitors and alert channels: snapshots and diffs in the forms' own words; a
channel's URL is never in a snapshot or a diff, only that it was set or changed."""

from __future__ import annotations

import json

import pytest

from connectors.catalog import history, monitor_history
from connectors.engine import channels, monitors
from connectors.forms.alert_channel import AlertChannelForm
from connectors.forms.monitor import FIELD_OF, MonitorForm
from connectors.models import Revision
from tests.helpers.factories import make_action, make_channel, make_connector

pytestmark = pytest.mark.django_db

URL_TOKEN = "T0001/B0002/canaryHookToken7731"


@pytest.fixture
def shop() -> None:
    connector = make_connector("Shop", base_url="https://shop.example.com")
    make_action(connector, "list_pets", path="/pets")
    make_action(connector, "get_pet", path="/pets/{{id}}")


def test_a_monitors_fields_are_labelled_as_its_form_labels_them() -> None:
    form = MonitorForm()
    for field, label in monitor_history.MONITOR_LABELS.items():
        assert form.fields[FIELD_OF.get(field, field)].label == label, field
    for field, label in monitor_history.CHANNEL_LABELS.items():
        assert AlertChannelForm().fields[field].label == label


def test_a_monitor_change_reads_as_its_form(shop) -> None:
    ops = make_channel("email", "ops@example.com", name="Ops")
    monitor = monitors.create_monitor(
        monitors.Values(name="Shop watch", connector="Shop", interval_seconds=300)
    )
    before = history.snapshot(monitor)
    monitors.update_monitor(
        monitor,
        monitors.Values(
            name="Shop watch",
            connector="Shop",
            actions=("get_pet", "list_pets"),
            cron="0 9 * * 1-5",
            timezone="Europe/Paris",
            inputs={"get_pet": {"id": "7"}},
            alert_after=3,
            remind_every_hours=4,
            active=False,
        ),
        channels=[ops],
    )
    changes = {
        c.field: (c.old, c.new) for c in history.diff(before, history.snapshot(monitor), "monitor")
    }
    assert changes == {
        "Actions": ("", "get_pet, list_pets"),
        "Inputs": ("", json.dumps({"get_pet": {"id": "7"}}, indent=2)),
        "Every (minutes)": ("5", ""),
        "Cron": ("", "0 9 * * 1-5"),
        "Time zone": ("UTC", "Europe/Paris"),
        "Alert after": ("2", "3"),
        "Remind every (hours)": ("", "4"),
        "Channels": ("", "Ops"),
        "Active": ("on", "off"),
    }


def test_a_channels_snapshot_and_diff_hold_no_url(settings) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1"]
    channel = make_channel("slack", f"http://127.0.0.1:9/{URL_TOKEN}", name="Ops Slack")
    first = history.snapshot(channel)
    channels.save_channel(
        channel, name="Ops Slack", kind="slack", target=f"http://127.0.0.1:9/x/{URL_TOKEN}"
    )
    second = history.snapshot(channel)
    for data in (first, second):
        text = json.dumps(data)
        assert "canaryHookToken" not in text and "7731" not in text and "127.0.0.1" not in text
        assert "gAAAAA" not in text  # nor the URL sealed
    assert [tuple(c) for c in history.diff(first, second, "channel")] == [
        ("Target URL", "set", "changed", True)
    ]
    kept = history.snapshot(channel)
    channels.save_channel(channel, name="Ops Slack", kind="slack", target="")
    assert history.diff(kept, history.snapshot(channel), "channel") == []  # blank keeps it
    channels.save_channel(channel, name="Ops mail", kind="email", target="ops@example.com")
    changes = [tuple(c) for c in history.diff(kept, history.snapshot(channel), "channel")]
    assert changes == [
        ("Name", "Ops Slack", "Ops mail", False),
        ("Kind", "Slack incoming webhook", "Email", False),
        ("Target", "", "ops@example.com", False),
        ("Target URL", "set", "not set", True),
    ]


def test_monitor_and_channel_revisions_number_themselves(shop, alice) -> None:
    monitor = monitors.create_monitor(
        monitors.Values(name="Shop watch", connector="Shop", interval_seconds=300)
    )
    for event in ("created", "changed", "changed"):
        history.record(monitor, event, alice)
    found = Revision.objects.filter(kind="monitor", object_id=monitor.pk)
    assert [r.version for r in found] == [3, 2, 1]
    assert found[0].object_name == "Shop watch" and found[0].user == alice
    long_name = "A" * 100  # longer than a connector's Name may be
    channel = make_channel("email", "ops@example.com", name=long_name)
    assert history.record(channel, "created", alice).object_name == long_name
