"""Import cURL: the parser against a corpus in the shapes of public API docs, and the view."""

# ruff: noqa: E501 (the corpus keeps commands on one line as the docs print them)

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import IntegrityError
from django.test import Client

from connectors.engine import executor
from connectors.lib.curl.parse import parse_curl
from connectors.lib.curl.result import Secret
from connectors.lib.curl.shell import CurlParseError
from connectors.models import Action, Connector, Credential, InputArg, Revision
from connectors.secrets import sealing
from tests.conftest import client_for
from tests.helpers.factories import LOCAL_HOSTS, api_key_connector, make_action, make_connector

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def ref(name: str) -> Secret:
    return Secret(name)


def lit(value: str, name: str) -> Secret:
    return Secret(name, value)


def header_auth(secret: Secret, key: str = "Authorization", pattern: str = "Bearer %s") -> tuple:
    settings = {
        "api_key_auth_type": "HEADER",
        "header_auth_key": key,
        "header_auth_value_pattern": pattern,
    }
    return ("API_KEY", settings, {"api_key": secret})


def param_auth(name: str, secret: Secret) -> tuple:
    settings = {"api_key_auth_type": "PARAM", "param_auth_param_name": name}
    return ("API_KEY", settings, {"api_key": secret})


def basic(username: str | Secret, password: Secret | None = None) -> tuple:
    found: dict[str, Secret] = {}
    if isinstance(username, Secret):
        found["username"], username = username, ""
    if password is not None:
        found["password"] = password
    return ("BASIC", {"username": username}, found)


@dataclass
class Case:
    id: str
    command: str
    method: str
    url: str
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    auth: tuple | None = None
    secret_headers: list[tuple[str, Secret]] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # fragments some note contains


