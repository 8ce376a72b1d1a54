"""History: every change recorded with who, when and a field-by-field diff; restore; undo."""

from __future__ import annotations

import pytest

from connectors.catalog import history, restore
from connectors.models import Action, Connector, Credential, InputArg, Revision
from connectors.secrets import sealing
from tests.conftest import client_for
from tests.helpers.factories import action_post, connector_post, make_connector

pytestmark = pytest.mark.django_db

FIRST_KEY = "sk-first-key-000111222333"
SECOND_KEY = "sk-second-key-444555666777"


@pytest.fixture
def edited(bob) -> Connector:
    """OpenAI made by bob with a literal key, then edited by bob: new description, new key."""
    client = client_for(bob)
    client.post("/new/", connector_post(description="Models", **{"auth-api_key": FIRST_KEY}))
    client.post(
        "/connectors/OpenAI/edit/",
        connector_post(description="Models and chat", version="1", **{"auth-api_key": SECOND_KEY}),
    )
    return Connector.objects.get()


def connector_revisions(connector: Connector) -> list[Revision]:
    return list(Revision.objects.filter(kind="connector", object_id=connector.pk))


def test_it_records_who_changed_what_field_by_field(edited, bob, carol) -> None:
    changed, created = connector_revisions(edited)
    assert (created.event, created.version, created.user) == ("created", 1, bob)
    assert (changed.event, changed.version) == ("changed", 2)
    page = client_for(carol).get("/connectors/OpenAI/history/").content.decode()
    assert "Version 2" in page and "changed by bob" in page
    assert "Models and chat" in page and "<td>Description</td>" in page
    assert "Version 1" in page and "created by bob" in page


def test_secrets_appear_only_as_changed_in_history(edited, carol) -> None:
    changes = history.diff(*[r.snapshot for r in reversed(connector_revisions(edited))])
    assert history.Change("Api Key", "set", "changed", secret=True) in changes
    page = client_for(carol).get("/connectors/OpenAI/history/").content.decode()
    for value in (FIRST_KEY, SECOND_KEY, FIRST_KEY[-4:], SECOND_KEY[-4:]):
        assert value not in page
    # The snapshot holds the secret sealed, never as plaintext.
    stored = connector_revisions(edited)[0].snapshot["auth_secrets"]["api_key"]
    assert sealing.unseal(stored["sealed"]) == SECOND_KEY
    assert SECOND_KEY not in str(connector_revisions(edited)[0].snapshot)


def test_the_connector_and_action_pages_link_to_their_history(edited, carol) -> None:
    client = client_for(carol)
    assert (
        'href="/connectors/OpenAI/history/"' in client.get("/connectors/OpenAI/").content.decode()
    )
    action = Action.objects.create(connector=edited, name="list_models", path="/v1/models")
    page = client.get(action.get_absolute_url()).content.decode()
    assert 'href="/connectors/OpenAI/actions/list_models/history/"' in page
    assert client.get("/connectors/OpenAI/actions/list_models/history/").status_code == 200


def test_only_admins_restore(edited, bob, carol) -> None:
    first = connector_revisions(edited)[-1]
    for user in (bob, carol):
        assert client_for(user).post(f"/history/{first.pk}/restore/").status_code == 403
        page = client_for(user).get(f"/history/{first.pk}/").content.decode()
        assert "Restore version" not in page
    assert Connector.objects.get().description == "Models and chat"


def test_an_admin_restores_an_earlier_version_keeping_todays_secrets(edited, alice) -> None:
    first = connector_revisions(edited)[-1]
    client = client_for(alice)
    preview = client.get(f"/history/{first.pk}/").content.decode()
    assert "What restoring it would change" in preview and "Models and chat" in preview
    response = client.post(f"/history/{first.pk}/restore/")
    assert response.status_code == 302 and response["Location"] == "/connectors/OpenAI/"
    connector = Connector.objects.get()
    assert connector.description == "Models"
    assert sealing.unseal(connector.auth_secrets["api_key"]["sealed"]) == SECOND_KEY
    assert connector.version == 3
    latest = connector_revisions(connector)[0]
    assert (latest.event, latest.user, latest.version) == ("restored", alice, 3)
    assert latest.note == "Restored version 1 (secrets kept as they were)"


def test_the_secrets_box_brings_back_that_versions_secrets(edited, alice) -> None:
    first = connector_revisions(edited)[-1]
    client_for(alice).post(f"/history/{first.pk}/restore/", {"with_secrets": "on"})
    connector = Connector.objects.get()
    assert sealing.unseal(connector.auth_secrets["api_key"]["sealed"]) == FIRST_KEY


def test_restoring_a_version_whose_secret_is_gone_says_to_set_it(alice) -> None:
    client = client_for(alice)
    client.post("/new/", connector_post(auth_config="BEARER", **{"auth-token": FIRST_KEY}))
    client.post("/connectors/OpenAI/edit/", connector_post(auth_config="NO_AUTH", version="1"))
    first = Revision.objects.filter(kind="connector").last()
    response = client.post(f"/history/{first.pk}/restore/", follow=True)
    assert "this version needs these set again: Token" in response.content.decode()
    assert Connector.objects.get().auth_config == "BEARER"


