"""Export and import of the catalog: versioned JSON, no secrets, a preview, all or nothing."""

from __future__ import annotations

import html
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from connectors.catalog import writes
from connectors.importing import apply
from connectors.importing.readers import catalog as catalog_io_catalog
from connectors.models import Action, Connector, Credential, InputArg, Revision
from connectors.secrets import homes, sealing
from tests.conftest import client_for
from tests.helpers.factories import LOCAL_HOSTS, api_key_connector, make_action, make_connector
from tests.helpers.previewed import import_catalog, shown_digest

pytestmark = pytest.mark.django_db

LITERAL = "sk-literal-never-exported-123456"


def build_catalog() -> None:
    Credential.objects.create(
        allowed_hosts=LOCAL_HOSTS, name="OPENAI_API_KEY", sealed=sealing.seal("x" * 20), hint=""
    )
    openai = api_key_connector("https://api.openai.com", "{{OPENAI_API_KEY}}", name="OpenAI")
    openai.display_name, openai.description = "OpenAI", "Models and chat"
    openai.headers = [
        {"key": "OpenAI-Beta", "value": "assistants=v2"},
        {"key": "X-Org", "secret": sealing.sealed_field("{{OPENAI_ORG}}", "bob")},
        {"key": "X-Literal", "secret": sealing.sealed_field(LITERAL, "bob")},
    ]
    homes.settle(None, openai)
    openai.save()
    make_action(
        openai,
        "list_models",
        output_schema={"type": "object"},
        checks=[{"type": "jsonpath", "op": "exists", "path": "$.data"}, {"type": "schema"}],
    )
    make_action(
        openai,
        "create_chat",
        method="POST",
        path="/v1/chat/completions",
        headers=[{"key": "Content-Type", "value": "application/json"}],
        body='{"model": "{{model}}"}',
        args=[
            {"name": "model", "example_value": "gpt-4o", "required": True},
            {"name": "count", "data_type": "number", "description": "How many"},
        ],
    )
    make_connector(
        "Greenhouse",
        base_url="https://harvest.greenhouse.io",
        auth_config="BASIC",
        auth_settings={"username": "{{GREENHOUSE_KEY}}"},
        secrets={"password": LITERAL},
        timeout_seconds=60,
        verify_tls=False,
    )


def export_text(*names: str) -> str:
    out = io.StringIO()
    call_command("export_catalog", *names, stdout=out)
    return out.getvalue()


def connectors_of(text: str) -> list[dict]:
    return json.loads(text)["connectors"]


def less_secret_values(connectors: list[dict]) -> list[dict]:
    """The catalog without the literal secrets an export drops (references stay)."""
    result = []
    for c in connectors:
        references = {k: v for k, v in c["secret_references"].items() if v is not None}
        headers = [h for h in c["headers"] if h.get("secret", "") is not None]
        result.append({**c, "secret_references": references, "headers": headers})
    return result


def test_export_then_import_into_an_empty_database_gives_the_same_catalog(tmp_path) -> None:
    build_catalog()
    path = tmp_path / "catalog.json"
    call_command("export_catalog", "-o", str(path), stderr=io.StringIO())
    before = path.read_text()
    document = json.loads(before)
    assert document["format"] == "connector-studio-catalog" and document["version"] == 1
    assert document["credentials"] == ["OPENAI_API_KEY"]
    assert LITERAL not in before and "sealed" not in before and "gAAAAA" not in before

    Connector.objects.all().delete()
    Credential.objects.all().delete()
    assert not Action.objects.exists() and not InputArg.objects.exists()
    call_command("import_catalog", str(path), stdout=io.StringIO())

    assert connectors_of(export_text()) == less_secret_values(document["connectors"])
    assert document["connectors"] != less_secret_values(document["connectors"])
    openai = Connector.objects.get(name="OpenAI")
    assert sealing.unseal(openai.auth_secrets["api_key"]["sealed"]) == "{{OPENAI_API_KEY}}"
    # The secret values themselves stay behind: a dropped literal is simply not set.
    assert "password" not in Connector.objects.get(name="Greenhouse").auth_secrets
    assert [h["key"] for h in openai.headers] == ["OpenAI-Beta", "X-Org"]
    chat = openai.actions.get(name="create_chat")
    assert [(a.name, a.data_type, a.required) for a in chat.input_args.all()] == [
        ("model", "string", True),
        ("count", "number", False),
    ]
    assert Revision.objects.filter(event="created", note="Imported").count() == 4


