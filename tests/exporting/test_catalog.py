"""The catalog export carries the monitors of the connectors exported, their alert channels by
name: never a channel's URL, in any form."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from connectors.engine import monitors
from connectors.exporting import catalog as exporting_catalog
from connectors.models import Connector
from tests.conftest import client_for
from tests.helpers.factories import make_action, make_channel, make_connector

pytestmark = pytest.mark.django_db

HOOK_TOKEN = "T0/B0/exportCanaryHook4417"


@pytest.fixture
def watched(settings) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1"]
    shop = make_connector("Shop", base_url="https://shop.example.com")
    make_action(shop, "list_pets", path="/pets", tags=["smoke"])
    make_action(shop, "get_pet", path="/pets/{{id}}")
    billing = make_connector("Billing", base_url="https://billing.example.com")
    make_action(billing, "list_invoices", path="/invoices")
    hook = make_channel("slack", f"http://127.0.0.1:9/{HOOK_TOKEN}", name="Ops Slack")
    mail = make_channel("email", "ops@example.com", name="Ops mail")
    monitors.create_monitor(
        monitors.Values(
            name="Shop pets",
            connector="Shop",
            actions=("get_pet",),
            cron="0 9 * * 1-5",
            timezone="Europe/Paris",
            inputs={"get_pet": {"id": "7"}},
            alert_after=3,
            remind_every_hours=6,
            active=False,
        ),
        channels=[hook, mail],
    )
    monitors.create_monitor(
        monitors.Values(name="Smoke everywhere", tag="smoke", interval_seconds=600)
    )
    monitors.create_monitor(
        monitors.Values(name="Billing", connector="Billing", interval_seconds=300)
    )


def test_each_monitor_travels_with_its_settings_and_channel_names(watched) -> None:
    document = exporting_catalog.export_catalog(Connector.objects.order_by("name"))
    assert [m["name"] for m in document["monitors"]] == ["Billing", "Shop pets", "Smoke everywhere"]
    assert document["monitors"][1] == {
        "name": "Shop pets",
        "connector": "Shop",
        "tag": "",
        "actions": ["get_pet"],
        "inputs": {"get_pet": {"id": "7"}},
        "interval_seconds": None,
        "cron": "0 9 * * 1-5",
        "timezone": "Europe/Paris",
        "alert_after": 3,
        "remind_every_hours": 6,
        "active": False,
        "channels": ["Ops Slack", "Ops mail"],
    }


def test_only_the_monitors_of_the_connectors_chosen_go_along(watched) -> None:
    billing = exporting_catalog.export_catalog(Connector.objects.filter(name="Billing"))
    assert [m["name"] for m in billing["monitors"]] == ["Billing"]
    # A tag across every connector goes with a connector that has an action with that tag.
    shop = exporting_catalog.export_catalog(Connector.objects.filter(name="Shop"))
    assert [m["name"] for m in shop["monitors"]] == ["Shop pets", "Smoke everywhere"]


def test_no_export_holds_a_channels_url(watched, carol) -> None:
    out = io.StringIO()
    call_command("export_catalog", stdout=out)
    downloaded = client_for(carol).get("/export/?scope=all").content.decode()
    for text in (out.getvalue(), downloaded):
        assert '"Ops Slack"' in text
        for secret in ("exportCanaryHook", "4417", "127.0.0.1:9", "gAAAAA", "hooks"):
            assert secret not in text
    assert json.loads(downloaded)["monitors"][1]["channels"] == ["Ops Slack", "Ops mail"]
