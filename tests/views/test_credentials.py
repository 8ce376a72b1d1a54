"""Team credentials are the Admins': every path that could make one, for bob and for alice.

bob (Developer) never makes a team credential: a value he types or pastes becomes the
connector's own secret, bound to the origin it was typed for, and is sent there only. alice
(Admin) makes team credentials as before. Credentials someone else made before are flagged on
the Credentials page until an Admin confirms or deletes them.
"""

from __future__ import annotations

import base64
import importlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps as live_apps
from django.contrib.auth.models import Group, User
from django.urls import reverse

from connectors import roles
from connectors.engine import executor
from connectors.importing import apply
from connectors.importing.plan import Choices, ConnectorPlan, CredentialToSet, Plan
from connectors.importing.readers import gallery
from connectors.models import Action, Connector, Credential, Revision
from connectors.secrets import sealing
from tests.conftest import client_for
from tests.helpers.factories import make_credential
from tests.helpers.previewed import create_from_template
from tests.helpers.upstream import Upstream
from tests.views.test_importing_api import create as api_create
from tests.views.test_importing_api import preview as api_preview
from tests.views.test_importing_curl import create as curl_create
from tests.views.test_importing_curl import preview as curl_preview

KEY = "sk-own-canary-7f3e9a1b2c4d"


@pytest.fixture
def evil(upstream: Upstream) -> Iterator[Upstream]:
    """A second real listener: another origin, where no secret may ever go."""
    with Upstream() as server:
        yield server


def heard(server: Upstream, value: str) -> bool:
    """The value arrived at the server in any form a request could carry it."""
    forms = [value, base64.b64encode(value.encode()).decode(), value.encode().hex()]
    for got in server.received:
        text = json.dumps([got.path, got.headers]) + got.body.decode("latin-1")
        if any(form in text for form in forms):
            return True
    return False


def sent_only_there(action: Action, api: Upstream, evil: Upstream, user: User) -> None:
    """The value goes to the origin it was typed for; moved elsewhere (past every form), the
    send-time check refuses it and the other listener hears nothing."""
    run = executor.run(action, {}, user)
    assert run.status == 200, run.error_message
    assert heard(api, KEY)
    Connector.objects.filter(pk=action.connector.pk).update(base_url=evil.url)
    action.refresh_from_db()
    refused = executor.run(action, {}, user)
    assert refused.status is None and refused.error_kind
    assert not evil.received


# --- cURL import ---------------------------------------------------------------------------------


def curl_command(url: str) -> str:
    return f'curl {url}/v1/models -H "Authorization: Bearer {KEY}"'


def test_it_keeps_bobs_pasted_key_as_the_connectors_own_secret(bob, upstream, evil) -> None:
    client = client_for(bob)
    previewed = curl_preview(client, curl_command(upstream.url))
    html = previewed.content.decode()
    assert KEY not in html
    assert "is kept as this connector's own secret" in html
    assert f"sent only to <code>{upstream.url}</code>" in html
    assert "A new team credential" not in html
    response = curl_create(client, previewed)
    assert response.status_code == 302, response.content.decode()[:3000]

    assert not Credential.objects.exists()
    connector = Connector.objects.get()
    stored = connector.auth_secrets["api_key"]
    assert sealing.unseal(stored["sealed"]) == KEY  # a literal in the secret field
    assert stored["home"]["api"] == f"http://127.0.0.1:{upstream.port}"
    sent_only_there(connector.actions.get(), upstream, evil, bob)


def test_it_keeps_bobs_secret_header_as_the_connectors_own(bob, upstream) -> None:
    client = client_for(bob)
    command = curl_command(upstream.url) + ' -H "DD-APPLICATION-KEY: dd-app-canary-44aa55bb66"'
    previewed = curl_preview(client, command)
    assert "dd-app-canary-44aa55bb66" not in previewed.content.decode()
    curl_create(client, previewed)

    assert not Credential.objects.exists()
    connector = Connector.objects.get()
    row = next(r for r in connector.headers if r["key"] == "DD-APPLICATION-KEY")
    assert sealing.unseal(row["secret"]["sealed"]) == "dd-app-canary-44aa55bb66"
    assert executor.run(connector.actions.get(), {}, bob).status == 200
    assert upstream.last.headers["dd-application-key"] == "dd-app-canary-44aa55bb66"


def test_it_never_puts_bobs_key_in_a_plain_username(bob, upstream) -> None:
    client = client_for(bob)
    previewed = curl_preview(client, f"curl {upstream.url}/v1/charges -u {KEY}:")
    assert "is not a secret field" in previewed.content.decode()
    curl_create(client, previewed)

    assert not Credential.objects.exists()
    connector = Connector.objects.get()
    assert KEY not in json.dumps([connector.auth_settings, connector.auth_secrets])
    assert connector.auth_settings["username"].startswith("{{")


