from __future__ import annotations

import pytest

from connectors.models import Monitor
from tests.helpers.api import ApiClient
from tests.helpers.factories import make_action, make_channel, make_connector

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(upstream) -> None:
    connector = make_connector("Shop", base_url=upstream.url)
    make_action(connector, "list_pets", path="/pets", tags=["pets"])
    make_action(connector, "get_pet", path="/pets/7")


def test_a_developer_creates_a_monitor_and_everyone_reads_it(shop, bob, carol) -> None:
    channel = make_channel("email", "oncall@example.com")
    answer = ApiClient(bob).post(
        "/monitors",
        {
            "name": "Shop hourly",
            "connector": "Shop",
            "interval_seconds": 3600,
            "alert_after": 3,
            "channels": [channel.pk],
        },
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    monitor = Monitor.objects.get()
    assert body["id"] == monitor.pk and body["url"] == f"http://testserver/monitors/{monitor.pk}/"
    assert body["channels"] == [channel.pk] and body["alert_after"] == 3
    assert (body["state"], body["last_run"], body["active"]) == ("pending", None, True)
    assert body["uptime"] == {"24h": None, "7d": None, "30d": None}
    assert body["next_run_at"] is not None
    listed = ApiClient(carol).get("/monitors").json()
    assert listed["count"] == 1 and listed["items"][0] == body
    assert ApiClient(carol).get(f"/monitors/{monitor.pk}").json() == body


def test_a_patch_changes_only_what_it_names(shop, bob) -> None:
    api = ApiClient(bob)
    created = api.post(
        "/monitors", {"name": "Pets", "connector": "Shop", "tag": "pets", "interval_seconds": 300}
    ).json()
    cron = api.patch(
        f"/monitors/{created['id']}", {"cron": "0 9 * * 1-5", "timezone": "Europe/Paris"}
    )
    assert cron.status_code == 200, cron.json()
    assert cron.json()["cron"] == "0 9 * * 1-5" and cron.json()["interval_seconds"] is None
    assert cron.json()["tag"] == "pets" and cron.json()["name"] == "Pets"
    paused = api.patch(f"/monitors/{created['id']}", {"active": False}).json()
    assert paused["state"] == "paused" and paused["next_run_at"] is None
    back = api.patch(f"/monitors/{created['id']}", {"interval_seconds": 600, "active": True}).json()
    assert back["cron"] == "" and back["interval_seconds"] == 600 and back["state"] == "pending"


def test_every_problem_is_a_422_naming_its_field_and_nothing_is_saved(shop, bob) -> None:
    api = ApiClient(bob)
    answer = api.post(
        "/monitors",
        {"name": "Bad", "connector": "Nope", "cron": "every day", "timezone": "Mars/Base"},
    )
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert "connector" in fields and "timezone" in fields
    often = api.post("/monitors", {"name": "Often", "connector": "Shop", "interval_seconds": 5})
    assert often.json()["errors"][0]["field"] == "interval_seconds"
    assert "at most once every" in often.json()["errors"][0]["message"]
    channel = api.post(
        "/monitors", {"name": "C", "connector": "Shop", "interval_seconds": 600, "channels": [999]}
    )
    assert channel.status_code == 422 and channel.json()["errors"][0]["field"] == "channels"
    extra = api.post("/monitors", {"name": "X", "connector": "Shop", "colour": "red"})
    assert extra.status_code == 422 and extra.json()["errors"][0]["field"] == "colour"
    assert not Monitor.objects.exists()
    created = api.post("/monitors", {"name": "Ok", "connector": "Shop", "interval_seconds": 600})
    bad_patch = api.patch(f"/monitors/{created.json()['id']}", {"actions": ["gone"]})
    assert bad_patch.status_code == 422 and bad_patch.json()["errors"][0]["field"] == "actions"
    assert Monitor.objects.get().actions == []


def test_a_viewer_reads_monitors_but_may_not_manage_them(shop, bob, carol) -> None:
    created = (
        ApiClient(bob)
        .post("/monitors", {"name": "Shop", "connector": "Shop", "interval_seconds": 600})
        .json()
    )
    viewer = ApiClient(carol)
    assert viewer.post("/monitors", {"name": "V", "connector": "Shop"}).status_code == 403
    assert viewer.patch(f"/monitors/{created['id']}", {"active": False}).status_code == 403
    assert viewer.delete(f"/monitors/{created['id']}").status_code == 403
    assert Monitor.objects.get().active


def test_a_developer_deletes_a_monitor(shop, bob) -> None:
    api = ApiClient(bob)
    created = api.post("/monitors", {"name": "S", "connector": "Shop", "interval_seconds": 600})
    gone = api.delete(f"/monitors/{created.json()['id']}")
    assert gone.status_code == 204 and gone.content == b""
    assert not Monitor.objects.exists()
    assert api.get(f"/monitors/{created.json()['id']}").status_code == 404
