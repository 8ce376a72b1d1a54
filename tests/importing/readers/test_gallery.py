"""Every template of the gallery, created through its own form (form -> plan -> apply) and its
first action Tested against a local stand-in that checks the auth the real API expects."""

from __future__ import annotations

import importlib.util
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from connectors.engine import executor
from connectors.importing.readers import gallery
from connectors.importing.templates_data import TEMPLATES
from connectors.models import Action, Connector, Credential, Revision
from tests.conftest import client_for
from tests.engine.oauth.test_broker import sign_in
from tests.helpers import keys
from tests.helpers.guide_stand_in import GuideStandIn, StaticAuth
from tests.helpers.previewed import create_from_template

pytestmark = pytest.mark.django_db

BODY, BASIC, EITHER = ("body",), ("basic",), ("basic", "body")
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass
class Expect:
    """What the real API expects, as its guide and vendor docs say."""

    auth: str  # header, param, basic, client_credentials, authorization_code, password, ...
    name: str = ""  # header or param name
    pattern: str = "%s"
    accept: tuple[str, ...] = EITHER  # client authentication the token endpoint takes
    form: dict[str, str] = field(default_factory=dict)  # token request fields that must be sent
    api_headers: dict[str, str] = field(default_factory=dict)
    audience: str = ""  # a JWT's aud, when it is not the token URL
    claims: tuple[str, ...] = ()  # JWT claims that must be present


def header(name: str = "Authorization", pattern: str = "Bearer %s", **kw: Any) -> Expect:
    return Expect("header", name, pattern, **kw)


EXPECT: dict[str, Expect] = {
    "asana-api-key": header(),
    "azure-function-app-api-key-param": Expect("param", "code"),
    "coupa-oauth2-client-credentials": Expect("client_credentials", form={"scope": "*"}),
    "coupa-oauth2-authorization-code": Expect("authorization_code", accept=BODY),
    "databricks-oauth2-client-credentials": Expect(
        "client_credentials", accept=BODY, form={"scope": "sql all-apis"}
    ),
    "datadog-api-key": header("DD-API-KEY", "%s", api_headers={"DD-APPLICATION-KEY": "*"}),
    "docusign-jwt-admin": Expect(
        JWT_BEARER, audience="account-d.docusign.com", claims=("iss", "sub", "scope")
    ),
    "docusign-jwt-esignature": Expect(
        JWT_BEARER, audience="account-d.docusign.com", claims=("iss", "sub", "scope")
    ),
    "github-api-key": header(),
    "gong-basic": Expect("basic"),
    "google-admin-sdk-oauth2-authorization-code": Expect("authorization_code"),
    "google-calendar-oauth2-authorization-code": Expect("authorization_code"),
    "greenhouse-basic": Expect("basic"),
    "jamf-oauth2-client-credentials": Expect("client_credentials"),
    "jira-basic": Expect("basic"),
    "jira-oauth2-authorization-code": Expect("authorization_code", accept=BODY),
    "lakeside-systrack-ai-api-key": header("systrack-api-key", "%s"),
    "microsoft-graph-oauth2-authorization-code": Expect("authorization_code"),
    "microsoft-graph-oauth2-client-credentials": Expect(
        "client_credentials", accept=BODY, form={"resource": "https://graph.microsoft.com"}
    ),
    "moveworks-data-api-api-key": header(),
    "moveworks-data-api-oauth2-client-credentials": Expect(
        "client_credentials", form={"scope": "*"}
    ),
    "nexthink-oauth2-client-credentials": Expect("client_credentials", accept=BASIC),
    "okta-jwt": Expect(
        "client_credentials", form={"scope": "okta.users.read", "client_assertion_type": "*"}
    ),
    "openai-api-key": header(),
    "pagerduty-oauth2-client-credentials": Expect(
        "client_credentials", accept=BODY, form={"scope": "*"}
    ),
    "perplexity-api-key": header(),
    "sailpoint-iiq-oauth2-client-credentials": Expect("client_credentials", accept=BASIC),
    "sailpoint-inow-oauth2-client-credentials": Expect("client_credentials"),
    "sailpoint-inow-oauth2-authorization-code": Expect("authorization_code", accept=BODY),
    "salesforce-oauth2-password": Expect("password"),
    "salesforce-oauth2-authorization-code": Expect("authorization_code", accept=BODY),
    "sap-ariba-oauth2-client-credentials": Expect(
        "client_credentials", accept=BASIC, api_headers={"APIKey": "*"}
    ),
    "sap-concur-oauth2-refresh-token": Expect("refresh_token"),
    "servicenow-oauth2-authorization-code": Expect("authorization_code"),
    "servicenow-basic": Expect("basic"),
    "slack-api-key": header(),
    "snowflake-oauth2-refresh-token": Expect("refresh_token", accept=BASIC),
    "stackoverflow-api-key-param": Expect("param", "X-API-key"),
    "stackoverflow-api-key-header": header("access_token", "%s"),
    "ukg-pro-wfm-oauth2-authorization-code": Expect("authorization_code"),
    "ukg-pro-wfm-oauth2-client-credentials": Expect(
        "client_credentials", form={"audience": "https://wfm.ukg.net/api", "organization": "*"}
    ),
    "workato-api-key": header("api-token", "%s"),
    "workday-oauth2-refresh-token": Expect("refresh_token"),
    "workday-oauth2-authorization-code": Expect("authorization_code", accept=BODY),
    "zoom-oauth2-client-credentials": Expect(
        "account_credentials", accept=BODY, form={"account_id": "*"}
    ),
}
EXPRESSIBLE = [t["id"] for t in TEMPLATES if t["expressible"]]
NOT_EXPRESSIBLE = {
    "highspot-basic": "no Base URL",
    "palo-alto-networks-api-key-param": "no action",
    "sap-success-factors-oauth2-saml-bearer-dynamic": "SAML",
    "sap-success-factors-oauth2-static-saml-assertion": "no Base URL",
    "servicenow-oauth2-password": "no action",
}
URL_SETTINGS = ("oauth2_token_url", "authorization_url", "access_token_request_url", "audience")


