"""Credentials and secrets: sealed at rest, write-only, resolved at send time, rotated."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from connectors.catalog import history, restore
from connectors.engine import executor
from connectors.models import Connector, Credential, Revision, TestRun
from connectors.secrets import credential_refs, homes, sealing
from tests.conftest import client_for
from tests.helpers.factories import (
    LOCAL_HOSTS,
    api_key_connector,
    connector_post,
    make_action,
    make_connector,
)

pytestmark = pytest.mark.django_db

VALUE = "sk-team-value-00112233aabb"


def make_credential(name: str, value: str) -> Credential:
    return Credential.objects.create(
        allowed_hosts=LOCAL_HOSTS, name=name, sealed=sealing.seal(value), hint=sealing.hint(value)
    )


# --- the Credentials page ------------------------------------------------------------------------


def test_an_admin_creates_a_credential_sealed_with_a_hint(alice) -> None:
    response = client_for(alice).post(
        "/credentials/new/",
        {"name": "OPENAI_API_KEY", "value": VALUE, "allowed_hosts": "api.openai.com"},
    )
    assert response.status_code == 302
    credential = Credential.objects.get()
    assert VALUE not in credential.sealed
    assert sealing.unseal(credential.sealed) == VALUE
    assert credential.hint == "aabb" and credential.set_by == alice
    page = client_for(alice).get("/credentials/").content.decode()
    assert "OPENAI_API_KEY" in page and "••••aabb" in page and VALUE not in page


def test_replacing_a_credential_never_shows_the_old_value(alice) -> None:
    make_credential("OPENAI_API_KEY", VALUE)
    client = client_for(alice)
    form = client.get("/credentials/OPENAI_API_KEY/replace/").content.decode()
    assert VALUE not in form and "••••aabb" in form
    client.post(
        "/credentials/OPENAI_API_KEY/replace/",
        {"value": "sk-new-value-99998888", "allowed_hosts": "api.openai.com"},
    )
    assert sealing.unseal(Credential.objects.get().sealed) == "sk-new-value-99998888"


def test_a_credential_needs_a_value_and_a_valid_unique_name(alice) -> None:
    client = client_for(alice)
    assert (
        "Enter the value."
        in client.post("/credentials/new/", {"name": "OK_NAME", "value": ""}).content.decode()
    )
    assert (
        "Use a letter"
        in client.post("/credentials/new/", {"name": "1BAD", "value": "x"}).content.decode()
    )
    make_credential("TAKEN", VALUE)
    assert (
        "already exists"
        in client.post("/credentials/new/", {"name": "TAKEN", "value": "x"}).content.decode()
    )
    assert Credential.objects.count() == 1


def test_the_page_shows_which_connectors_use_a_credential(bob) -> None:
    make_credential("OPENAI_API_KEY", VALUE)
    api_key_connector("https://api.openai.com", "{{OPENAI_API_KEY}}", name="OpenAI")
    make_connector("Other")
    page = client_for(bob).get("/credentials/").content.decode()
    row = page[page.index('id="credential-OPENAI_API_KEY"') :]
    assert "OpenAI" in row[: row.index("</tr>")]


def test_deleting_a_credential_in_use_names_the_connectors_that_stop_working(alice) -> None:
    make_credential("OPENAI_API_KEY", VALUE)
    api_key_connector("https://api.openai.com", "{{OPENAI_API_KEY}}", name="OpenAI")
    client = client_for(alice)
    page = client.get("/credentials/OPENAI_API_KEY/delete/").content.decode()
    assert "will stop working" in page and "OpenAI" in page
    client.post("/credentials/OPENAI_API_KEY/delete/")
    assert not Credential.objects.exists()


def test_developers_see_hints_but_cannot_manage_and_viewers_see_names_only(bob, carol) -> None:
    make_credential("OPENAI_API_KEY", VALUE)
    developer = client_for(bob)
    assert "••••aabb" in developer.get("/credentials/").content.decode()
    for url in [
        "/credentials/new/",
        "/credentials/OPENAI_API_KEY/replace/",
        "/credentials/OPENAI_API_KEY/delete/",
    ]:
        assert developer.get(url).status_code == 403
        assert client_for(carol).get(url).status_code == 403
    viewer_page = client_for(carol).get("/credentials/").content.decode()
    assert "OPENAI_API_KEY" in viewer_page and "aabb" not in viewer_page


# --- references at send time ---------------------------------------------------------------------


def test_a_reference_resolves_to_the_team_credential(upstream) -> None:
    make_credential("OPENAI_API_KEY", VALUE)
    run = executor.run(make_action(api_key_connector(upstream.url, "{{OPENAI_API_KEY}}")), {}, None)
    assert run.status == 200
    assert upstream.last.headers["authorization"] == f"Bearer {VALUE}"


def test_a_credential_may_itself_refer_to_an_allowed_environment_variable(
    upstream, settings, monkeypatch
) -> None:
    monkeypatch.setenv("VAULT_OPENAI", VALUE)
    settings.STUDIO_ENV_CREDENTIALS = ["VAULT_OPENAI@127.0.0.1:*"]
    make_credential("OPENAI_API_KEY", "{{VAULT_OPENAI}}")
    executor.run(make_action(api_key_connector(upstream.url, "{{OPENAI_API_KEY}}")), {}, None)
    assert upstream.last.headers["authorization"] == f"Bearer {VALUE}"


def test_a_set_environment_credential_is_offered_and_never_called_missing(
    settings, monkeypatch, bob
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", VALUE)
    settings.STUDIO_ENV_CREDENTIALS = ["OPENAI_API_KEY@api.openai.com"]
    connector = api_key_connector("https://api.openai.com", "{{OPENAI_API_KEY}}")
    assert credential_refs.missing_credentials(connector) == []
    assert "OPENAI_API_KEY" in credential_refs.available_names()
    page = client_for(bob).get(connector.get_absolute_url()).content.decode()
    assert "does not exist" not in page and VALUE not in page


def test_an_unset_environment_credential_says_to_set_it_on_the_server(
    settings, monkeypatch, alice
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    settings.STUDIO_ENV_CREDENTIALS = ["OPENAI_API_KEY@api.openai.com"]
    connector = api_key_connector("https://api.openai.com", "{{OPENAI_API_KEY}}")
    page = client_for(alice).get(connector.get_absolute_url()).content.decode()
    assert "set the environment variable OPENAI_API_KEY on the server" in page
    assert "Create credential OPENAI_API_KEY" not in page


@pytest.mark.parametrize("name", ["SECRET_KEY", "DATABASE_URL", "PATH", "HOME"])
def test_unlisted_environment_variables_never_resolve(
    upstream, settings, monkeypatch, name
) -> None:
    monkeypatch.setenv(name, "leaked-value-123456")
    settings.STUDIO_ENV_CREDENTIALS = ["OPENAI_API_KEY"]
    run = executor.run(make_action(api_key_connector(upstream.url, f"{{{{{name}}}}}")), {}, None)
    assert run.error_kind == "CredentialMissing"
    assert f"credential {name} is not set" in run.error_message
    assert upstream.received == []


def test_a_missing_credential_is_named_on_its_run(upstream) -> None:
    action = make_action(api_key_connector(upstream.url, "Key {{NO_SUCH_KEY}}"))
    run = executor.run(action, {}, None)
    assert run.error_kind == TestRun.ErrorKind.CREDENTIAL_MISSING
    assert TestRun.objects.get(pk=run.pk).missing_credential == "NO_SUCH_KEY"


def test_a_missing_credential_offers_a_link_to_create_it(upstream, alice) -> None:
    action = make_action(api_key_connector(upstream.url, "{{OPENAI_API_KEY}}"))
    html = (
        client_for(alice)
        .post(f"{action.get_absolute_url()}test/", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "credential OPENAI_API_KEY is not set" in html
    assert "/credentials/new/?name=OPENAI_API_KEY" in html


def test_an_input_value_that_looks_like_a_reference_is_sent_as_typed(upstream) -> None:
    make_credential("OPENAI_API_KEY", VALUE)
    connector = make_connector(base_url=upstream.url)
    action = make_action(
        connector,
        headers=[{"key": "X-Note", "value": "{{note}}"}],
        args=[{"name": "note", "example_value": "{{OPENAI_API_KEY}}"}],
    )
    executor.run(action, {"note": "{{OPENAI_API_KEY}}"}, None)
    assert upstream.last.headers["x-note"] == "{{OPENAI_API_KEY}}"


def test_a_host_template_cannot_send_secrets_to_another_host(upstream) -> None:
    connector = api_key_connector("https://{{instance}}.service-now.com", VALUE, name="SNow")
    action = make_action(connector, args=[{"name": "instance"}])
    run = executor.run(action, {"instance": "evil.example.com/x#"}, None)
    assert run.error_kind == "Blocked" and "Nothing was sent" in run.error_message
    run = executor.run(action, {"instance": "attacker.com"}, None)
    assert run.error_kind == "Blocked"


# --- secret common headers -----------------------------------------------------------------------


def test_a_common_header_marked_secret_is_sealed_sent_and_masked(upstream, bob) -> None:
    client = client_for(bob)
    data = connector_post(
        auth_config="NO_AUTH",
        base_url=upstream.url,
        headers_key=["DD-APPLICATION-KEY", "Accept"],
        headers_value=[VALUE, "application/json"],
        headers_kind=["secret", "plain"],
    )
    assert client.post("/new/", data).status_code == 302
    connector = Connector.objects.get()
    assert VALUE not in str(connector.headers)
    edit = client.get("/connectors/OpenAI/edit/").content.decode()
    assert VALUE not in edit and "••••aabb" in edit
    # Saving again with the value left blank keeps it.
    data.update(headers_value=["", "application/json"], description="again")
    assert client.post("/connectors/OpenAI/edit/", data).status_code == 302
    run = executor.run(make_action(Connector.objects.get()), {}, None)
    assert upstream.last.headers["dd-application-key"] == VALUE
    assert dict(run.request_headers)["DD-APPLICATION-KEY"] == "••••aabb"
    assert "$DD_APPLICATION_KEY" in run.request_curl


def test_a_new_secret_header_needs_a_value(bob) -> None:
    data = connector_post(headers_key=["X-Key"], headers_value=[""], headers_kind=["secret"])
    html = client_for(bob).post("/new/", data).content.decode()
    assert "Enter a value for the secret header X-Key." in html
    assert not Connector.objects.exists()


# --- encryption at rest and rotation -------------------------------------------------------------


def test_a_value_no_key_can_decrypt_fails_with_a_clear_message(upstream, settings) -> None:
    action = make_action(api_key_connector(upstream.url, VALUE, name="Locked"))
    settings.STUDIO_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    run = executor.run(action, {}, None)
    assert run.error_kind == "SecretUnreadable"
    assert "connector Locked" in run.error_message and "STUDIO_ENCRYPTION_KEYS" in run.error_message
    assert upstream.received == []


def test_rotation_re_encrypts_everything_and_the_old_key_can_go(upstream, settings) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.STUDIO_ENCRYPTION_KEYS = [old]
    make_credential("TEAM_TOKEN", VALUE)
    connectors = [
        api_key_connector(upstream.url, "{{TEAM_TOKEN}}", name="ByReference"),
        api_key_connector(upstream.url, "sk-literal-5566778899", name="Literal"),
        make_connector(
            "Basic",
            base_url=upstream.url,
            auth_config="BASIC",
            auth_settings={"username": "u"},
            secrets={"password": "pw-1234567890"},
        ),
    ]
    header_connector = make_connector("Header", base_url=upstream.url)
    header_connector.headers = [{"key": "X-Key", "secret": sealing.sealed_field(VALUE, "t")}]
    homes.settle(None, header_connector)
    header_connector.save()
    connectors.append(header_connector)
    # History keeps sealed secrets too (a restore may bring them back): rotation covers them.
    revisions = [history.record(c, Revision.Event.CREATED, None) for c in connectors]

    settings.STUDIO_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_encryption_keys", verbosity=0)
    settings.STUDIO_ENCRYPTION_KEYS = [new]

    for revision in revisions:
        revision.refresh_from_db()
        stored = [*revision.snapshot["auth_secrets"].values()]
        stored += [row["secret"] for row in revision.snapshot["headers"] if "secret" in row]
        assert stored and all(sealing.unseal(s["sealed"]) for s in stored), revision
    Connector.objects.filter(name="Literal").update(auth_secrets={})
    restore.restore(revisions[1], None, with_secrets=True)  # the old secret, readable again

    for connector in connectors:
        connector.refresh_from_db()
        run = executor.run(make_action(connector), {}, None)
        assert (run.status, run.error_kind) == (200, ""), (connector.name, run.error_message)
    assert upstream.received[0].headers["authorization"] == f"Bearer {VALUE}"
    assert upstream.received[3].headers["x-key"] == VALUE


def test_rotation_with_a_missing_key_changes_nothing(settings) -> None:
    settings.STUDIO_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    make_credential("TEAM_TOKEN", VALUE)
    before = Credential.objects.get().sealed
    settings.STUDIO_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(Exception, match="cannot be decrypted"):
        call_command("rotate_encryption_keys", verbosity=0)
    assert Credential.objects.get().sealed == before


def _start_django(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parents[2]
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=root,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "studio.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_debug_the_app_refuses_to_start_without_keys() -> None:
    result = _start_django({"DEBUG": "false", "SECRET_KEY": "x" * 50, "STUDIO_ENCRYPTION_KEYS": ""})
    assert result.returncode != 0
    assert "STUDIO_ENCRYPTION_KEYS is empty" in result.stderr


def test_the_app_refuses_a_malformed_key() -> None:
    result = _start_django(
        {"DEBUG": "false", "SECRET_KEY": "x" * 50, "STUDIO_ENCRYPTION_KEYS": "not-a-key"}
    )
    assert result.returncode != 0
    assert "Key 1 of STUDIO_ENCRYPTION_KEYS is not a Fernet key" in result.stderr
    assert "not-a-key" not in result.stderr
