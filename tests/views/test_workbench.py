"""The action page's request edited in place, without JavaScript: plain POSTs."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from connectors.models import Action, ActionDraft, Revision, TestRun
from tests.conftest import client_for
from tests.helpers.factories import bench_post, make_action, make_connector
from tests.helpers.upstream import Reply, Upstream

pytestmark = pytest.mark.django_db


@pytest.fixture
def action(upstream: Upstream) -> Action:
    upstream.reply = Reply(body=json.dumps({"data": [{"id": "a"}, {"id": "b"}]}).encode())
    return make_action(make_connector(base_url=upstream.url), path="/v1/models")


def test_it_tests_the_draft_on_the_screen_and_keeps_it(bob, action, upstream) -> None:
    client = client_for(bob)
    data = bench_post(path="/v2/{{kind}}", args=[{"name": "kind"}], **{"in-kind": "cats"})
    response = client.post(f"{action.get_absolute_url()}test/", data)
    run = TestRun.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"?run={run.pk}")
    assert upstream.last.path == "/v2/cats"
    assert run.draft["path"] == "/v2/{{kind}}" and run.draft["input_args"][0]["name"] == "kind"
    assert Action.objects.get(pk=action.pk).path == "/v1/models"
    draft = ActionDraft.objects.get(action=action, user=bob)
    assert draft.posted["path"] == ["/v2/{{kind}}"]
    page = client.get(action.get_absolute_url()).content.decode()
    assert 'value="/v2/{{kind}}"' in page and "Unsaved changes" in page


def test_it_sends_the_saved_action_without_a_draft_when_nothing_changed(bob, action) -> None:
    client_for(bob).post(f"{action.get_absolute_url()}test/", bench_post())
    assert TestRun.objects.get().draft is None
    assert not ActionDraft.objects.exists()


def test_it_shows_every_error_at_once_and_sends_nothing(bob, action, upstream) -> None:
    data = bench_post(path="/{{ghost}}", headers_key=["Bad Header"], headers_value=["x"])
    data["body"] = '{"a": '
    page = client_for(bob).post(f"{action.get_absolute_url()}test/", data).content.decode()
    assert "{{ghost}} is used but not declared" in page
    assert "Add {{ghost}} as an input arg" in page
    assert "is not valid JSON" in page
    assert "Fix 3 problems" in page
    assert upstream.received == [] and not TestRun.objects.exists()


def test_it_adds_an_undeclared_name_as_an_input_arg(bob, action) -> None:
    client = client_for(bob)
    data = bench_post(path="/v1/{{model}}", add_arg="model")
    response = client.post(f"{action.get_absolute_url()}draft/", data)
    assert response.status_code == 302
    posted = ActionDraft.objects.get().posted
    assert posted["args-0-name"] == ["model"] and posted["args-TOTAL_FORMS"] == ["1"]
    page = client.get(action.get_absolute_url()).content.decode()
    assert 'name="in-model"' in page and "Add {{model}}" not in page


def test_it_splits_a_pasted_url_into_path_and_params(bob, action, upstream) -> None:
    data = bench_post(path=f"{upstream.url}/v1/search?q=cats&page=2")
    client_for(bob).post(f"{action.get_absolute_url()}draft/", data)
    posted = ActionDraft.objects.get().posted
    assert posted["path"] == ["/v1/search"]
    assert posted["query_params_key"] == ["q", "page"]
    assert posted["query_params_value"] == ["cats", "2"]


def test_it_splits_a_pasted_curl_command_and_leaves_its_credentials_out(bob, action) -> None:
    command = (
        f"curl -X POST '{action.connector.base_url}/v1/items?x=1' "
        "-H 'Authorization: Bearer sk-live-abcdef0123456789' -H 'X-Trace: on' --data-raw 'a=1'"
    )
    page = client_for(bob).post(
        f"{action.get_absolute_url()}draft/", bench_post(path=command), HTTP_HX_REQUEST="true"
    )
    html = page.content.decode()
    assert "credentials were left out" in html and "sk-live-abcdef0123456789" not in html
    posted = ActionDraft.objects.get().posted
    assert posted["method"] == ["POST"] and posted["path"] == ["/v1/items"]
    assert posted["headers_key"] == ["X-Trace", "Content-Type"]
    assert posted["body"] == ["a=1"]
    assert "sk-live-abcdef0123456789" not in json.dumps(posted)


def test_it_saves_the_draft_with_a_new_version_and_history(bob, action) -> None:
    client = client_for(bob)
    data = bench_post(method="POST", path="/v1/things", version=str(action.version))
    client.post(f"{action.get_absolute_url()}draft/", data)
    response = client.post(f"{action.get_absolute_url()}draft/save/", data)
    assert response.status_code == 302
    saved = Action.objects.get(pk=action.pk)
    assert (saved.method, saved.path, saved.version) == ("POST", "/v1/things", 2)
    assert Revision.objects.filter(object_id=action.pk, event="changed").count() == 1
    assert not ActionDraft.objects.exists()


def test_it_refuses_a_save_over_a_newer_version(bob, alice, action) -> None:
    Action.objects.filter(pk=action.pk).update(version=5)
    data = bench_post(path="/v1/mine", version="1")
    page = client_for(bob).post(f"{action.get_absolute_url()}draft/save/", data)
    assert "while you were editing it" in page.content.decode()
    assert Action.objects.get(pk=action.pk).path == "/v1/models"


def test_it_discards_the_draft(bob, action) -> None:
    client = client_for(bob)
    client.post(f"{action.get_absolute_url()}draft/", bench_post(path="/v9"))
    assert ActionDraft.objects.exists()
    client.post(f"{action.get_absolute_url()}draft/discard/")
    assert not ActionDraft.objects.exists()
    assert 'value="/v1/models"' in client.get(action.get_absolute_url()).content.decode()


def test_it_keeps_one_draft_per_user(bob, alice, action) -> None:
    client_for(bob).post(f"{action.get_absolute_url()}draft/", bench_post(path="/bob"))
    page = client_for(alice).get(action.get_absolute_url()).content.decode()
    assert 'value="/v1/models"' in page and "Unsaved changes" not in page


def test_the_action_page_looks_for_a_draft_in_the_query_that_reads_the_action(bob, action):
    client = client_for(bob)
    client.get(action.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        page = client.get(action.get_absolute_url()).content.decode()
    assert 'value="/v1/models"' in page and "Unsaved changes" not in page
    # The README's count: the user, the action (its connector and the user's draft with it),
    # its input args and its recent runs.
    assert len(queries) == 4, "\n".join(q["sql"][:150] for q in queries)
    assert "connectors_actiondraft" in queries[1]["sql"]


def test_a_viewer_sees_the_request_read_only_and_cannot_keep_a_draft(carol, action) -> None:
    client = client_for(carol)
    page = client.get(action.get_absolute_url()).content.decode()
    assert 'value="/v1/models"' in page and '<fieldset class="plain" disabled>' in page
    for url in ("draft/", "draft/save/", "draft/discard/", "test/"):
        assert client.post(f"{action.get_absolute_url()}{url}", bench_post()).status_code == 403
    assert not ActionDraft.objects.exists()


def test_it_filters_the_json_body_with_jsonpath(bob, action) -> None:
    client = client_for(bob)
    client.post(f"{action.get_absolute_url()}test/", bench_post())
    run = TestRun.objects.get()
    url = f"{action.get_absolute_url()}runs/{run.pk}/filter/"
    html = client.get(url, {"jsonpath": "$.data[*].id"}).content.decode()
    assert "2 matches" in html and "&quot;a&quot;" in html
    bad = client.get(url, {"jsonpath": "$.[["}).content.decode()
    assert "This is not a JSONPath" in bad
    # Without JavaScript the same filter is a GET of the page.
    page = client.get(action.get_absolute_url(), {"run": run.pk, "jsonpath": "$.data[0].id"})
    assert "1 match " in page.content.decode()


def test_the_html_preview_is_served_in_a_sandbox(bob, upstream) -> None:
    upstream.reply = Reply(headers={"Content-Type": "text/html"}, body=b"<script>x()</script>")
    action = make_action(make_connector(base_url=upstream.url), path="/")
    client = client_for(bob)
    client.post(f"{action.get_absolute_url()}test/", bench_post(path="/"))
    run = TestRun.objects.get()
    page = client.get(f"{action.get_absolute_url()}?run={run.pk}").content.decode()
    assert 'sandbox=""' in page and f"runs/{run.pk}/preview/" in page
    response = client.get(f"{action.get_absolute_url()}runs/{run.pk}/preview/")
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_it_shows_the_timing_the_network_door_measured(bob, action) -> None:
    client = client_for(bob)
    client.post(f"{action.get_absolute_url()}test/", bench_post())
    run = TestRun.objects.get()
    assert set(run.timing) >= {"dns", "connect", "tls", "first_byte", "download"}
    page = client.get(f"{action.get_absolute_url()}?run={run.pk}").content.decode()
    assert "Time to first byte" in page and "<meter" in page
