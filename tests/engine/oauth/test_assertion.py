"""JWT Auth: the signed JWT checked by a real server with the public key, exchanged for a token
or sent itself as the Bearer token; the form's key checks."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse

from connectors.engine import executor
from connectors.forms.oauth_forms import JwtAuthForm
from connectors.models import Connector
from tests.conftest import client_for
from tests.helpers import keys
from tests.helpers.factories import connector_post, make_action, make_connector
from tests.helpers.oauth_server import CLIENT_ASSERTION_TYPE, JWT_BEARER, AuthServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def server(settings) -> Iterator[AuthServer]:
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1", "localhost"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"jwt-{uuid.uuid4().hex}",
        }
    }
    with AuthServer(public_key=keys.rsa_pair()[1]) as running:
        yield running


def jwt_connector(server: AuthServer, private_key: str | None = None, **settings: Any) -> Connector:
    auth_settings = {
        "client_id": "okta-client",
        "kid": "key-1",
        "algorithm": "RS256",
        "issuer": "",
        "subject": "",
        "audience": "",
        "expiry_seconds": 300,
        "additional_claims": [],
        "access_token_request_url": server.token_url,
        "assertion_key": "assertion",
        "jwt_grant_type": JWT_BEARER,
        "scope": "",
        **settings,
    }
    return make_connector(
        "Okta",
        base_url=server.url,
        auth_config=Connector.AuthConfig.JWT,
        auth_settings=auth_settings,
        secrets={"private_key": private_key or keys.rsa_pair()[0]},
    )


def run_ping(connector: Connector) -> Any:
    return executor.run(make_action(connector, "ping", path="/v1/ping"), {}, None)


def test_the_server_verifies_the_jwt_signature_with_the_public_key(server) -> None:
    run = run_ping(jwt_connector(server, scope="okta.users.read"))
    assert (run.status, run.error_kind) == (200, "")
    form = server.token_requests[0].form
    assert form["grant_type"] == JWT_BEARER and form["scope"] == "okta.users.read"
    [claims] = server.jwt_claims
    assert claims["iss"] == claims["sub"] == "okta-client"
    assert claims["aud"] == server.token_url
    assert claims["exp"] - claims["iat"] == 300 and claims["jti"]
    assert server.jwt_headers[0] == {"alg": "RS256", "kid": "key-1", "typ": "JWT"}
    # The token it bought is what the API got.
    token = server.api_requests[0].headers["authorization"].removeprefix("Bearer ")
    assert token in server.access_tokens


def test_it_sends_a_client_assertion_as_okta_wants(server) -> None:
    connector = jwt_connector(
        server, assertion_key="client_assertion", jwt_grant_type="client_credentials"
    )
    assert run_ping(connector).status == 200
    form = server.token_requests[0].form
    assert form["grant_type"] == "client_credentials"
    assert form["client_assertion_type"] == CLIENT_ASSERTION_TYPE
    assert "client_assertion" in form and "assertion" not in form


def test_a_jwt_signed_with_another_key_is_refused(server) -> None:
    server.public_key = keys.ec_pair()[1]
    run = run_ping(jwt_connector(server))
    assert run.error_kind == "AuthFailed"
    assert "the token endpoint answered 400 invalid_grant" in run.error_message
    assert server.api_requests == []


def test_it_signs_with_es256(server) -> None:
    server.public_key = keys.ec_pair()[1]
    connector = jwt_connector(server, private_key=keys.ec_pair()[0], algorithm="ES256")
    assert run_ping(connector).status == 200
    assert server.jwt_headers[0]["alg"] == "ES256"


def test_without_a_token_url_the_jwt_is_the_bearer_token(server) -> None:
    server.api_accepts_jwt = True
    connector = jwt_connector(
        server,
        access_token_request_url="",
        audience=server.url,
        issuer="studio",
        subject="svc-account",
        additional_claims=[
            {"key": "tenant", "value": "acme"},
            {"key": "level", "value": "3"},
            {"key": "admin", "value": "true"},
        ],
    )
    run = run_ping(connector)
    assert run.status == 200
    assert server.token_requests == []
    [claims] = server.jwt_claims
    assert (claims["iss"], claims["sub"], claims["aud"]) == ("studio", "svc-account", server.url)
    assert (claims["tenant"], claims["level"], claims["admin"]) == ("acme", 3, True)
    signed = server.api_requests[0].headers["authorization"].removeprefix("Bearer ")
    assert signed not in json.dumps(run.request_headers)
    assert "Bearer $JWT" in run.request_curl


def test_a_pem_that_lost_its_line_breaks_still_signs(server) -> None:
    flat = keys.rsa_pair()[0].replace("\n", "")  # as a password box posts it
    assert run_ping(jwt_connector(server, private_key=flat)).status == 200


def test_a_bad_private_key_fails_the_test_inline(server) -> None:
    run = run_ping(jwt_connector(server, private_key="not a key at all"))
    assert run.error_kind == "AuthFailed"
    assert "The Private Key is not an unencrypted PEM private key" in run.error_message
    assert server.token_requests == [] and server.api_requests == []


def jwt_post(**overrides: Any) -> dict[str, Any]:
    data = connector_post(
        name="Okta",
        base_url="https://yourorg.okta.com",
        auth_config="JWT",
        **{
            "auth-private_key": keys.rsa_pair()[0],
            "auth-client_id": "okta-client",
            "auth-kid": "",
            "auth-algorithm": "RS256",
            "auth-issuer": "",
            "auth-subject": "",
            "auth-audience": "",
            "auth-expiry_seconds": "300",
            "auth-access_token_request_url": "https://yourorg.okta.com/oauth2/v1/token",
            "auth-assertion_key": "client_assertion",
            "auth-jwt_grant_type": "client_credentials",
            "auth-scope": "okta.users.read",
        },
    )
    data.update(overrides)
    return data


def test_the_form_saves_a_jwt_connector_with_the_key_sealed(bob) -> None:
    response = client_for(bob).post(reverse("connector_create"), jwt_post())
    assert response.status_code == 302
    connector = Connector.objects.get(name="Okta")
    assert "PRIVATE KEY" not in json.dumps(connector.auth_secrets)
    page = client_for(bob).get(reverse("connector_edit", args=["Okta"])).content.decode()
    assert "PRIVATE KEY-----\n" not in page and "Private Key" in page


@pytest.mark.parametrize(
    ("key", "algorithm", "error"),
    [
        (
            "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----",
            "RS256",
            "not an unencrypted PEM",
        ),
        (keys.ec_pair()[0], "RS256", "RS256 needs an RSA private key."),
        (keys.rsa_pair()[0], "ES256", "ES256 needs an EC private key on the P-256 curve."),
    ],
)
def test_the_form_checks_the_private_key(key: str, algorithm: str, error: str) -> None:
    data = jwt_post(**{"auth-private_key": key, "auth-algorithm": algorithm})
    form = JwtAuthForm({k: v for k, v in data.items() if k.startswith("auth-")})
    assert not form.is_valid()
    assert error in " ".join(form.errors["private_key"])


def test_the_form_takes_a_credential_reference_as_the_key() -> None:
    data = jwt_post(**{"auth-private_key": "{{OKTA_PRIVATE_KEY}}"})
    form = JwtAuthForm({k: v for k, v in data.items() if k.startswith("auth-")})
    assert form.is_valid(), form.errors