def test_alices_curl_import_makes_a_team_credential_as_before(alice, upstream) -> None:
    client = client_for(alice)
    previewed = curl_preview(client, curl_command(upstream.url))
    assert "A new team credential" in previewed.content.decode()
    curl_create(client, previewed)

    credential = Credential.objects.get()
    assert (credential.created_by, credential.created_via) == (alice, Credential.Via.CURL)
    assert not credential.needs_confirmation
    connector = Connector.objects.get()
    assert sealing.unseal(connector.auth_secrets["api_key"]["sealed"]).startswith("{{")
    assert executor.run(connector.actions.get(), {}, alice).status == 200
    assert upstream.last.headers["authorization"] == f"Bearer {KEY}"


# --- Import API ----------------------------------------------------------------------------------


def test_bobs_typed_value_in_import_api_is_the_connectors_own(bob, upstream, evil) -> None:
    client = client_for(bob)
    previewed = api_preview(client, "petstore-3.0.yaml")
    response = api_create(
        client,
        previewed,
        base_url_typed=f"{upstream.url}/v1",
        **{"secret-api_key": KEY, "credential-PET_STORE_API_KEY": "smuggled-canary"},
    )
    assert response.status_code == 302

    assert not Credential.objects.exists()
    connector = Connector.objects.get(name="pet_store")
    stored = connector.auth_secrets["api_key"]
    assert sealing.unseal(stored["sealed"]) == KEY
    assert stored["home"]["api"] == f"http://127.0.0.1:{upstream.port}"
    sent_only_there(connector.actions.get(name="list_pets"), upstream, evil, bob)


def test_alices_import_api_credential_works_as_before(alice, upstream) -> None:
    client = client_for(alice)
    previewed = api_preview(client, "petstore-3.0.yaml")
    api_create(
        client,
        previewed,
        base_url_typed=f"{upstream.url}/v1",
        **{"credential-PET_STORE_API_KEY": KEY},
    )
    credential = Credential.objects.get(name="PET_STORE_API_KEY")
    assert (credential.created_by, credential.created_via) == (alice, Credential.Via.API)
    action = Connector.objects.get(name="pet_store").actions.get(name="list_pets")
    assert executor.run(action, {"limit": "", "x_request_id": ""}, alice).status == 200
    assert upstream.last.headers["x-api-key"] == KEY


def test_apply_makes_no_credential_for_a_developer_whatever_the_caller_says(bob, alice) -> None:
    def plan(name: str) -> Plan:
        return Plan(
            kind="cURL",
            source="test",
            connector=ConnectorPlan(name=name, base_url="https://api.example.com"),
            credentials=[CredentialToSet("EVIL_KEY", "test", hosts=["evil.example"], value=KEY)],
        )

    apply.apply(plan("one"), Choices(), bob, may_set_credentials=True)
    assert not Credential.objects.exists()
    apply.apply(plan("two"), Choices(), alice, may_set_credentials=True)
    assert Credential.objects.get().created_by == alice


# --- templates -----------------------------------------------------------------------------------


@pytest.fixture
def openai_template_at(monkeypatch) -> Any:
    """The OpenAI template, its Base URL pointed at a local listener."""

    def point(url: str) -> str:
        monkeypatch.setitem(gallery.template_by_id("openai-api-key"), "base_url", url)
        return reverse("template_form", args=["openai-api-key"])

    return point


def test_bobs_template_value_is_the_connectors_own(bob, upstream, evil, openai_template_at) -> None:
    url = openai_template_at(upstream.url)
    client = client_for(bob)
    refused = client.post(
        url, {"name": "openai", "secret_0_source": "new", "secret_0_value": KEY, "create": "1"}
    )
    assert "Select a valid choice" in refused.content.decode()
    made = create_from_template(
        client, url, {"name": "openai", "secret_0_source": "value", "secret_0_value": KEY}
    )
    assert made.status_code == 302

    assert not Credential.objects.exists()
    connector = Connector.objects.get(name="openai")
    assert sealing.unseal(connector.auth_secrets["api_key"]["sealed"]) == KEY
    sent_only_there(connector.actions.get(name="list_models"), upstream, evil, bob)


def test_alices_template_credential_works_as_before(alice, upstream, openai_template_at) -> None:
    url = openai_template_at(upstream.url)
    create_from_template(
        client_for(alice),
        url,
        {
            "name": "openai",
            "secret_0_source": "new",
            "secret_0_value": KEY,
            "secret_0_name": "OPENAI_API_KEY",
        },
    )
    credential = Credential.objects.get()
    assert (credential.created_by, credential.created_via) == (alice, Credential.Via.TEMPLATE)
    action = Connector.objects.get(name="openai").actions.get(name="list_models")
    Credential.objects.filter(pk=credential.pk).update(allowed_hosts=["127.0.0.1:*"])
    assert executor.run(action, {}, alice).status == 200
    assert upstream.last.headers["authorization"] == f"Bearer {KEY}"


# --- the Credentials page, catalog import, the admin ---------------------------------------------


