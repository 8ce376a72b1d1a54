from __future__ import annotations

import json

import pytest

from connectors.models import AlertChannel
from tests.helpers.api import ApiClient

pytestmark = pytest.mark.django_db

SLACK = "https://hooks.slack.com/services/T000/B000/abcdEFGH1234wxyz"


def test_an_admin_creates_a_channel_and_only_its_hint_comes_back(alice) -> None:
    api = ApiClient(alice)
    created = api.post("/alert-channels", {"name": "Ops", "kind": "slack", "target": SLACK})
    assert created.status_code == 201
    assert created.json()["target_hint"] == "hooks.slack.com …wxyz"
    listed = api.get("/alert-channels")
    assert listed.json()["count"] == 1 and listed.json()["items"][0] == created.json()
    for answer in (created, listed):
        assert "abcdEFGH1234wxyz" not in answer.content.decode()
    named = api.post("/alert-channels", {"kind": "email", "target": "oncall@example.com"})
    assert named.json()["name"] == "Email 1" and named.json()["target_hint"] == "oncall@example.com"


def test_a_bad_target_is_a_422_that_does_not_quote_it(alice) -> None:
    target = "https://user:pass@hooks.example.com/x"
    answer = ApiClient(alice).post("/alert-channels", {"kind": "webhook", "target": target})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "target"
    assert target not in answer.content.decode() and "pass@" not in answer.content.decode()
    kind = ApiClient(alice).post("/alert-channels", {"kind": "pager", "target": "x"})
    assert kind.status_code == 422 and kind.json()["errors"][0]["field"] == "kind"
    assert not AlertChannel.objects.exists()


def test_a_test_alert_reaches_the_receiver(alice, upstream) -> None:
    api = ApiClient(alice)
    created = api.post("/alert-channels", {"kind": "webhook", "target": f"{upstream.url}/hook"})
    delivered = api.post(f"/alert-channels/{created.json()['id']}/test")
    assert delivered.status_code == 200 and delivered.json()["ok"] is True
    assert delivered.json()["status"] == 200
    assert json.loads(upstream.received[0].body)["state"] == "test"
    assert api.post("/alert-channels/999/test").status_code == 404


def test_only_admins_see_or_manage_channels(bob, carol) -> None:
    for user in (bob, carol):
        api = ApiClient(user)
        assert api.get("/alert-channels").status_code == 403
        made = api.post("/alert-channels", {"kind": "email", "target": "a@example.com"})
        assert made.status_code == 403
    assert not AlertChannel.objects.exists()
