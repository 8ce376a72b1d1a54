"""The gallery's pages: search, filter, roles, and secrets that never come back."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from connectors.importing.templates_data import TEMPLATES
from connectors.models import Connector, Credential
from tests.conftest import client_for
from tests.helpers.previewed import create_from_template, shown_digest

pytestmark = pytest.mark.django_db
CANARY = "sk-canary-5f1e2d3c4b5a69788796"


def test_it_shows_a_card_per_connector_with_its_auth_options(carol) -> None:
    page = client_for(carol).get(reverse("gallery")).content.decode()
    assert page.count('class="card template-card"') == 37
    servicenow = page[page.index("<h2>ServiceNow</h2>") :]
    servicenow = servicenow[: servicenow.index("</li>\n    \n    <li")]
    assert "OAuth 2.0 Authorization Code, OAuth 2.0 Password, Basic" in servicenow
    assert "<img" not in page


def test_it_searches_as_you_type_and_filters_by_auth_config(bob) -> None:
    client = client_for(bob)
    partial = client.get(
        reverse("gallery"),
        {"q": "servicenow"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="gallery-results",
    ).content.decode()
    assert "<html" not in partial and re.findall(r"<h2>(.*?)</h2>", partial) == ["ServiceNow"]
    jwt = client.get(reverse("gallery"), {"auth": "JWT"}).content.decode()
    assert re.findall(r"<h2>(.*?)</h2>", jwt) == ["Docusign", "Okta"]
    assert (
        "No template matches “nothing-like-this”"
        in client.get(reverse("gallery"), {"q": "nothing-like-this"}).content.decode()
    )


def test_it_marks_what_cannot_be_expressed_yet_with_the_reason(carol) -> None:
    page = client_for(carol).get(reverse("gallery"), {"q": "success"}).content.decode()
    assert "Not available yet: SAML Bearer" in page
    assert "Not available yet: The guide gives no Base URL" in page
    form = client_for(carol).get(
        reverse("template_form", args=["sap-success-factors-oauth2-saml-bearer-dynamic"])
    )
    assert "Not available yet" in form.content.decode() and b"Create</button>" not in form.content


def test_it_shows_the_panel_with_credentials_links_watch_outs_and_differences(carol) -> None:
    page = (
        client_for(carol)
        .get(reverse("template_form", args=["jamf-oauth2-client-credentials"]))
        .content.decode()
    )
    assert "Credentials needed" in page and "API client Client ID" in page
    assert "https://github.com/moveworks/developer-docs/tree/main/connectors/jamf" in page
    assert "Watch out" in page and "What differs from the guide" in page
    assert "the guide puts a full URL in Path" in page


def test_it_lets_viewers_browse_but_not_create(carol) -> None:
    url = reverse("template_form", args=["openai-api-key"])
    client = client_for(carol)
    page = client.get(url).content.decode()
    assert "Preview</button>" not in page and "a Developer or an Admin creates" in page
    # Read-only: what the template makes, and no form to fill that could not be sent.
    assert "What it creates" in page and "list_models: GET /v1/models" in page
    assert 'name="name"' not in page and 'name="secret_0_value"' not in page
    refused = client.post(
        url,
        {"name": "openai", "secret_0_source": "value", "secret_0_value": CANARY, "preview": "1"},
    )
    assert refused.status_code == 403 and not Connector.objects.exists()


def test_it_prefills_a_unique_name(bob) -> None:
    Connector.objects.create(name="openai", base_url="https://api.openai.com")
    page = client_for(bob).get(reverse("template_form", args=["openai-api-key"])).content.decode()
    assert 'value="openai_2"' in page


def test_it_lets_a_developer_pick_a_credential_or_enter_a_value_but_not_create_one(bob) -> None:
    Credential.objects.create(name="OPENAI_API_KEY", sealed="x")
    client = client_for(bob)
    url = reverse("template_form", args=["openai-api-key"])
    page = client.get(url).content.decode()
    assert "Create a team credential" not in page and "Only an Admin creates" in page
    refused = client.post(
        url, {"name": "openai", "secret_0_source": "new", "secret_0_value": CANARY, "preview": "1"}
    )
    assert "Select a valid choice" in refused.content.decode()
    made = create_from_template(
        client,
        url,
        {
            "name": "openai",
            "secret_0_source": "existing",
            "secret_0_credential": "OPENAI_API_KEY",
        },
    )
    assert made.status_code == 302
    connector = Connector.objects.get(name="openai")
    assert connector.auth_secrets["api_key"]["hint"] == "{{OPENAI_API_KEY}}"
    assert Credential.objects.count() == 1


def test_it_never_shows_a_typed_secret_back_and_keeps_it_on_an_error(alice) -> None:
    client = client_for(alice)
    url = reverse("template_form", args=["openai-api-key"])
    page = client.post(
        url,
        {
            "name": "bad name",
            "secret_0_source": "new",
            "secret_0_value": CANARY,
            "secret_0_name": "OPENAI_API_KEY",
            "preview": "1",
        },
    ).content.decode()
    assert CANARY not in page and "A value was entered and is kept" in page
    assert 'id="id_name_error"' in page
    sealed = re.search(r'name="secret_0_sealed" value="([^"]+)"', page).group(1)
    made = create_from_template(
        client,
        url,
        {
            "name": "openai",
            "secret_0_source": "new",
            "secret_0_sealed": sealed,
            "secret_0_name": "OPENAI_API_KEY",
        },
    )
    assert made.status_code == 302
    from connectors.secrets import sealing

    stored = Credential.objects.get(name="OPENAI_API_KEY")
    assert sealing.unseal(stored.sealed) == CANARY


def test_it_refuses_a_credential_name_that_exists_and_saves_nothing(alice) -> None:
    Credential.objects.create(name="OPENAI_API_KEY", sealed="x")
    page = (
        client_for(alice)
        .post(
            reverse("template_form", args=["openai-api-key"]),
            {
                "name": "openai",
                "secret_0_source": "new",
                "secret_0_value": CANARY,
                "secret_0_name": "OPENAI_API_KEY",
                "create": "1",
            },
        )
        .content.decode()
    )
    assert "The credential OPENAI_API_KEY exists" in page
    assert not Connector.objects.exists() and Credential.objects.count() == 1


def test_it_reports_an_answer_that_makes_an_invalid_base_url(alice) -> None:
    page = (
        client_for(alice)
        .post(
            reverse("template_form", args=["sailpoint-iiq-oauth2-client-credentials"]),
            {
                "name": "iiq",
                "var_sailpoint_url": "not a url",
                "ask_client_id": "c",
                "secret_0_source": "value",
                "secret_0_value": CANARY,
                "create": "1",
            },
        )
        .content.decode()
    )
    assert "Base URL: Enter a URL" in page and not Connector.objects.exists()


def test_it_keeps_placeholders_as_connector_variables_when_asked(alice) -> None:
    create_from_template(
        client_for(alice),
        reverse("template_form", args=["servicenow-basic"]),
        {
            "name": "sn",
            "var_instance_name": "dev12345",
            "keep_instance_name": "on",
            "ask_username": "svc",
            "secret_0_source": "value",
            "secret_0_value": CANARY,
        },
    )
    connector = Connector.objects.get(name="sn")
    assert connector.base_url == "https://{{instance_name}}.service-now.com"
    assert connector.variables == [{"key": "instance_name", "value": "dev12345"}]
    create_from_template(
        client_for(alice),
        reverse("template_form", args=["servicenow-basic"]),
        {
            "name": "sn2",
            "var_instance_name": "dev12345",
            "ask_username": "svc",
            "secret_0_source": "value",
            "secret_0_value": CANARY,
        },
    )
    plain = Connector.objects.get(name="sn2")
    assert plain.base_url == "https://dev12345.service-now.com" and plain.variables == []


def test_it_refuses_a_sealed_value_made_for_another_user_or_field(alice) -> None:
    from connectors.secrets import sealing

    url = reverse("template_form", args=["openai-api-key"])
    forged = sealing.seal(CANARY)  # a Fernet token of the app, but not one this form made
    page = client_for(alice).post(
        url,
        {"name": "openai", "secret_0_source": "value", "secret_0_sealed": forged, "create": "1"},
    )
    assert 'id="id_secret_0_value_error">Enter the Api Key.' in page.content.decode()
    assert not Connector.objects.exists()


def test_it_offers_a_free_credential_name_when_the_environment_reserves_it(alice, settings) -> None:
    settings.STUDIO_ENV_CREDENTIALS = ["OPENAI_API_KEY@api.openai.com"]
    client = client_for(alice)
    url = reverse("template_form", args=["openai-api-key"])
    page = client.get(url).content.decode()
    assert 'name="secret_0_name" value="OPENAI_API_KEY_2"' in page
    answers = {"name": "openai", "secret_0_source": "new", "secret_0_value": CANARY}
    reserved = client.post(url, answers | {"secret_0_name": "OPENAI_API_KEY", "preview": "1"})
    assert "OPENAI_API_KEY is an environment credential" in reserved.content.decode()
    assert "Create</button>" not in reserved.content.decode()
    made = create_from_template(client, url, answers | {"secret_0_name": "OPENAI_API_KEY_2"})
    assert made.status_code == 302
    connector = Connector.objects.get(name="openai")
    assert connector.auth_secrets["api_key"]["hint"] == "{{OPENAI_API_KEY_2}}"
    assert Credential.objects.get().name == "OPENAI_API_KEY_2"


def test_it_offers_the_environment_credential_when_its_host_matches(
    alice, settings, monkeypatch
) -> None:
    settings.STUDIO_ENV_CREDENTIALS = ["OPENAI_API_KEY@api.openai.com"]
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    client = client_for(alice)
    url = reverse("template_form", args=["openai-api-key"])
    page = client.get(url).content.decode()
    assert re.search(r'value="existing"[^>]*checked', page)
    assert '<option value="OPENAI_API_KEY" selected>' in page
    made = create_from_template(
        client,
        url,
        {
            "name": "openai",
            "secret_0_source": "existing",
            "secret_0_credential": "OPENAI_API_KEY",
        },
    )
    assert made.status_code == 302 and not Credential.objects.exists()
    connector = Connector.objects.get(name="openai")
    assert connector.auth_secrets["api_key"]["hint"] == "{{OPENAI_API_KEY}}"
    # Another host: not offered.
    settings.STUDIO_ENV_CREDENTIALS = ["OPENAI_API_KEY@api.example.com"]
    assert "OPENAI_API_KEY_2" in client.get(url).content.decode()


def test_the_sap_successfactors_template_shows_client_id_once(bob) -> None:
    url = reverse("template_form", args=["sap-success-factors-oauth2-saml-bearer-dynamic"])
    page = client_for(bob).get(url).content.decode()
    assert page.count("<dd>Client ID</dd>") == 1 and "<dd>client_id</dd>" not in page
    for template in TEMPLATES:  # no template asks for one value twice
        names = [ask["name"] for ask in template["asks"]]
        assert len(names) == len(set(names)), template["id"]


def test_create_shows_the_preview_again_when_the_answers_differ_from_the_preview(alice) -> None:
    client = client_for(alice)
    url = reverse("template_form", args=["openai-api-key"])
    answers = {"name": "openai", "secret_0_source": "value", "secret_0_value": CANARY}
    preview = client.post(url, answers | {"preview": "1"}).content.decode()
    digest = shown_digest(preview)

    changed = client.post(url, answers | {"name": "openai_two", "digest": digest, "create": "1"})

    page = changed.content.decode()
    assert changed.status_code == 200 and "differs from the preview you saw" in page
    assert "openai_two" in page and CANARY not in page
    assert not Connector.objects.exists()
    made = client.post(url, answers | {"digest": digest, "create": "1"})
    assert made.status_code == 302 and Connector.objects.get().name == "openai"


def test_create_without_a_preview_shows_the_preview_and_writes_nothing(alice) -> None:
    client = client_for(alice)
    url = reverse("template_form", args=["openai-api-key"])
    answers = {"name": "openai", "secret_0_source": "value", "secret_0_value": CANARY}

    direct = client.post(url, answers | {"create": "1"})

    page = direct.content.decode()
    assert direct.status_code == 200 and "this request came without one" in page
    assert "Preview: Create saves" in page and CANARY not in page
    assert not Connector.objects.exists()
    made = client.post(url, answers | {"digest": shown_digest(page), "create": "1"})
    assert made.status_code == 302 and Connector.objects.get().name == "openai"