CORPUS = [
    # --- OpenAI, Anthropic, Perplexity ---------------------------------------------------------
    Case(
        "openai_walkthrough",
        'curl https://api.openai.com/v1/models \\\n  -H "Authorization: Bearer $OPENAI_API_KEY"',
        "GET",
        "https://api.openai.com/v1/models",
        auth=header_auth(ref("OPENAI_API_KEY")),
    ),
    Case(
        "openai_chat_completions",
        """curl https://api.openai.com/v1/chat/completions \\
  -H "Content-Type: application/json" \\
  -H "Authorization: Bearer $OPENAI_API_KEY" \\
  -d '{
    "model": "gpt-4o",
    "messages": [{"role": "user", "content": "Hello!"}]
  }'""",
        "POST",
        "https://api.openai.com/v1/chat/completions",
        headers=[("Content-Type", JSON)],
        body='{\n    "model": "gpt-4o",\n    "messages": [{"role": "user", "content": "Hello!"}]\n  }',
        auth=header_auth(ref("OPENAI_API_KEY")),
    ),
    Case(
        "openai_literal_key",
        'curl https://api.openai.com/v1/models -H "Authorization: Bearer sk-proj-Abc123def456ghi789"',
        "GET",
        "https://api.openai.com/v1/models",
        auth=header_auth(lit("sk-proj-Abc123def456ghi789", "OPENAI_API_KEY")),
    ),
    Case(
        "anthropic_messages",
        """curl https://api.anthropic.com/v1/messages \\
     --header "x-api-key: $ANTHROPIC_API_KEY" \\
     --header "anthropic-version: 2023-06-01" \\
     --header "content-type: application/json" \\
     --data \\
'{"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": [{"role": "user", "content": "Hello"}]}'""",
        "POST",
        "https://api.anthropic.com/v1/messages",
        headers=[("anthropic-version", "2023-06-01"), ("content-type", JSON)],
        body='{"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": '
        '[{"role": "user", "content": "Hello"}]}',
        auth=header_auth(ref("ANTHROPIC_API_KEY"), "x-api-key", "%s"),
    ),
    Case(
        "perplexity_chat",
        """curl --request POST \\
  --url https://api.perplexity.ai/chat/completions \\
  --header 'accept: application/json' \\
  --header 'authorization: Bearer pplx-1234567890abcdef' \\
  --header 'content-type: application/json' \\
  --data '{"model": "sonar", "messages": [{"role": "user", "content": "Hi"}]}'""",
        "POST",
        "https://api.perplexity.ai/chat/completions",
        headers=[("accept", JSON), ("content-type", JSON)],
        body='{"model": "sonar", "messages": [{"role": "user", "content": "Hi"}]}',
        auth=header_auth(lit("pplx-1234567890abcdef", "PERPLEXITY_API_KEY")),
    ),
    # --- GitHub, GitLab -------------------------------------------------------------------------
    Case(
        "github_docs_placeholder_token",
        """curl -L \\
  -H "Accept: application/vnd.github+json" \\
  -H "Authorization: Bearer <YOUR-TOKEN>" \\
  -H "X-GitHub-Api-Version: 2022-11-28" \\
  https://api.github.com/users/octocat/repos""",
        "GET",
        "https://api.github.com/users/octocat/repos",
        headers=[
            ("Accept", "application/vnd.github+json"),
            ("X-GitHub-Api-Version", "2022-11-28"),
        ],
        auth=header_auth(ref("GITHUB_API_KEY")),
        notes=["looks like a placeholder", "-L: Test follows redirects"],
    ),
    Case(
        "github_legacy_token_scheme",
        'curl -H "Authorization: token ghp_16C7e42F292c6912E7710c838347Ae178B4a" '
        "https://api.github.com/user",
        "GET",
        "https://api.github.com/user",
        auth=header_auth(
            lit("ghp_16C7e42F292c6912E7710c838347Ae178B4a", "GITHUB_API_KEY"), pattern="token %s"
        ),
    ),
    Case(
        "github_create_issue",
        """curl -X POST -H "Accept: application/vnd.github+json" \\
  -H "Authorization: Bearer $GITHUB_TOKEN" \\
  https://api.github.com/repos/OWNER/REPO/issues \\
  -d '{"title":"Found a bug","labels":["bug"]}'""",
        "POST",
        "https://api.github.com/repos/OWNER/REPO/issues",
        headers=[("Accept", "application/vnd.github+json"), ("Content-Type", FORM)],
        body='{"title":"Found a bug","labels":["bug"]}',
        auth=header_auth(ref("GITHUB_TOKEN")),
    ),
    Case(
        "gitlab_private_token_header",
        'curl --header "PRIVATE-TOKEN: <your_access_token>" '
        '"https://gitlab.example.com/api/v4/projects?membership=true"',
        "GET",
        "https://gitlab.example.com/api/v4/projects",
        query=[("membership", "true")],
        auth=header_auth(ref("EXAMPLE_API_KEY"), "PRIVATE-TOKEN", "%s"),
        notes=["looks like a placeholder"],
    ),
    # --- Stripe ---------------------------------------------------------------------------------
    Case(
        "stripe_key_as_username",
        """curl https://api.stripe.com/v1/charges \\
  -u sk_test_4eC39HqLyjWDarjtT1zdp7dc: \\
  -d amount=2000 \\
  -d currency=usd \\
  -d source=tok_visa""",
        "POST",
        "https://api.stripe.com/v1/charges",
        headers=[("Content-Type", FORM)],
        body="amount=2000&currency=usd&source=tok_visa",
        auth=basic(lit("sk_test_4eC39HqLyjWDarjtT1zdp7dc", "STRIPE_API_KEY")),
    ),
    Case(
        "stripe_list_with_get",
        "curl -G https://api.stripe.com/v1/customers -u sk_test_4eC39HqLyjWDarjtT1zdp7dc: "
        "-d limit=3 -d 'email=jenny@example.com'",
        "GET",
        "https://api.stripe.com/v1/customers",
        query=[("limit", "3"), ("email", "jenny@example.com")],
        auth=basic(lit("sk_test_4eC39HqLyjWDarjtT1zdp7dc", "STRIPE_API_KEY")),
    ),
    Case(
        "stripe_metadata_brackets",
        """curl https://api.stripe.com/v1/customers \\
  -u "$STRIPE_SECRET_KEY:" \\
  -d "metadata[order_id]"=6735 \\
  -d description="Customer for jenny.rosen@example.com\"""",
        "POST",
        "https://api.stripe.com/v1/customers",
        headers=[("Content-Type", FORM)],
        body="metadata[order_id]=6735&description=Customer for jenny.rosen@example.com",
        auth=basic(ref("STRIPE_SECRET_KEY")),
    ),
    # --- Slack ----------------------------------------------------------------------------------
    Case(
        "slack_post_message",
        """curl -X POST -H 'Authorization: Bearer xoxb-1234-56789abcdefghijklmnop' \\
-H 'Content-type: application/json' \\
--data '{"channel":"C123ABC456","text":"Hello, world"}' \\
https://slack.com/api/chat.postMessage""",
        "POST",
        "https://slack.com/api/chat.postMessage",
        headers=[("Content-type", JSON)],
        body='{"channel":"C123ABC456","text":"Hello, world"}',
        auth=header_auth(lit("xoxb-1234-56789abcdefghijklmnop", "SLACK_API_KEY")),
    ),
    Case(
        "slack_conversations_list_get",
        'curl -G https://slack.com/api/conversations.list -d limit=20 -d "types=public_channel" '
        '-H "Authorization: Bearer $SLACK_BOT_TOKEN"',
        "GET",
        "https://slack.com/api/conversations.list",
        query=[("limit", "20"), ("types", "public_channel")],
        auth=header_auth(ref("SLACK_BOT_TOKEN")),
    ),
    # --- Twilio ---------------------------------------------------------------------------------
    Case(
        "twilio_env_vars",
        """curl -X POST "https://api.twilio.com/2010-04-01/Accounts/$TWILIO_ACCOUNT_SID/Messages.json" \\
--data-urlencode "Body=Hello there" \\
--data-urlencode "From=+15557122661" \\
--data-urlencode "To=+15558675310" \\
-u $TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN""",
        "POST",
        "https://api.twilio.com/2010-04-01/Accounts/{{TWILIO_ACCOUNT_SID}}/Messages.json",
        headers=[("Content-Type", FORM)],
        body="Body=Hello+there&From=%2B15557122661&To=%2B15558675310",  # as curl encodes it
        auth=basic(ref("TWILIO_ACCOUNT_SID"), ref("TWILIO_AUTH_TOKEN")),
        variables=["TWILIO_ACCOUNT_SID"],
    ),
    Case(
        "twilio_literal_sid_placeholder_token",
        "curl -X POST https://api.twilio.com/2010-04-01/Accounts/ACXXXXXXXX/Messages.json "
        '--data-urlencode "Body=Hi" -u ACXXXXXXXX:your_auth_token',
        "POST",
        "https://api.twilio.com/2010-04-01/Accounts/ACXXXXXXXX/Messages.json",
        headers=[("Content-Type", FORM)],
        body="Body=Hi",
        auth=basic("ACXXXXXXXX", ref("TWILIO_PASSWORD")),
        notes=["looks like a placeholder"],
    ),
    # --- Datadog --------------------------------------------------------------------------------
    Case(
        "datadog_env_vars",
        """curl -X GET "https://api.datadoghq.com/api/v1/dashboard" \\
-H "Accept: application/json" \\
-H "DD-API-KEY: ${DD_API_KEY}" \\
-H "DD-APPLICATION-KEY: ${DD_APP_KEY}\"""",
        "GET",
        "https://api.datadoghq.com/api/v1/dashboard",
        headers=[("Accept", JSON)],
        auth=header_auth(ref("DD_API_KEY"), "DD-API-KEY", "%s"),
        secret_headers=[("DD-APPLICATION-KEY", ref("DD_APP_KEY"))],
    ),
    Case(
        "datadog_literal_keys",
        "curl https://api.datadoghq.eu/api/v1/monitor "
        '-H "DD-API-KEY: 0123456789abcdef0123456789abcdef" '
        '-H "DD-APPLICATION-KEY: abcdef0123456789abcdef0123456789abcdef01"',
        "GET",
        "https://api.datadoghq.eu/api/v1/monitor",
        auth=header_auth(
            lit("0123456789abcdef0123456789abcdef", "DATADOGHQ_API_KEY"), "DD-API-KEY", "%s"
        ),
        secret_headers=[
            (
                "DD-APPLICATION-KEY",
                lit("abcdef0123456789abcdef0123456789abcdef01", "DD_APPLICATION_KEY"),
            )
        ],
    ),
    # --- Zoom -----------------------------------------------------------------------------------
    Case(
        "zoom_users_me_url_option",
        """curl --request GET \\
  --url https://api.zoom.us/v2/users/me \\
  --header 'authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.abc123' \\
  --header 'content-type: application/json'""",
        "GET",
        "https://api.zoom.us/v2/users/me",
        headers=[("content-type", JSON)],
        auth=header_auth(lit("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.abc123", "ZOOM_API_KEY")),
    ),
    Case(
        "zoom_token_basic_header",
        'curl -X POST https://zoom.us/oauth/token -H "Authorization: Basic '
        + base64.b64encode(b"Zm9vClientId:Zm9vSecret42").decode()
        + '" -d "grant_type=account_credentials&account_id=AbC123"',
        "POST",
        "https://zoom.us/oauth/token",
        headers=[("Content-Type", FORM)],
        body="grant_type=account_credentials&account_id=AbC123",
        auth=basic("Zm9vClientId", lit("Zm9vSecret42", "ZOOM_PASSWORD")),
    ),
    # --- Google ---------------------------------------------------------------------------------
    Case(
        "google_youtube_key_param",
        'curl "https://www.googleapis.com/youtube/v3/search?part=snippet&q=cats'
        '&key=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"',
        "GET",
        "https://www.googleapis.com/youtube/v3/search",
        query=[("part", "snippet"), ("q", "cats")],
        auth=param_auth(
            "key", lit("AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY", "GOOGLEAPIS_API_KEY")
        ),
    ),
    Case(
        "gemini_key_param_from_env",
        """curl "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent?key=$GEMINI_API_KEY" \\
  -H 'Content-Type: application/json' \\
  -X POST \\
  -d '{"contents": [{"parts": [{"text": "Explain how AI works"}]}]}'""",
        "POST",
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent",
        headers=[("Content-Type", JSON)],
        body='{"contents": [{"parts": [{"text": "Explain how AI works"}]}]}',
        auth=param_auth("key", ref("GEMINI_API_KEY")),
    ),
    Case(
        "gemini_goog_api_key_header",
        'curl -H "x-goog-api-key: $GEMINI_API_KEY" '
        "https://generativelanguage.googleapis.com/v1beta/models",
        "GET",
        "https://generativelanguage.googleapis.com/v1beta/models",
        auth=header_auth(ref("GEMINI_API_KEY"), "x-goog-api-key", "%s"),
    ),
    Case(
        "google_gcloud_token_substitution",
        'curl -H "Authorization: Bearer $(gcloud auth print-access-token)" '
        '"https://www.googleapis.com/calendar/v3/calendars/primary"',
        "GET",
        "https://www.googleapis.com/calendar/v3/calendars/primary",
        auth=header_auth(ref("GOOGLEAPIS_API_KEY")),
        notes=["comes from running `gcloud auth print-access-token`"],
    ),
    # --- Azure ----------------------------------------------------------------------------------
    Case(
        "azure_function_code_param",
        'curl "https://myfuncapp.azurewebsites.net/api/HttpExample?code=aBcD1234eFgH5678iJkL90=='
        '&name=Functions"',
        "GET",
        "https://myfuncapp.azurewebsites.net/api/HttpExample",
        query=[("name", "Functions")],
        auth=param_auth("code", lit("aBcD1234eFgH5678iJkL90==", "MYFUNCAPP_API_KEY")),
    ),
    Case(
        "azure_functions_key_header_json",
        "curl -X POST https://myfuncapp.azurewebsites.net/api/orders "
        """-H "x-functions-key: $FUNCTION_KEY" --json '{"id": 1}'""",
        "POST",
        "https://myfuncapp.azurewebsites.net/api/orders",
        headers=[("Content-Type", JSON), ("Accept", JSON)],
        body='{"id": 1}',
        auth=header_auth(ref("FUNCTION_KEY"), "x-functions-key", "%s"),
    ),
    # --- SendGrid, Mailgun ------------------------------------------------------------------------
    Case(
        "sendgrid_mail_send",
        """curl --request POST \\
  --url https://api.sendgrid.com/v3/mail/send \\
  --header "Authorization: Bearer $SENDGRID_API_KEY" \\
  --header 'Content-Type: application/json' \\
  --data '{"personalizations": [{"to": [{"email": "test@example.com"}]}],"from": {"email": "test@example.com"},"subject": "Hi","content": [{"type": "text/plain", "value": "Hello"}]}'""",
        "POST",
        "https://api.sendgrid.com/v3/mail/send",
        headers=[("Content-Type", JSON)],
        body='{"personalizations": [{"to": [{"email": "test@example.com"}]}],"from": '
        '{"email": "test@example.com"},"subject": "Hi","content": [{"type": "text/plain", '
        '"value": "Hello"}]}',
        auth=header_auth(ref("SENDGRID_API_KEY")),
    ),
    Case(
        "mailgun_form_with_attachment",
        """curl -s --user 'api:YOUR_API_KEY' \\
    https://api.mailgun.net/v3/YOUR_DOMAIN_NAME/messages \\
    -F from='Excited User <mailgun@YOUR_DOMAIN_NAME>' \\
    -F to=bar@example.com \\
    -F subject='Hello' \\
    -F attachment=@files/test.jpg""",
        "POST",
        "https://api.mailgun.net/v3/YOUR_DOMAIN_NAME/messages",
        headers=[("Content-Type", FORM)],
        body="from=Excited%20User%20%3Cmailgun%40YOUR_DOMAIN_NAME%3E&to=bar%40example.com"
        "&subject=Hello",
        auth=basic("api", ref("MAILGUN_API_KEY")),
        notes=["Left out the -F file field `attachment`", "form-encoded body", "Ignored -s"],
    ),
    Case(
        "mailgun_eu_env_key",
        'curl -s --user "api:$MAILGUN_API_KEY" '
        "https://api.eu.mailgun.net/v3/mg.example.com/messages "
        "-F from='Sender <s@mg.example.com>' -F to='a@example.com' -F text='Testing'",
        "POST",
        "https://api.eu.mailgun.net/v3/mg.example.com/messages",
        headers=[("Content-Type", FORM)],
        body="from=Sender%20%3Cs%40mg.example.com%3E&to=a%40example.com&text=Testing",
        auth=basic("api", ref("MAILGUN_API_KEY")),
    ),
    # --- browser devtools "Copy as cURL" ----------------------------------------------------------
    Case(
        "chrome_copy_bash_with_cookies",
        r"""curl 'https://app.example.com/api/items?page=2' \
  -H 'accept: application/json, text/plain, */*' \
  -H 'accept-language: en-US,en;q=0.9' \
  -H 'content-type: application/json' \
  -b 'session=abc123def456; theme=dark' \
  -H 'origin: https://app.example.com' \
  -H 'priority: u=1, i' \
  -H 'sec-ch-ua: "Chromium";v="124", "Google Chrome";v="124"' \
  -H 'sec-ch-ua-mobile: ?0' \
  -H 'sec-fetch-mode: cors' \
  -H 'user-agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0.0.0' \
  --data-raw $'{"name":"it\'s here","tags":["a\\b"],"check":"\u2713"}' \
  --compressed""",
        "POST",
        "https://app.example.com/api/items",
        query=[("page", "2")],
        headers=[
            ("accept", "application/json, text/plain, */*"),
            ("accept-language", "en-US,en;q=0.9"),
            ("content-type", JSON),
            ("origin", "https://app.example.com"),
            ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0.0.0"),
        ],
        body='{"name":"it\'s here","tags":["a\\b"],"check":"\u2713"}',
        auth=header_auth(
            lit("session=abc123def456; theme=dark", "EXAMPLE_API_KEY"), "Cookie", "%s"
        ),
        notes=["--compressed", "Left out priority, sec-ch-ua, sec-ch-ua-mobile, sec-fetch-mode"],
    ),
    Case(
        "chrome_copy_bearer_keeps_cookie_sealed",
        r"""curl 'https://api.example.com/v2/me' \
  -H 'authorization: Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig' \
  -H 'cookie: _ga=GA1.1.123; _gid=GA1.1.456' \
  -H 'sec-fetch-site: same-site' \
  --compressed""",
        "GET",
        "https://api.example.com/v2/me",
        auth=header_auth(lit("eyJhbGciOiJSUzI1NiJ9.e30.sig", "EXAMPLE_API_KEY")),
        secret_headers=[("cookie", lit("_ga=GA1.1.123; _gid=GA1.1.456", "EXAMPLE_COOKIE"))],
        notes=["The Cookie header is a secret connector header"],
    ),
    Case(
        "chrome_copy_cmd_windows",
        'curl ^"https://api.example.com/v1/things?x=1^" ^\n'
        '  -H ^"accept: application/json^" ^\n'
        '  -H ^"authorization: Bearer %API_TOKEN%^" ^\n'
        '  -H ^"content-type: application/json^" ^\n'
        '  --data-raw ^"^{^\\^"a^\\^":1,^\\^"b^\\^":^\\^"x y^\\^"^}^" ^\n'
        "  --compressed",
        "POST",
        "https://api.example.com/v1/things",
        query=[("x", "1")],
        headers=[("accept", JSON), ("content-type", JSON)],
        body='{"a":1,"b":"x y"}',
        auth=header_auth(ref("API_TOKEN")),
    ),
    Case(
        "windows_cmd_caret_continuation_plain_quotes",
        'curl -X POST "https://api.example.com/v1/notes" ^\n'
        '  -H "X-API-Key: %EXAMPLE_KEY%" ^\n'
        '  -d "{\\"text\\": \\"hi\\"}"',
        "POST",
        "https://api.example.com/v1/notes",
        headers=[("Content-Type", FORM)],
        body='{"text": "hi"}',
        auth=header_auth(ref("EXAMPLE_KEY"), "X-API-Key", "%s"),
    ),
    # --- Postman exports --------------------------------------------------------------------------
    Case(
        "postman_get_with_variable_token",
        """curl --location 'https://api.example.com/v1/users?page=1' \\
--header 'Accept: application/json' \\
--header 'Authorization: Bearer {{token}}'""",
        "GET",
        "https://api.example.com/v1/users",
        query=[("page", "1")],
        headers=[("Accept", JSON)],
        auth=header_auth(ref("token")),
    ),
    Case(
        "postman_post_basic_header",
        """curl --location 'https://api.example.com/v1/users' \\
--header 'Content-Type: application/json' \\
--header 'Authorization: Basic dXNlcjpzM2NyZXQ=' \\
--data-raw '{
    "name": "Ada"
}'""",
        "POST",
        "https://api.example.com/v1/users",
        headers=[("Content-Type", JSON)],
        body='{\n    "name": "Ada"\n}',
        auth=basic("user", lit("s3cret", "EXAMPLE_PASSWORD")),
    ),
    Case(
        "postman_form_data",
        """curl --location 'https://api.example.com/upload' \\
--form 'name="report"' \\
--form 'file=@"/path/to/file.pdf"'""",
        "POST",
        "https://api.example.com/upload",
        headers=[("Content-Type", FORM)],
        body="name=report",
        notes=["Left out the -F file field `file`"],
    ),
    Case(
        "postman_variable_in_body_and_header",
        """curl --location --request PUT 'https://api.example.com/v1/items/42' \\
--header 'X-Request-Id: {{request_id}}' \\
--header 'Content-Type: application/json' \\
--data-raw '{"title": "{{title}}"}'""",
        "PUT",
        "https://api.example.com/v1/items/42",
        headers=[("X-Request-Id", "{{request_id}}"), ("Content-Type", JSON)],
        body='{"title": "{{title}}"}',
        variables=["title", "request_id"],
    ),
    # --- --json, methods, flags -------------------------------------------------------------------
    Case(
        "httpie_like_json",
        'curl --json \'{"name": "Ada", "role": "admin"}\' https://api.example.com/people',
        "POST",
        "https://api.example.com/people",
        headers=[("Content-Type", JSON), ("Accept", JSON)],
        body='{"name": "Ada", "role": "admin"}',
    ),
    Case(
        "json_keeps_given_accept",
        "curl -H 'Accept: application/vnd.api+json' --json '{\"a\":' --json ' 1}' "
        "https://api.example.com/x",
        "POST",
        "https://api.example.com/x",
        headers=[("Accept", "application/vnd.api+json"), ("Content-Type", JSON)],
        body='{"a": 1}',
    ),
    Case(
        "patch_with_json_body",
        """curl -X PATCH https://api.example.com/v1/users/7 -H 'Content-Type: application/json' \\
  -H 'X-API-Key: abcd1234efgh5678ijkl' -d '{"active": false}'""",
        "PATCH",
        "https://api.example.com/v1/users/7",
        headers=[("Content-Type", JSON)],
        body='{"active": false}',
        auth=header_auth(lit("abcd1234efgh5678ijkl", "EXAMPLE_API_KEY"), "X-API-Key", "%s"),
    ),
    Case(
        "delete_attached_short_options",
        "curl -XDELETE -H'Accept:application/json' -H'X-Auth-Token:tok_live_abcdefghijklmnop' "
        "https://api.example.com/v2/servers/9",
        "DELETE",
        "https://api.example.com/v2/servers/9",
        headers=[("Accept", JSON)],
        auth=header_auth(lit("tok_live_abcdefghijklmnop", "EXAMPLE_API_KEY"), "X-Auth-Token", "%s"),
    ),
    Case(
        "short_option_cluster",
        "curl -sSLX POST -d 'a=1' -d 'b=two words' https://httpbin.org/post",
        "POST",
        "https://httpbin.org/post",
        headers=[("Content-Type", FORM)],
        body="a=1&b=two words",
        notes=["Ignored -s, -S: they do not change the request."],
    ),
    Case(
        "data_urlencode_forms_with_get",
        'curl -G https://api.example.com/search --data-urlencode "q=hello world" '
        "--data-urlencode '=raw&x' -d lang=en",
        "GET",
        "https://api.example.com/search",
        query=[("q", "hello world"), ("raw&x", ""), ("lang", "en")],
    ),
    Case(
        "userinfo_in_url",
        "curl https://admin:s3cr3tPassw0rd@internal.example.com/api/status",
        "GET",
        "https://internal.example.com/api/status",
        auth=basic("admin", lit("s3cr3tPassw0rd", "EXAMPLE_PASSWORD")),
    ),
    Case(
        "insecure_and_max_time",
        "curl -k --max-time 15 https://10.0.0.5:8443/health -o /dev/null -w '%{http_code}'",
        "GET",
        "https://10.0.0.5:8443/health",
        notes=["Verify TLS is off", "timeout is 15 s", "Ignored -o /dev/null, -w %{http_code}"],
    ),
    Case(
        "oauth2_bearer_option",
        'curl --oauth2-bearer "$TOKEN" https://api.example.com/me',
        "GET",
        "https://api.example.com/me",
        auth=header_auth(ref("TOKEN")),
    ),
    Case(
        "prompt_and_pipe_to_jq",
        "$ curl -s https://api.example.com/v1/status | jq .",
        "GET",
        "https://api.example.com/v1/status",
        notes=["`| jq .` was ignored"],
    ),
    Case(
        "odata_dollar_params_stay_literal_in_single_quotes",
        "curl 'https://graph.microsoft.com/v1.0/users?$select=displayName&$top=5' "
        "-H 'Authorization: Bearer eyJ0eXAiOiJKV1QifQ.payload.sig'",
        "GET",
        "https://graph.microsoft.com/v1.0/users",
        query=[("$select", "displayName"), ("$top", "5")],
        auth=header_auth(lit("eyJ0eXAiOiJKV1QifQ.payload.sig", "MICROSOFT_API_KEY")),
    ),
    Case(
        "variable_in_path_user_agent_referer",
        'curl "https://api.example.com/users/${USER_ID}/orders" -A "my-app/1.0" '
        "-e https://example.com/",
        "GET",
        "https://api.example.com/users/{{USER_ID}}/orders",
        headers=[("User-Agent", "my-app/1.0"), ("Referer", "https://example.com/")],
        variables=["USER_ID"],
    ),
    Case(
        "workato_api_token_header",
        'curl -X POST "https://apim.workato.com/acme/search-v1/find" '
        '-H "api-token: 8d1a4f0c9b7e6d5c4b3a29181716151413121110" '
        "-H 'Content-Type: application/json' -d '{\"name\": \"x\"}'",
        "POST",
        "https://apim.workato.com/acme/search-v1/find",
        headers=[("Content-Type", JSON)],
        body='{"name": "x"}',
        auth=header_auth(
            lit("8d1a4f0c9b7e6d5c4b3a29181716151413121110", "WORKATO_API_KEY"), "api-token", "%s"
        ),
    ),
    Case(
        "missing_backslash_before_option_line",
        "curl https://api.example.com/v1/ping\n  -H 'Accept: text/plain'",
        "GET",
        "https://api.example.com/v1/ping",
        headers=[("Accept", "text/plain")],
        notes=["A line ended without"],
    ),
    Case(
        "second_key_param_becomes_an_input_arg",
        "curl 'https://api.example.com/v1/data?api_key=abc123secret&token=zzz999secret&q=x'",
        "GET",
        "https://api.example.com/v1/data",
        query=[("token", "{{token}}"), ("q", "x")],
        auth=param_auth("api_key", lit("abc123secret", "EXAMPLE_API_KEY")),
        variables=["token"],
        notes=["The token parameter looks like a second secret"],
    ),
    Case(
        "empty_header_value_and_crlf",
        "curl https://api.example.com/x \\\r\n  -H 'X-Empty;' \\\r\n  -H 'Accept:'",
        "GET",
        "https://api.example.com/x",
        headers=[("X-Empty", "")],
        notes=["removing that header"],
    ),
]


