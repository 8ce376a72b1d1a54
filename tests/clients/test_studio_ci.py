"""The CI client as a pipeline runs it: a subprocess against a live studio, a worker beside it."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from urllib.request import urlopen

import pytest

from connectors.secrets import tokens
from tests.helpers.ci_client import CLIENT, studio_ci
from tests.helpers.factories import make_action, make_connector
from tests.helpers.upstream import Received, Reply

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalog(upstream) -> None:
    shop = make_connector("Shop", base_url=upstream.url)
    make_action(shop, "list_pets", path="/pets", tags=["pets"])
    make_action(shop, "get_pet", path="/pets/7", tags=["pets"])
    make_action(shop, "missing", path="/missing")

    def answer(got: Received) -> Reply:
        return Reply(status=404, body=b'{"error": "no"}') if "missing" in got.path else Reply()

    upstream.handler = answer


@pytest.fixture
def token(bob) -> str:
    return tokens.issue(bob, "ci", 1)[1]


def test_it_exits_0_when_every_action_passed_and_writes_junit(
    live_server, catalog, token, tmp_path
) -> None:
    junit = tmp_path / "junit.xml"
    done = studio_ci(
        "--server", live_server.url, "--tag", "pets", "--junit", str(junit), token=token
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Started suite run ")
    assert any(line.startswith("PASS   Shop.list_pets") for line in lines)
    assert "2 actions: 2 passed, 0 failed, 0 errored." in done.stdout
    cases = [case.get("name") for case in ET.parse(junit).getroot().iter("testcase")]
    assert sorted(cases) == ["get_pet", "list_pets"]


def test_it_exits_1_when_a_check_failed(live_server, catalog, token, tmp_path) -> None:
    junit = tmp_path / "junit.xml"
    server = live_server.url
    done = studio_ci("--server", server, "--connector", "Shop", "--junit", str(junit), token=token)
    assert done.returncode == 1, done.stderr
    assert "FAIL   Shop.missing" in done.stdout and "The API answered 404." in done.stdout
    assert "3 actions: 2 passed, 1 failed, 0 errored." in done.stdout
    assert ET.parse(junit).getroot().find(".//failure") is not None
    one = studio_ci("--server", server, "--connector", "Shop", "--action", "get_pet", token=token)
    assert one.returncode == 0 and "1 action: 1 passed" in one.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--connector", "Nope"], "422 Unprocessable Content: Invalid input. connector: There is"),
        (["--tag", "birds"], "There is no action to test"),
    ],
)
def test_it_exits_2_when_the_studio_refuses_the_scope(
    live_server, catalog, token, args, says
) -> None:
    done = studio_ci("--server", live_server.url, *args, token=token, worker=False)
    assert done.returncode == 2 and says in done.stderr and done.stdout == ""


def test_it_exits_2_without_a_good_token_or_a_server(live_server, catalog, carol) -> None:
    server = ["--server", live_server.url, "--connector", "Shop"]
    missing = studio_ci(*server, token=None, worker=False)
    assert missing.returncode == 2 and "Set STUDIO_TOKEN" in missing.stderr
    unknown = studio_ci(*server, token="cst_not-a-token", worker=False)
    assert unknown.returncode == 2 and "401 Unauthorized" in unknown.stderr
    viewer = studio_ci(*server, token=tokens.issue(carol, "ci", 1)[1], worker=False)
    assert viewer.returncode == 2 and "403" in viewer.stderr
    # A port where nothing listens, and an address that is not a studio URL at all.
    nobody = studio_ci("--server", "http://127.0.0.1:9", "--tag", "x", token="t", worker=False)
    assert nobody.returncode == 2 and "Could not reach http://127.0.0.1:9/api/v1" in nobody.stderr
    usage = studio_ci("--server", "studio.example", "--tag", "x", token="t", worker=False)
    assert usage.returncode == 2 and "--server is the studio's http(s) address" in usage.stderr
    both = studio_ci(*server, "--tag", "pets", token="t", worker=False)
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


def test_it_exits_2_when_the_suite_run_does_not_finish_in_time(live_server, catalog, token) -> None:
    # No worker runs it: the suite run stays queued.
    server = ["--server", live_server.url, "--connector", "Shop"]
    done = studio_ci(*server, "--timeout", "0.5", token=token, worker=False)
    assert done.returncode == 2
    assert "Timed out after 0.5 s: the suite run is queued (0 of 3 actions done)" in done.stderr


def test_the_studio_serves_the_client_file_as_it_is(live_server) -> None:
    with urlopen(f"{live_server.url}/api/v1/client/studio_ci.py") as answer:
        assert answer.headers["Content-Type"].startswith("text/x-python")
        assert answer.read() == CLIENT.read_bytes()


def test_the_client_imports_nothing_outside_the_standard_library() -> None:
    imported = subprocess.run(
        [sys.executable, "-I", "-c", f"import runpy; runpy.run_path({str(CLIENT)!r})"],
        capture_output=True,
        text=True,
        cwd="/",
    )
    assert "ModuleNotFoundError" not in imported.stderr
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    lines = CLIENT.read_text().splitlines()
    modules = {
        line.split()[1].split(".")[0] for line in lines if line.startswith(("import ", "from "))
    }
    assert modules <= stdlib
