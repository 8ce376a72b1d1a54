"""Connector Variables: in every template, overridden by inputs, kept in forms, history, export
and import, and held to the one-DNS-label host rule."""

from __future__ import annotations

import io
import json

import jwt
import pytest
from django.core.management import call_command

from connectors.catalog import history, restore
from connectors.engine import executor
from connectors.engine.oauth import assertion, broker
from connectors.kinds import fingerprint
from connectors.models import Connector, Revision
from tests.conftest import client_for
from tests.engine.oauth.test_broker import local  # noqa: F401  (the fixture: 127.0.0.1 and an own cache)
from tests.helpers import keys
from tests.helpers.factories import (
    action_post,
    connector_post,
    make_action,
    make_connector,
    make_credential,
)
from tests.helpers.oauth_server import AuthServer
from tests.helpers.upstream import Upstream
from tests.test_admin import admin_post

pytestmark = pytest.mark.django_db

VARIABLES = [{"key": "instance_name", "value": "dev12345"}, {"key": "region", "value": "us"}]


def with_variables(**overrides: object) -> dict:
    return connector_post(
        variables_key=[v["key"] for v in VARIABLES],
        variables_value=[v["value"] for v in VARIABLES],
        **overrides,
    )


def oauth_with_variables(client_id: str, token_url: str) -> dict:
    return with_variables(
        auth_config="OAUTH2",
        **{
            "auth-oauth2_grant_type": "client_credentials",
            "auth-client_id": client_id,
            "auth-client_secret": "secret-0123456789",
            "auth-oauth2_token_url": token_url,
            "auth-header_auth_key": "Authorization",
            "auth-header_auth_value_pattern": "Bearer %s",
            "auth-expires_in_unit": "seconds",
        },
    )


def test_variables_fill_the_base_url_path_params_headers_and_body(upstream) -> None:
    connector = make_connector(
        base_url=upstream.url + "/{{region}}",
        variables=VARIABLES,
        headers=[{"key": "X-Instance", "value": "{{instance_name}}"}],
    )
    action = make_action(
        connector,
        method="POST",
        path="/instances/{{instance_name}}",
        query_params=[{"key": "region", "value": "{{region}}"}],
        headers=[{"key": "X-Region", "value": "{{region}}"}],
        body='{"instance": "{{instance_name}}"}',
    )
    run = executor.run(action, {}, None)
    assert (run.status, run.error_kind) == (200, "")
    got = upstream.last
    assert got.path == "/us/instances/dev12345?region=us"
    assert got.headers["x-instance"] == "dev12345" and got.headers["x-region"] == "us"
    assert json.loads(got.body) == {"instance": "dev12345"}


def test_an_input_of_the_same_name_overrides_the_variable_and_an_empty_one_does_not(
    upstream,
) -> None:
    connector = make_connector(base_url=upstream.url, variables=VARIABLES)
    action = make_action(connector, path="/i/{{instance_name}}", args=[{"name": "instance_name"}])
    executor.run(action, {"instance_name": "prod999"}, None)
    assert upstream.last.path == "/i/prod999"
    executor.run(action, {"instance_name": ""}, None)
    assert upstream.last.path == "/i/dev12345"


def test_a_variable_fills_one_dns_label_and_nothing_more(settings) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1"]
    with Upstream() as evil:
        connector = make_connector(
            base_url="http://127.{{octet}}.0.1:1",
            variables=[{"key": "octet", "value": f"0.0.1:{evil.port}/"}],
        )
        run = executor.run(make_action(connector, path="/x"), {}, None)
        assert run.error_kind == "Blocked" and "one name without dots" in run.error_message
        assert evil.received == []


def test_a_template_in_the_scheme_or_the_port_is_refused_at_send_time(upstream) -> None:
    port = upstream.url.rsplit(":", 1)[1]
    for base_url in ["{{scheme}}://127.0.0.1:" + port, "http://127.0.0.1:{{port}}"]:
        connector = Connector.objects.create(
            name="Odd",
            base_url=base_url,
            variables=[{"key": "scheme", "value": "http"}, {"key": "port", "value": port}],
        )
        run = executor.run(make_action(connector, path="/x"), {}, None)
        assert run.error_kind == "Blocked", run.error_message
        connector.delete()
    assert upstream.received == []


