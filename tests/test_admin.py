"""The Django admin: connectors with actions inline, filters, search, the forms' validation."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.engine import channels
from connectors.models import Action, AlertChannel, Connector
from connectors.secrets import sealing
from tests.conftest import client_for
from tests.helpers.factories import api_key_connector, make_action, make_connector

pytestmark = pytest.mark.django_db

SECRET = "sk-admin-secret-99887766"


@pytest.fixture
def staff_alice(alice):
    alice.is_staff = True
    alice.save()
    return alice


def admin_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "OpenAI",
        "display_name": "",
        "description": "",
        "base_url": "https://api.openai.com",
        "auth_config": "API_KEY",
        "api_key_auth_type": "HEADER",
        "header_auth_key": "Authorization",
        "header_auth_value_pattern": "Bearer %s",
        "param_auth_param_name": "",
        "username": "",
        "api_key": SECRET,
        "headers_key": [],
        "headers_value": [],
        "timeout_seconds": "30",
        "verify_tls": "on",
        "actions-TOTAL_FORMS": "0",
        "actions-INITIAL_FORMS": "0",
        "actions-MIN_NUM_FORMS": "0",
        "actions-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_it_lists_filters_and_searches_connectors(staff_alice) -> None:
    make_connector("OpenAI", auth_config=Connector.AuthConfig.API_KEY)
    make_connector("Greenhouse", base_url="https://harvest.greenhouse.io", auth_config="BASIC")
    client = client_for(staff_alice)
    page = client.get("/admin/connectors/connector/").content.decode()
    assert "OpenAI" in page and "Greenhouse" in page
    filtered = client.get("/admin/connectors/connector/?auth_config__exact=BASIC").content.decode()
    assert "Greenhouse" in filtered and "OpenAI" not in filtered
    searched = client.get("/admin/connectors/connector/?q=harvest").content.decode()
    assert "Greenhouse" in searched and "OpenAI" not in searched


def test_it_shows_actions_inline_on_the_connector(staff_alice) -> None:
    connector = make_connector()
    make_action(connector, "list_models")
    page = client_for(staff_alice).get(f"/admin/connectors/connector/{connector.pk}/change/")
    assert 'value="list_models"' in page.content.decode()


def test_it_creates_a_connector_with_its_auth_and_seals_the_secret(staff_alice) -> None:
    response = client_for(staff_alice).post("/admin/connectors/connector/add/", admin_post())
    assert response.status_code == 302, response.content.decode()[:2000]
    connector = Connector.objects.get()
    assert connector.auth_settings["header_auth_value_pattern"] == "Bearer %s"
    assert SECRET not in str(connector.auth_secrets)
    assert connector.auth_secrets["api_key"]["hint"] == "7766"
    assert connector.updated_by == staff_alice


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"header_auth_value_pattern": "Bearer"}, "exactly one %s"),
        ({"name": "1bad"}, "Use a letter"),
        ({"base_url": "https://x.example.com/?q=1"}, "query string"),
        ({"api_key": ""}, "Enter the Api Key"),
    ],
)
def test_it_validates_as_the_forms_do(staff_alice, overrides, message) -> None:
    response = client_for(staff_alice).post(
        "/admin/connectors/connector/add/", admin_post(**overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Connector.objects.exists()


def test_it_never_renders_a_secret_and_keeps_it_when_left_blank(staff_alice) -> None:
    connector = api_key_connector("https://api.openai.com", SECRET)
    sealed = connector.auth_secrets["api_key"]["sealed"]
    client = client_for(staff_alice)
    url = f"/admin/connectors/connector/{connector.pk}/change/"
    page = client.get(url).content.decode()
    assert SECRET not in page and "••••7766" in page
    response = client.post(url, admin_post(api_key="", description="edited"))
    assert response.status_code == 302, response.content.decode()[:2000]
    connector.refresh_from_db()
    assert connector.description == "edited"
    assert connector.auth_secrets["api_key"]["sealed"] == sealed


def test_it_refuses_an_undeclared_arg_in_an_action(staff_alice) -> None:
    connector = make_connector()
    data = {
        "connector": str(connector.pk),
        "name": "get_user",
        "description": "",
        "method": "GET",
        "path": "/users/{{user_id}}",
        "query_params_key": [],
        "query_params_value": [],
        "headers_key": [],
        "headers_value": [],
        "body": "",
        "input_args-TOTAL_FORMS": "0",
        "input_args-INITIAL_FORMS": "0",
        "input_args-MIN_NUM_FORMS": "0",
        "input_args-MAX_NUM_FORMS": "1000",
    }
    client = client_for(staff_alice)
    response = client.post("/admin/connectors/action/add/", data)
    assert "{{user_id}} is used but not declared" in response.content.decode()
    assert not Action.objects.exists()
    data.update(
        {
            "input_args-TOTAL_FORMS": "1",
            "input_args-0-name": "user_id",
            "input_args-0-data_type": "string",
        }
    )
    response = client.post("/admin/connectors/action/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Action.objects.get().input_args.get().name == "user_id"


SLACK = "https://hooks.slack.com/services/T000/B000/adminTOKEN5566"


def test_it_creates_an_alert_channel_with_the_url_sealed(staff_alice) -> None:
    client = client_for(staff_alice)
    data = {"name": "Ops", "kind": "slack", "target": SLACK}
    response = client.post("/admin/connectors/alertchannel/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    channel = AlertChannel.objects.get()
    assert channel.url_hint == "hooks.slack.com …5566" and channel.created_by == staff_alice
    for url in (
        "/admin/connectors/alertchannel/",
        f"/admin/connectors/alertchannel/{channel.pk}/change/",
    ):
        page = client.get(url).content.decode()
        assert "hooks.slack.com …5566" in page and "adminTOKEN" not in page


def test_it_keeps_a_channel_url_left_blank_and_refuses_a_bad_one(staff_alice) -> None:
    client = client_for(staff_alice)
    channel = channels.create_channel(name="Ops", kind="slack", target=SLACK)
    change = f"/admin/connectors/alertchannel/{channel.pk}/change/"
    assert client.post(change, {"name": "Ops 2", "kind": "slack", "target": ""}).status_code == 302
    channel.refresh_from_db()
    assert channel.name == "Ops 2" and sealing.unseal(channel.url_sealed) == SLACK
    bad = "https://user:adminTOKEN@hooks.slack.com/x"
    response = client.post(change, {"name": "Ops 2", "kind": "slack", "target": bad})
    assert response.status_code == 200
    assert "“@” before its host" in response.content.decode()
    assert "adminTOKEN" not in response.content.decode()
    channel.refresh_from_db()
    assert sealing.unseal(channel.url_sealed) == SLACK


def test_only_admins_see_alert_channels_in_the_admin(bob) -> None:
    bob.is_staff = True
    bob.save()
    assert client_for(bob).get("/admin/connectors/alertchannel/").status_code == 403


def test_it_edits_checks_through_the_one_parser(staff_alice) -> None:
    action = make_action(make_connector())
    client = client_for(staff_alice)
    page = client.get(f"/admin/connectors/action/{action.pk}/change/").content.decode()
    assert 'name="checks"' in page
    data = {
        "connector": str(action.connector.pk),
        "name": action.name,
        "description": "",
        "method": "GET",
        "path": action.path,
        "query_params_key": [],
        "query_params_value": [],
        "headers_key": [],
        "headers_value": [],
        "body": "",
        "checks": '[{"type": "jsonpath", "path": "$.[", "op": "exists"}]',
        "version": "1",
        "input_args-TOTAL_FORMS": "0",
        "input_args-INITIAL_FORMS": "0",
        "input_args-MIN_NUM_FORMS": "0",
        "input_args-MAX_NUM_FORMS": "1000",
    }
    response = client.post(f"/admin/connectors/action/{action.pk}/change/", data)
    assert "[0].path: Not an RFC 9535 JSONPath" in response.content.decode()
    data["checks"] = '[{"type": "status", "value": "404"}]'
    response = client.post(f"/admin/connectors/action/{action.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    action.refresh_from_db()
    assert action.checks == [{"type": "status", "op": "equals", "value": 404}]
