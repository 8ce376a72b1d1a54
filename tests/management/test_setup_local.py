"""setup_local: the seeded OpenAI connector starts at version 1, so its Base URL comes back."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from connectors.management.commands import setup_local
from connectors.models import Connector, Revision
from tests.conftest import client_for
from tests.helpers.factories import connector_post

pytestmark = pytest.mark.django_db


def test_it_seeds_openai_at_version_1_whose_base_url_can_be_restored(
    alice, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(setup_local, "LOGIN_FILE", tmp_path / ".admin-login")
    call_command("setup_local", stdout=io.StringIO())
    connector = Connector.objects.get(name="OpenAI")
    first = Revision.objects.get(kind="connector", object_id=connector.pk)
    assert (first.version, first.event) == (1, Revision.Event.CREATED)
    assert Revision.objects.filter(kind="action", connector_name="OpenAI", version=1).exists()
    client = client_for(alice)
    moved = connector_post(base_url="http://127.0.0.1:9", version="1")
    assert client.post("/connectors/OpenAI/edit/", moved).status_code == 302
    assert Connector.objects.get().base_url == "http://127.0.0.1:9"
    client.post(f"/history/{first.pk}/restore/")
    assert Connector.objects.get().base_url == "https://api.openai.com"