@pytest.mark.parametrize("case", CORPUS, ids=[case.id for case in CORPUS])
def test_it_reads_the_corpus(case: Case) -> None:
    parsed = parse_curl(case.command)

    assert parsed.method == case.method
    assert parsed.url == case.url
    assert parsed.query == case.query
    assert parsed.headers == case.headers
    assert parsed.body == case.body
    auth = parsed.auth
    found = (auth.auth_config, auth.settings, auth.secrets) if auth else None
    assert found == case.auth
    assert parsed.secret_headers == case.secret_headers
    assert sorted(parsed.variables) == sorted(case.variables)
    for fragment in case.notes:
        assert any(fragment in note for note in parsed.notes), (fragment, parsed.notes)


def test_the_corpus_has_at_least_forty_commands() -> None:
    assert len(CORPUS) >= 40


def test_no_literal_secret_is_left_in_a_plain_field() -> None:
    for case in CORPUS:
        parsed = parse_curl(case.command)
        plain = repr((parsed.url, parsed.query, parsed.headers, parsed.body))
        for literal in parsed.secret_literals:
            assert literal not in plain, case.id


def test_it_reads_a_chrome_devtools_copy() -> None:
    parsed = parse_curl(next(c.command for c in CORPUS if c.id == "chrome_copy_bash_with_cookies"))
    assert parsed.body.endswith('"check":"✓"}')
    assert "session=abc123def456; theme=dark" in parsed.secret_literals