def test_bob_cannot_make_or_change_a_credential_on_any_page(bob) -> None:
    make_credential("TEAM_KEY", KEY, ["api.example.com"])
    client = client_for(bob)
    assert client.get("/credentials/new/").status_code == 403
    posted = {"name": "MINE", "value": KEY, "allowed_hosts": "evil.example"}
    assert client.post("/credentials/new/", posted).status_code == 403
    hosts = {"allowed_hosts": "evil.example"}
    assert client.post("/credentials/TEAM_KEY/replace/", hosts).status_code == 403
    assert client.post("/credentials/TEAM_KEY/confirm/").status_code == 403
    assert client.post(reverse("catalog_import"), {"text": "{}"}).status_code == 403
    assert client.post(reverse("catalog_import_apply"), {"document": "{}"}).status_code == 403
    assert list(Credential.objects.values_list("name", "allowed_hosts")) == [
        ("TEAM_KEY", ["api.example.com"])
    ]


def test_the_admin_offers_no_way_to_make_or_change_a_credential(bob, alice) -> None:
    credential = make_credential("TEAM_KEY", KEY, ["api.example.com"])
    for user in (bob, alice):
        user.is_staff = True
        user.save()
        client = client_for(user)
        assert client.get("/admin/connectors/credential/add/").status_code == 403
        change = f"/admin/connectors/credential/{credential.pk}/change/"
        client.post(change, {"allowed_hosts": '["evil.example"]', "name": "X"})
    credential.refresh_from_db()
    assert (credential.name, credential.allowed_hosts) == ("TEAM_KEY", ["api.example.com"])


def test_the_credentials_page_records_who_made_a_credential(alice) -> None:
    client = client_for(alice)
    client.post(
        "/credentials/new/", {"name": "TEAM_KEY", "value": KEY, "allowed_hosts": "api.example.com"}
    )
    credential = Credential.objects.get()
    assert (credential.created_by, credential.created_via) == (alice, Credential.Via.PAGE)
    assert not credential.needs_confirmation


# --- the flag and Confirm ------------------------------------------------------------------------


def developer(name: str) -> User:
    user = User.objects.create_user(name, f"{name}@example.com", "pass-" + name)
    user.groups.add(Group.objects.get(name=roles.DEVELOPER))
    return user


def flagged(maker: User) -> Credential:
    credential = make_credential("EVIL_KEY", KEY, ["evil.example"])
    credential.created_by, credential.created_via = maker, Credential.Via.CURL
    credential.needs_confirmation = True
    credential.save()
    return credential


def test_a_developer_made_credential_is_flagged_until_an_admin_confirms(alice) -> None:
    flagged(developer("dev"))
    client = client_for(alice)
    page = client.get("/credentials/").content.decode()
    assert "created by dev through cURL import, allowed for evil.example" in page
    assert 'action="/credentials/EVIL_KEY/confirm/"' in page
    assert "created by dev" in client.get("/credentials/EVIL_KEY/replace/").content.decode()
    assert client.get("/credentials/EVIL_KEY/confirm/").status_code == 405  # a POST only

    assert client.post("/credentials/EVIL_KEY/confirm/").status_code == 302
    credential = Credential.objects.get()
    assert not credential.needs_confirmation
    assert credential.confirmed_by == alice and credential.confirmed_at is not None
    assert "created by dev" not in client.get("/credentials/").content.decode()
    revision = Revision.objects.get(kind="credential", event="changed")
    assert revision.user == alice and revision.note.startswith("Confirmed (created by dev")


def test_deleting_a_flagged_credential_removes_it(alice) -> None:
    flagged(developer("dev"))
    assert client_for(alice).post("/credentials/EVIL_KEY/delete/").status_code == 302
    assert not Credential.objects.exists()


def test_viewers_see_no_flag_details(carol) -> None:
    flagged(developer("dev"))
    assert "evil.example" not in client_for(carol).get("/credentials/").content.decode()


# --- the migration that marks existing credentials -----------------------------------------------


def test_the_migration_flags_credentials_that_history_says_a_non_admin_made(alice) -> None:
    migration = importlib.import_module("connectors.migrations.0015_credential_makers")
    dev = developer("dev")
    by_dev = make_credential("EVIL_KEY", KEY, ["evil.example"])
    by_alice = make_credential("TEAM_KEY", KEY)
    templated = make_credential("TEMPLATED", KEY)
    make_credential("OLD_KEY", KEY)  # no "created" revision: its maker is unknown
    for credential, user, note in [
        (by_dev, dev, "Imported from a cURL command."),
        (by_alice, alice, ""),
        (templated, dev, "Created from the OpenAI template (openai-api-key)."),
    ]:
        Revision.objects.create(
            kind="credential",
            object_id=credential.pk,
            object_name=credential.name,
            event="created",
            user=user,
            note=note,
        )

    migration.mark_makers(live_apps, None)

    found = {
        c.name: (c.created_by, c.created_via, c.needs_confirmation)
        for c in Credential.objects.all()
    }
    assert found == {
        "EVIL_KEY": (dev, "curl", True),
        "TEAM_KEY": (alice, "page", False),
        "TEMPLATED": (dev, "template", True),
        "OLD_KEY": (None, "", False),
    }
