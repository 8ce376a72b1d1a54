"""connectors.kinds: the auth summary each connector page shows, read from the kinds."""

from __future__ import annotations

import pytest

from connectors import kinds
from tests.conftest import client_for
from tests.helpers.factories import api_key_connector, make_connector

STORED = {"hint": "abcd", "set_by": "alice", "set_at": "2026-01-02T03:04:05"}


def parts(auth_config: str, settings: dict, secrets: dict | None = None) -> list[tuple]:
    return [
        (item.label, item.value, item.secret, item.stored)
        for item in kinds.summary(auth_config, settings, secrets or {})
    ]


def test_it_sums_up_a_header_api_key_by_its_fields_in_use() -> None:
    settings = kinds.full_settings("API_KEY", {})
    assert parts("API_KEY", settings, {"api_key": STORED}) == [
        ("", "Header Auth", False, None),
        ("Header Auth Key", "Authorization", False, None),
        ("Header Auth Value Pattern", "Bearer %s", False, None),
        ("Api Key", "", True, STORED),
    ]


def test_a_param_api_key_shows_its_parameter_and_not_the_header_fields() -> None:
    settings = kinds.full_settings(
        "API_KEY", {"api_key_auth_type": "PARAM", "param_auth_param_name": "key"}
    )
    assert parts("API_KEY", settings) == [
        ("", "Param Auth", False, None),
        ("Param Auth Param Name", "key", False, None),
        ("Api Key", "", True, None),  # the kind's only secret: shown as not set
    ]


def test_oauth_shows_the_grant_by_its_label_and_a_secret_only_when_set() -> None:
    settings = kinds.full_settings(
        "OAUTH2", {"oauth2_token_url": "https://login.example.com/token", "client_id": "app"}
    )
    assert parts("OAUTH2", settings) == [
        ("", "Client Credentials", False, None),
        ("Oauth2 Token Url", "https://login.example.com/token", False, None),
        ("Client ID", "app", False, None),
    ]
    with_secret = parts("OAUTH2", settings, {"client_secret": STORED})
    assert with_secret[-1] == ("Client Secret", "", True, STORED)


@pytest.mark.parametrize("code", [k for k in kinds.KINDS if k != "NO_AUTH"])
def test_every_kind_names_real_fields_in_its_summary(code: str) -> None:
    kind = kinds.KINDS[code]
    assert kind.summary
    assert all(kind.field(name) for name in kind.summary)


def test_the_connector_page_shows_the_summary(bob) -> None:
    api_key_connector("https://api.openai.com", "{{OPENAI_API_KEY}}")
    make_connector("Plain")
    html = client_for(bob).get("/connectors/OpenAI/").content.decode()
    assert "Api Key Auth · Header Auth · Header Auth Key <code>Authorization</code>" in html
    assert (
        "Header Auth Value Pattern <code>Bearer %s</code> · Api Key <code>{{OPENAI_API_KEY}}"
        in html
    )
    assert (
        " · "
        not in client_for(bob)
        .get("/connectors/Plain/")
        .content.decode()
        .split("<dt>Auth Config</dt>")[1]
        .split("</dd>")[0]
    )