def test_it_names_things_from_the_host_and_route() -> None:
    parsed = parse_curl("curl https://api.openai.com/v1/models")
    assert parsed.connector_name() == "openai"
    assert parsed.action_name() == "get_v1_models"
    assert parse_curl("curl -X POST https://x.example.co.uk/").connector_name() == "example"


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            """curl -d '{"a": 1}""",
            'Could not read the command: the quote opened at `\'{"a":` is never closed.',
        ),
        (
            'curl -H "Authorization: Bearer x https://x.test',
            'the quote opened at `"Authorization:`',
        ),
        ("curl -d $'abc https://x.test", "the quote opened at `$'abc`"),
        ("wget https://example.com/file", "This is not a cURL command: it starts with `wget`"),
        ("http GET https://example.com", "it starts with `http`"),
        ("", "Paste a cURL command"),
        ("curl -s", "it has no URL"),
        ("curl https://a.test/x https://b.test/y", "`https://b.test/y` is a second URL"),
        ("curl -W https://a.test/", "`-W` in `-W` is not a curl option"),
        ("curl https://a.test/ -H", "`-H` needs a value"),
        ("curl ftp://files.example.com/x", "only http:// and https://"),
        ('curl "$BASE_URL/v1/models"', "its host is a variable"),
        ("curl https://a.test/ -F a=1 -d b=2", "mixes -F"),
        ('curl "https://a.test/$(date"', "the `$(` at"),
    ],
)
def test_it_names_what_it_cannot_read(command: str, message: str) -> None:
    with pytest.raises(CurlParseError) as error:
        parse_curl(command)
    assert message in str(error.value)


