"""The catalog in the browser: connectors and actions, validation, roles."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from connectors.engine import runs
from connectors.forms.action import MAX_INPUT_ARGS
from connectors.models import Action, Connector, InputArg, Monitor, TestRun
from tests.conftest import client_for
from tests.helpers.factories import action_post, connector_post, make_action, make_connector

pytestmark = pytest.mark.django_db


def test_it_sends_anonymous_users_to_the_login_page_from_every_url() -> None:
    connector = make_connector()
    action = make_action(connector)
    urls = [
        "/",
        "/new/",
        "/auth-fields/",
        connector.get_absolute_url(),
        f"/connectors/{connector.name}/edit/",
        f"/connectors/{connector.name}/delete/",
        action.get_absolute_url(),
        f"{action.get_absolute_url()}edit/",
        "/admin/",
    ]
    for url in urls:
        response = Client().get(url)
        assert response.status_code == 302, url
        assert "login" in response["Location"], url


def test_it_lists_connectors_with_base_url_auth_config_action_count_and_changer(bob) -> None:
    connector = make_connector(updated_by=bob, auth_config=Connector.AuthConfig.BEARER)
    make_action(connector)
    make_action(connector, "create_chat")
    page = client_for(bob).get("/").content.decode()
    assert "OpenAI" in page
    assert "https://api.openai.com" in page
    assert "Bearer Token Auth" in page
    assert '<td class="num wide-only">2</td>' in page
    assert "bob" in page


def test_it_filters_the_catalog_by_name_description_or_base_url(carol) -> None:
    make_connector("OpenAI")
    make_connector("GitHub", base_url="https://api.github.com", description="Repos and issues")
    client = client_for(carol)
    assert "GitHub" not in client.get("/?q=openai").content.decode()
    assert "OpenAI" not in client.get("/?q=issues").content.decode()
    assert "GitHub" in client.get("/?q=api.github").content.decode()


def test_it_answers_a_search_as_you_type_with_the_results_partial_only(carol) -> None:
    make_connector("OpenAI")
    response = client_for(carol).get("/?q=open", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert "<html" not in html
    assert "OpenAI" in html


def test_it_shows_50_connectors_per_page(carol) -> None:
    Connector.objects.bulk_create(
        Connector(name=f"c{i:03d}", base_url="https://example.com") for i in range(120)
    )
    client = client_for(carol)
    first = client.get("/").content.decode()
    assert "c049" in first and "c050" not in first
    assert "Page 1 of 3" in first
    assert "c050" in client.get("/?page=2").content.decode()


def test_it_creates_the_walkthrough_connector_with_its_auth(bob) -> None:
    response = client_for(bob).post("/new/", connector_post())
    assert response.status_code == 302
    connector = Connector.objects.get(name="OpenAI")
    assert connector.auth_config == "API_KEY"
    assert connector.auth_settings["header_auth_key"] == "Authorization"
    assert connector.auth_settings["header_auth_value_pattern"] == "Bearer %s"
    assert connector.auth_secrets["api_key"]["hint"] == "{{OPENAI_API_KEY}}"
    assert connector.updated_by == bob
    assert connector.timeout_seconds == 30 and connector.verify_tls


def test_it_labels_every_field_as_agent_studio_does(bob) -> None:
    page = client_for(bob).get("/new/").content.decode()
    for label in ["Name", "Display Name", "Description", "Base URL", "Auth Config", "Headers"]:
        assert f">{label}" in page, label
    fields = client_for(bob).get("/auth-fields/?auth_config=API_KEY").content.decode()
    for label in [
        "Api Key Auth Auth Type",
        "Header Auth Key",
        "Header Auth Value Pattern",
        "Api Key",
    ]:
        assert f">{label}" in fields, label
    assert 'value="Authorization"' in fields and 'value="Bearer %s"' in fields


@pytest.mark.parametrize(
    ("auth_config", "labels"),
    [
        ("NO_AUTH", []),
        ("BASIC", ["Username", "Password"]),
        ("BEARER", ["Token"]),
    ],
)
def test_it_swaps_in_the_fields_of_the_chosen_auth_config(bob, auth_config, labels) -> None:
    html = client_for(bob).get(f"/auth-fields/?auth_config={auth_config}").content.decode()
    assert html.lstrip().startswith('<div id="auth-fields"')
    for label in labels:
        assert f">{label}" in html
    assert "Header Auth Key" not in html


def test_it_shows_param_auth_fields_when_param_auth_is_chosen(bob) -> None:
    url = "/auth-fields/?auth_config=API_KEY&auth-api_key_auth_type=PARAM"
    html = client_for(bob).get(url).content.decode()
    assert ">Param Auth Param Name" in html
    assert "Header Auth Value Pattern" not in html


def test_it_saves_param_auth(bob) -> None:
    data = connector_post(
        **{"auth-api_key_auth_type": "PARAM", "auth-param_auth_param_name": "code"}
    )
    client_for(bob).post("/new/", data)
    connector = Connector.objects.get()
    assert connector.auth_settings["api_key_auth_type"] == "PARAM"
    assert connector.auth_settings["param_auth_param_name"] == "code"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "1abc"}, "name", "Use a letter"),
        ({"name": "a"}, "name", "Use a letter"),
        ({"name": "has-dash"}, "name", "Use a letter"),
        ({"base_url": "ftp://example.com"}, "base_url", "http:// or https://"),
        ({"base_url": "https://example.com/?a=1"}, "base_url", "query string"),
        ({"base_url": "https://example.com/#x"}, "base_url", "fragment"),
        (
            {"auth-header_auth_value_pattern": "Bearer"},
            "auth-header_auth_value_pattern",
            "exactly one %s",
        ),
        (
            {"auth-header_auth_value_pattern": "%s %s"},
            "auth-header_auth_value_pattern",
            "exactly one %s",
        ),
        ({"auth-api_key": ""}, "auth-api_key", "Enter the Api Key"),
        ({"headers_key": ["X-A", "x-a"], "headers_value": ["1", "2"]}, "headers", "appears twice"),
        ({"timeout_seconds": "0"}, "timeout_seconds", "greater than or equal to 1"),
    ],
)
def test_it_shows_a_field_error_and_saves_nothing(bob, overrides, field, message) -> None:
    response = client_for(bob).post("/new/", connector_post(**overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    error_at = html.rindex(message)  # the summary at the top has it too, linking to the field
    assert html.rfind(f'id="field-{field}"', 0, error_at) != -1
    assert 'class="error-summary"' in html
    assert not Connector.objects.exists()


def test_it_refuses_a_duplicate_name_next_to_the_field(bob) -> None:
    make_connector("OpenAI")
    response = client_for(bob).post("/new/", connector_post())
    assert "already exists" in response.content.decode()
    assert Connector.objects.count() == 1


def test_the_database_refuses_two_connectors_with_the_same_name() -> None:
    make_connector("OpenAI")
    with pytest.raises(IntegrityError), transaction.atomic():
        Connector.objects.create(name="OpenAI", base_url="https://other.example.com")


def test_it_keeps_a_secret_when_the_field_is_left_blank_and_never_renders_it(bob) -> None:
    client = client_for(bob)
    client.post("/new/", connector_post(**{"auth-api_key": "sk-live-abcdef123456"}))
    sealed = Connector.objects.get().auth_secrets["api_key"]["sealed"]
    edit = client.get("/connectors/OpenAI/edit/").content.decode()
    assert "sk-live-abcdef123456" not in edit
    assert "••••3456" in edit
    client.post(
        "/connectors/OpenAI/edit/", connector_post(**{"auth-api_key": "", "description": "x"})
    )
    connector = Connector.objects.get()
    assert connector.description == "x"
    assert connector.auth_secrets["api_key"]["sealed"] == sealed


def test_it_clears_a_secret_when_asked(bob) -> None:
    client = client_for(bob)
    client.post("/new/", connector_post(auth_config="BEARER", **{"auth-token": "tok-123456789012"}))
    client.post(
        "/connectors/OpenAI/edit/",
        connector_post(auth_config="BEARER", **{"auth-token": "", "auth-token_clear": "1"}),
    )
    # A Bearer token is required: clearing it is refused with a message, nothing changes.
    assert "token" in Connector.objects.get().auth_secrets
    client.post(
        "/new/",
        connector_post(
            name="Basic",
            auth_config="BASIC",
            **{"auth-username": "u", "auth-password": "p-12345678901"},
        ),
    )
    client.post(
        "/connectors/Basic/edit/",
        connector_post(
            name="Basic", auth_config="BASIC", **{"auth-username": "u", "auth-password_clear": "1"}
        ),
    )
    assert "password" not in Connector.objects.get(name="Basic").auth_secrets


def test_it_creates_an_action_with_params_headers_body_and_input_args(bob) -> None:
    connector = make_connector()
    data = action_post(
        args=[
            {"name": "model", "data_type": "string", "example_value": "gpt-4o", "required": True}
        ],
        name="chat",
        method="POST",
        path="/v1/chat/{{model}}",
        query_params_key=["limit", "q"],
        query_params_value=["10", "{{#model}}{{model}}{{/model}}"],
        headers_key=["Content-Type"],
        headers_value=["application/json"],
        body='{"model": "{{model}}"}',
    )
    response = client_for(bob).post(f"/connectors/{connector.name}/new-action/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    action = Action.objects.get(name="chat")
    assert action.method == "POST"
    assert action.query_params == [
        {"key": "limit", "value": "10"},
        {"key": "q", "value": "{{#model}}{{model}}{{/model}}"},
    ]
    assert action.headers == [{"key": "Content-Type", "value": "application/json"}]
    arg = InputArg.objects.get(action=action)
    assert (arg.name, arg.example_value, arg.required) == ("model", "gpt-4o", True)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"path": "v1/models"}, "path", "starts with /"),
        ({"path": "/v1/models?limit=1"}, "path", "Query Params"),
        ({"path": "/users/{{user_id}}"}, "path", "{{user_id}} is used but not declared"),
        (
            {
                "body": '{"a": "{{missing}}"}',
                "headers_key": ["Content-Type"],
                "headers_value": ["application/json"],
            },
            "body",
            "{{missing}} is used but not declared",
        ),
        (
            {
                "body": "{not json",
                "headers_key": ["Content-Type"],
                "headers_value": ["application/json"],
            },
            "body",
            "not valid JSON",
        ),
        (
            {"headers_key": ["Accept", "accept"], "headers_value": ["a", "b"]},
            "headers",
            "appears twice",
        ),
        ({"name": "9lives"}, "name", "Use a letter"),
        ({"path": "/{{#a}}x"}, "path", ""),
    ],
)
def test_it_shows_an_action_field_error_and_saves_nothing(bob, overrides, field, message) -> None:
    connector = make_connector()
    response = client_for(bob).post(
        f"/connectors/{connector.name}/new-action/", action_post(**overrides)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="field-{field}"' in html
    assert message in html
    assert 'class="error"' in html
    assert not Action.objects.exists()
    assert not InputArg.objects.exists()


def test_it_accepts_a_json_body_with_an_unquoted_number_arg(bob) -> None:
    connector = make_connector()
    data = action_post(
        args=[{"name": "count", "data_type": "number"}],
        method="POST",
        headers_key=["Content-Type"],
        headers_value=["application/json"],
        body='{"n": {{count}}}',
    )
    response = client_for(bob).post(f"/connectors/{connector.name}/new-action/", data)
    assert response.status_code == 302


def test_it_refuses_a_duplicate_action_name_in_the_same_connector(bob) -> None:
    connector = make_connector()
    make_action(connector)
    response = client_for(bob).post(f"/connectors/{connector.name}/new-action/", action_post())
    assert "already has an action named list_models" in response.content.decode()
    assert Action.objects.count() == 1


def test_it_edits_an_action_and_removes_an_input_arg(bob) -> None:
    connector = make_connector()
    action = make_action(connector, path="/u/{{id}}", args=[{"name": "id"}, {"name": "extra"}])
    ids = list(action.input_args.values_list("pk", flat=True))
    data = action_post(
        path="/u/{{id}}",
        **{
            "args-TOTAL_FORMS": "2",
            "args-INITIAL_FORMS": "2",
            "args-0-id": str(ids[0]),
            "args-0-name": "id",
            "args-0-data_type": "string",
            "args-1-id": str(ids[1]),
            "args-1-name": "extra",
            "args-1-data_type": "string",
            "args-1-DELETE": "on",
        },
    )
    response = client_for(bob).post(f"{action.get_absolute_url()}edit/", data)
    assert response.status_code == 302
    assert list(action.input_args.values_list("name", flat=True)) == ["id"]


def test_it_refuses_more_input_args_than_an_action_takes_and_renders_at_most_that_many(
    bob,
) -> None:
    action = make_action(make_connector(), path="/u")
    data = action_post(path="/u/{{id}}", **{"args-TOTAL_FORMS": "100000000"})
    response = client_for(bob).post(f"{action.get_absolute_url()}edit/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert f"An action takes at most {MAX_INPUT_ARGS} Input Args." in html
    rows = re.findall(r'name="args-\d+-data_type"', html)
    assert len(rows) == MAX_INPUT_ARGS  # the rows come back, no more than an action takes
    assert Action.objects.get(pk=action.pk).path == "/u"  # nothing saved


def test_deleting_a_connector_asks_first_and_names_its_actions(bob) -> None:
    connector = make_connector()
    make_action(connector, "list_models")
    client = client_for(bob)
    page = client.get(f"/connectors/{connector.name}/delete/").content.decode()
    assert "list_models" in page and "Yes, delete" in page
    assert Connector.objects.exists()
    client.post(f"/connectors/{connector.name}/delete/")
    assert not Connector.objects.exists() and not Action.objects.exists()


def test_deleting_an_action_asks_first(bob) -> None:
    action = make_action(make_connector())
    client = client_for(bob)
    assert "Yes, delete" in client.get(f"{action.get_absolute_url()}delete/").content.decode()
    client.post(f"{action.get_absolute_url()}delete/")
    assert not Action.objects.exists()


def test_a_viewer_sees_no_edit_buttons_and_gets_403_on_edit_urls(carol) -> None:
    connector = make_connector()
    action = make_action(connector)
    client = client_for(carol)
    for url in ["/", connector.get_absolute_url(), action.get_absolute_url()]:
        page = client.get(url).content.decode()
        assert "New connector" not in page and ">Edit<" not in page and ">Delete<" not in page
        assert ">Test</button>" not in page
    for url in [
        "/new/",
        f"/connectors/{connector.name}/edit/",
        f"/connectors/{connector.name}/delete/",
        f"/connectors/{connector.name}/new-action/",
        f"{action.get_absolute_url()}edit/",
        f"{action.get_absolute_url()}delete/",
        "/auth-fields/?auth_config=BASIC",
    ]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/connectors/{connector.name}/delete/").status_code == 403
    assert client.post(f"{action.get_absolute_url()}test/").status_code == 403
    assert Connector.objects.exists()


def test_a_developer_sees_edit_buttons_and_the_test_button(bob) -> None:
    action = make_action(make_connector())
    page = client_for(bob).get(action.get_absolute_url()).content.decode()
    assert ">Edit<" in page and ">Test</button>" in page


def test_the_roles_exist_with_their_permissions(alice, bob, carol) -> None:
    assert alice.has_perm("connectors.manage_credentials")
    assert alice.has_perm("auth.change_user")
    assert bob.has_perm("connectors.run_test") and bob.has_perm("connectors.delete_connector")
    assert not bob.has_perm("connectors.manage_credentials")
    assert carol.has_perm("connectors.view_connector")
    assert not carol.has_perm("connectors.change_connector")
    assert not carol.has_perm("connectors.run_test")


# --- the catalog kept until it changes ------------------------------------------------------

# A page is kept only outside a transaction: these tests commit, and the tables are emptied.
kept = pytest.mark.django_db(transaction=True)


def results(client: Client, query: str = "") -> str:
    """The catalog's results as a search answers them (no CSRF token: comparable)."""
    response = client.get(f"/{query}", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert response.status_code == 200
    return response.content.decode()


@kept
def test_the_same_catalog_page_again_is_answered_without_reading_the_catalog(bob) -> None:
    make_action(make_connector(updated_by=bob))
    client = client_for(bob)
    first = results(client, "?sort=changed")
    with CaptureQueriesContext(connection) as queries:
        again = results(client, "?sort=changed")
        page = client.get("/?sort=changed").content.decode()
    assert again == first and "OpenAI" in first
    assert first in page
    assert not [q["sql"] for q in queries if "connectors_" in q["sql"]]


def _rename(connector: Connector) -> None:
    connector.display_name = "Renamed API"
    connector.save()


def _run(connector: Connector) -> None:
    action = connector.actions.get()
    runs.store(TestRun(action=action, request_method="GET", status=418, reason="Teapot"))


CHANGES = {
    "a connector edited": (_rename, "Renamed API"),
    "an action added": (lambda c: make_action(c, "second"), '<td class="num wide-only">2</td>'),
    "a Test run stored": (_run, "418"),
    "a monitor added": (
        lambda c: Monitor.objects.create(name="m", connector=c.name, interval_seconds=300),
        "monitor pending",
    ),
    "its changer renamed": (
        lambda c: User.objects.filter(pk=c.updated_by_id).update(username="bobby"),
        "bobby, ",
    ),
    "a connector added": (lambda c: make_connector("GitHub"), "GitHub"),
}


@kept
@pytest.mark.parametrize("change", CHANGES)
def test_a_change_shows_on_the_next_catalog_page(bob, change: str) -> None:
    connector = make_connector(updated_by=bob)
    make_action(connector)
    client = client_for(bob)
    apply, shown = CHANGES[change]
    assert shown not in results(client)
    apply(connector)
    assert shown in results(client)


@kept
def test_a_deleted_connector_leaves_the_next_catalog_page(carol) -> None:
    make_connector("GitHub")
    connector = make_connector()
    client = client_for(carol)
    assert "OpenAI" in results(client)
    connector.delete()
    assert "OpenAI" not in results(client) and "GitHub" in results(client)


@kept
def test_each_role_gets_its_own_kept_catalog(bob, carol) -> None:
    viewer, developer = client_for(carol), client_for(bob)
    for _ in range(2):  # the second time from the kept page
        assert "Your role can browse" in results(viewer)
        assert "Your role can browse" not in results(developer)
        assert "create a connector" in results(developer)


@kept
def test_each_query_string_gets_its_own_kept_catalog(carol) -> None:
    make_connector("OpenAI")
    make_connector("GitHub", base_url="https://api.github.com")
    client = client_for(carol)
    for _ in range(2):
        assert "GitHub" not in results(client, "?q=openai")
        assert "OpenAI" not in results(client, "?q=github")