def test_the_export_names_references_and_marks_dropped_literals() -> None:
    build_catalog()
    openai, greenhouse = sorted(connectors_of(export_text()), key=lambda c: c["name"])[::-1]
    assert openai["secret_references"] == {"api_key": "{{OPENAI_API_KEY}}"}
    assert openai["headers"] == [
        {"key": "OpenAI-Beta", "value": "assistants=v2"},
        {"key": "X-Org", "secret_reference": "{{OPENAI_ORG}}"},
        {"key": "X-Literal", "secret": None},
    ]
    assert greenhouse["secret_references"] == {"password": None}
    assert [c["name"] for c in connectors_of(export_text("Greenhouse"))] == ["Greenhouse"]
    with pytest.raises(CommandError, match="No connector named Nope"):
        export_text("Nope")


def changed_file() -> str:
    document = json.loads(export_text())
    openai, greenhouse = document["connectors"][1], document["connectors"][0]
    assert (openai["name"], greenhouse["name"]) == ("OpenAI", "Greenhouse")
    greenhouse["description"] = "Changed elsewhere"
    openai["actions"].append({**openai["actions"][0], "name": "list_files", "path": "/v1/files"})
    document["connectors"].append({**greenhouse, "name": "Workday", "actions": []})
    return json.dumps(document)


def test_the_preview_lists_creates_updates_and_conflicts_and_writes_nothing(alice) -> None:
    build_catalog()
    text = changed_file()
    revisions = Revision.objects.count()
    response = client_for(alice).post("/import/", {"text": text})
    html = response.content.decode()
    assert "Create, with 0 actions" in html  # Workday
    assert "Update: add action list_files" in html  # OpenAI
    assert "Conflict: a connector named Greenhouse differs" in html
    assert "Fields that differ: Description" in html
    assert "Secrets not in the file, to set after import: Password" in html
    assert not Connector.objects.filter(name="Workday").exists()
    assert Revision.objects.count() == revisions


def test_a_conflict_is_skipped_by_default_and_overwritten_when_chosen(alice) -> None:
    build_catalog()
    text = changed_file()
    client = client_for(alice)
    response = import_catalog(client, text, follow=True)
    assert "1 created, 1 updated, 0 overwritten, 1 skipped" in response.content.decode()
    assert Connector.objects.get(name="Greenhouse").description == ""
    assert Action.objects.filter(name="list_files").exists()
    assert Connector.objects.filter(name="Workday").exists()

    import_catalog(client, text, {"choice-Greenhouse": "overwrite"})
    greenhouse = Connector.objects.get(name="Greenhouse")
    assert greenhouse.description == "Changed elsewhere" and greenhouse.version == 2
    # Overwriting never drops a literal secret the file could not carry.
    assert sealing.unseal(greenhouse.auth_secrets["password"]["sealed"]) == LITERAL


def test_import_refuses_and_shows_the_preview_again_when_the_catalog_changed_since(alice) -> None:
    build_catalog()
    text = changed_file()
    client = client_for(alice)
    preview = client.post("/import/", {"text": text}).content.decode()
    digest = shown_digest(preview)
    make_connector(name="Workday")  # the file's new connector, created by someone meanwhile

    response = client.post("/import/apply/", {"document": text, "digest": digest})

    assert response.status_code == 409
    assert "differs from the preview you saw" in response.content.decode()
    assert not Action.objects.filter(name="list_files").exists()  # nothing was written
    shown = shown_digest(response.content.decode())
    done = client.post("/import/apply/", {"document": text, "digest": shown}, follow=True)
    assert "0 created, 1 updated" in done.content.decode()