# --- the view ------------------------------------------------------------------------------------

OPENAI = 'curl https://api.openai.com/v1/models -H "Authorization: Bearer $OPENAI_API_KEY"'
LITERAL_KEY = "sk-proj-Zx9Yw8Vu7Ts6Rq5Po4"
OPENAI_LITERAL = f'curl https://api.openai.com/v1/models -H "Authorization: Bearer {LITERAL_KEY}"'


def preview(client: Client, command: str, url: str = "/import-curl/", **fields: str) -> Any:
    response = client.post(url, {"command": command, "preview": "1", **fields})
    assert response.status_code == 200
    return response


def create(client: Client, previewed: Any, url: str = "/import-curl/") -> Any:
    """Press Create on a preview page, posting back what the page holds."""
    data = previewed.context["form"].data.copy()
    data.pop("preview", None)
    data["create"] = "1"
    return client.post(url, data)


def nothing_saved() -> bool:
    return not (
        Connector.objects.exists() or Action.objects.exists() or Credential.objects.exists()
    )


def test_it_previews_and_saves_nothing(bob) -> None:
    response = preview(client_for(bob), OPENAI)
    html = response.content.decode()
    assert "Preview: what Create will save" in html
    assert "A new connector <strong>openai</strong>" in html
    assert "{{OPENAI_API_KEY}}" in html
    assert "get_v1_models" in html
    assert nothing_saved()


