"""The cURL corpus (tests/data/curl_corpus.toml) against the real curl binary.

For each command: curl sends it to a local echo server; the same command goes through Import cURL
(preview, then Create) and its action's Test (executor.run) goes to the same server; the two
recorded requests are compared (tests/curl_oracle.py). Each command's outcome is recorded in the
corpus: exact, equivalent (with the named differences, all in curl_oracle.ALLOWED) or refused
(with the message a user reads). A change in any outcome fails here; the counts are printed at
the end of the run.
"""

from __future__ import annotations

import shutil

import pytest

from connectors.engine import executor
from connectors.models import Action, Credential
from tests.conftest import client_for
from tests.helpers import curl_oracle
from tests.helpers.factories import make_credential

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl binary"),
]

ENTRIES, ENV, FILES = curl_oracle.load()


def test_the_corpus_is_large_and_varied() -> None:
    assert len(ENTRIES) >= 80
    assert len({e.id for e in ENTRIES}) == len(ENTRIES)
    sources = {e.source for e in ENTRIES}
    assert {"chrome-bash", "chrome-cmd", "docs", "postman"} <= sources
    for entry in ENTRIES:
        assert entry.expect in {"exact", "equivalent", "refused"}, entry.id
        assert set(entry.differences) <= set(curl_oracle.ALLOWED), entry.id
        assert bool(entry.differences) == (entry.expect == "equivalent"), entry.id
        assert bool(entry.refusal) == (entry.expect == "refused"), entry.id


def _import(client, command: str):
    """Import cURL's own preview and Create; the action, or the message the user reads."""
    previewed = client.post("/import-curl/", {"command": command, "preview": "1"})
    plan = previewed.context["plan"]
    if plan is None:
        errors = previewed.context["form"].errors
        return None, " ".join(str(e) for field in errors.values() for e in field), []
    data = previewed.context["form"].data.copy()
    data.pop("preview", None)
    data["create"] = "1"
    created = client.post("/import-curl/", data)
    assert created.status_code == 302, created.content.decode()[:2000]
    return Action.objects.get(), "", plan.notes


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_it_sends_what_curl_sends(entry, upstream, alice, tmp_path) -> None:
    # An Admin imports: a key curl sends as a Username becomes a team credential (a Developer's
    # import leaves it to an Admin, tests/test_team_credentials.py).
    command = curl_oracle.rewrite(entry.command, upstream.url)
    for name, content in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content, encoding="utf-8")
    curl_oracle.run_curl(entry, command, upstream.port, tmp_path, ENV)
    by_curl = upstream.received[-1] if upstream.received else None

    action, refusal, notes = _import(client_for(alice), command)
    if action is None:
        outcome = ("refused", [], refusal)
    else:
        assert by_curl is not None, f"curl sent nothing for {entry.id}"
        for name in ENV:  # the team credentials the command refers to
            if not Credential.objects.filter(name=name).exists():
                make_credential(name, ENV[name])  # may go to the local server
        inputs = {arg.name: ENV.get(arg.name, "") for arg in action.input_args.all()}
        run = executor.run(action, inputs, alice)
        assert run.error_kind == "", f"{entry.id}: {run.error_kind} {run.error_message}"
        reads_file = any("reads a file" in n or "-F file field" in n for n in notes)
        differences = curl_oracle.compare(by_curl, upstream.received[-1], reads_file)
        kind = "exact" if not differences else "equivalent"
        outcome = (kind, differences, "")
    curl_oracle.RESULTS[entry.id] = (entry.source, *outcome)

    assert outcome[0] == entry.expect, f"{entry.id}: {outcome}"
    assert outcome[1] == entry.differences, f"{entry.id}: {outcome}"
    assert entry.refusal in outcome[2], f"{entry.id}: {outcome}"