def test_the_connector_form_saves_variables_and_the_page_shows_them(bob) -> None:
    client = client_for(bob)
    form = client.get("/new/").content.decode()
    assert 'for="id_variables_key_0"' in form and "Connector Variables" in form
    assert "Not for secrets" in form
    response = client.post(
        "/new/", with_variables(base_url="https://{{instance_name}}.service-now.com")
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    connector = Connector.objects.get()
    assert connector.variables == VARIABLES
    page = client.get(connector.get_absolute_url()).content.decode()
    assert "instance_name = dev12345" in page and "region = us" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"variables_key": ["1bad"], "variables_value": ["x"]}, "is not a variable name"),
        (
            {"variables_key": ["region", "Region"], "variables_value": ["us", "eu"]},
            "appears twice",
        ),
        (
            {"variables_key": ["token"], "variables_value": ["{{API_TOKEN}}"]},
            "not a {{...}} reference",
        ),
        ({"base_url": "https://{{tenant}}.example.com"}, "{{tenant}} is not a Connector Variable"),
        ({"base_url": "https://api.example.com:{{port}}"}, "never the port"),
        ({"base_url": "https://{{instance_name}.example.com"}, "Unclosed tag"),
    ],
)
def test_the_connector_form_refuses_bad_variables_and_unknown_names(bob, overrides, message):
    data = (
        with_variables(**overrides)
        if "variables_key" not in overrides
        else connector_post(**overrides)
    )
    response = client_for(bob).post("/new/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html.replace("&#x27;", "'")
    assert not Connector.objects.exists()


def test_a_base_url_may_use_an_input_arg_of_an_existing_action(bob) -> None:
    connector = make_connector()
    make_action(connector, path="/x", args=[{"name": "tenant"}])
    response = client_for(bob).post(
        "/connectors/OpenAI/edit/",
        connector_post(base_url="https://{{tenant}}.example.com", version="1"),
    )
    assert response.status_code == 302, response.content.decode()[-2000:]


def test_an_auth_url_with_an_unknown_variable_is_a_field_error(bob) -> None:
    data = oauth_with_variables("id", "https://{{tenant}}.example.com/token")
    response = client_for(bob).post("/new/", data)
    assert response.status_code == 200
    assert "{{tenant}} is not a Connector Variable" in response.content.decode()
    assert not Connector.objects.exists()


def test_an_action_may_use_a_variable_without_declaring_it(bob) -> None:
    make_connector(variables=VARIABLES)
    response = client_for(bob).post(
        "/connectors/OpenAI/new-action/", action_post(path="/regions/{{region}}")
    )
    assert response.status_code == 302
    undeclared = client_for(bob).post(
        "/connectors/OpenAI/new-action/", action_post(name="other", path="/x/{{nope}}")
    )
    assert "{{nope}} is used but not declared" in undeclared.content.decode()


def test_variables_are_kept_in_history_and_restored(bob, alice) -> None:
    client = client_for(bob)
    client.post("/new/", with_variables())
    client.post(
        "/connectors/OpenAI/edit/",
        connector_post(variables_key=["region"], variables_value=["eu"], version="1"),
    )
    connector = Connector.objects.get()
    changed, created = Revision.objects.filter(kind="connector", object_id=connector.pk)
    assert created.snapshot["variables"] == VARIABLES
    [change] = [
        c
        for c in history.diff(created.snapshot, changed.snapshot)
        if c.field == "Connector Variables"
    ]
    assert "instance_name" in change.old and "region: eu" in change.new
    restore.restore(created, alice)
    connector.refresh_from_db()
    assert connector.variables == VARIABLES


def test_a_snapshot_from_before_variables_restores_with_none(bob, alice) -> None:
    client_for(bob).post("/new/", with_variables())
    connector = Connector.objects.get()
    revision = Revision.objects.get(kind="connector", object_id=connector.pk)
    del revision.snapshot["variables"]
    revision.save()
    restore.restore(revision, alice)
    connector.refresh_from_db()
    assert connector.variables == []


def test_export_and_import_keep_variables(tmp_path) -> None:
    make_connector(variables=VARIABLES)
    out = io.StringIO()
    call_command("export_catalog", stdout=out)
    document = json.loads(out.getvalue())
    assert document["connectors"][0]["variables"] == VARIABLES
    Connector.objects.all().delete()
    path = tmp_path / "catalog.json"
    path.write_text(out.getvalue())
    call_command("import_catalog", str(path), stdout=io.StringIO())
    assert Connector.objects.get().variables == VARIABLES
    document["connectors"][0]["variables"] = [{"key": "bad name", "value": "x"}]
    path.write_text(json.dumps(document))
    Connector.objects.all().delete()
    with pytest.raises(Exception, match="is not a variable name"):
        call_command("import_catalog", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not Connector.objects.exists()


def test_the_admin_edits_variables(alice) -> None:
    alice.is_staff = True
    alice.save()
    client = client_for(alice)
    response = client.post(
        "/admin/connectors/connector/add/",
        admin_post(variables_key=["region"], variables_value=["us"]),
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    connector = Connector.objects.get()
    assert connector.variables == [{"key": "region", "value": "us"}]
    page = client.get(f"/admin/connectors/connector/{connector.pk}/change/").content.decode()
    assert "Connector Variables" in page and 'value="region"' in page


def client_credentials(
    server: AuthServer, client_id: str, token_url: str, name: str, value: str
) -> Connector:
    """A Client Credentials connector on the server, with one variable."""
    return make_connector(
        base_url=server.url,
        variables=[{"key": name, "value": value}],
        auth_config="OAUTH2",
        auth_settings={
            "oauth2_grant_type": "client_credentials",
            "client_id": client_id,
            "oauth2_token_url": token_url,
        },
        secrets={"client_secret": server.client_secret},
    )


@pytest.mark.usefixtures("local")
def test_the_token_url_uses_variables_and_a_change_of_them_needs_a_new_token() -> None:
    with AuthServer() as server:
        base, port = server.url.rsplit(":", 1)
        token_url = "http://127.0.0.{{tenant}}:" + port + "/token"
        connector = client_credentials(server, server.client_id, token_url, "tenant", "1")
        run = executor.run(make_action(connector, path="/api"), {}, None)
        assert run.status == 200 and len(server.token_requests) == 1
        before = fingerprint(connector)
        connector.variables = [{"key": "tenant", "value": "01"}]
        connector.save()
        assert fingerprint(connector) != before
        assert broker.state(connector).kind == "none"


@pytest.mark.usefixtures("local")
def test_an_unknown_variable_in_the_token_url_fails_the_test_naming_it() -> None:
    connector = make_connector(
        auth_config="OAUTH2",
        auth_settings={
            "oauth2_grant_type": "client_credentials",
            "client_id": "id",
            "oauth2_token_url": "https://{{tenant}}.example.com/token",
        },
        secrets={"client_secret": "s"},
    )
    run = executor.run(make_action(connector), {}, None)
    assert run.error_kind == "AuthFailed"
    assert "{{tenant}}" in run.error_message and "Connector Variable" in run.error_message


@pytest.mark.usefixtures("local")
def test_the_authorization_url_uses_variables(bob) -> None:
    connector = make_connector(
        variables=[{"key": "tenant", "value": "acme"}],
        auth_config="OAUTH2",
        auth_settings={
            "oauth2_grant_type": "authorization_code",
            "client_id": "id",
            "oauth2_token_url": "https://{{tenant}}.example.com/token",
            "authorization_url": "https://{{tenant}}.example.com/authorize",
        },
    )
    response = client_for(bob).get(f"/connectors/{connector.name}/oauth/authorize/")
    assert response.status_code == 302
    assert response["Location"].startswith("https://acme.example.com/authorize?")


def test_the_jwt_audience_uses_variables() -> None:
    connector = make_connector(
        variables=[{"key": "org", "value": "acme"}],
        auth_config="JWT",
        auth_settings={
            "algorithm": "RS256",
            "client_id": "client",
            "audience": "https://{{org}}.okta.com/oauth2/v1/token",
        },
        secrets={"private_key": keys.rsa_pair()[0]},
    )
    claims = jwt.decode(assertion.sign(connector), options={"verify_signature": False})
    assert claims["aud"] == "https://acme.okta.com/oauth2/v1/token"


@pytest.mark.usefixtures("local")
def test_a_client_id_takes_variables_but_never_a_credential(bob) -> None:
    make_credential("TEAM_SECRET", "team-secret-canary-123")
    with AuthServer(client_id="{{TEAM_SECRET}}") as evil:
        connector = client_credentials(evil, "{{TEAM_SECRET}}", evil.token_url, "c", "x")
        run = executor.run(make_action(connector, path="/api"), {}, None)
        assert run.error_kind == "AuthFailed" and "{{TEAM_SECRET}}" in run.error_message
        assert evil.token_requests == []
    connector.delete()
    data = oauth_with_variables("{{TEAM_SECRET}}", "https://login.example.com/token")
    response = client_for(bob).post("/new/", data)
    assert "{{TEAM_SECRET}} is not a Connector Variable" in response.content.decode()
    assert not Connector.objects.exists()
