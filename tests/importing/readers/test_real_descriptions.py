"""Large public API descriptions, read, previewed and created as a person would.

Each file sits in tests/api_descriptions/<name>/ with its licence: OpenAI's OpenAPI document
(github.com/openai/openai-openapi, MIT, commit f85dbe2), Box's (github.com/box/box-openapi,
Apache-2.0, commit c9a878a) and Netlify's Swagger 2.0 (github.com/netlify/open-api, MIT,
commit 6508031). Their operation counts are asserted: a change to a reader that loses one fails.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from connectors.importing import hosts, sources
from connectors.importing.plan import ReadOptions
from connectors.importing.readers import description as readers
from connectors.importing.readers import openapi
from connectors.models import Action, Connector, Revision
from tests.conftest import client_for
from tests.views.test_importing_api import DESCRIPTIONS, create, preview


@pytest.fixture(autouse=True)
def unvalidated(monkeypatch) -> None:
    # The schema check takes seconds on these documents and is not what is tested here.
    monkeypatch.setattr(openapi, "VALIDATE_AT_MOST", 0)


def read(name: str, **options: str):
    document = sources.parse((DESCRIPTIONS / name).read_bytes())
    return readers.read_document(document, f"file {name}", ReadOptions(**options))


# name, kind, Auth Config, every connector's host and action count
CORPUS = [
    (
        "openai/openapi.yaml",
        "OpenAPI 3.1",
        "BEARER",
        "1 connector: api.openai.com (288 actions)",
        0,
    ),
    (
        "box/openapi.json",
        "OpenAPI 3.0",
        "OAUTH2",
        "5 connectors: api.box.com/2.0 (280 actions), account.box.com (1 action), "
        "api.box.com (3 actions), upload.box.com (9 actions), dl.boxcloud.com (1 action)",
        2,
    ),
    (
        "netlify/swagger.yml",
        "Swagger 2.0",
        "BEARER",
        "1 connector: api.netlify.com (174 actions)",
        0,
    ),
]


@pytest.mark.parametrize(("name", "kind", "auth", "connectors", "skipped"), CORPUS)
def test_it_reads_every_operation_of_a_real_description(
    name, kind, auth, connectors, skipped
) -> None:
    plan = read(name)
    assert plan.kind == kind
    assert plan.auth.auth_config == auth
    assert hosts.summary(plan) == connectors
    assert len(plan.skipped) == skipped  # OPTIONS operations: no action can use OPTIONS
    for one in [plan, *plan.others]:
        json.dumps([a.fields() for a in one.actions], allow_nan=False)  # JSON types only


def test_openai_s_own_description_is_created_whole(db) -> None:
    out = io.StringIO()
    call_command("import_api", str(DESCRIPTIONS / "openai/openapi.yaml"), "--apply", stdout=out)
    assert "Imported into open_ai_api: 288 created, 0 updated, 0 skipped." in out.getvalue()
    assert Action.objects.filter(connector__name="open_ai_api").count() == 288
    # An unquoted date in an example (version: 2024-10-01) is kept as the text written.
    schemas = [
        json.dumps(a.output_schema) for a in Action.objects.filter(output_schema__isnull=False)
    ]
    assert any('"version": "2024-10-01"' in schema for schema in schemas)
    again = io.StringIO()
    call_command("import_api", str(DESCRIPTIONS / "openai/openapi.yaml"), stdout=again)
    assert "Actions: 0 to create, 0 to update, 288 to skip." in again.getvalue()


def test_box_s_other_hosts_are_created_with_it_in_one_preview(alice) -> None:
    client = client_for(alice)
    previewed = preview(client, "box/openapi.json")
    html = previewed.content.decode()
    assert "5 connectors: api.box.com/2.0 (280 actions), account.box.com (1 action)" in html
    assert "Connector box_platform_api_upload" in html
    response = create(client, previewed)
    assert response.status_code == 302
    upload = Connector.objects.get(name="box_platform_api_upload")
    assert upload.base_url == "https://upload.box.com/api/2.0"
    assert upload.auth_config == "OAUTH2"
    assert upload.auth_secrets["client_secret"]["hint"] == "{{BOX_PLATFORM_API_CLIENT_SECRET}}"
    assert upload.actions.count() == 9
    assert Connector.objects.count() == 5
    assert Action.objects.count() == 294
    assert Revision.objects.filter(kind="connector", event="created").count() == 5


def test_an_operation_s_own_server_under_the_base_url_stays_in_the_connector() -> None:
    document = {
        "openapi": "3.0.3",
        "info": {"title": "Files", "version": "1"},
        "servers": [{"url": "https://api.files.test/v1"}],
        "paths": {
            "/a": {"get": {"servers": [{"url": "https://api.files.test/v1/admin"}]}},
            "/b": {"servers": [{"url": "https://upload.files.test"}], "post": {}},
            "/c": {"get": {}},
        },
    }
    plan = readers.read_document(document, "pasted text", ReadOptions())
    assert [(a.method, a.path) for a in plan.actions] == [("GET", "/admin/a"), ("GET", "/c")]
    assert (
        hosts.summary(plan)
        == "2 connectors: api.files.test (2 actions), upload.files.test (1 action)"
    )
    assert plan.others[0].connector.name == "files_upload"


def test_a_browser_only_oauth_flow_stays_no_auth_unless_the_api_takes_a_bearer_token() -> None:
    document = {
        "swagger": "2.0",
        "info": {"title": "Sites", "version": "1", "description": "Sign in to use it."},
        "host": "api.sites.test",
        "securityDefinitions": {
            "web": {"type": "oauth2", "flow": "implicit", "authorizationUrl": "https://x.test/a"}
        },
        "paths": {"/sites": {"get": {}}},
    }
    plan = readers.read_document(document, "pasted text", ReadOptions())
    assert plan.auth.auth_config == "NO_AUTH"
    assert any("offers only the implicit flow" in note for note in plan.notes)
    document["info"]["description"] = "Send your personal access token as a Bearer token."
    plan = readers.read_document(document, "pasted text", ReadOptions())
    assert plan.auth.auth_config == "BEARER"
    assert plan.auth.described_as == "#/securityDefinitions/web"
    assert any("imported as Bearer Token Auth" in note for note in plan.notes)
