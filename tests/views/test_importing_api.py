"""Import API: OpenAPI / Swagger / Postman descriptions previewed, created and Tested."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from connectors.engine import executor
from connectors.importing import sources, staging
from connectors.models import Connector, Credential, Revision
from connectors.secrets import sealing
from tests.conftest import client_for
from tests.helpers.upstream import Received, Reply

DESCRIPTIONS = Path(__file__).resolve().parents[1] / "api_descriptions"


def description(name: str) -> bytes:
    return (DESCRIPTIONS / name).read_bytes()


def preview(client: Client, name: str = "", text: str = "", **fields: str) -> Any:
    data: dict[str, Any] = {"preview": "1", **fields}
    if name:
        data["file"] = SimpleUploadedFile(name, description(name))
    if text:
        data["text"] = text
    return client.post("/import-api/", data)


def form_of(response: Any) -> dict[str, Any]:
    """The preview form as a browser would post it, defaults untouched."""
    html = response.content.decode()
    data: dict[str, Any] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) == "csrfmiddlewaretoken":
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if kind and kind.group(1) in ("checkbox", "radio") and "checked" not in tag:
            continue
        data[name.group(1)] = value.group(1).replace("&amp;", "&") if value else ""
    for select in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', select[1])
        data[select[0]] = chosen.group(1) if chosen else ""
    data.pop("preview", None)
    return data


def create(client: Client, previewed: Any, **changes: Any) -> Any:
    data = form_of(previewed) | {"create": "1"} | changes
    return client.post("/import-api/", {k: v for k, v in data.items() if v is not None})


def test_it_previews_an_openapi_description_and_saves_nothing(alice) -> None:
    response = preview(client_for(alice), "petstore-3.0.yaml")
    assert response.status_code == 200
    html = response.content.decode()
    assert "file petstore-3.0.yaml" in html
    assert "OpenAPI 3.0" in html
    assert "list_pets" in html and "create_pet" in html and "show_pet_by_id" in html
    assert "HEAD /pets: an action cannot use HEAD." in html
    assert "OPTIONS /stores/{store-id}/orders" in html
    assert "PET_STORE_API_KEY" in html
    assert "its default 8000 is written in the Base URL" in html  # {port}: not a variable
    assert Connector.objects.count() == 0 and Revision.objects.count() == 0


def test_it_creates_the_connector_and_every_action_in_one_go(alice) -> None:
    client = client_for(alice)
    response = create(client, preview(client, "petstore-3.0.yaml"))
    assert response.status_code == 302
    connector = Connector.objects.get(name="pet_store")
    # A scheme or port cannot be a Connector Variable (a secret's home is fixed by them).
    assert connector.base_url == "http://127.0.0.1:8000/v1"
    assert connector.variables == []
    assert connector.auth_config == "API_KEY"
    assert connector.auth_settings["header_auth_key"] == "X-Api-Key"
    assert connector.auth_settings["header_auth_value_pattern"] == "%s"
    assert connector.auth_secrets["api_key"]["hint"] == "{{PET_STORE_API_KEY}}"
    names = sorted(connector.actions.values_list("name", flat=True))
    assert names == [
        "create_pet",
        "delete_pets_pet_id",
        "get_stores_store_id_orders",
        "list_pets",
        "show_pet_by_id",
    ]
    assert Revision.objects.filter(kind="action", event="created").count() == 5
    assert Revision.objects.filter(kind="connector", event="created").count() == 1


KEY = "pet-key-canary-55aa77"


def pet_store(received: Received) -> Reply:
    """The Pet Store the description tells of, as far as the tests go."""
    if received.headers.get("x-api-key") != KEY:
        return Reply(401, body=b'{"error": "no key"}')
    pets = [{"id": 7, "name": "Rex"}]
    if received.method == "GET" and received.path.startswith("/v1/pets/7"):
        return Reply(body=json.dumps(pets[0]).encode())
    if received.method == "GET" and received.path.startswith("/v1/pets"):
        return Reply(body=json.dumps(pets).encode())
    if received.method == "POST" and received.path == "/v1/pets":
        return Reply(201, body=json.dumps({"id": 8, **json.loads(received.body)}).encode())
    return Reply(404, body=b"{}")


def imported_pet_store(client: Client, **changes: Any) -> Connector:
    response = create(client, preview(client, "petstore-3.0.yaml"), **changes)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Connector.objects.get(name="pet_store")


def test_it_maps_every_operation_rule_of_the_description(alice) -> None:
    connector = imported_pet_store(client_for(alice))
    list_pets = connector.actions.get(name="list_pets")
    assert list_pets.description == "List pets\n\nAll the pets, newest first."
    assert list_pets.tags == ["pets"]
    assert list_pets.query_params == [{"key": "limit", "value": "{{#limit}}{{limit}}{{/limit}}"}]
    # Accept is left to the client; the optional header drops when empty.
    assert list_pets.headers == [
        {"key": "X-Request-Id", "value": "{{#x_request_id}}{{x_request_id}}{{/x_request_id}}"}
    ]
    limit = list_pets.input_args.get(name="limit")
    assert (limit.data_type, limit.required, limit.example_value) == ("number", False, "20")
    assert limit.description == "How many at most"
    # allOf merged, the cycle Pet -> owner -> pets -> Pet cut.
    item = list_pets.output_schema["items"]
    assert set(item["properties"]) == {"id", "name", "tag", "owner"}
    assert item["required"] == ["name", "id"]
    cut = item["properties"]["owner"]["properties"]["pets"]["items"]
    assert cut == {"description": "(recursive: #/components/schemas/Pet)"}

    show = connector.actions.get(name="show_pet_by_id")
    assert show.path == "/pets/{{petId}}"
    pet_id = show.input_args.get(name="petId")
    assert (pet_id.required, pet_id.data_type, pet_id.example_value) == (True, "number", "7")
    # No operationId: method and path; {store-id} becomes a valid Name.
    orders = connector.actions.get(name="get_stores_store_id_orders")
    assert orders.path == "/stores/{{store_id}}/orders"
    assert orders.query_params == [{"key": "status", "value": "{{status}}"}]

    create_pet = connector.actions.get(name="create_pet")
    assert create_pet.header_value("Content-Type") == "application/json"
    args = {a.name: a for a in create_pet.input_args.all()}
    assert args["name"].required and args["name"].example_value == "Rex"
    assert args["kind"].example_value == "dog"  # oneOf: the first branch
    assert (args["age"].data_type, args["vaccinated"].data_type) == ("number", "boolean")


def test_it_creates_the_credential_an_admin_types_and_an_action_tests_against_the_api(
    alice, upstream
) -> None:
    client = client_for(alice)
    # The Base URL typed in the preview: the local server's port instead of the default.
    connector = imported_pet_store(
        client, **{"credential-PET_STORE_API_KEY": KEY, "base_url_typed": f"{upstream.url}/v1"}
    )
    credential = Credential.objects.get(name="PET_STORE_API_KEY")
    assert credential.allowed_hosts == [f"127.0.0.1:{upstream.port}"]  # where it is sent
    upstream.handler = pet_store

    run = executor.run(
        connector.actions.get(name="list_pets"), {"limit": "5", "x_request_id": ""}, alice
    )
    assert run.status == 200, run.error_message
    assert upstream.last.path == "/v1/pets?limit=5"
    assert upstream.last.headers["x-api-key"] == KEY
    assert "x-request-id" not in upstream.last.headers

    action = connector.actions.get(name="create_pet")
    run = executor.run(action, {"name": "Bo", "age": "", "vaccinated": "", "kind": ""}, alice)
    assert run.status == 201
    assert json.loads(upstream.last.body) == {"name": "Bo"}
    run = executor.run(
        action, {"name": "Bo", "age": "3", "vaccinated": "true", "kind": "cat"}, alice
    )
    assert json.loads(upstream.last.body) == {
        "name": "Bo",
        "age": 3,
        "vaccinated": True,
        "kind": "cat",
    }

    response = client.post(
        f"{connector.actions.get(name='show_pet_by_id').get_absolute_url()}test/",
        {"petId": "7"},
        HTTP_HX_REQUEST="true",
    )
    assert "200 OK" in response.content.decode()
    assert upstream.last.path == "/v1/pets/7"


def test_a_developer_is_asked_to_have_an_admin_set_the_credential(bob) -> None:
    client = client_for(bob)
    previewed = preview(client, "petstore-3.0.yaml")
    html = previewed.content.decode()
    assert "Ask an Admin" in html
    assert 'name="credential-PET_STORE_API_KEY"' not in html
    response = create(client, previewed, **{"credential-PET_STORE_API_KEY": "smuggled"})
    assert response.status_code == 302
    assert not Credential.objects.exists()
    connector = Connector.objects.get(name="pet_store")
    assert connector.auth_secrets["api_key"]["hint"] == "{{PET_STORE_API_KEY}}"


def test_a_developer_may_refer_to_another_credential_instead(bob) -> None:
    client = client_for(bob)
    create(client, preview(client, "petstore-3.0.yaml"), **{"secret-api_key": "{{TEAM_PET_KEY}}"})
    connector = Connector.objects.get(name="pet_store")
    assert connector.auth_secrets["api_key"]["hint"] == "{{TEAM_PET_KEY}}"


def test_a_viewer_cannot_import(carol) -> None:
    client = client_for(carol)
    assert client.get("/import-api/").status_code == 403
    assert preview(client, "petstore-3.0.yaml").status_code == 403
    assert 'id="import-menu"' not in client.get("/").content.decode()
    assert not Connector.objects.exists()


def test_the_catalog_offers_each_import_in_one_import_menu(bob, alice) -> None:
    html = client_for(bob).get("/").content.decode()
    menu = html[html.index('<details class="menu" id="import-menu">') : html.index("</details>")]
    assert ">cURL command</a>" in menu and ">API description <small>" in menu
    assert "Catalog file" not in menu  # an Admin's
    assert ">Catalog file</a>" in client_for(alice).get("/").content.decode()


def test_a_typed_secret_is_never_shown_back_and_survives_preview_again(alice) -> None:
    client = client_for(alice)
    first = preview(client, "petstore-3.0.yaml")
    again = client.post("/import-api/", form_of(first) | {"preview": "1", "secret-api_key": KEY})
    assert KEY not in again.content.decode()
    assert "Kept from before" in again.content.decode()
    create(client, again)
    connector = Connector.objects.get(name="pet_store")
    from connectors.secrets import sealing

    assert sealing.unseal(connector.auth_secrets["api_key"]["sealed"]) == KEY
    assert not any(KEY in json.dumps(r.snapshot) for r in Revision.objects.all())


def test_unchecked_actions_are_skipped(alice) -> None:
    client = client_for(alice)
    previewed = preview(client, "petstore-3.0.yaml")
    data = form_of(previewed)
    unchecked = {k: None for k in data if k.startswith("keep-") and k != "keep-0"}
    create(client, previewed, **unchecked)
    assert list(Connector.objects.get(name="pet_store").actions.values_list("name", flat=True)) == [
        "list_pets"
    ]


def newer_pet_store() -> str:
    text = description("petstore-3.0.yaml").decode()
    text = text.replace("summary: List pets\n", "summary: List the pets\n")
    text = text.replace(
        "    delete:\n      tags: [admin]\n      summary: Remove a pet\n",
        "    patch:\n      operationId: updatePet\n"
        "      tags: [pets]\n      summary: Change a pet\n",
    )
    return text


def test_re_importing_a_newer_version_shows_the_diff_and_applies_what_is_kept(alice) -> None:
    client = client_for(alice)
    imported_pet_store(client)
    previewed = preview(client, text=newer_pet_store())
    html = previewed.content.decode()
    assert "exists: the import adds to it" in html
    assert "Changed since list_pets was imported: Description" in html
    assert "Unchanged: same as create_pet" in html
    assert "Delete delete_pets_pet_id" in html  # removed from the description: offered, off
    response = create(client, previewed)
    assert response.status_code == 302
    connector = Connector.objects.get(name="pet_store")
    assert connector.actions.get(name="list_pets").description.startswith("List the pets")
    assert connector.actions.filter(name="update_pet", method="PATCH").exists()
    assert connector.actions.filter(name="delete_pets_pet_id").exists()
    changed = Revision.objects.filter(object_name="list_pets", event="changed").get()
    assert changed.note == "Imported from OpenAPI 3.0"
    # The removed one goes only when ticked.
    previewed = preview(client, text=newer_pet_store())
    create(client, previewed, **{"remove-delete_pets_pet_id": "1"})
    assert not connector.actions.filter(name="delete_pets_pet_id").exists()
    assert Revision.objects.filter(object_name="delete_pets_pet_id", event="deleted").exists()


def test_conflicts_are_skipped_overwritten_or_renamed_as_chosen(alice) -> None:
    from tests.helpers.factories import make_action, make_connector

    connector = make_connector("pet_store", base_url="https://pets.example.test")
    make_action(connector, "list_pets", path="/animals")  # same name, other path
    make_action(connector, "fetch_pet", path="/pets/{{petId}}")  # same method and path
    client = client_for(alice)
    previewed = preview(client, "petstore-3.0.yaml")
    html = previewed.content.decode()
    assert "Conflicts with list_pets (same name)" in html
    assert "Conflicts with fetch_pet (same method and path)" in html
    data = form_of(previewed)
    index = {v: k.split("-")[1] for k, v in data.items() if k.startswith("rename-")}
    by_default = create(client, previewed)
    assert by_default.status_code == 302
    assert connector.actions.get(name="list_pets").path == "/animals"  # skipped
    assert not connector.actions.filter(name="show_pet_by_id").exists()

    previewed = preview(client, "petstore-3.0.yaml")
    data = form_of(previewed)
    first = next(
        k.split("-")[1] for k, v in data.items() if k.startswith("rename-") and v == "list_pets_2"
    )
    second = next(
        k.split("-")[1]
        for k, v in data.items()
        if k.startswith("rename-") and v.startswith("show_pet_by_id")
    )
    create(client, previewed, **{f"resolve-{first}": "rename", f"resolve-{second}": "overwrite"})
    assert connector.actions.get(name="list_pets").path == "/animals"
    assert connector.actions.get(name="list_pets_2").path == "/pets"
    assert connector.actions.get(name="fetch_pet").description == "One pet"  # overwritten
    assert index  # every conflict offered a rename


def test_the_base_url_is_chosen_among_the_servers_or_typed(alice) -> None:
    client = client_for(alice)
    previewed = preview(client, "petstore-3.0.yaml")
    html = previewed.content.decode()
    assert '<option value="https://staging.pets.test/v1">' in html
    create(client, previewed, base_url="https://staging.pets.test/v1")
    assert Connector.objects.get(name="pet_store").base_url == "https://staging.pets.test/v1"


def test_an_invalid_base_url_is_refused_with_the_preview_kept(alice) -> None:
    client = client_for(alice)
    previewed = preview(client, "petstore-3.0.yaml")
    response = create(client, previewed, base_url_typed="ftp://nope")
    assert response.status_code == 400
    assert "Base URL" in response.content.decode() and "list_pets" in response.content.decode()
    assert not Connector.objects.exists()


# --- Swagger 2.0 ---------------------------------------------------------------------------------


def test_a_swagger_2_description_imports_and_its_actions_test(bob, upstream) -> None:
    client = client_for(bob)
    previewed = preview(client, "swagger-2.0.json")
    html = previewed.content.decode()
    assert "Swagger 2.0" in html
    assert '<option value="https://notes.example.test/api" selected>' in html  # https first
    response = create(
        client,
        previewed,
        base_url_typed=upstream.url + "/api",
        **{"setting-username": "me", "secret-password": "pw-canary-2468"},
    )
    assert response.status_code == 302
    connector = Connector.objects.get(name="notes_api")
    assert connector.auth_config == "BASIC" and connector.auth_settings["username"] == "me"
    assert connector.actions.get(name="list_notes").output_schema["items"]["properties"]["parent"]

    upstream.reply = Reply(body=b"[]")
    run = executor.run(connector.actions.get(name="list_notes"), {"q_arg": "milk", "page": ""}, bob)
    assert run.status == 200
    assert upstream.last.path == "/api/notes?q=milk"
    assert upstream.last.headers["authorization"] == "Basic bWU6cHctY2FuYXJ5LTI0Njg="

    create_note = connector.actions.get(name="create_note")
    executor.run(create_note, {"title": "Milk", "id": "", "done": "", "parent": ""}, bob)
    assert json.loads(upstream.last.body) == {"title": "Milk"}

    share = connector.actions.get(name="share_note")
    assert share.path == "/notes/{{id}}/share"
    executor.run(share, {"id": "3", "email": "a@b.test", "message": ""}, bob)
    assert upstream.last.path == "/api/notes/3/share"
    assert upstream.last.body == b"email=a%40b.test&"
    assert upstream.last.headers["content-type"] == "application/x-www-form-urlencoded"


# --- OpenAPI 3.1 ---------------------------------------------------------------------------------


def ledger(received: Received) -> Reply:
    if received.path == "/token":
        assert b"grant_type=client_credentials" in received.body
        return Reply(body=b'{"access_token": "tok-ledger", "expires_in": 3600}')
    assert received.headers.get("authorization") == "Bearer tok-ledger"
    return Reply(body=b'{"data": []}')


def test_an_openapi_3_1_description_maps_oauth_and_server_variables(alice, upstream) -> None:
    client = client_for(alice)
    previewed = preview(client, "openapi-3.1.json")
    html = previewed.content.decode()
    assert "OpenAPI 3.1" in html and "TRACE /tokens: an action cannot use TRACE." in html
    assert "OpenID Connect" not in html  # the oauth scheme is the one required
    assert "also offers oidc" in html
    create(
        client,
        previewed,
        **{"setting-client_id": "cid-1", "credential-LEDGER_CLIENT_SECRET": "cs-canary-1357"},
    )
    connector = Connector.objects.get(name="ledger")
    assert connector.base_url == "https://{{region}}.ledger.test/{{version}}"
    assert connector.variables == [
        {"key": "region", "value": "eu"},
        {"key": "version", "value": "v2"},
    ]
    settings = connector.auth_settings
    assert settings["oauth2_grant_type"] == "client_credentials"
    assert settings["oauth2_token_url"] == "https://auth.ledger.test/token"
    assert settings["scope"] == "read write" and settings["client_id"] == "cid-1"
    assert connector.auth_secrets["client_secret"]["hint"] == "{{LEDGER_CLIENT_SECRET}}"

    payment = connector.actions.get(name="create_payment")
    args = {a.name: a for a in payment.input_args.all()}
    assert args["money"].example_value == '{"amount": 5, "currency": "EUR"}'  # from the example
    assert args["money"].data_type == "object" and args["memo"].example_value == "rent"
    assert payment.output_schema["properties"]["money"]["properties"]["amount"]["type"] == [
        "number",
        "null",
    ]
    token = connector.actions.get(name="create_token")
    assert token.body == "account={{account}}&{{#ttl}}ttl={{ttl}}{{/ttl}}"
    accounts = connector.actions.get(name="accounts_list")
    assert accounts.output_schema["properties"]["data"]["type"] == "array"  # 2XX

    # The client secret may go to the API and the token endpoint the description names.
    secret = Credential.objects.get(name="LEDGER_CLIENT_SECRET")
    assert secret.allowed_hosts == ["*.ledger.test", "auth.ledger.test"]

    # Point it at the local server (as an Admin would after import) and Test.
    connector.base_url = upstream.url
    connector.auth_settings = settings | {"oauth2_token_url": upstream.url + "/token"}
    connector.save()
    moved = client.post(
        "/credentials/LEDGER_CLIENT_SECRET/replace/",
        {"value": "", "allowed_hosts": f"127.0.0.1:{upstream.port}"},
    )
    assert moved.status_code == 302
    upstream.handler = ledger
    run = executor.run(accounts, {"cursor": "c_1"}, alice)
    assert run.status == 200, run.error_message
    assert upstream.last.path == "/accounts?cursor=c_1"


# --- Postman -------------------------------------------------------------------------------------


def tasks(received: Received) -> Reply:
    if received.headers.get("authorization") != "Bearer pm-token-canary-8642":
        return Reply(401)
    return Reply(body=b'[{"id": "t_1"}]')


def test_a_postman_2_1_collection_imports_and_its_actions_test(alice, upstream) -> None:
    client = client_for(alice)
    previewed = preview(client, "postman-v2.1.json")
    html = previewed.content.decode()
    assert "Postman Collection v2.1" in html
    assert "pm-literal-token-should-never-be-stored" not in html
    assert "HEAD Probe: an action cannot use HEAD." in html
    assert "2 connectors: tasks.example.test (7 actions), other.example.test (1 action)" in html
    response = create(
        client,
        previewed,
        base_url_typed=upstream.url + "/api",
        **{"credential-TASKS_COLLECTION_API_TOKEN": "pm-token-canary-8642"},
    )
    assert response.status_code == 302
    connector = Connector.objects.get(name="tasks_collection")
    assert connector.auth_config == "BEARER"
    assert connector.auth_secrets["token"]["hint"] == "{{TASKS_COLLECTION_API_TOKEN}}"
    assert {"key": "workspace", "value": "acme"} in connector.variables
    assert all("literal" not in json.dumps(row) for row in connector.variables)
    names = set(connector.actions.values_list("name", flat=True))
    assert names == {
        "list_tasks",
        "get_task",
        "create_task",
        "tasks_archive_list_tasks",  # the folder makes the second "List tasks" unique
        "login",
        "upload",
        "search",
    }
    list_tasks = connector.actions.get(name="list_tasks")
    assert list_tasks.tags == ["Tasks"]
    assert list_tasks.headers == [{"key": "X-Workspace", "value": "{{workspace}}"}]
    assert connector.actions.get(name="get_task").path == "/tasks/{{taskId}}"
    assert connector.actions.get(name="get_task").input_args.get().example_value == "t_1"
    login = connector.actions.get(name="login")
    assert login.body == "user={{user}}&remember=yes"
    elsewhere = Connector.objects.get(name="tasks_collection_other")
    assert elsewhere.base_url == "https://other.example.test"
    assert elsewhere.auth_config == "BEARER"
    assert elsewhere.auth_secrets["token"]["hint"] == "{{TASKS_COLLECTION_API_TOKEN}}"
    assert list(elsewhere.actions.values_list("name", "path")) == [("elsewhere", "/ping")]
    upload = connector.actions.get(name="upload")
    assert upload.body == "caption=hi"
    assert json.loads(connector.actions.get(name="search").body) == {
        "query": "query { tasks { id } }",
        "variables": {"first": 5},
    }
    assert "uses apikey auth, unlike the connector" in html
    assert "File fields left out: file." in html

    upstream.handler = tasks
    run = executor.run(list_tasks, {"status": "open"}, alice)
    assert run.status == 200, run.error_message
    assert upstream.last.path == "/api/tasks?status=open&limit=10"
    assert upstream.last.headers["x-workspace"] == "acme"  # a Connector Variable
    executor.run(connector.actions.get(name="create_task"), {"title": "Tea"}, alice)
    assert json.loads(upstream.last.body) == {"title": "Tea", "workspace": "acme"}


def test_a_postman_2_0_collection_maps_basic_auth_and_notes_digest(alice, upstream) -> None:
    client = client_for(alice)
    previewed = preview(client, "postman-v2.0.json")
    html = previewed.content.decode()
    assert "Postman Collection v2.0" in html
    assert "uses digest auth, unlike the connector" in html
    create(
        client,
        previewed,
        base_url_typed=upstream.url,
        **{"credential-LEGACY_ADMIN_ADMIN_PASSWORD": "admin-pw-canary"},
    )
    connector = Connector.objects.get(name="legacy_admin")
    assert connector.auth_config == "BASIC" and connector.auth_settings["username"] == "admin"
    users = connector.actions.get(name="users")
    assert users.description == "All users"
    assert users.query_params == [{"key": "active", "value": "true"}]
    run = executor.run(users, {}, alice)
    assert run.status == 200
    assert upstream.last.path == "/admin/users?active=true"
    assert upstream.last.headers["authorization"].startswith("Basic ")


def test_postman_auth_kinds_map_to_auth_configs() -> None:
    from connectors.importing.plan import ReadOptions
    from connectors.importing.readers import postman

    def auth_of(auth: dict) -> Any:
        document = {
            "info": {
                "name": "x",
                "schema": "https://schema.getpostman.com/json/collection/v2.1.0/",
            },
            "auth": auth,
            "variable": [{"key": "secret", "value": ""}],
            "item": [{"name": "a", "request": {"method": "GET", "url": "https://x.test/a"}}],
        }
        return postman.read(document, "pasted text", ReadOptions()).auth

    key = auth_of(
        {
            "type": "apikey",
            "apikey": [{"key": "key", "value": "k"}, {"key": "in", "value": "query"}],
        }
    )
    assert (key.auth_config, key.settings["param_auth_param_name"]) == ("API_KEY", "k")
    oauth = auth_of(
        {
            "type": "oauth2",
            "oauth2": [
                {"key": "grant_type", "value": "password_credentials"},
                {"key": "accessTokenUrl", "value": "https://x.test/token"},
                {"key": "clientSecret", "value": "{{secret}}"},
            ],
        }
    )
    assert oauth.auth_config == "OAUTH2" and oauth.settings["oauth2_grant_type"] == "password"
    assert oauth.secrets["client_secret"] == "{{X_API_SECRET}}"


# --- security schemes ----------------------------------------------------------------------------


def scheme_plan(scheme: dict) -> Any:
    from connectors.importing.plan import ReadOptions
    from connectors.importing.readers import openapi

    document = {
        "openapi": "3.0.0",
        "info": {"title": "S", "version": "1"},
        "servers": [{"url": "https://s.test"}],
        "components": {"securitySchemes": {"only": scheme}},
        "paths": {},
    }
    return openapi.read(document, "pasted text", ReadOptions())


def test_security_schemes_map_to_auth_configs() -> None:
    query = scheme_plan({"type": "apiKey", "in": "query", "name": "api_key"}).auth
    assert query.settings == {"api_key_auth_type": "PARAM", "param_auth_param_name": "api_key"}
    cookie = scheme_plan({"type": "apiKey", "in": "cookie", "name": "sid"}).auth
    assert cookie.settings["header_auth_key"] == "Cookie"
    assert cookie.settings["header_auth_value_pattern"] == "sid=%s"
    assert scheme_plan({"type": "http", "scheme": "bearer"}).auth.auth_config == "BEARER"
    code = scheme_plan(
        {
            "type": "oauth2",
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": "https://s.test/authorize",
                    "tokenUrl": "https://s.test/token",
                    "scopes": {"a": "", "b": ""},
                }
            },
        }
    ).auth
    assert code.settings["oauth2_grant_type"] == "authorization_code"
    assert code.settings["authorization_url"] == "https://s.test/authorize"
    assert code.settings["scope"] == "a b"
    oidc = scheme_plan({"type": "openIdConnect", "openIdConnectUrl": "https://s.test/.well-known"})
    assert oidc.auth.auth_config == "NO_AUTH"
    assert any("OpenID Connect" in note for note in oidc.notes)


# --- bad input -----------------------------------------------------------------------------------

BAD = {
    '{"hello": "world"}': "This is not an OpenAPI 3.x, Swagger 2.0 or Postman v2 description",
    "openapi: 3.0.0\ninfo: {title: x\npaths: {}\n": "This is not valid YAML",
    '{"openapi": "3.0.0", "info": {"title": "x"}, "paths": {"/a": ': "not valid JSON",
    '{"openapi": "3.0.0", "info": {"title": "x"}}': "#/paths is missing",
    '{"openapi": "4.0.0", "paths": {}}': "OpenAPI 3.0 and 3.1 are read",
    '{"swagger": "1.2", "paths": {}}': "only Swagger 2.0 is read",
    json.dumps(
        {
            "openapi": "3.0.0",
            "info": {"title": "x"},
            "paths": {"/a": {"get": {"parameters": [{"$ref": "#/components/parameters/Gone"}]}}},
        }
    ): "The $ref #/components/parameters/Gone at #/paths/~1a/get/parameters/0 points to nothing",
    json.dumps(
        {
            "openapi": "3.0.0",
            "info": {"title": "x"},
            "paths": {"/a": {"$ref": "common.yaml#/paths/a"}},
        }
    ): "refers to other files, which are not read: common.yaml#/paths/a (at #/paths/~1a)",
    "- just\n- a list\n": "its top level is not an object",
    json.dumps({"info": {"schema": "https://schema.getpostman.com/json/collection/v2.1.0/"}}): (
        "#/item is missing"
    ),
    "!!python/object/apply:os.system ['echo hacked']": "This is not valid YAML",
}


@pytest.mark.parametrize("text", BAD)
def test_bad_input_gets_one_sentence_naming_where_and_saves_nothing(alice, text: str) -> None:
    response = preview(client_for(alice), text=text)
    assert response.status_code == 400
    html = response.content.decode()
    assert BAD[text] in html.replace("&quot;", '"').replace("&#x27;", "'")
    assert not Connector.objects.exists() and not Revision.objects.exists()


def test_yaml_errors_name_the_line(alice) -> None:
    response = preview(client_for(alice), text="openapi: 3.0.0\ninfo:\n  title: [x\npaths: {}\n")
    assert "line 4" in response.content.decode()


def yaml_bomb() -> str:
    """Six levels of ten nested aliases: under 406 bytes standing for a million nodes."""
    lines = ["openapi: 3.0.0", "info: {title: Bomb, version: '1'}", "paths: {}"]
    lines.append("l0: &l0 [" + ",".join(["lol"] * 10) + "]")
    for level in range(1, 6):
        lines.append(f"l{level}: &l{level} [" + ",".join([f"*l{level - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


BOMB_REFUSED = "would expand it to more than"


def test_a_yaml_alias_bomb_is_refused_with_its_budget_in_the_form(alice) -> None:
    bomb = yaml_bomb()
    assert len(bomb.encode()) <= 406
    response = preview(client_for(alice), text=bomb)
    assert response.status_code == 400
    page = response.content.decode()
    assert "too large once expanded" in page and BOMB_REFUSED in page
    assert "at most 1,000,000" in page
    assert not Connector.objects.exists()


def test_an_alias_that_contains_itself_is_refused(alice) -> None:
    response = preview(client_for(alice), text="openapi: 3.0.0\nloop: &loop [*loop]\n")
    assert BOMB_REFUSED in response.content.decode()


def test_aliases_within_ten_times_the_document_are_read(alice) -> None:
    text = description("petstore-3.0.yaml").decode()
    shared = "x-shared: &shared {type: string, description: shared}\n"
    text = shared + text + "x-uses: [" + ", ".join(["*shared"] * 5) + "]\n"
    response = preview(client_for(alice), text=text)
    assert response.status_code == 200, response.content.decode()[:2000]


def test_a_description_over_the_size_limit_is_refused(alice, settings) -> None:
    settings.STUDIO_MAX_IMPORT_BYTES = 1000
    response = preview(client_for(alice), "petstore-3.0.yaml")
    assert response.status_code == 400
    assert (
        "larger than 1000 bytes, the import limit (STUDIO_MAX_IMPORT_BYTES)"
        in response.content.decode()
    )


def test_nothing_is_chosen_or_too_much_is(alice) -> None:
    response = client_for(alice).post("/import-api/", {"preview": "1"})
    assert "Choose a file, paste a description or give its URL" in response.content.decode()


def test_an_expired_preview_says_so(alice) -> None:
    client = client_for(alice)
    data = form_of(preview(client, "petstore-3.0.yaml")) | {"token": "gone", "create": "1"}
    response = client.post("/import-api/", data)
    assert response.status_code == 400
    assert "This preview has expired" in response.content.decode()
    assert not Connector.objects.exists()


def test_a_preview_staged_by_someone_else_is_not_theirs(alice, bob) -> None:
    data = form_of(preview(client_for(alice), "petstore-3.0.yaml")) | {"create": "1"}
    assert "This preview has expired" in client_for(bob).post("/import-api/", data).content.decode()


# --- a URL through the outbound door --------------------------------------------------------------


def test_a_url_is_fetched_through_the_outbound_door_and_shown_as_the_source(
    alice, upstream
) -> None:
    text = description("swagger-2.0.json").replace(b'"host": "notes.example.test",', b"")
    upstream.reply = Reply(body=text)
    url = upstream.url + "/specs/notes.json"
    response = client_for(alice).post("/import-api/", {"url": url, "preview": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f"URL {url}" in html
    assert upstream.url + "/api" in html  # no host: the URL's own origin
    assert upstream.last.method == "GET" and upstream.last.path == "/specs/notes.json"


def test_a_url_the_guard_refuses_is_never_fetched(alice, settings) -> None:
    from tests.helpers.upstream import Upstream

    settings.STUDIO_OUTBOUND_ALLOW = []
    with Upstream() as evil:
        response = client_for(alice).post("/import-api/", {"url": evil.url + "/x", "preview": "1"})
        assert response.status_code == 400
        assert "Could not fetch" in response.content.decode()
        assert evil.received == []


def test_a_url_over_the_size_limit_is_refused(alice, upstream, settings) -> None:
    settings.STUDIO_MAX_IMPORT_BYTES = 2000
    upstream.reply = Reply(body=b"{" + b" " * 5000 + b"}")
    response = client_for(alice).post("/import-api/", {"url": upstream.url, "preview": "1"})
    assert "the import limit" in response.content.decode()


def test_it_imports_into_an_existing_connector_chosen_first_and_keeps_its_settings(bob) -> None:
    from tests.helpers.factories import make_connector

    make_connector("tasks", base_url="https://tasks.internal.test/api")
    client = client_for(bob)
    assert 'value="tasks"' in client.get("/import-api/?connector=tasks").content.decode()
    previewed = preview(client, "postman-v2.1.json", connector="tasks")
    assert 'Connector <a href="/connectors/tasks/">tasks</a> exists' in previewed.content.decode()
    response = create(client, previewed)
    assert response.status_code == 302
    connector = Connector.objects.get(name="tasks")
    assert connector.base_url == "https://tasks.internal.test/api"  # kept
    assert connector.auth_config == "NO_AUTH"
    assert connector.actions.filter(name="list_tasks", path="/tasks").exists()


def test_a_typed_credential_value_survives_renaming_the_connector_in_the_preview(alice) -> None:
    client = client_for(alice)
    first = preview(client, "petstore-3.0.yaml")
    renamed = form_of(first) | {"credential-PET_STORE_API_KEY": KEY, "connector_name": "my_pets"}
    again = client.post("/import-api/", renamed | {"preview": "1"})
    html = again.content.decode()
    assert 'name="credential-MY_PETS_API_KEY"' in html and "Kept from before" in html
    assert KEY not in html
    assert create(client, again).status_code == 302
    stored = Credential.objects.get()
    assert stored.name == "MY_PETS_API_KEY" and sealing.unseal(stored.sealed) == KEY


def test_an_admin_who_typed_no_value_is_told_the_truth_and_the_page_says_it_is_missing(
    alice,
) -> None:
    client = client_for(alice)
    response = create(client, preview(client, "petstore-3.0.yaml"))
    page = client.get(response.url).content.decode()
    assert "An Admin creates" not in page
    assert "create them on the Credentials page before Test: PET_STORE_API_KEY" in page
    assert "no credential PET_STORE_API_KEY exists yet" in page
    assert "team credential;" not in page


def test_the_preview_shows_auth_settings_by_their_labels(alice) -> None:
    html = preview(client_for(alice), "petstore-3.0.yaml").content.decode()
    auth = html[html.index('id="import-auth"') :][:600]
    assert "Api Key Auth Auth Type: <code>Header Auth</code>" in auth
    assert "Header Auth Key: <code>X-Api-Key</code>" in auth
    assert "api_key_auth_type" not in auth and "HEADER<" not in auth


# The one hand-off: Create rebuilds the plan from the staged source and writes only what was shown.


def test_create_refuses_when_the_catalog_changed_since_the_preview(alice) -> None:
    client = client_for(alice)
    previewed = preview(client, "petstore-3.0.yaml")
    Connector.objects.create(name="pet_store", base_url="https://elsewhere.example")

    response = create(client, previewed)

    assert response.status_code == 409
    assert "differs from the preview you saw" in response.content.decode()
    assert Connector.objects.get(name="pet_store").actions.count() == 0
    assert not Revision.objects.exists()


def test_create_refuses_a_staged_source_that_is_not_the_one_previewed(alice) -> None:
    client = client_for(alice)
    previewed = preview(client, "petstore-3.0.yaml")
    token = form_of(previewed)["token"]
    other = staging.stage(sources.Source("pasted text", description("postman-v2.1.json")), alice.pk)
    cache.set(staging._key(token), cache.get(staging._key(other)))

    response = create(client, previewed)

    assert response.status_code == 409
    assert "differs from the preview you saw" in response.content.decode()
    assert not Connector.objects.exists() and not Revision.objects.exists()


def test_a_staged_source_never_shows_its_secret_in_the_preview_or_at_rest(alice) -> None:
    canary = "pm-canary-staged-9f3e1d7c"
    text = (
        description("postman-v2.1.json")
        .decode()
        .replace("pm-literal-token-should-never-be-stored", canary)
    )
    client = client_for(alice)
    previewed = preview(client, text=text)
    again = client.post("/import-api/", form_of(previewed))  # the staged step's own preview

    stored = json.dumps(cache.get(staging._key(form_of(previewed)["token"])))
    for leaked in (canary, base64.b64encode(canary.encode()).decode(), canary.encode().hex()):
        assert leaked not in previewed.content.decode()
        assert leaked not in again.content.decode()
        assert leaked not in stored
    assert again.status_code == 200
