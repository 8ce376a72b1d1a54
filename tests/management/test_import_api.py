"""python manage.py import_api: prints the plan, writes only with --apply, exit status says."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from connectors.models import Action, Connector, Revision
from tests.helpers.upstream import Reply
from tests.views.test_importing_api import BOMB_REFUSED, DESCRIPTIONS, yaml_bomb

pytestmark = pytest.mark.django_db
PETS = str(DESCRIPTIONS / "petstore-3.0.yaml")
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_api", *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_plan_and_writes_nothing_without_apply() -> None:
    out = run(PETS)
    assert "Source: file petstore-3.0.yaml (OpenAPI 3.0)" in out
    assert "Connector: pet_store (new connector)" in out
    assert "create  list_pets" in out
    assert "skipped HEAD /pets" in out
    assert "Actions: 5 to create, 0 to update, 0 to skip." in out
    assert "Credentials to set (an Admin creates them): PET_STORE_API_KEY for 127.0.0.1" in out
    assert "Dry run: nothing was written" in out
    assert not Connector.objects.exists()


def test_it_applies_with_apply_into_the_named_connector_and_base_url() -> None:
    out = run(PETS, "--apply", "--connector", "pets", "--base-url", "https://staging.pets.test/v1")
    assert "Imported into pets: 5 created, 0 updated, 0 skipped." in out
    connector = Connector.objects.get(name="pets")
    assert connector.base_url == "https://staging.pets.test/v1"
    assert Revision.objects.filter(kind="action", event="created").count() == 5
    again = run(PETS, "--connector", "pets")
    assert "Connector: pets (existing connector)" in again
    assert "Actions: 0 to create, 0 to update, 5 to skip." in again


def test_it_reads_a_url_through_the_outbound_door(upstream) -> None:
    upstream.reply = Reply(body=(DESCRIPTIONS / "postman-v2.0.json").read_bytes())
    out = run(upstream.url + "/collection.json")
    assert f"Source: URL {upstream.url}/collection.json (Postman Collection v2.0)" in out


def test_bad_input_fails_with_a_sentence(tmp_path) -> None:
    with pytest.raises(CommandError, match="Cannot read .*nope.json: No such file"):
        call_command("import_api", str(tmp_path / "nope.json"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.0.0\npaths:\n  /a: {get: {parameters: [{$ref: '#/x'}]}}\n")
    with pytest.raises(CommandError, match="The \\$ref #/x at #/paths/~1a/get/parameters/0"):
        call_command("import_api", str(broken), "--apply")
    assert not Connector.objects.exists()


def test_a_yaml_alias_bomb_is_refused_with_its_budget(tmp_path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(yaml_bomb())
    with pytest.raises(CommandError, match=BOMB_REFUSED) as refused:
        call_command("import_api", str(bomb), "--apply")
    assert "at most 1,000,000" in str(refused.value)
    assert not Connector.objects.exists()


def test_its_exit_status_says_whether_it_could(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"openapi": "3.0.0", "info": {"title": "x"}}')
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEBUG": "true",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    failed = subprocess.run(
        [*manage, "import_api", str(bad)], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert failed.returncode == 1
    assert "#/paths is missing" in failed.stderr
    ok = subprocess.run(
        [*manage, "import_api", PETS, "--apply"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert "Imported into pet_store" in ok.stdout


def test_importing_a_description_again_keeps_the_actions_checks() -> None:
    run(PETS, "--apply", "--connector", "pets")
    Action.objects.update(checks=[{"type": "schema"}])
    again = run(PETS, "--apply", "--connector", "pets")
    assert "0 created, 0 updated, 5 skipped" in again
    kept = list(Action.objects.values_list("checks", flat=True))
    assert kept == [[{"type": "schema"}]] * 5