def test_an_admin_restores_an_earlier_version_of_an_action_with_its_input_args(bob, alice) -> None:
    connector = make_connector()
    client = client_for(bob)
    client.post(
        "/connectors/OpenAI/new-action/", action_post(args=[{"name": "limit", "required": True}])
    )
    action = Action.objects.get()
    client.post(
        f"{action.get_absolute_url()}edit/",
        action_post(
            args=[{"name": "cursor"}],
            version="1",
            path="/v1/models/all",
            **{"args-INITIAL_FORMS": "1", "args-0-id": str(action.input_args.get().pk)},
        ),
    )
    assert [a.name for a in action.input_args.all()] == ["cursor"]
    first = Revision.objects.filter(kind="action", object_id=action.pk).last()
    page = client_for(alice).get("/connectors/OpenAI/actions/list_models/history/")
    assert "limit (string, required)" in page.content.decode()

    client_for(alice).post(f"/history/{first.pk}/restore/")
    action.refresh_from_db()
    assert action.path == "/v1/models" and action.version == 3
    assert [(a.name, a.required) for a in action.input_args.all()] == [("limit", True)]
    assert connector.actions.count() == 1


def test_an_admin_undoes_a_connector_deletion_with_its_actions_and_input_args(
    edited, bob, alice
) -> None:
    client_for(bob).post(
        "/connectors/OpenAI/new-action/", action_post(args=[{"name": "limit"}], body="")
    )
    connector_id, action_id = edited.pk, Action.objects.get().pk
    client_for(bob).post("/connectors/OpenAI/delete/")
    assert not Connector.objects.exists() and not InputArg.objects.exists()

    listing = client_for(alice).get("/history/deleted/").content.decode()
    assert "OpenAI" in listing and "with 1 action" in listing
    deleted = Revision.objects.get(event="deleted")
    response = client_for(alice).post(f"/history/{deleted.pk}/restore/")
    assert response["Location"] == "/connectors/OpenAI/"

    connector = Connector.objects.get()
    assert connector.pk == connector_id  # the same id: its history goes on
    assert connector.description == "Models and chat"
    assert sealing.unseal(connector.auth_secrets["api_key"]["sealed"]) == SECOND_KEY
    action = connector.actions.get()
    assert action.pk == action_id and [a.name for a in action.input_args.all()] == ["limit"]
    assert "OpenAI" not in client_for(alice).get("/history/deleted/").content.decode()
    events = [r.event for r in connector_revisions(connector)]
    assert events == ["restored", "deleted", "changed", "created"]


def test_undoing_needs_the_name_to_be_free_and_the_connector_of_an_action(bob, alice) -> None:
    connector = make_connector()
    client_for(bob).post("/connectors/OpenAI/new-action/", action_post())
    client_for(bob).post("/connectors/OpenAI/actions/list_models/delete/")
    client_for(bob).post("/connectors/OpenAI/delete/")
    action_deleted = Revision.objects.get(kind="action", event="deleted")
    with pytest.raises(restore.RestoreError, match="undo its deletion first"):
        restore.restore(action_deleted, alice)
    make_connector(base_url="https://other.example.com")  # a new OpenAI took the name
    history.record(connector, Revision.Event.DELETED, bob)  # a deleted-revision of the old one
    response = client_for(alice).post(
        f"/history/{Revision.objects.filter(kind='connector').first().pk}/restore/", follow=True
    )
    assert "named OpenAI now" in response.content.decode()


def test_credentials_have_history_with_the_value_only_as_changed(alice, carol) -> None:
    client = client_for(alice)
    client.post(
        "/credentials/new/",
        {"name": "TEAM_TOKEN", "value": FIRST_KEY, "allowed_hosts": "127.0.0.1:*"},
    )
    client.post(
        "/credentials/TEAM_TOKEN/replace/",
        {"name": "TEAM_TOKEN", "value": SECOND_KEY, "allowed_hosts": "127.0.0.1:*"},
    )
    client.post("/credentials/TEAM_TOKEN/delete/")
    revisions = Revision.objects.filter(kind="credential")
    assert [r.event for r in revisions] == ["deleted", "changed", "created"]
    for revision in revisions:
        assert FIRST_KEY not in str(revision.snapshot) and SECOND_KEY not in str(revision.snapshot)
        assert "sealed" not in revision.snapshot  # an old credential value is never kept
    page = client_for(carol).get("/credentials/TEAM_TOKEN/history/").content.decode()
    assert "<td>Value</td>" in page and "<em>changed</em>" in page
    assert FIRST_KEY[-4:] not in page and SECOND_KEY[-4:] not in page
    assert not Credential.objects.exists()


def test_the_admin_records_history_too(alice) -> None:
    alice.is_staff = True
    alice.save()
    connector = make_connector()
    action = Action.objects.create(connector=connector, name="list_models", path="/v1/models")
    client = client_for(alice)
    from tests.test_admin import admin_post

    data = admin_post(description="from the admin", version="1")
    data.update(
        {
            "actions-TOTAL_FORMS": "1",
            "actions-INITIAL_FORMS": "1",
            "actions-0-id": str(action.pk),
            "actions-0-connector": str(connector.pk),
            "actions-0-name": "list_models",
            "actions-0-method": "GET",
            "actions-0-path": "/v1/models/all",
            "actions-0-description": "",
            "actions-0-version": "1",
        }
    )
    response = client.post(f"/admin/connectors/connector/{connector.pk}/change/", data)
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.path == "/v1/models/all" and action.version == 2
    assert Revision.objects.filter(kind="action", event="changed").count() == 1
    assert Revision.objects.get(kind="connector").snapshot["description"] == "from the admin"
    client.post(f"/admin/connectors/action/{action.pk}/delete/", {"post": "yes"})
    assert Revision.objects.filter(kind="action", event="deleted").exists()
