"""Importing a catalog's monitors: the preview says what each would do (create, unchanged,
conflict, not imported and why, channels that are not here); applying writes them with the
connectors, all or nothing, in history; export then import into an empty catalog gives the
same monitors."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils.html import escape

from connectors.catalog import writes
from connectors.catalog.document import FormatError
from connectors.engine import monitors, schedules
from connectors.exporting import catalog as exporting_catalog
from connectors.importing import apply
from connectors.importing.readers import catalog as readers_catalog
from connectors.models import AlertChannel, Connector, Monitor, Revision
from tests.conftest import client_for
from tests.helpers.factories import make_action, make_channel, make_connector
from tests.helpers.previewed import import_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog() -> None:
    shop = make_connector("Shop", base_url="https://shop.example.com")
    make_action(shop, "list_pets", path="/pets", tags=["smoke"])
    make_action(shop, "get_pet", path="/pets/{{id}}")
    ops = make_channel("email", "ops@example.com", name="Ops mail")
    make_channel("email", "oncall@example.com", name="On-call")
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
        channels=[ops],
    )
    monitors.create_monitor(
        monitors.Values(name="Smoke everywhere", tag="smoke", interval_seconds=600)
    )


def exported() -> dict:
    return exporting_catalog.export_catalog(Connector.objects.order_by("name"))


def monitors_now() -> list[dict]:
    return exported()["monitors"]


def test_export_then_import_into_an_empty_catalog_gives_the_same_monitors(catalog, alice) -> None:
    document = exported()
    before = document["monitors"]
    Monitor.objects.all().delete()
    Connector.objects.all().delete()
    text = exporting_catalog.dumps(document)

    preview = client_for(alice).post("/import/", {"text": text}).content.decode()
    assert "Shop pets" in preview and "Smoke everywhere" in preview
    assert "cron 0 9 * * 1-5 (Europe/Paris)" in preview and "Create (paused)" in preview
    assert not Monitor.objects.exists()

    response = import_catalog(client_for(alice), text, follow=True)
    assert "Monitors: 2 created." in response.content.decode()
    assert monitors_now() == before
    shop_pets = Monitor.objects.get(name="Shop pets")
    assert shop_pets.created_by == alice and not shop_pets.active
    assert shop_pets.next_run_at is not None
    # Monitors made together start at their own phase of their interval, not all at once;
    # a cron schedule keeps its exact times.
    smoke = Monitor.objects.get(name="Smoke everywhere")
    assert smoke.next_run_at == schedules.spread_slot(
        smoke.pk, 600, smoke.next_run_at - timedelta(seconds=600)
    )
    assert smoke.next_run_at > smoke.created_at
    assert shop_pets.next_run_at == schedules.next_slot(
        interval_seconds=None,
        cron="0 9 * * 1-5",
        timezone_name="Europe/Paris",
        after=shop_pets.created_at,
    )
    created = Revision.objects.filter(kind="monitor", event="created", note="Imported")
    assert created.count() == 2 and {r.user for r in created} == {alice}


def test_a_channel_that_is_not_here_is_reported_and_left_out(catalog, alice) -> None:
    document = exported()
    document["monitors"][0]["channels"] = ["Ops mail", "Pager"]
    document["monitors"][0]["name"] = "Shop pets again"
    text = json.dumps(document)
    preview = client_for(alice).post("/import/", {"text": text}).content.decode()
    assert "Alert channels not here, left out: Pager." in preview
    response = import_catalog(client_for(alice), text, follow=True)
    page = response.content.decode()
    assert (
        "These alert channels do not exist here and were left out of the monitors: Pager." in page
    )
    again = Monitor.objects.get(name="Shop pets again")
    assert [c.name for c in again.channels.all()] == ["Ops mail"]
    assert not AlertChannel.objects.filter(name="Pager").exists()


def test_a_monitor_that_breaks_a_rule_is_not_imported_and_the_preview_says_why(
    catalog, alice, settings
) -> None:
    settings.STUDIO_MONITOR_MIN_INTERVAL_SECONDS = 900
    document = exported()
    document["monitors"] = [
        {**document["monitors"][1], "name": "Too often"},
        {**document["monitors"][0], "name": "Nowhere", "connector": "Gone"},
        {**document["monitors"][0], "name": "Lost action", "actions": ["delete_pet"]},
        {**document["monitors"][0], "name": "Bad zone", "timezone": "Mars/Olympus"},
        {**document["monitors"][0], "name": "Fine"},
    ]
    text = json.dumps(document)
    page = client_for(alice).post("/import/", {"text": text}).content.decode()
    assert page.count("Not imported") == 4
    assert "Every (minutes): Run at most once every 15 minutes." in page
    assert "Connector: There is no connector named Gone." in page
    assert "Connector: Shop has no action delete_pet." in page
    assert "Time zone:" in page
    applied = import_catalog(client_for(alice), text, follow=True)
    assert "Monitor Nowhere not imported: Connector: There is no connector named Gone." in (
        applied.content.decode()
    )
    assert set(Monitor.objects.values_list("name", flat=True)) == {
        "Shop pets",
        "Smoke everywhere",
        "Fine",
    }


def test_a_monitor_may_run_a_connector_the_same_file_creates(catalog, alice) -> None:
    document = exported()
    shop = document["connectors"][0]
    document["connectors"] = [{**shop, "name": "Shop2"}]
    document["monitors"] = [{**document["monitors"][0], "name": "Shop2 pets", "connector": "Shop2"}]
    text = json.dumps(document)
    page = client_for(alice).post("/import/", {"text": text}).content.decode()
    assert "Not imported" not in page
    import_catalog(client_for(alice), text)
    assert Monitor.objects.get(name="Shop2 pets").connector == "Shop2"


def test_a_conflict_is_skipped_unless_overwritten(catalog, alice) -> None:
    document = exported()
    document["monitors"][0]["alert_after"] = 5
    document["monitors"][0]["channels"] = ["On-call"]
    text = json.dumps(document)
    page = client_for(alice).post("/import/", {"text": text}).content.decode()
    assert "Conflict: a monitor named Shop pets differs" in page
    assert "Fields that differ: Alert after, Channels." in page

    skipped = import_catalog(client_for(alice), text, follow=True)
    assert "Monitors: 1 skipped, 1 unchanged." in skipped.content.decode()
    assert Monitor.objects.get(name="Shop pets").alert_after == 3

    import_catalog(client_for(alice), text, {"monitor-choice-Shop pets": "overwrite"})
    shop_pets = Monitor.objects.get(name="Shop pets")
    assert shop_pets.alert_after == 5
    assert [c.name for c in shop_pets.channels.all()] == ["On-call"]
    latest = Revision.objects.filter(kind="monitor", object_id=shop_pets.pk).first()
    assert (latest.event, latest.note) == ("changed", "Imported (overwrite)")


def test_monitors_are_written_all_or_nothing_with_the_connectors(
    catalog, alice, monkeypatch
) -> None:
    document = exported()
    Monitor.objects.all().delete()
    Connector.objects.all().delete()

    def fail(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(writes, "create_actions", fail)
    with pytest.raises(RuntimeError):
        apply.apply_catalog(readers_catalog.parse(json.dumps(document)), {}, alice)
    assert not Monitor.objects.exists() and not Revision.objects.exists()


def test_a_malformed_monitor_names_its_place(alice) -> None:
    base = {"format": "connector-studio-catalog", "version": 1, "connectors": []}
    cases = [
        ("nope", '"monitors" must be a list.'),
        (["x"], "monitors[0] has the wrong type."),
        ([{"name": "a", "interval_seconds": "300"}], "monitors[0].interval_seconds has the wrong"),
        ([{"name": "a", "alert_after": True}], "monitors[0].alert_after has the wrong type."),
        ([{"name": "a", "channels": [3]}], "monitors[0].channels must be a list of names."),
        ([{"name": "a"}, {"name": "a"}], "Monitor a appears twice."),
        ([{"connector": "Shop"}], "monitors[0].name has the wrong type."),
    ]
    for given, message in cases:
        response = client_for(alice).post(
            "/import/", {"text": json.dumps({**base, "monitors": given})}
        )
        assert response.status_code == 400, message
        assert escape(message) in response.content.decode(), message
    # A catalog from before monitors travelled still reads.
    assert readers_catalog.parse(json.dumps(base))["monitors"] == []


def test_the_import_command_prints_and_applies_the_monitors(catalog, tmp_path) -> None:
    document = exported()
    document["monitors"][0]["alert_after"] = 4
    document["monitors"].append({**document["monitors"][1], "name": "New smoke"})
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(document))
    out = io.StringIO()
    call_command("import_catalog", str(path), "--dry-run", stdout=out)
    printed = out.getvalue()
    assert "conflict (skip)      monitor Shop pets (fields: Alert after)" in printed
    assert "create               monitor New smoke" in printed
    assert not Monitor.objects.filter(name="New smoke").exists()
    call_command("import_catalog", str(path), "--overwrite", stdout=io.StringIO())
    assert Monitor.objects.get(name="Shop pets").alert_after == 4
    assert Monitor.objects.filter(name="New smoke").exists()


def test_action_tags_travel_so_a_monitor_of_a_tag_finds_them(catalog) -> None:
    document = exported()
    parsed = readers_catalog.parse(json.dumps(document))
    assert {a["name"]: a["tags"] for a in parsed["connectors"][0]["actions"]} == {
        "get_pet": [],
        "list_pets": ["smoke"],
    }
    document["connectors"][0]["actions"][0]["tags"] = ["ok", 7]
    with pytest.raises(FormatError, match=r"Shop.actions\[0\].tags must be a list of names"):
        readers_catalog.parse(json.dumps(document))
