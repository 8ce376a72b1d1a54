"""Two people editing at once lose nothing: the second save is refused, its input kept.

Two real sessions (two Django test Clients logged in as different users), on whichever database
the suite runs on: CI runs it on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection

from connectors.catalog import versions
from connectors.models import Action, Connector, Revision
from tests.conftest import client_for
from tests.helpers.factories import action_post, connector_post, make_connector

pytestmark = pytest.mark.django_db


def hidden_version(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, "the form carries no version"
    return match.group(1)


def test_it_refuses_a_stale_connector_save_and_keeps_the_input(alice, bob) -> None:
    alice_client, bob_client = client_for(alice), client_for(bob)
    bob_client.post("/new/", connector_post(description="Models"))
    alice_form = alice_client.get("/connectors/OpenAI/edit/").content.decode()
    bob_form = bob_client.get("/connectors/OpenAI/edit/").content.decode()
    assert hidden_version(alice_form) == hidden_version(bob_form) == "1"

    saved = bob_client.post(
        "/connectors/OpenAI/edit/",
        connector_post(description="Models, chat and embeddings", version="1"),
    )
    assert saved.status_code == 302
    refused = alice_client.post(
        "/connectors/OpenAI/edit/",
        connector_post(display_name="OpenAI API", timeout_seconds="60", version="1"),
    )

    assert refused.status_code == 200
    html = refused.content.decode()
    assert "bob saved this connector while you were editing it" in html
    assert "Description: “Models” → “Models, chat and embeddings”" in html
    assert 'value="OpenAI API"' in html and 'value="60"' in html  # alice's input is still there
    assert hidden_version(html) == "2"  # her next save starts from what is there now
    connector = Connector.objects.get()
    assert (connector.description, connector.display_name, connector.version) == (
        "Models, chat and embeddings",
        "OpenAI",
        2,
    )


def test_saving_again_after_the_refusal_keeps_both_changes(alice, bob) -> None:
    alice_client, bob_client = client_for(alice), client_for(bob)
    bob_client.post("/new/", connector_post())
    bob_client.post("/connectors/OpenAI/edit/", connector_post(description="bob's", version="1"))
    refused = alice_client.post(
        "/connectors/OpenAI/edit/", connector_post(display_name="alice's", version="1")
    )
    merged = connector_post(
        display_name="alice's",
        description="bob's",
        version=hidden_version(refused.content.decode()),
    )
    assert alice_client.post("/connectors/OpenAI/edit/", merged).status_code == 302
    connector = Connector.objects.get()
    assert (connector.display_name, connector.description, connector.version) == (
        "alice's",
        "bob's",
        3,
    )


def test_a_stale_save_with_nothing_changed_is_refused_too(alice, bob) -> None:
    client_for(bob).post("/new/", connector_post())
    client_for(bob).post("/connectors/OpenAI/edit/", connector_post(description="x", version="1"))
    response = client_for(alice).post("/connectors/OpenAI/edit/", connector_post(version="1"))
    assert "saved this connector while you were editing it" in response.content.decode()
    assert Connector.objects.get().description == "x"


def test_it_refuses_a_stale_action_save_and_keeps_the_input(alice, bob) -> None:
    connector = make_connector()
    alice_client, bob_client = client_for(alice), client_for(bob)
    bob_client.post(
        f"/connectors/{connector.name}/new-action/",
        action_post(args=[{"name": "limit", "data_type": "number"}]),
    )
    action = Action.objects.get()
    edit_url = f"{action.get_absolute_url()}edit/"
    assert hidden_version(alice_client.get(edit_url).content.decode()) == "1"

    existing = {"args-INITIAL_FORMS": "1", "args-0-id": str(action.input_args.get().pk)}
    args = [{"name": "limit", "data_type": "number", "description": "How many"}]
    saved = bob_client.post(edit_url, action_post(args=args, version="1", **existing))
    assert saved.status_code == 302
    alices = [{"name": "limit", "data_type": "number"}, {"name": "cursor"}]
    refused = alice_client.post(
        edit_url, action_post(args=alices, path="/v1/models/all", version="1", **existing)
    )

    html = refused.content.decode()
    assert "bob saved this action while you were editing it" in html
    assert "Input Args" in html and "How many" in html  # what changed meanwhile
    assert 'value="/v1/models/all"' in html and 'value="cursor"' in html
    action.refresh_from_db()
    assert action.path == "/v1/models" and action.version == 2
    assert [a.name for a in action.input_args.all()] == ["limit"]


def test_the_admin_refuses_a_stale_save_too(alice, bob) -> None:
    alice.is_staff = bob.is_staff = True
    alice.save()
    bob.save()
    connector = make_connector(description="first")
    from connectors.catalog import history

    history.record(connector, Revision.Event.CREATED, bob)
    url = f"/admin/connectors/connector/{connector.pk}/change/"
    page = client_for(alice).get(url).content.decode()
    assert 'type="hidden" name="version" value="1"' in page

    from tests.test_admin import admin_post

    post = admin_post(description="bob's", version="1")
    assert client_for(bob).post(url, post).status_code == 302
    refused = client_for(alice).post(url, admin_post(description="alice's", version="1"))
    assert refused.status_code == 200
    assert "bob saved this connector while you were editing it" in refused.content.decode()
    connector.refresh_from_db()
    assert (connector.description, connector.version) == ("bob's", 2)


def test_a_save_that_names_no_version_still_bumps_it(bob) -> None:
    """API-like clients that send no version get last-write-wins, and the version moves on."""
    client = client_for(bob)
    client.post("/new/", connector_post())
    client.post("/connectors/OpenAI/edit/", connector_post(description="x"))
    assert Connector.objects.get().version == 2


@pytest.mark.django_db(transaction=True)
def test_two_saves_racing_from_the_same_version_let_exactly_one_through() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Two writers at once need PostgreSQL (CI runs this on its PostgreSQL leg).")
    connector = make_connector()
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def save(description: str) -> None:
        mine = Connector.objects.get(pk=connector.pk)
        mine.description = description
        start.wait()
        try:
            versions.save_versioned(mine, 1)
            outcomes.append("saved")
        except versions.StaleVersion:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(d,)) for d in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "saved"]
    assert Connector.objects.get().version == 2
