"""The cURL reader: a command in, the one Plan out; the database is never touched."""

from __future__ import annotations

import pytest

from connectors.importing.plan import ReadError
from connectors.importing.readers.curl import CurlOptions, read

CANARY = "sk-live-canary-curl-5e1f"
BEARER = f'curl "https://api.example.com/v1/models?limit=5" -H "Authorization: Bearer {CANARY}"'


def test_it_reads_a_command_into_a_new_connector_and_its_action() -> None:
    plan = read(BEARER + ' -H "X-Team: blue"', CurlOptions())

    assert (plan.kind, plan.source, plan.history_note) == (
        "cURL",
        "pasted cURL command",
        "Imported from a cURL command.",
    )
    assert (plan.connector.name, plan.connector.base_url) == ("example", "https://api.example.com")
    assert plan.auth.auth_config == "API_KEY"
    assert plan.auth.settings["header_auth_value_pattern"] == "Bearer %s"
    (action,) = plan.actions
    assert (action.name, action.method, action.path) == ("get_v1_models", "GET", "/v1/models")
    assert action.query_params == [{"key": "limit", "value": "5"}]
    assert action.headers == [{"key": "X-Team", "value": "blue"}]


def test_a_pasted_literal_stays_the_connectors_own_secret_for_anyone_but_an_admin() -> None:
    plan = read(BEARER, CurlOptions())

    assert plan.auth.secrets == {"api_key": CANARY}
    assert plan.credentials == []


def test_for_an_admin_a_pasted_literal_becomes_a_team_credential_for_the_commands_host() -> None:
    plan = read(BEARER, CurlOptions(team_credentials=True))

    assert plan.auth.secrets == {"api_key": "{{EXAMPLE_API_KEY}}"}
    (credential,) = plan.credentials
    assert (credential.name, credential.secret_field, credential.value) == (
        "EXAMPLE_API_KEY",
        "api_key",
        CANARY,
    )
    assert credential.hosts == ["api.example.com"]
    assert CANARY not in repr(plan)  # a plan printed in a log never shows the value


def test_names_typed_before_the_preview_win_over_the_made_ones() -> None:
    plan = read(BEARER, CurlOptions(connector_name="openai", action_name="list_models"))

    assert (plan.connector.name, plan.actions[0].name) == ("openai", "list_models")


def test_variables_in_the_command_become_required_input_args() -> None:
    plan = read("curl -X DELETE https://api.example.com/items/{{item_id}}", CurlOptions())

    (action,) = plan.actions
    assert (action.method, action.path) == ("DELETE", "/items/{{item_id}}")
    assert [(a.name, a.required) for a in action.input_args] == [("item_id", True)]


def test_into_an_existing_connector_the_path_is_relative_and_its_auth_is_kept() -> None:
    options = CurlOptions(into="OpenAI", into_base_url="https://api.example.com/v1")
    plan = read(BEARER, options)

    assert plan.connector.name == "OpenAI"
    assert plan.actions[0].path == "/models"
    assert plan.auth.secrets == {} and plan.credentials == []
    assert any("keeps its Auth Config" in note for note in plan.notes)


def test_a_url_outside_the_chosen_connector_is_refused() -> None:
    options = CurlOptions(into="Other", into_base_url="https://other.example.com")
    with pytest.raises(ReadError, match="not under connector Other's Base URL"):
        read(BEARER, options)


def test_what_is_not_a_request_an_action_can_make_is_refused() -> None:
    with pytest.raises(ReadError, match="method OPTIONS"):
        read("curl -X OPTIONS https://api.example.com/", CurlOptions())
    with pytest.raises(ReadError):
        read("wget https://api.example.com/", CurlOptions())