@pytest.fixture(autouse=True)
def outbound(settings) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1", "localhost"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"gallery-{uuid.uuid4().hex}",
        }
    }


def test_it_has_an_expectation_for_every_template_it_can_express() -> None:
    assert set(EXPECT) == set(EXPRESSIBLE)
    assert {t["id"]: t["reason"] for t in TEMPLATES if not t["expressible"]}.keys() == set(
        NOT_EXPRESSIBLE
    )
    assert len(TEMPLATES) == 50


def secret_value(template: dict, secret: dict) -> str:
    if secret["field"] == "private_key":
        return keys.rsa_pair()[0]
    return f"{template['slug']}-{secret['field'].rsplit(':')[-1]}-0123456789"


# Connector Variables in token and authorization URLs (and secret fields that combine several
# references) work once the variables rendering of connectors/variables.py is there.
AUTH_URLS_RENDER_VARIABLES = importlib.util.find_spec("connectors.variables") is not None


def keeps_variable(template: dict, key: str) -> bool:
    """Placeholders stay Connector Variables, as the form proposes, where the product renders
    them; a whole host or URL is typed as a plain value."""
    variable = next(v for v in template["variables"] if v["key"] == key)
    in_auth_urls = any(
        "{{" + key + "}}" in str(template["auth_settings"].get(name) or "") for name in URL_SETTINGS
    )
    return not variable["plain_only"] and (AUTH_URLS_RENDER_VARIABLES or not in_auth_urls)


def answers(template: dict, client_id: str) -> dict[str, str]:
    """The form as a person fills it: examples for placeholders, new credentials."""
    data = {"name": template["default_name"]}
    for variable in template["variables"]:
        data[f"var_{variable['key']}"] = variable["example"] or f"{variable['key']}-value"
        if keeps_variable(template, variable["key"]):
            data[f"keep_{variable['key']}"] = "on"
        if variable["key"] == "sailpoint_url":
            data[f"var_{variable['key']}"] = "https://iiq.example.com:8443"
    for ask in template["asks"]:
        data[f"ask_{ask['name']}"] = (
            client_id if ask["name"] == "client_id" else (ask["initial"] or f"{ask['name']}-answer")
        )
    for index, secret in enumerate(template["secrets"]):
        data[f"secret_{index}_source"] = "new"
        data[f"secret_{index}_value"] = secret_value(template, secret)
        data[f"secret_{index}_name"] = secret["credential"]
    return data


def create_through_the_gallery(user: Any, template: dict, client_id: str) -> Action:
    client = client_for(user)
    url = reverse("template_form", args=[template["id"]])
    data = answers(template, client_id)
    preview = client.post(url, {**data, "preview": "1"})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Preview: Create saves" in page, re.findall(r'class="error"[^>]*>(.*?)</', page)
    for index in range(len(template["secrets"])):
        assert data[f"secret_{index}_value"] not in page  # typed secrets ride along sealed
        sealed = re.search(rf'name="secret_{index}_sealed" value="([^"]+)"', page)
        data[f"secret_{index}_sealed"] = sealed.group(1)
        data[f"secret_{index}_value"] = ""
    created = create_from_template(client, url, data)
    assert created.status_code == 302, created.content.decode()[:3000]
    action = Action.objects.select_related("connector").get(
        connector__name=template["default_name"], name=template["actions"][0]["name"]
    )
    assert created["Location"] == action.get_absolute_url()
    return action


