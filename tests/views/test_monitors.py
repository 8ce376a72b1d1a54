"""Monitor pages: Viewers read, Developers and Admins manage; every field error at once; the
monitor page's SVG charts and incident timeline; pause, resume, delete; the connector badge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.engine import monitors
from connectors.models import Incident, Monitor, SuiteRun
from tests.conftest import client_for
from tests.helpers.factories import make_action, make_connector

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


def a_monitor(**values) -> Monitor:
    values.setdefault("connector", "Shop")
    return monitors.create_monitor(
        monitors.Values(name="Shop watch", interval_seconds=300, **values)
    )


def test_it_creates_a_monitor_from_the_form(bob, shop) -> None:
    response = client_for(bob).post("/monitors/new/", GOOD)
    monitor = Monitor.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/monitors/{monitor.pk}/"
    assert monitor.interval_seconds == 300 and monitor.state == "pending"
    assert monitor.next_run_at is not None and monitor.created_by == bob


def test_it_shows_every_field_error_at_once_and_saves_nothing(bob, shop) -> None:
    bad = {
        **GOOD,
        "connector": "",
        "tag": "nothing-has-this",
        "every_minutes": "",
        "cron": "61 * * * *",
        "inputs": "{not json",
        "alert_after": "0",
    }
    response = client_for(bob).post("/monitors/new/", bad)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is no action to test in this choice." in page
    assert "This cron expression cannot be read" in page
    assert "This is not JSON" in page
    assert "Ensure this value is greater than or equal to 1." in page
    assert Monitor.objects.count() == 0


def test_it_refuses_a_schedule_below_the_minimum(bob, shop, settings) -> None:
    settings.STUDIO_MONITOR_MIN_INTERVAL_SECONDS = 600
    response = client_for(bob).post("/monitors/new/", GOOD)
    assert response.status_code == 400
    assert "Run at most once every 10 minutes." in response.content.decode()


def test_viewers_read_but_cannot_manage(carol, shop) -> None:
    monitor = a_monitor()
    client = client_for(carol)
    assert client.get("/monitors/").status_code == 200
    assert client.get(f"/monitors/{monitor.pk}/").status_code == 200
    assert client.get("/monitors/new/").status_code == 403
    assert client.post("/monitors/new/", GOOD).status_code == 403
    assert client.post(f"/monitors/{monitor.pk}/pause/").status_code == 403
    assert client.post(f"/monitors/{monitor.pk}/delete/").status_code == 403
    assert client.post(f"/monitors/{monitor.pk}/edit/", GOOD).status_code == 403
    assert Monitor.objects.get().active


def test_it_pauses_resumes_edits_and_deletes(bob, shop) -> None:
    monitor = a_monitor()
    client = client_for(bob)
    client.post(f"/monitors/{monitor.pk}/pause/")
    assert Monitor.objects.get().state == "paused"
    assert "paused" in client.get("/monitors/").content.decode()
    client.post(f"/monitors/{monitor.pk}/pause/")
    assert Monitor.objects.get().active
    response = client.post(
        f"/monitors/{monitor.pk}/edit/",
        {**GOOD, "every_minutes": "", "cron": "0 9 * * 1-5", "timezone": "Europe/Paris"},
    )
    assert response.status_code == 302
    assert Monitor.objects.get().schedule_text == "cron 0 9 * * 1-5 (Europe/Paris)"
    Incident.objects.create(monitor=monitor, monitor_name=monitor.name, closed_at=timezone.now())
    client.post(f"/monitors/{monitor.pk}/delete/")
    assert Monitor.objects.count() == 0 and Incident.objects.count() == 1  # incidents are kept


def test_the_monitor_page_draws_svg_charts_and_the_incident_timeline(carol, shop) -> None:
    monitor = a_monitor()
    now = timezone.now()
    for minutes, passed in ((20, True), (10, False)):
        run = SuiteRun.objects.create(
            monitor=monitor,
            slot_at=now - timedelta(minutes=minutes),
            scope={},
            scope_key="k",
            title="Shop",
            status="finished",
            total=1,
            passed=int(passed),
            failed=int(not passed),
            finished_at=now - timedelta(minutes=minutes),
        )
        run.results.create(
            position=0,
            connector_name="Shop",
            action_name="list_pets",
            outcome="passed" if passed else "failed",
            elapsed_ms=120.0 + minutes,
        )
    Incident.objects.create(
        monitor=monitor,
        monitor_name=monitor.name,
        opened_by=run,
        failing=["Shop.list_pets"],
        deliveries=[{"kind": "failing", "channel": "Ops", "ok": True, "summary": "200 OK"}],
    )
    page = client_for(carol).get(f"/monitors/{monitor.pk}/").content.decode()
    assert (
        page.count("<svg") == 2
        and "<polyline" in page
        and "<script" not in page.split("<main", 1)[-1]
    )
    assert (
        "Failing since" in page
        and "Shop.list_pets" in page
        and "failing alert to Ops: delivered" in page
    )
    assert "24h: 50%" in page
    assert f'href="/suite-runs/{run.pk}/"' in page


def test_the_catalog_and_connector_pages_show_a_monitored_connectors_state(carol, shop) -> None:
    monitor = a_monitor()
    monitor.health = Monitor.Health.FAILING
    monitor.save()
    client = client_for(carol)
    assert "monitor failing" in client.get("/").content.decode()
    assert "monitor failing" in client.get("/connectors/Shop/").content.decode()


def test_monitor_data_is_what_an_api_answers(shop) -> None:
    monitor = a_monitor(tag="")
    data = monitors.monitor_data(monitor)
    assert data["state"] == "pending" and data["last_run"] is None
    assert set(data["uptime"]) == {"24h", "7d", "30d"} and data["interval_seconds"] == 300


def test_an_interrupted_runs_page_says_so_and_stops_polling(carol, shop) -> None:
    monitor = a_monitor()
    run = SuiteRun.objects.create(
        monitor=monitor,
        slot_at=timezone.now(),
        scope={},
        scope_key="k",
        title="Shop",
        status="interrupted",
        total=1,
        problem="Interrupted: the worker running this suite run stopped before the end.",
    )
    page = client_for(carol).get(f"/suite-runs/{run.pk}/").content.decode()
    assert "Interrupted: 0 of 1 action tested." in page and "hx-trigger" not in page
    assert f'href="/monitors/{monitor.pk}/"' in page