def test_the_preview_never_shows_a_literal_secret(alice) -> None:
    response = preview(client_for(alice), OPENAI_LITERAL)
    html = response.content.decode()
    assert LITERAL_KEY not in html
    assert base64.b64encode(LITERAL_KEY.encode()).decode()[:12] not in html
    assert "••••5Po4" in html  # in the masked command and in the credential line
    assert "A new team credential <code>OPENAI_API_KEY</code>" in html
    assert nothing_saved()


def test_create_saves_the_connector_credential_and_action(alice) -> None:
    client = client_for(alice)
    response = create(client, preview(client, OPENAI_LITERAL))

    action = Action.objects.get()
    assert response.status_code == 302
    assert response["Location"] == action.get_absolute_url()
    connector = action.connector
    assert (connector.name, connector.base_url, connector.auth_config) == (
        "openai",
        "https://api.openai.com",
        "API_KEY",
    )
    assert connector.auth_settings["header_auth_value_pattern"] == "Bearer %s"
    sealed = connector.auth_secrets["api_key"]["sealed"]
    assert sealing.unseal(sealed) == "{{OPENAI_API_KEY}}"
    credential = Credential.objects.get()
    assert credential.name == "OPENAI_API_KEY"
    assert sealing.unseal(credential.sealed) == LITERAL_KEY
    assert credential.set_by == credential.created_by == alice
    assert credential.created_via == Credential.Via.CURL and not credential.needs_confirmation
    assert (action.name, action.method, action.path) == ("get_v1_models", "GET", "/v1/models")
    assert action.headers == [] and action.query_params == []
    prepared = executor.prepare(action, {})
    assert dict(prepared.headers)["Authorization"] == f"Bearer {LITERAL_KEY}"


