"""Import API: OpenAPI / Swagger / Postman descriptions previewed, created and Tested."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from connectors import executor
from connectors.models import Connector, Credential, Revision
from tests.conftest import client_for
from tests.upstream import Received, Reply

DESCRIPTIONS = Path(__file__).parent / "api_descriptions"


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
    assert Connector.objects.count() == 0 and Revision.objects.count() == 0


def test_it_creates_the_connector_and_every_action_in_one_go(alice) -> None:
    client = client_for(alice)
    response = create(client, preview(client, "petstore-3.0.yaml"))
    assert response.status_code == 302
    connector = Connector.objects.get(name="pet_store")
    assert connector.base_url == "http://127.0.0.1:{{port}}/v1"
    assert connector.variables == [
        {"key": "scheme", "value": "http"},
        {"key": "port", "value": "8000"},
    ]
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
    connector = imported_pet_store(client, **{"credential-PET_STORE_API_KEY": KEY})
    assert Credential.objects.filter(name="PET_STORE_API_KEY").exists()
    # The server variable's default is a Connector Variable; point it at the local server.
    connector.variables = [
        {"key": "scheme", "value": "http"},
        {"key": "port", "value": str(upstream.port)},
    ]
    connector.save()
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
    assert "Import API description" not in client.get("/").content.decode()
    assert not Connector.objects.exists()


def test_the_catalog_offers_each_import_under_its_own_name(bob, alice) -> None:
    html = client_for(bob).get("/").content.decode()
    assert "Import API description" in html and "Import cURL" in html
    assert "Import catalog" not in html  # an Admin's
    assert "Import catalog" in client_for(alice).get("/").content.decode()


def test_a_typed_secret_is_never_shown_back_and_survives_preview_again(alice) -> None:
    client = client_for(alice)
    first = preview(client, "petstore-3.0.yaml")
    again = client.post("/import-api/", form_of(first) | {"preview": "1", "secret-api_key": KEY})
    assert KEY not in again.content.decode()
    assert "Kept from before" in again.content.decode()
    create(client, again)
    connector = Connector.objects.get(name="pet_store")
    from connectors import secrets

    assert secrets.unseal(connector.auth_secrets["api_key"]["sealed"]) == KEY
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
        "    patch:\n      operationId: updatePet\n      tags: [pets]\n      summary: Change a pet\n",
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
    from tests.factories import make_action, make_connector

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
