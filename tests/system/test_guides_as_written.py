"""Each configuration of Agent Studio's public setup guides built exactly as its guide writes it
(no gallery corrections), the values only a user knows filled in, and its first action Tested
against the same stand-ins as the gallery's templates (tests/test_gallery.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from connectors.engine import executor
from connectors.importing.templates_data import TEMPLATES
from connectors.models import Action, Connector, Credential, InputArg
from connectors.secrets import sealing
from scripts import build_templates
from tests.conftest import client_for
from tests.engine.oauth.test_broker import sign_in
from tests.importing.readers.test_gallery import (
    AUTH_URLS_RENDER_VARIABLES,
    EXPECT,
    NOT_EXPRESSIBLE,
    outbound,  # noqa: F401  (autouse: 127.0.0.1, own cache)
    repoint,
    secret_value,
    stand_in_for,
)

pytestmark = pytest.mark.django_db

# Configurations that fail as written, and why (the gallery's template fixes each one).
FAILS_AS_WRITTEN = {
    "docusign-jwt-admin": "the guide names no field for the private key, so none is set",
    "docusign-jwt-esignature": "the guide names no field for the private key, so none is set",
    "jamf-oauth2-client-credentials": "the action's Path is a full URL",
    "lakeside-systrack-ai-api-key": "the API key is a plain connector header, not a secret field",
    "moveworks-data-api-api-key": "no Header Auth Value Pattern, but the API expects Bearer",
    "moveworks-data-api-oauth2-client-credentials": "the Oauth2 Token Url is only described",
    "okta-jwt": "grant_type and scope are loose rows, not the Grant Type and Scope fields",
    "pagerduty-oauth2-client-credentials": "the action's Path is a full URL",
    "sailpoint-iiq-oauth2-client-credentials": "the Base URL is a lone placeholder, not a URL",
    "sailpoint-inow-oauth2-client-credentials": "the action's Path is a full URL",
    "salesforce-oauth2-authorization-code": "the Oauth2 Token Url is an undefined {{Token_URL}}",
    "sap-ariba-oauth2-client-credentials": "token URL prefix and realm have no value",
    "servicenow-oauth2-authorization-code": "the Oauth2 Token Url is only described",
    "snowflake-oauth2-refresh-token": "the Oauth2 Token Url is the word OAUTH_TOKEN_ENDPOINT",
    "workday-oauth2-refresh-token": "the Base URL is the word YOUR_BASE_URL",
}
# These need Connector Variables rendered in token and authorization URLs, or a secret field
# that combines references; they pass where that rendering is part of the product.
NEEDS_VARIABLES = {
    "salesforce-oauth2-password": "two references in one secret field are sent literally",
    "workday-oauth2-authorization-code": "{{CLIENT_NAME}} in the authorization and token URLs",
    "microsoft-graph-oauth2-authorization-code": "{{tenant_id}} in the Authorization URL",
    "microsoft-graph-oauth2-client-credentials": "{{tenant_id}} in the Oauth2 Token Url",
}


def marks(template_id: str) -> list[Any]:
    if template_id in FAILS_AS_WRITTEN:
        return [pytest.mark.xfail(strict=True, reason=FAILS_AS_WRITTEN[template_id])]
    if template_id in NEEDS_VARIABLES and not AUTH_URLS_RENDER_VARIABLES:
        return [pytest.mark.xfail(strict=True, reason=NEEDS_VARIABLES[template_id])]
    return []


def as_written(template: dict[str, Any]) -> dict[str, Any]:
    guide = {
        "slug": template["slug"],
        "name": template["vendor"],
        "guide_url": template["guide_url"],
        "docs_url": template["docs_url"],
        "vendor_links": template["vendor_links"],
    }
    written = build_templates.translate(guide, template["guide"], corrected=False)
    return {**written, "guide": template["guide"]}


def fill(value: Any, answers: dict[str, str]) -> Any:
    if isinstance(value, str):
        return re.sub(r"\[\[(\w+)\]\]", lambda m: answers[m.group(1)], value)
    if isinstance(value, list):
        return [fill(v, answers) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, answers) for k, v in value.items()}
    return value


def build(written: dict[str, Any], client_id: str) -> Action:
    """The connector and first action as written; ValidationError when a field is invalid."""
    answers = {
        a["name"]: client_id if a["name"] == "client_id" else f"{a['name']}-answer"
        for a in written["asks"]
    }
    settings = fill(written["auth_settings"], answers)
    auth_secrets, headers = {}, [dict(h) for h in written["headers"]]
    for secret in written["secrets"]:
        guide_value = secret.get("as_written", "")
        value = secret_value(written, secret)
        references = re.findall(r"\{\{(\w+)\}\}", guide_value or "")
        if len(references) > 1:  # several references in one field, as written
            for index, name in enumerate(references):
                part = value[: len(value) // 2] if index == 0 else value[len(value) // 2 :]
                Credential.objects.create(name=name, sealed=sealing.seal(part))
            stored = guide_value
        else:
            Credential.objects.create(name=secret["credential"], sealed=sealing.seal(value))
            stored = "{{" + secret["credential"] + "}}"
        where, _, name = secret["field"].rpartition(":")
        if where == "header":
            headers.append({"key": name, "secret": sealing.sealed_field(stored, "guide")})
        elif where == "setting":
            settings[name] = stored
        else:
            auth_secrets[name] = sealing.sealed_field(stored, "guide")
    connector = Connector(
        name=written["default_name"],
        base_url=written["base_url"],
        auth_config=written["auth_config"],
        auth_settings=settings,
        auth_secrets=auth_secrets,
        headers=headers,
        variables=[{"key": v["key"], "value": v["example"] or "x"} for v in written["variables"]],
    )
    connector.full_clean(validate_unique=False, validate_constraints=False)
    connector.save()
    spec = fill(written["actions"][0], answers)
    args = spec.pop("input_args")
    action = Action(connector=connector, **spec)
    action.full_clean(exclude=["connector"])
    action.save()
    for arg in args:
        InputArg.objects.create(
            action=action,
            **{**arg, "example_value": arg["example_value"] or f"{arg['name']}-example"},
        )
    return action


def test_it_lists_exactly_the_configurations_it_cannot_express() -> None:
    written = {t["id"]: as_written(t) for t in TEMPLATES}
    assert {i for i, w in written.items() if not w["expressible"]} == set(NOT_EXPRESSIBLE)


@pytest.mark.parametrize(
    "template_id",
    [pytest.param(t["id"], marks=marks(t["id"])) for t in TEMPLATES if t["expressible"]],
)
def test_it_runs_the_first_action_as_the_guide_writes_it(template_id: str, alice) -> None:
    template = next(t for t in TEMPLATES if t["id"] == template_id)
    written = as_written(template)
    expect = EXPECT[template_id]
    client_id = f"{template['slug']}-client"
    try:
        action = build(written, client_id)
    except ValidationError as error:
        pytest.fail(f"invalid as written: {error}")
    connector = action.connector
    with stand_in_for(written, connector, expect, client_id) as server:
        repoint(connector, server)
        if expect.auth == "authorization_code":
            signed_in = sign_in(client_for(alice), server, connector, action.get_absolute_url())
            assert signed_in.status_code == 302
        inputs = {arg.name: arg.example_value for arg in action.input_args.all()}
        run = executor.run(action, inputs, alice)
        assert (run.status, run.error_kind, run.error_message) == (200, "", "")


@pytest.mark.skipif(
    not build_templates.DEFAULT_SOURCE.exists(), reason="the guides' file is not on this machine"
)
def test_it_keeps_the_generated_templates_up_to_date() -> None:
    assert build_templates.render(build_templates.DEFAULT_SOURCE) == (
        build_templates.TARGET.read_text()
    )
