"""Small builders for catalog objects used across tests."""

from __future__ import annotations

from typing import Any

from connectors.engine import channels
from connectors.models import Action, AlertChannel, Connector, Credential, InputArg
from connectors.secrets import homes, sealing

# The test servers' hosts, any port: what a test credential may be sent to.
LOCAL_HOSTS = ["127.0.0.1:*", "localhost:*"]


def make_credential(name: str, value: str, allowed_hosts: list[str] | None = None) -> Credential:
    return Credential.objects.create(
        name=name,
        sealed=sealing.seal(value),
        hint=sealing.hint(value),
        allowed_hosts=LOCAL_HOSTS if allowed_hosts is None else allowed_hosts,
    )


def make_connector(name: str = "OpenAI", **fields: Any) -> Connector:
    secret_values: dict[str, str] = fields.pop("secrets", {})
    fields.setdefault("base_url", "https://api.openai.com")
    connector = Connector(name=name, **fields)
    connector.auth_secrets = {
        key: sealing.sealed_field(value, "test") for key, value in secret_values.items()
    }
    homes.settle(None, connector)  # each secret's home: the URLs it is sent to
    connector.save()
    return connector


def api_key_connector(
    base_url: str, api_key: str, name: str = "OpenAI", **fields: Any
) -> Connector:
    return make_connector(
        name,
        base_url=base_url,
        auth_config=Connector.AuthConfig.API_KEY,
        auth_settings={
            "api_key_auth_type": "HEADER",
            "header_auth_key": "Authorization",
            "header_auth_value_pattern": "Bearer %s",
            "param_auth_param_name": "",
        },
        secrets={"api_key": api_key},
        **fields,
    )


def make_action(connector: Connector, name: str = "list_models", **fields: Any) -> Action:
    args: list[dict[str, Any]] = fields.pop("args", [])
    fields.setdefault("path", "/v1/models")
    action = Action.objects.create(connector=connector, name=name, **fields)
    for arg in args:
        InputArg.objects.create(action=action, **arg)
    return action


def connector_post(**overrides: Any) -> dict[str, Any]:
    """The connector form as a browser posts it: the walkthrough's OpenAI connector."""
    data: dict[str, Any] = {
        "name": "OpenAI",
        "display_name": "OpenAI",
        "description": "Models and more",
        "base_url": "https://api.openai.com",
        "auth_config": "API_KEY",
        "auth-api_key_auth_type": "HEADER",
        "auth-header_auth_key": "Authorization",
        "auth-header_auth_value_pattern": "Bearer %s",
        "auth-param_auth_param_name": "",
        "auth-api_key": "{{OPENAI_API_KEY}}",
        "headers_key": [],
        "headers_value": [],
        "timeout_seconds": "30",
        "verify_tls": "on",
        # "Save and clear them": a Base URL on another origin is saved at once (the warning
        # before it is tested on its own, without this).
        "confirm_moves": "1",
    }
    data.update(overrides)
    return data


def action_post(args: list[dict[str, str]] | None = None, **overrides: Any) -> dict[str, Any]:
    """The action form as a browser posts it, with its input args formset."""
    args = args or []
    data: dict[str, Any] = {
        "name": "list_models",
        "description": "",
        "method": "GET",
        "path": "/v1/models",
        "query_params_key": [],
        "query_params_value": [],
        "headers_key": [],
        "headers_value": [],
        "body": "",
        "args-TOTAL_FORMS": str(len(args)),
        "args-INITIAL_FORMS": "0",
        "args-MIN_NUM_FORMS": "0",
        "args-MAX_NUM_FORMS": "1000",
    }
    for i, arg in enumerate(args):
        data[f"args-{i}-name"] = arg["name"]
        data[f"args-{i}-data_type"] = arg.get("data_type", "string")
        data[f"args-{i}-description"] = arg.get("description", "")
        data[f"args-{i}-example_value"] = arg.get("example_value", "")
        if arg.get("required"):
            data[f"args-{i}-required"] = "on"
    data.update(overrides)
    return data


def make_channel(kind: str, target: str, name: str | None = None) -> AlertChannel:
    """An alert channel, created through the service the pages and the API use."""
    return channels.create_channel(name=name or f"{kind} channel", kind=kind, target=target)


def bench_post(args: list[dict[str, str]] | None = None, **overrides: Any) -> dict[str, Any]:
    """The action page's request as a browser posts it (for an action with no saved args)."""
    data = action_post(args, **overrides)
    data.pop("name")
    data.pop("description")
    data["bench"] = "1"
    return data
