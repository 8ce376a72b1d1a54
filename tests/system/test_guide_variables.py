"""Nexthink, Salesforce and Workato from the public setup guides, built as written through the
connector and action forms, their first action Tested against a local stand-in checking the
auth. Only the vendor's origin is swapped for the stand-in's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors import variables
from connectors.engine import outcomes
from connectors.models import Connector
from connectors.secrets import homes, references, sealing
from tests.conftest import client_for
from tests.engine.oauth.test_broker import local  # noqa: F401  (the fixture: 127.0.0.1 and an own cache)
from tests.helpers.factories import action_post, connector_post, make_credential
from tests.helpers.oauth_server import AuthServer
from tests.helpers.press import press_test
from tests.helpers.upstream import Received, Reply, Upstream

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local")]

GUIDES = Path("/work/shared/reference/agent-studio-guides.json")
GRANTS = {"Client Credentials Grant": "client_credentials", "Password Grant": "password"}
CLIENT_AUTH = {
    "OAuth 2.0 with Basic Auth Header set to username and password": "BASIC_AUTH_HEADER",
    "OAuth 2.0 with Request Body": "REQUEST_BODY",
}


def configuration(config_id: str) -> dict[str, Any]:
    document = json.loads(GUIDES.read_text())
    for connector in document["connectors"]:
        for config in connector["configurations"]:
            if config["id"] == config_id:
                return config
    raise LookupError(config_id)


def oauth_fields(fields: dict[str, str], token_url: str) -> dict[str, Any]:
    return {
        "auth-oauth2_grant_type": GRANTS[fields["Oauth2 Grant Type"]],
        "auth-client_id": fields["Client ID"],
        "auth-client_secret": fields["Client Secret"],
        "auth-oauth2_token_url": token_url,
        "auth-scope": "",
        "auth-oauth2_client_authentication": CLIENT_AUTH.get(
            fields.get("Oauth2 Client Authentication", ""), ""
        ),
        "auth-password_grant_username": fields.get("Password Grant Username", ""),
        "auth-password_grant_password": fields.get("Password Grant Password", ""),
        "auth-header_auth_key": "Authorization",
        "auth-header_auth_value_pattern": "Bearer %s",
        "auth-access_token_key": "access_token",
        "auth-expires_in_key": "expires_in",
        "auth-expires_in_unit": "seconds",
    }


def save_connector(user: Any, name: str, base_url: str, auth: dict[str, Any], **extra: Any) -> None:
    data = connector_post(name=name, display_name=name, base_url=base_url, **auth, **extra)
    response = client_for(user).post("/new/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]


def save_first_action(user: Any, connector: str, config: dict[str, Any]) -> str:
    action = config["actions"][0]
    args = [
        {"name": a["name"], "example_value": a.get("example_value") or "", "required": True}
        for a in action["input_args"]
    ]
    data = action_post(
        args=args,
        name=action["name"],
        method=action["method"],
        path=action["path"],
        body=action["body"],
        query_params_key=[row["key"] for row in action["query_params"]],
        query_params_value=[row["value"] for row in action["query_params"]],
        headers_key=[row["key"] for row in action["headers"]],
        headers_value=[row["value"] for row in action["headers"]],
    )
    response = client_for(user).post(f"/connectors/{connector}/new-action/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    return response["Location"]


# --- Nexthink: {{nexthink_instance}} and {{region}} in the Base URL and the Oauth2 Token Url ---

NEXTHINK_ORIGIN = "https://{{nexthink_instance}}.api.{{region}}.nexthink.cloud"


@pytest.fixture
def nexthink() -> Iterator[AuthServer]:
    with AuthServer(client_id="nexthink-client", token_path="/api/v1/token") as server:
        server.accept = ("basic",)
        yield server


def test_nexthinks_token_url_renders_its_variables_as_written() -> None:
    config = configuration("nexthink-oauth2-client-credentials")
    token_url = config["auth_fields"]["Oauth2 Token Url"]
    values = {"nexthink_instance": "acme", "region": "us"}
    assert variables.render_url(token_url, values) == (
        "https://acme.api.us.nexthink.cloud/api/v1/token"
    )
    with pytest.raises(variables.HostOutsideTemplate):
        variables.render_url(token_url, {"nexthink_instance": "evil.example", "region": "us"})


def test_nexthink_as_written_gets_a_token_and_lists_workflows(nexthink, bob) -> None:
    config = configuration("nexthink-oauth2-client-credentials")
    fields = config["auth_fields"]
    port = nexthink.url.rsplit(":", 1)[1]
    # The stand-in's origin in place of the vendor's: each variable still fills one label.
    local_origin = "http://127.{{nexthink_instance}}.{{region}}.1:" + port
    assert config["base_url"] == NEXTHINK_ORIGIN and fields["Oauth2 Token Url"].startswith(
        NEXTHINK_ORIGIN
    )
    make_credential("nexthink_clientSecret", nexthink.client_secret)
    save_connector(
        bob,
        "Nexthink",
        config["base_url"].replace(NEXTHINK_ORIGIN, local_origin),
        {
            "auth_config": "OAUTH2",
            **oauth_fields(
                fields, fields["Oauth2 Token Url"].replace(NEXTHINK_ORIGIN, local_origin)
            ),
        },
        variables_key=["nexthink_instance", "region", "nexthink_clientId"],
        variables_value=["0", "0", "nexthink-client"],
    )
    connector = Connector.objects.get(name="Nexthink")
    assert connector.auth_settings["client_id"] == "{{nexthink_clientId}}"
    html = press_test(bob, save_first_action(bob, "Nexthink", config))
    assert "200 OK" in html, html[:2000]
    [token] = nexthink.token_requests
    assert token.client_auth == "basic" and token.form == {"grant_type": "client_credentials"}
    [api] = nexthink.api_requests
    assert api.path == "/api/v1/workflows" and api.headers["accept"] == "application/json"
    assert nexthink.client_secret not in html


def test_a_variable_cannot_move_the_token_request_to_another_host(nexthink, bob) -> None:
    with Upstream() as evil:
        connector = Connector(
            name="Nexthink",
            base_url="http://127.{{a}}.0.1:" + nexthink.url.rsplit(":", 1)[1],
            variables=[{"key": "a", "value": f"0.0.1:{evil.port}/x"}],
            auth_config="OAUTH2",
            auth_settings={
                "oauth2_grant_type": "client_credentials",
                "client_id": "nexthink-client",
                "oauth2_token_url": "http://127.{{a}}.0.1:1/api/v1/token",
            },
            auth_secrets={"client_secret": sealing.sealed_field(nexthink.client_secret, "t")},
        )
        homes.settle(None, connector)  # its home: the template origins, as a save stamps it
        connector.save()
        connector.actions.create(name="list_workflows", path="/api/v1/workflows")
        html = press_test(bob, connector.actions.get().get_absolute_url())
        assert outcomes.title("Blocked") in html or outcomes.title("AuthFailed") in html
        assert evil.received == [] and nexthink.token_requests == []


# --- Salesforce: Password Grant Password {{salesforce_password}}{{salesforce_security_token}} ---


def test_salesforce_password_grant_as_written(bob) -> None:
    config = configuration("salesforce-oauth2-password")
    fields = config["auth_fields"]
    assert (
        fields["Password Grant Password"] == "{{salesforce_password}}{{salesforce_security_token}}"
    )
    with AuthServer(client_id="sf-consumer-key") as server:
        server.accept = ("basic", "body")
        server.users = {"integration@example.com": "hunter2-pass" + "SECTOKEN123"}
        make_credential("salesforce_consumer_secret", server.client_secret)
        make_credential("salesforce_password", "hunter2-pass")
        make_credential("salesforce_security_token", "SECTOKEN123")
        save_connector(
            bob,
            "Salesforce",
            server.url,  # in place of https://{your-salesforce-domain}.my.salesforce.com
            {"auth_config": "OAUTH2", **oauth_fields(fields, server.token_url)},
            description=config["connector_fields"]["Description"],
            variables_key=["salesforce_consumer_key", "salesforce_username"],
            variables_value=["sf-consumer-key", "integration@example.com"],
        )
        connector = Connector.objects.get(name="Salesforce")
        assert references.references_in(connector) == {
            "salesforce_consumer_secret",
            "salesforce_password",
            "salesforce_security_token",
        }
        html = press_test(bob, save_first_action(bob, "Salesforce", config))
        assert "200 OK" in html, html[:2000]
        form = server.token_requests[-1].form
        assert (form["grant_type"], form["username"], form["password"]) == (
            "password",
            "integration@example.com",
            "hunter2-passSECTOKEN123",
        )
        assert server.api_requests[0].path == (
            "/services/data/v58.0/query?q=SELECT+Name+FROM+Contact+LIMIT+10"
        )
        assert "hunter2" not in html and "SECTOKEN123" not in html


def test_an_unknown_reference_in_a_combined_secret_fails_the_test_naming_it(bob) -> None:
    with AuthServer() as server:
        make_credential("salesforce_password", "hunter2-pass")
        Connector.objects.create(
            name="Salesforce",
            base_url=server.url,
            auth_config="OAUTH2",
            auth_settings={
                "oauth2_grant_type": "password",
                "client_id": server.client_id,
                "oauth2_token_url": server.token_url,
                "password_grant_username": "ada",
            },
            auth_secrets={
                "password_grant_password": sealing.sealed_field(
                    "{{salesforce_password}}{{salesforce_security_token}}", "t"
                )
            },
        ).actions.create(name="q", path="/q")
        html = press_test(
            bob, Connector.objects.get(name="Salesforce").actions.get().get_absolute_url()
        )
        assert outcomes.title("CredentialMissing") in html and "salesforce_security_token" in html
        assert server.token_requests == []


# --- Workato: a JSON body and no Content-Type row ----------------------------------------------


def test_workato_as_written_sends_json_without_a_content_type_row(bob) -> None:
    config = configuration("workato-api-key")
    fields = config["auth_fields"]
    assert config["actions"][0]["headers"] == []
    token = "workato-token-0123456789"

    def reverse_echo(got: Received) -> Reply:
        if got.headers.get("api-token") != token:
            return Reply(401, body=b'{"error": "bad token"}')
        name = json.loads(got.body)["name"]
        return Reply(body=json.dumps({"reversed_name": name[::-1]}).encode())

    with Upstream() as workato:
        workato.handler = reverse_echo
        make_credential("access_key", token)
        save_connector(
            bob,
            "Workato",
            config["base_url"].replace("https://apim.workato.com", workato.url),
            {
                "auth_config": "API_KEY",
                "auth-api_key_auth_type": "HEADER",
                "auth-header_auth_key": fields["Header Auth Key"],
                "auth-header_auth_value_pattern": "%s",
                "auth-api_key": fields["API Key"],
            },
        )
        action_url = save_first_action(bob, "Workato", config)
        page = client_for(bob).get(action_url).content.decode()
        assert "Sent as JSON (application/json)" in page
        html = press_test(
            bob,
            action_url,
            {
                "workato_tenant_name": "mw",
                "collection_name": "ajay-merchia-vv1",
                "endpoint_name": "reverse-echo",
                "query": 'Luke "Skywalker"',
            },
        )
        assert "200 OK" in html, html[:2000]
        got = workato.last
        assert got.path == "/mw/ajay-merchia-vv1/reverse-echo"
        assert got.headers["content-type"] == "application/json"
        assert json.loads(got.body) == {"name": 'Luke "Skywalker"'}
        assert "reversed_name" in html and token not in html
