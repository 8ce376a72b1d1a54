"""A monitor's history: every change from the pages, the API and the admin, who and when, in
the form's words; Recently deleted lists a deleted monitor and an Admin undoes it."""

from __future__ import annotations

import pytest

from connectors.engine import monitors
from connectors.models import AlertChannel, Connector, Monitor, Revision
from tests.conftest import client_for
from tests.helpers.api import ApiClient
from tests.helpers.factories import make_action, make_channel, make_connector

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Shop watch",
    "connector": "Shop",
    "every_minutes": "5",
    "timezone": "UTC",
    "alert_after": "2",
    "active": "on",
}


@pytest.fixture
def shop() -> None:
    connector = make_connector("Shop", base_url="https://shop.example.com")
    make_action(connector, "list_pets", path="/pets")


def revisions_of(monitor_id: int) -> list[Revision]:
    return list(Revision.objects.filter(kind="monitor", object_id=monitor_id))


def test_creating_editing_pausing_resuming_and_deleting_are_recorded(bob, carol, shop) -> None:
    client = client_for(bob)
    client.post("/monitors/new/", GOOD)
    monitor = Monitor.objects.get()
    client.post(f"/monitors/{monitor.pk}/edit/", {**GOOD, "every_minutes": "10", "tag": ""})
    client.post(f"/monitors/{monitor.pk}/pause/")
    client.post(f"/monitors/{monitor.pk}/pause/")
    found = revisions_of(monitor.pk)
    assert [(r.event, r.note, r.user) for r in found] == [
        ("changed", "Resumed", bob),
        ("changed", "Paused", bob),
        ("changed", "", bob),
        ("created", "", bob),
    ]

    page = client_for(carol).get(f"/monitors/{monitor.pk}/").content.decode()
    assert f'href="/monitors/{monitor.pk}/history/"' in page
    history_page = client_for(carol).get(f"/monitors/{monitor.pk}/history/").content.decode()
    assert "History of monitor Shop watch" in history_page
    assert "changed by bob" in history_page and "Paused" in history_page
    assert "<td>Every (minutes)</td>" in history_page
    assert '<pre class="diff-old">5</pre>' in history_page
    assert '<pre class="diff-new">10</pre>' in history_page
    assert "<td>Active</td>" in history_page

    client.post(f"/monitors/{monitor.pk}/delete/")
    assert revisions_of(monitor.pk)[0].event == "deleted"
    # Its history stays readable once it is gone.
    assert client_for(carol).get(f"/monitors/{monitor.pk}/history/").status_code == 200


def test_a_refused_edit_records_nothing(bob, shop) -> None:
    client = client_for(bob)
    client.post("/monitors/new/", GOOD)
    monitor = Monitor.objects.get()
    response = client.post(f"/monitors/{monitor.pk}/edit/", {**GOOD, "cron": "61 * * * *"})
    assert response.status_code == 400
    assert len(revisions_of(monitor.pk)) == 1


def test_the_api_and_the_admin_record_too(alice, shop) -> None:
    api = ApiClient(alice)
    created = api.post(
        "/monitors", {"name": "API watch", "connector": "Shop", "interval_seconds": 300}
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    assert api.patch(f"/monitors/{pk}", {"alert_after": 5}).status_code == 200
    assert api.delete(f"/monitors/{pk}").status_code == 204
    assert [(r.event, r.user) for r in revisions_of(pk)] == [
        ("deleted", alice),
        ("changed", alice),
        ("created", alice),
    ]

    alice.is_staff = True
    alice.save()
    admin = client_for(alice)
    added = admin.post(
        "/admin/connectors/monitor/add/",
        {
            "name": "Admin watch",
            "connector": "Shop",
            "tag": "",
            "actions": "[]",
            "interval_seconds": "300",
            "cron": "",
            "timezone": "UTC",
            "inputs": "{}",
            "alert_after": "2",
            "active": "on",
        },
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    monitor = Monitor.objects.get(name="Admin watch")
    admin.post(f"/admin/connectors/monitor/{monitor.pk}/delete/", {"post": "yes"})
    assert [r.event for r in revisions_of(monitor.pk)] == ["deleted", "created"]


def test_an_admin_undoes_a_deletion_under_the_same_id_with_its_channels(
    alice, bob, carol, shop
) -> None:
    ops = make_channel("email", "ops@example.com", name="Ops")
    gone = make_channel("email", "gone@example.com", name="Gone")
    client_for(bob).post("/monitors/new/", {**GOOD, "channels": [ops.pk, gone.pk]})
    monitor = Monitor.objects.get()
    client_for(bob).post(f"/monitors/{monitor.pk}/delete/")
    AlertChannel.objects.filter(name="Gone").delete()

    listed = client_for(carol).get("/history/deleted/").content.decode()
    assert "Monitor <strong>Shop watch</strong>" in listed
    assert "Undo the deletion of" not in listed  # a Viewer sees it, an Admin undoes it
    deleted = revisions_of(monitor.pk)[0]
    assert client_for(bob).post(f"/history/{deleted.pk}/restore/").status_code == 403

    response = client_for(alice).post(f"/history/{deleted.pk}/restore/", follow=True)
    page = response.content.decode()
    assert "Brought back monitor Shop watch." in page
    assert "These alert channels are gone and were left out: Gone." in page
    back = Monitor.objects.get()
    assert back.pk == monitor.pk and list(back.channels.all()) == [ops]
    assert back.next_run_at is not None and back.created_by == alice
    assert revisions_of(monitor.pk)[0].note == "Undid the deletion"
    assert "Shop watch" not in client_for(alice).get("/history/deleted/").content.decode()


def test_an_admin_restores_an_earlier_version(alice, bob, shop) -> None:
    client_for(bob).post("/monitors/new/", GOOD)
    monitor = Monitor.objects.get()
    client_for(bob).post(
        f"/monitors/{monitor.pk}/edit/", {**GOOD, "every_minutes": "", "cron": "0 9 * * *"}
    )
    first = revisions_of(monitor.pk)[-1]
    detail = client_for(alice).get(f"/history/{first.pk}/").content.decode()
    assert "What restoring it would change" in detail and "<td>Cron</td>" in detail
    client_for(alice).post(f"/history/{first.pk}/restore/")
    monitor.refresh_from_db()
    assert (monitor.interval_seconds, monitor.cron) == (300, "")
    assert revisions_of(monitor.pk)[0].note == "Restored version 1"


def test_a_monitor_whose_connector_is_gone_is_not_restored_half_way(alice, bob, shop) -> None:
    client_for(bob).post("/monitors/new/", GOOD)
    monitor = Monitor.objects.get()
    client_for(bob).post(f"/monitors/{monitor.pk}/delete/")
    Connector.objects.all().delete()
    deleted = revisions_of(monitor.pk)[0]
    response = client_for(alice).post(f"/history/{deleted.pk}/restore/", follow=True)
    assert "cannot be restored: There is no connector named Shop." in response.content.decode()
    assert not Monitor.objects.exists()
    assert revisions_of(monitor.pk)[0] == deleted


def test_deleting_a_channel_is_a_change_of_the_monitors_that_used_it(alice, bob, shop) -> None:
    ops = make_channel("email", "ops@example.com", name="Ops")
    monitor = monitors.create_monitor(
        monitors.Values(name="Shop watch", connector="Shop", interval_seconds=300), channels=[ops]
    )
    client_for(alice).post(f"/alert-channels/{ops.pk}/delete/")
    latest = revisions_of(monitor.pk)[0]
    assert (latest.event, latest.note, latest.snapshot["channels"]) == (
        "changed",
        "Alert channel Ops was deleted",
        [],
    )
