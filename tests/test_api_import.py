"""Import API: OpenAPI / Swagger / Postman descriptions previewed, created and Tested."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from connectors.models import Connector, Revision
from tests.conftest import client_for

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