def test_create_makes_the_stripe_key_a_credential_used_as_username(alice) -> None:
    client = client_for(alice)
    command = (
        "curl https://api.stripe.com/v1/charges -u sk_test_4eC39HqLyjWDarjtT1zdp7dc: -d amount=2000"
    )
    create(client, preview(client, command))

    action = Action.objects.get()
    assert action.connector.auth_settings["username"] == "{{STRIPE_API_KEY}}"
    assert (action.method, action.body) == ("POST", "amount=2000")
    token = base64.b64encode(b"sk_test_4eC39HqLyjWDarjtT1zdp7dc:").decode()
    assert dict(executor.prepare(action, {}).headers)["Authorization"] == f"Basic {token}"


def test_create_keeps_a_second_secret_header_as_a_secret_connector_header(alice) -> None:
    client = client_for(alice)
    command = next(c.command for c in CORPUS if c.id == "datadog_literal_keys")
    create(client, preview(client, command))

    connector = Connector.objects.get()
    assert [row["key"] for row in connector.headers] == ["DD-APPLICATION-KEY"]
    assert "value" not in connector.headers[0]
    assert sorted(Credential.objects.values_list("name", flat=True)) == [
        "DATADOGHQ_API_KEY",
        "DD_APPLICATION_KEY",
    ]


def test_it_creates_input_args_for_shell_variables(bob) -> None:
    client = client_for(bob)
    command = 'curl "https://api.example.com/users/$USER_ID/orders"'
    create(client, preview(client, command))

    action = Action.objects.get()
    assert action.path == "/users/{{USER_ID}}/orders"
    assert list(action.input_args.values_list("name", "required")) == [("USER_ID", True)]


def test_it_preselects_the_connector_with_that_base_url(bob) -> None:
    existing = api_key_connector("https://api.openai.com", "sk-existing-key-123456", name="OpenAI")
    client = client_for(bob)
    response = preview(client, 'curl -X POST https://api.openai.com/v1/embeddings -d "{}"')

    assert response.context["form"].data["connector"] == "OpenAI"
    assert "Adds the action to connector" in response.content.decode()
    create(client, response)
    action = Action.objects.get()
    assert (action.connector, action.name) == (existing, "post_v1_embeddings")
    assert Connector.objects.count() == 1 and not Credential.objects.exists()


