"""Export as OpenAPI 3.1: no secret leaves, and importing the export gives the connector back."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from connectors.catalog import document
from connectors.exporting import openapi as openapi_export
from connectors.models import Connector
from tests.conftest import client_for
from tests.helpers.factories import api_key_connector, make_action

CANARY = "sk-export-canary-93af01"


def build() -> Connector:
    connector = api_key_connector("https://{{region}}.shop.test", CANARY, name="shop")
    connector.display_name = "Shop"
    connector.description = "Things to buy."
    connector.variables = [{"key": "region", "value": "eu"}]
    connector.headers = [{"key": "X-Client", "value": "studio"}]
    connector.timeout_seconds = 12
    connector.save()
    make_action(
        connector,
        "list_items",
        path="/items",
        description="List items\n\nNewest first.",
        query_params=[
            {"key": "limit", "value": "{{#limit}}{{limit}}{{/limit}}"},
            {"key": "fixed", "value": "1"},
        ],
        headers=[{"key": "X-Trace", "value": "{{trace}}"}],
        tags=["items"],
        output_schema={"type": "array", "items": {"type": "object"}},
        args=[
            {"name": "limit", "data_type": "number", "example_value": "10"},
            {"name": "trace", "required": True, "description": "Trace id"},
        ],
    )
    make_action(
        connector,
        "create_item",
        method="POST",
        path="/items/{{sku}}",
        headers=[{"key": "Content-Type", "value": "application/json"}],
        body='{"name": "{{name}}", "price": {{{price}}}}',
        args=[
            {"name": "sku", "required": True},
            {"name": "name", "required": True},
            {"name": "price", "data_type": "number"},
        ],
    )
    return connector


def comparable(connector: Connector) -> dict:
    data = document.export_connector(Connector.objects.get(pk=connector.pk))
    data.pop("secret_references")
    data["variables"] = connector.variables
    return data


@pytest.mark.django_db
def test_the_export_is_openapi_3_1_with_no_secret() -> None:
    document = openapi_export.export_openapi(build())
    text = json.dumps(document)
    assert CANARY not in text and "sealed" not in text
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [
        {"url": "https://{region}.shop.test", "variables": {"region": {"default": "eu"}}}
    ]
    assert document["components"]["securitySchemes"]["studio_auth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
    }
    get = document["paths"]["/items"]["get"]
    assert get["operationId"] == "list_items" and get["tags"] == ["items"]
    assert {"name": "limit", "in": "query", "required": False}.items() <= get["parameters"][
        0
    ].items()
    post = document["paths"]["/items/{sku}"]["post"]
    assert post["parameters"][0]["in"] == "path"
    from openapi_spec_validator import validate

    validate(document)  # a valid OpenAPI 3.1 document


def test_importing_the_export_gives_back_the_same_connector_less_its_secrets(alice) -> None:
    connector = build()
    before = comparable(connector)
    text = openapi_export.dumps(openapi_export.export_openapi(connector))
    connector.delete()

    from tests.views.test_importing_api import create, preview

    client = client_for(alice)
    response = create(client, preview(client, text=text))
    assert response.status_code == 302
    again = Connector.objects.get(name="shop")
    after = comparable(again)
    assert after == before
    assert again.auth_secrets["api_key"]["hint"] == "{{SHOP_API_KEY}}"  # asked for, not carried


def test_the_connector_page_offers_the_download_to_a_viewer(carol) -> None:
    connector = build()
    client = client_for(carol)
    assert "Download OpenAPI" in client.get(connector.get_absolute_url()).content.decode()
    response = client.get(f"/connectors/{connector.name}/openapi.json")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="shop.openapi.json"'
    assert CANARY not in response.content.decode()
    assert json.loads(response.content)["info"]["title"] == "Shop"


@pytest.mark.django_db
def test_export_openapi_writes_to_standard_output() -> None:
    build()
    out = io.StringIO()
    call_command("export_openapi", "shop", stdout=out)
    assert json.loads(out.getvalue())["paths"]["/items"]["get"]["operationId"] == "list_items"
    with pytest.raises(CommandError, match="No connector named nope"):
        call_command("export_openapi", "nope")
