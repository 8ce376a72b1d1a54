"""The OAuth 2.0 and JWT Auth examples of Agent Studio's public setup guides, as catalog data.

Secrets are {{NAME}} references to team credentials, never values. `build()` makes one
connector and its action; tests repoint the URLs at local stand-ins.
"""

from __future__ import annotations

from typing import Any

from connectors.models import Action, Connector, InputArg
from connectors.secrets import homes, sealing

Example = dict[str, Any]

_TOKEN_USE = {
    "header_auth_key": "Authorization",
    "header_auth_value_pattern": "Bearer %s",
    "access_token_key": "access_token",
    "expires_in_key": "expires_in",
    "expires_in_unit": "seconds",
    "additional_request_data": [],
    "additional_headers": [],
    "authorization_params": [],
}

EXAMPLES: list[Example] = [
    {
        "name": "Nexthink",
        "description": "Nexthink Infinity API: OAuth 2.0 Client Credentials, Basic header.",
        "base_url": "https://{{instance}}.api.{{region}}.nexthink.cloud",
        "auth_config": "OAUTH2",
        "auth_settings": {
            **_TOKEN_USE,
            "oauth2_grant_type": "client_credentials",
            "client_id": "nexthink-client-id",
            "oauth2_token_url": "https://acme-login.us.nexthink.cloud/oauth2/default/v1/token",
            "scope": "",
            "oauth2_client_authentication": "BASIC_AUTH_HEADER",
        },
        "secrets": {"client_secret": "{{NEXTHINK_CLIENT_SECRET}}"},
        "action": {
            "name": "list_workflows",
            "method": "GET",
            "path": "/api/v1/workflows",
            "args": [
                {"name": "instance", "example_value": "acme", "required": True},
                {"name": "region", "example_value": "us", "required": True},
            ],
        },
    },
    {
        "name": "Zoom",
        "description": "Zoom Server-to-Server OAuth: account_credentials in the request body.",
        "base_url": "https://api.zoom.us",
        "auth_config": "OAUTH2",
        "auth_settings": {
            **_TOKEN_USE,
            "oauth2_grant_type": "client_credentials",
            "client_id": "zoom-client-id",
            "oauth2_token_url": "https://zoom.us/oauth/token",
            "scope": "",
            "oauth2_client_authentication": "REQUEST_BODY",
            "additional_request_data": [
                {"key": "grant_type", "value": "account_credentials"},
                {"key": "account_id", "value": "zoom-account-id"},
            ],
        },
        "secrets": {"client_secret": "{{ZOOM_CLIENT_SECRET}}"},
        "action": {"name": "get_me", "method": "GET", "path": "/users/me"},
    },
    {
        "name": "SAP_Concur",
        "display_name": "SAP Concur",
        "description": "SAP Concur: OAuth 2.0 Refresh Token grant.",
        "base_url": "https://us2.api.concursolutions.com",
        "auth_config": "OAUTH2",
        "auth_settings": {
            **_TOKEN_USE,
            "oauth2_grant_type": "refresh_token",
            "client_id": "concur-client-id",
            "oauth2_token_url": "https://us2.api.concursolutions.com/oauth2/v0/token",
            "scope": "",
            "oauth2_client_authentication": "REQUEST_BODY",
        },
        "secrets": {
            "client_secret": "{{CONCUR_CLIENT_SECRET}}",
            "refresh_token_grant_refresh_token": "{{CONCUR_REFRESH_TOKEN}}",
        },
        "action": {
            "name": "list_expense_reports",
            "method": "GET",
            "path": "/api/v3.0/expense/reports",
            "headers": [{"key": "Accept", "value": "application/json"}],
        },
    },
    {
        "name": "Salesforce",
        "description": "Salesforce: OAuth 2.0 Password grant (password + security token).",
        "base_url": "https://yourdomain.my.salesforce.com",
        "auth_config": "OAUTH2",
        "auth_settings": {
            **_TOKEN_USE,
            "oauth2_grant_type": "password",
            "client_id": "salesforce-consumer-key",
            "oauth2_token_url": "https://login.salesforce.com/services/oauth2/token",
            "scope": "",
            "oauth2_client_authentication": "REQUEST_BODY",
            "password_grant_username": "integration@example.com",
        },
        "secrets": {
            "client_secret": "{{SALESFORCE_CLIENT_SECRET}}",
            "password_grant_password": "{{SALESFORCE_PASSWORD_AND_TOKEN}}",
        },
        "action": {
            "name": "query",
            "method": "GET",
            "path": "/services/data/v58.0/query",
            "query_params": [{"key": "q", "value": "{{soql}}"}],
            "args": [{"name": "soql", "example_value": "SELECT Id FROM Account LIMIT 1"}],
        },
    },
    {
        "name": "Okta",
        "description": "Okta API: JWT Auth, a client_assertion signed with RS256.",
        "base_url": "https://yourorg.okta.com",
        "auth_config": "JWT",
        "auth_settings": {
            "client_id": "okta-client-id",
            "kid": "",
            "algorithm": "RS256",
            "issuer": "",
            "subject": "",
            "audience": "",
            "expiry_seconds": 300,
            "additional_claims": [],
            "access_token_request_url": "https://yourorg.okta.com/oauth2/v1/token",
            "assertion_key": "client_assertion",
            "jwt_grant_type": "client_credentials",
            "scope": "okta.users.read",
        },
        "secrets": {"private_key": "{{OKTA_PRIVATE_KEY}}"},
        "action": {"name": "list_users", "method": "GET", "path": "/api/v1/users"},
    },
    {
        "name": "Google_Calendar",
        "display_name": "Google Calendar",
        "description": "Google Calendar: OAuth 2.0 Authorization Code with offline access.",
        "base_url": "https://www.googleapis.com",
        "auth_config": "OAUTH2",
        "auth_settings": {
            **_TOKEN_USE,
            "oauth2_grant_type": "authorization_code",
            "client_id": "google-client-id.apps.googleusercontent.com",
            "oauth2_token_url": "https://oauth2.googleapis.com/token",
            "scope": "https://www.googleapis.com/auth/calendar.readonly",
            "oauth2_client_authentication": "REQUEST_BODY",
            "authorization_url": "https://accounts.google.com/o/oauth2/v2/auth",
            "authorization_params": [
                {"key": "access_type", "value": "offline"},
                {"key": "prompt", "value": "consent"},
            ],
        },
        "secrets": {"client_secret": "{{GOOGLE_CLIENT_SECRET}}"},
        "action": {
            "name": "get_primary",
            "method": "GET",
            "path": "/calendar/v3/calendars/primary",
        },
    },
]


def build(example: Example, user_name: str = "examples") -> Connector:
    """Create the example's connector and action (secrets stay references, sealed)."""
    connector = Connector(
        name=example["name"],
        display_name=example.get("display_name", example["name"]),
        description=example.get("description", ""),
        base_url=example["base_url"],
        auth_config=example["auth_config"],
        auth_settings=dict(example["auth_settings"]),
        auth_secrets={
            name: sealing.sealed_field(value, user_name)
            for name, value in example["secrets"].items()
        },
    )
    homes.settle(None, connector)  # each secret's home: the URLs it is sent to
    connector.save()
    spec = dict(example["action"])
    args = spec.pop("args", [])
    action = Action.objects.create(connector=connector, **spec)
    for arg in args:
        InputArg.objects.create(action=action, **arg)
    return connector