def test_it_adds_to_the_connector_it_was_opened_from(bob) -> None:
    slack = make_connector("Slack", base_url="https://slack.com/api")
    make_action(slack, "chat_postmessage", path="/chat.postMessage")
    client = client_for(bob)
    url = f"/connectors/{slack.name}/import-curl/"
    page = client.get(url)
    assert page.context["form"]["connector"].value() == "Slack"

    command = (
        "curl -X POST https://slack.com/api/chat.postMessage -H 'Authorization: Bearer xoxb-1-2-3abc'"
        ' -H \'Content-type: application/json\' --data \'{"channel":"C1","text":"Hi"}\''
    )
    response = preview(client, command, url=url, connector="Slack", chosen="1")
    assert "keeps its Auth Config" in response.content.decode()
    create(client, response, url=url)

    action = slack.actions.get(name="post_chat_postmessage")
    assert (action.path, action.headers) == (
        "/chat.postMessage",
        [{"key": "Content-type", "value": "application/json"}],
    )
    assert not Credential.objects.exists()  # the connector keeps its own auth


def test_it_refuses_a_url_outside_the_chosen_connector(bob) -> None:
    make_connector("Slack", base_url="https://slack.com/api")
    response = preview(client_for(bob), OPENAI, connector="Slack", chosen="1")
    assert "is not under this connector&#x27;s Base URL" in response.content.decode()
    assert not Action.objects.exists()


def test_a_parse_error_shows_next_to_the_box_and_saves_nothing(bob) -> None:
    client = client_for(bob)
    response = client.post(
        "/import-curl/", {"command": 'curl -d \'{"a": 1} https://x.test', "create": "1"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["command"]
    assert errors == ['Could not read the command: the quote opened at `\'{"a":` is never closed.']
    assert 'id="id_command_error"' in response.content.decode()
    assert "Preview: what" not in response.content.decode()
    assert nothing_saved()


def test_create_without_a_preview_only_previews(bob) -> None:
    client = client_for(bob)
    response = client.post("/import-curl/", {"command": OPENAI, "create": "1"})
    assert "differs from the preview" in response.content.decode()
    assert nothing_saved()


def test_create_refuses_when_the_outcome_changed_since_the_preview(alice) -> None:
    client = client_for(alice)
    previewed = preview(client, OPENAI_LITERAL)
    Credential.objects.create(
        allowed_hosts=LOCAL_HOSTS,
        name="OPENAI_API_KEY",
        sealed=sealing.seal("another"),
        set_by=alice,
    )

    response = create(client, previewed)
    assert "differs from the preview" in response.content.decode()
    assert "A new team credential <code>OPENAI_API_KEY_2</code>" in response.content.decode()
    assert not Action.objects.exists()


def test_it_reuses_a_credential_holding_the_same_value_for_an_admin(alice) -> None:
    Credential.objects.create(
        allowed_hosts=LOCAL_HOSTS,
        name="OPENAI_API_KEY",
        sealed=sealing.seal(LITERAL_KEY),
        set_by=alice,
    )
    client = client_for(alice)
    response = preview(client, OPENAI_LITERAL)
    assert "Uses the team credential <code>OPENAI_API_KEY</code>" in response.content.decode()
    create(client, response)
    assert Credential.objects.count() == 1
    assert Action.objects.exists()


def test_an_edited_command_with_a_masked_secret_is_refused(bob) -> None:
    client = client_for(bob)
    previewed = preview(client, OPENAI_LITERAL)
    data = previewed.context["form"].data.copy()
    data["command"] = data["command"].replace("/v1/models", "/v1/files")
    response = client.post("/import-curl/", data)
    assert "holds a masked secret" in response.content.decode()
    assert nothing_saved()


def test_a_failed_save_leaves_nothing_behind(bob, monkeypatch) -> None:
    client = client_for(bob)
    previewed = preview(client, 'curl "https://api.example.com/users/$USER_ID" -u "me:pw12345678"')

    def fail(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError("input arg clash")

    monkeypatch.setattr(InputArg.objects, "bulk_create", fail)
    response = create(client, previewed)
    assert "press Preview again" in response.content.decode()
    assert nothing_saved()


def test_an_unsupported_method_is_an_error(bob) -> None:
    response = preview(client_for(bob), "curl -I https://api.example.com/")
    assert "The method HEAD is not one an action can have" in response.content.decode()


def test_a_viewer_gets_403(carol) -> None:
    client = client_for(carol)
    assert client.get("/import-curl/").status_code == 403
    assert client.post("/import-curl/", {"command": OPENAI, "preview": "1"}).status_code == 403
    assert nothing_saved()


def test_the_catalog_and_connector_pages_offer_import_to_developers(bob, carol) -> None:
    connector = make_connector("OpenAI")
    # The catalog's Import menu, and the connector page's own button.
    assert 'href="/import-curl/">cURL command<' in client_for(bob).get("/").content.decode()
    assert "Import cURL" in client_for(bob).get(connector.get_absolute_url()).content.decode()
    assert "/import-curl/" not in client_for(carol).get("/").content.decode()


def test_an_import_is_recorded_in_history(alice) -> None:
    client = client_for(alice)
    create(client, preview(client, OPENAI_LITERAL))
    recorded = set(Revision.objects.values_list("kind", "event"))
    assert recorded == {("connector", "created"), ("action", "created"), ("credential", "created")}