def repoint(connector: Connector, server: GuideStandIn) -> None:
    """The template's origins become the stand-in's, as a test of the real host cannot run."""
    origin = re.compile(r"^(https?://)?[^/]+")
    connector.base_url = origin.sub(server.url, connector.base_url, count=1)
    for name in URL_SETTINGS:
        value = connector.auth_settings.get(name) or ""
        if value.startswith(("http://", "https://")):
            connector.auth_settings[name] = origin.sub(server.url, value, count=1)
    connector.save()
    # An Admin lets the team credentials go to the stand-in, on the Credentials page.
    Credential.objects.update(allowed_hosts=[urlsplit(server.url).netloc])


def stand_in_for(
    template: dict, connector: Connector, expect: Expect, client_id: str
) -> GuideStandIn:
    values = {row["key"]: row["value"] for row in connector.variables}
    settings = {
        name: re.sub(r"\{\{(\w+)\}\}", lambda m: values.get(m.group(1), m.group(0)), value)
        for name, value in connector.auth_settings.items()
        if isinstance(value, str)
    }
    token_url = settings.get("oauth2_token_url") or settings.get("access_token_request_url") or ""
    server = GuideStandIn(
        client_id=client_id,
        client_secret=f"{template['slug']}-client_secret-0123456789",
        accept=expect.accept,
        public_key=keys.rsa_pair()[1],
        token_path=urlsplit(token_url).path or "/token",
        authorize_path=urlsplit(settings.get("authorization_url") or "").path or "/authorize",
        jwt_audience=expect.audience,
    )
    secret_of = {s["field"].rsplit(":")[-1]: secret_value(template, s) for s in template["secrets"]}
    if expect.auth in ("header", "param"):
        value = expect.pattern.replace("%s", secret_of["api_key"])
        server.static = StaticAuth(expect.auth, expect.name, value)
    elif expect.auth == "basic":
        username = secret_of.get("username") or "username-answer"
        server.static = StaticAuth(
            "basic", username=username, password=secret_of.get("password", "")
        )
    elif expect.auth == "password":
        server.users = {"password_grant_username-answer": secret_of["password_grant_password"]}
    elif expect.auth == "refresh_token":
        server.add_refresh_token(secret_of["refresh_token_grant_refresh_token"])
    elif expect.auth == "account_credentials":
        server.custom = {"account_credentials": list(expect.form)}
    for name in expect.api_headers:
        server.api_headers[name] = secret_of.get(name) or "application_key-answer"
    return server


@pytest.mark.parametrize("template_id", EXPRESSIBLE)
def test_it_creates_the_template_and_its_first_action_passes_its_test(
    template_id: str, alice
) -> None:
    template = gallery.template_by_id(template_id)
    expect = EXPECT[template_id]
    client_id = f"{template['slug']}-client"
    action = create_through_the_gallery(alice, template, client_id)
    connector = action.connector
    with stand_in_for(template, connector, expect, client_id) as server:
        repoint(connector, server)
        if expect.auth == "authorization_code":
            response = sign_in(client_for(alice), server, connector, action.get_absolute_url())
            assert response.status_code == 302
        inputs = {arg.name: arg.example_value for arg in action.input_args.all()}
        run = executor.run(action, inputs, alice)
        assert (run.status, run.error_kind, run.error_message) == (200, "", "")
        sent = urlsplit(server.api_requests[-1].path).path
        assert sent == urlsplit(run.request_url).path
        assert action.path.split("{{")[0] in sent
        if expect.auth not in ("header", "param", "basic"):
            token = server.token_requests[-1]
            grant = "authorization_code" if expect.auth == "authorization_code" else expect.auth
            assert token.form["grant_type"] == grant
            for name, value in expect.form.items():
                assert token.form.get(name) and value in ("*", token.form[name]), name
            if expect.claims:
                assert all(server.jwt_claims[-1].get(c) for c in expect.claims)


def test_it_records_everything_it_created_in_history(alice) -> None:
    template = gallery.template_by_id("datadog-api-key")
    action = create_through_the_gallery(alice, template, "unused")
    notes = set(Revision.objects.values_list("kind", "object_name", "note"))
    note = "Created from the Datadog template (datadog-api-key)."
    assert ("connector", "datadog", note) in notes and ("action", action.name, note) in notes
    assert {n for k, n, _ in notes if k == "credential"} == {
        "DATADOG_API_KEY",
        "DATADOG_APPLICATION_KEY",
    }
    assert Credential.objects.count() == 2
    assert [c.allowed_hosts for c in Credential.objects.all()] == [["api.datadoghq.com"]] * 2


def test_it_lets_a_new_credential_go_where_its_field_is_sent(alice) -> None:
    """A client secret goes to the token endpoint and obtains a token for the API: both."""
    template = gallery.template_by_id("zoom-oauth2-client-credentials")
    create_through_the_gallery(alice, template, "unused")
    credential = Credential.objects.get(name="ZOOM_CLIENT_SECRET")
    assert credential.allowed_hosts == ["api.zoom.us", "zoom.us"]