def test_import_applies_all_or_nothing(alice, monkeypatch) -> None:
    build_catalog()
    document = json.loads(export_text())
    for connector in document["connectors"]:
        connector["name"] += "Copy"

    def fail(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(writes, "create_actions", fail)
    with pytest.raises(RuntimeError):
        apply.apply_catalog(catalog_io_catalog.parse(json.dumps(document)), {}, alice)
    assert not Connector.objects.filter(name__endswith="Copy").exists()
    assert not Revision.objects.exists()


def test_it_refuses_another_format_a_newer_version_and_invalid_content(alice) -> None:
    client = client_for(alice)
    cases = {
        "not json": "This is not JSON",
        '{"format": "other"}': "This is not a Connector Studio catalog",
        '{"format": "connector-studio-catalog", "version": 2, "connectors": []}': "version 2",
        json.dumps(
            {
                "format": "connector-studio-catalog",
                "version": 1,
                "connectors": [{"name": "ok", "base_url": "ftp://x"}],
            }
        ): "Enter a URL starting with http",
        json.dumps(
            {
                "format": "connector-studio-catalog",
                "version": 1,
                "connectors": [
                    {
                        "name": "ok",
                        "base_url": "https://api.example.com",
                        "actions": [{"name": "a", "checks": [{"type": "time", "value": "soon"}]}],
                    }
                ],
            }
        ): "ok.actions[0].checks[0].value: Give a time in milliseconds",
    }
    for text, message in cases.items():
        response = client.post("/import/", {"text": text})
        assert response.status_code == 400
        assert message in response.content.decode(), text
    assert not Connector.objects.exists()


def test_an_uploaded_file_is_read_too(alice) -> None:
    build_catalog()
    upload = io.BytesIO(changed_file().encode())
    upload.name = "catalog.json"
    response = client_for(alice).post("/import/", {"file": upload})
    assert "Update: add action list_files" in response.content.decode()


def test_only_admins_import_and_everyone_who_browses_exports(bob, carol) -> None:
    build_catalog()
    for user in (bob, carol):
        assert client_for(user).get("/import/").status_code == 403
        assert client_for(user).post("/import/apply/", {"document": "{}"}).status_code == 403
    response = client_for(carol).get("/export/?scope=all")
    assert response["Content-Disposition"].startswith('attachment; filename="connector-studio')
    assert len(json.loads(response.content)["connectors"]) == 2


def test_the_catalog_exports_the_chosen_or_all_matching_the_filter(carol) -> None:
    build_catalog()
    client = client_for(carol)
    chosen = client.get("/export/?scope=selected&name=Greenhouse")
    assert [c["name"] for c in json.loads(chosen.content)["connectors"]] == ["Greenhouse"]
    matching = client.get("/export/?scope=all&auth=API_KEY")
    assert [c["name"] for c in json.loads(matching.content)["connectors"]] == ["OpenAI"]
    page = client.get("/?auth=BASIC").content.decode()
    assert (
        'form="export-form"' in page and '<input type="hidden" name="auth" value="BASIC">' in page
    )
    assert client.get("/export/?scope=selected").status_code == 302  # nothing chosen


def test_the_import_command_dry_run_writes_nothing_and_overwrite_overwrites(tmp_path) -> None:
    build_catalog()
    path = Path(tmp_path / "changed.json")
    path.write_text(changed_file())
    out = io.StringIO()
    call_command("import_catalog", str(path), "--dry-run", stdout=out)
    assert "conflict (skip)" in out.getvalue() and "Dry run: nothing was written." in out.getvalue()
    assert not Connector.objects.filter(name="Workday").exists()
    call_command("import_catalog", str(path), "--overwrite", stdout=io.StringIO())
    assert Connector.objects.get(name="Greenhouse").description == "Changed elsewhere"
    with pytest.raises(CommandError, match="Nothing was imported"):
        path.write_text("[]")
        call_command("import_catalog", str(path))


def test_import_without_a_preview_shows_the_preview_and_writes_nothing(alice) -> None:
    build_catalog()
    text = changed_file()
    client = client_for(alice)

    response = client.post("/import/apply/", {"document": text})

    page = response.content.decode()
    assert response.status_code == 409 and "this request came without one" in page
    assert not Connector.objects.filter(name="Workday").exists()  # nothing was written
    done = client.post("/import/apply/", {"document": text, "digest": shown_digest(page)})
    assert done.status_code == 302 and Connector.objects.filter(name="Workday").exists()


def test_a_refused_import_keeps_the_file_in_the_box_above_its_preview(alice) -> None:
    build_catalog()
    text = changed_file()

    response = client_for(alice).post("/import/apply/", {"document": text})

    box = response.content.decode().split('id="import-text"', 1)[1].split("</textarea>", 1)[0]
    assert html.unescape(box.split(">", 1)[1]) == text
