"""Stored last runs, retention (prune_runs, pruning on store) and the Keep button."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connectors.catalog import versions
from connectors.engine import checks, executor, runs
from connectors.models import Action, Connector, TestRun
from tests.conftest import client_for
from tests.helpers.factories import connector_post, make_action, make_connector
from tests.helpers.upstream import Reply

pytestmark = pytest.mark.django_db


def stored(action: Action, status: int | None = 200, error: str = "") -> TestRun:
    """A run stored the app's way, now."""
    run = TestRun(action=action, request_method="GET", status=status, error_kind=error)
    return runs.store(checks.judge(run, action))


def loaded(action: Action, days_ago: float, status: int | None = 200) -> TestRun:
    """A run stored `days_ago`, as a restore or bulk load writes it, then refresh_last_runs."""
    run = TestRun.objects.create(action=action, request_method="GET", status=status)
    run.created_at = timezone.now() - timedelta(days=days_ago)
    TestRun.objects.filter(pk=run.pk).update(created_at=run.created_at)
    runs.refresh_actions([action.pk])
    return run


def last_run(obj: Action | Connector) -> tuple:
    obj.refresh_from_db()
    return (obj.last_run_at, obj.last_run_status, obj.last_run_error)


def newest_run_of(obj: Action | Connector) -> tuple:
    """What the badges used to compute: the newest run, searched for."""
    lookup = {"action": obj} if isinstance(obj, Action) else {"action__connector": obj}
    run = TestRun.objects.filter(**lookup).order_by("-created_at", "-id").first()
    return (run.created_at, run.status, run.error_kind) if run else (None, None, "")


def test_it_stores_a_tests_run_as_its_actions_and_connectors_last(upstream, bob) -> None:
    connector = make_connector(base_url=upstream.url)
    action = make_action(connector)
    upstream.reply = Reply(status=503, body=b"down")
    run = executor.run(action, {}, bob)
    assert last_run(action) == (run.created_at, 503, "")
    assert last_run(connector) == (run.created_at, 503, "")
    upstream.reply = Reply(body=b"{}")
    run = executor.run(action, {}, bob)
    assert last_run(connector) == (run.created_at, 200, "") == newest_run_of(connector)


def test_a_failure_before_a_response_is_stored_with_its_kind(bob, settings) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = []
    action = make_action(make_connector(base_url="http://127.0.0.1:9"))
    run = executor.run(action, {}, bob)
    assert last_run(action) == (run.created_at, None, "Blocked")
    assert last_run(action.connector) == (run.created_at, None, "Blocked")


def test_the_connectors_last_run_is_the_newest_of_any_action() -> None:
    connector = make_connector()
    first, second = make_action(connector, "first"), make_action(connector, "second")
    stored(first, 500)
    stored(second, 200)
    assert last_run(connector)[1:] == (200, "")
    stored(first, None, "Timeout")
    assert last_run(connector) == newest_run_of(connector)
    assert last_run(connector)[1:] == (None, "Timeout")
    assert last_run(second)[1:] == (200, "")


def test_an_older_run_committed_later_does_not_replace_a_newer_last_run() -> None:
    action = make_action(make_connector())
    # A slower Test that started first commits after a newer run was recorded.
    newer = (timezone.now() + timedelta(seconds=5), 200, "")
    Action.objects.filter(pk=action.pk).update(
        last_run_at=newer[0], last_run_status=200, last_run_error=""
    )
    stored(action, 500)
    assert last_run(action) == newer


def test_deleting_an_action_gives_its_connector_the_other_actions_last_run(bob) -> None:
    connector = make_connector()
    kept, deleted = make_action(connector, "kept"), make_action(connector, "deleted")
    loaded(kept, 1, 200)
    stored(deleted, 500)
    assert last_run(connector)[1] == 500
    response = client_for(bob).post(f"{deleted.get_absolute_url()}delete/")
    assert response.status_code == 302
    assert last_run(connector) == newest_run_of(connector) == last_run(kept)
    make_action(connector, "deleted").delete()  # an action without runs: nothing changes
    assert last_run(connector)[1] == 200


def test_deleting_the_only_tested_action_leaves_the_connector_never_tested() -> None:
    connector = make_connector()
    action = make_action(connector)
    stored(action)
    action.delete()
    assert last_run(connector) == (None, None, "")


def test_deleting_a_run_in_the_admin_keeps_the_last_run_right(alice) -> None:
    alice.is_staff = True
    alice.save()
    action = make_action(make_connector())
    older = loaded(action, 1, 200)
    newest = stored(action, 500)
    client = client_for(alice)
    response = client.post(f"/admin/connectors/testrun/{newest.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert last_run(action) == (older.created_at, 200, "") == last_run(action.connector)
    response = client.post(
        "/admin/connectors/testrun/",
        {"action": "delete_selected", "_selected_action": [older.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert last_run(action) == (None, None, "") == last_run(action.connector)


def test_refresh_last_runs_recomputes_every_action_and_connector() -> None:
    connectors = [make_connector(f"C{i}") for i in range(3)]
    actions = [make_action(c, f"a{j}") for c in connectors[:2] for j in range(2)]
    # A bulk load: rows written without the app, so no last run is known yet.
    TestRun.objects.bulk_create(
        TestRun(action=a, request_method="GET", status=200 + 100 * (i % 3))
        for i, a in enumerate(actions * 2)
    )
    Action.objects.update(last_run_at=None, last_run_status=None, last_run_error="")
    out = io.StringIO()
    call_command("refresh_last_runs", stdout=out)
    assert "Refreshed the last run of 4 actions" in out.getvalue()
    for obj in [*actions, *connectors]:
        assert last_run(obj) == newest_run_of(obj), obj
    assert last_run(connectors[2]) == (None, None, "")


# --- retention -----------------------------------------------------------------------------


def test_prune_runs_removes_old_runs_but_keeps_the_last_n_and_pinned(settings) -> None:
    settings.STUDIO_RUN_RETENTION_DAYS = 30
    settings.STUDIO_RUNS_PER_ACTION = 3
    connector = make_connector()
    busy, quiet = make_action(connector, "busy"), make_action(connector, "quiet")
    old_busy = [loaded(busy, 40 + i) for i in range(5)]
    recent_busy = [loaded(busy, i + 1) for i in range(2)]
    pinned = old_busy[4]
    TestRun.objects.filter(pk=pinned.pk).update(pinned=True)
    old_quiet = [loaded(quiet, 100 + i) for i in range(3)]  # only 3: all kept
    out = io.StringIO()
    call_command("prune_runs", "--batch-size", "2", stdout=out)
    left = set(TestRun.objects.values_list("pk", flat=True))
    # busy: its 3 newest (2 recent + the newest old one) and the pinned one stay.
    assert left == {r.pk for r in [*recent_busy, old_busy[0], pinned, *old_quiet]}
    assert "Removed 3 Test runs older than 30 days" in out.getvalue()
    assert "kept 5 older ones" in out.getvalue()
    assert last_run(busy)[0] == recent_busy[0].created_at  # the newest run never goes


def test_prune_runs_dry_run_removes_nothing(settings) -> None:
    settings.STUDIO_RUNS_PER_ACTION = 1
    action = make_action(make_connector())
    stored(action)
    for days in (200, 300):
        loaded(action, days)
    out = io.StringIO()
    call_command("prune_runs", "--dry-run", stdout=out)
    assert "Would remove 2 Test runs older than 90 days" in out.getvalue()
    assert TestRun.objects.count() == 3
    call_command("prune_runs", stdout=io.StringIO())
    assert TestRun.objects.count() == 1


def test_prune_runs_days_and_keep_options_override_the_settings() -> None:
    action = make_action(make_connector())
    for days in (2, 3, 8, 9):
        loaded(action, days)
    out = io.StringIO()
    call_command("prune_runs", "--days", "6", "--keep", "1", stdout=out)
    assert "Removed 2 Test runs older than 6 days" in out.getvalue()
    assert TestRun.objects.count() == 2


def test_storing_a_run_prunes_that_actions_expired_runs_only(settings) -> None:
    settings.STUDIO_RUN_RETENTION_DAYS = 10
    settings.STUDIO_RUNS_PER_ACTION = 2
    connector = make_connector()
    action, other = make_action(connector, "tested"), make_action(connector, "other")
    old = [loaded(action, 20 + i) for i in range(4)]
    recent = loaded(action, 1)
    TestRun.objects.filter(pk=old[3].pk).update(pinned=True)
    other_old = [loaded(other, 50 + i) for i in range(4)]
    action.runs_since_prune = 2  # this store passes the limit
    new = stored(action)
    # The action keeps its 2 newest (new, recent) and its pinned run; the other is untouched.
    assert set(action.test_runs.values_list("pk", flat=True)) == {new.pk, recent.pk, old[3].pk}
    assert other.test_runs.count() == len(other_old)


def test_storing_prunes_only_once_the_action_passes_its_limit(settings) -> None:
    settings.STUDIO_RUN_RETENTION_DAYS = 10
    settings.STUDIO_RUNS_PER_ACTION = 2
    action = make_action(make_connector())
    old = [loaded(action, 20 + i) for i in range(3)]
    first = stored(action)
    second = stored(action)
    assert action.test_runs.count() == 5  # two stores: not past the 2 it keeps
    third = stored(action)
    assert set(action.test_runs.values_list("pk", flat=True)) == {first.pk, second.pk, third.pk}
    assert len(old) == 3
    action.refresh_from_db()
    assert action.runs_since_prune == 0
    stored(action)
    action.refresh_from_db()
    assert action.runs_since_prune == 1


def test_storing_a_run_writes_each_table_once_and_looks_for_nothing_to_prune() -> None:
    action = make_action(make_connector())
    stored(action)
    with CaptureQueriesContext(connection) as captured:
        stored(action)
    # The INSERT, the action's UPDATE and the connector's (in one transaction), nothing else.
    statements = [q["sql"].split()[0] for q in captured.captured_queries]
    assert [s for s in statements if s in ("INSERT", "UPDATE", "DELETE", "SELECT")] == [
        "INSERT",
        "UPDATE",
        "UPDATE",
    ]


def test_storing_a_run_keeps_recent_runs_beyond_the_limit(settings) -> None:
    settings.STUDIO_RUNS_PER_ACTION = 2
    action = make_action(make_connector())
    for _ in range(4):
        stored(action)
    assert action.test_runs.count() == 4  # younger than the retention period


def unsaved(action: Action, status: int | None = 200, error: str = "") -> TestRun:
    return checks.judge(
        TestRun(action=action, request_method="GET", status=status, error_kind=error), action
    )


def test_runs_stored_at_once_leave_the_last_runs_one_at_a_time_would() -> None:
    shop, depot = make_connector("Shop"), make_connector("Depot")
    pets, toys = make_action(shop, "pets"), make_action(shop, "toys")
    stock = make_action(depot, "stock")
    made = runs.store_many(
        [
            unsaved(pets, 200),
            unsaved(toys, 503),
            unsaved(pets, 500),
            unsaved(stock, None, "Timeout"),
        ]
    )
    assert all(run.pk for run in made)
    for obj in (pets, toys, stock, shop, depot):
        assert last_run(obj) == newest_run_of(obj)
    assert last_run(pets)[1:] == (500, "") and last_run(stock)[1:] == (None, "Timeout")
    pets.refresh_from_db()
    toys.refresh_from_db()
    assert (pets.runs_since_prune, toys.runs_since_prune) == (2, 1)


def test_runs_stored_at_once_write_each_table_once() -> None:
    shop = make_connector("Shop")
    actions = [make_action(shop, f"a{n}") for n in range(10)]
    with CaptureQueriesContext(connection) as captured:
        runs.store_many([unsaved(action) for action in actions])
    statements = [q["sql"].split()[0] for q in captured.captured_queries]
    assert [s for s in statements if s in ("INSERT", "UPDATE", "DELETE", "SELECT")] == [
        "INSERT",
        "UPDATE",
        "UPDATE",
    ]


def test_runs_stored_at_once_never_replace_a_newer_last_run() -> None:
    action = make_action(make_connector())
    newer = (timezone.now() + timedelta(seconds=5), 200, "")
    Action.objects.filter(pk=action.pk).update(
        last_run_at=newer[0], last_run_status=200, last_run_error=""
    )
    runs.store_many([unsaved(action, 500)])
    assert last_run(action) == newer


def test_runs_stored_at_once_prune_an_action_past_its_limit(settings) -> None:
    settings.STUDIO_RUN_RETENTION_DAYS = 10
    settings.STUDIO_RUNS_PER_ACTION = 2
    connector = make_connector()
    action, other = make_action(connector, "tested"), make_action(connector, "other")
    old = [loaded(action, 20 + i) for i in range(3)]
    other_old = [loaded(other, 20 + i) for i in range(3)]
    action.runs_since_prune = 1  # these two stores pass the limit; other's one does not
    made = runs.store_many([unsaved(action), unsaved(other), unsaved(action)])
    assert set(action.test_runs.values_list("pk", flat=True)) == {made[0].pk, made[2].pk}
    assert other.test_runs.count() == len(other_old) + 1 and len(old) == 3
    action.refresh_from_db()
    other.refresh_from_db()
    assert (action.runs_since_prune, other.runs_since_prune) == (0, 1)
    assert last_run(action) == newest_run_of(action)


# --- Keep ----------------------------------------------------------------------------------


def test_a_developer_keeps_a_run_and_retention_spares_it(bob, settings) -> None:
    settings.STUDIO_RUNS_PER_ACTION = 1
    action = make_action(make_connector())
    stored(action)
    kept = loaded(action, 200, 500)
    client = client_for(bob)
    page = client.get(f"{action.get_absolute_url()}?run={kept.pk}").content.decode()
    assert ">Keep</button>" in page
    url = f"{action.get_absolute_url()}runs/{kept.pk}/keep/"
    response = client.post(url, {"keep": "1"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert '<section id="result"' not in html  # swapped into #result (hx-swap innerHTML)
    assert ">Stop keeping</button>" in html and "retention never removes this run" in html
    assert response["HX-Trigger"] == "test-run-recorded"
    assert "kept</small>" in client.get(f"{action.get_absolute_url()}runs/").content.decode()
    call_command("prune_runs", stdout=io.StringIO())
    assert TestRun.objects.filter(pk=kept.pk, pinned=True).exists()
    # Without JavaScript: a plain POST and a redirect back to the run.
    response = client.post(url, {"keep": "0"})
    assert response.status_code == 302 and response["Location"].endswith(f"?run={kept.pk}")
    call_command("prune_runs", stdout=io.StringIO())
    assert not TestRun.objects.filter(pk=kept.pk).exists()


def test_a_viewer_cannot_keep_a_run_nor_sees_the_button(carol) -> None:
    action = make_action(make_connector())
    run = stored(action)
    client = client_for(carol)
    page = client.get(f"{action.get_absolute_url()}?run={run.pk}").content.decode()
    assert "Run by" in page and ">Keep</button>" not in page
    response = client.post(f"{action.get_absolute_url()}runs/{run.pk}/keep/", {"keep": "1"})
    assert response.status_code == 403
    assert not TestRun.objects.get(pk=run.pk).pinned


def test_keeping_another_actions_run_is_a_404(bob) -> None:
    connector = make_connector()
    action, other = make_action(connector, "mine"), make_action(connector, "other")
    foreign = stored(other)
    response = client_for(bob).post(f"{action.get_absolute_url()}runs/{foreign.pk}/keep/")
    assert response.status_code == 404


def test_saving_a_connector_form_keeps_a_last_run_stored_meanwhile(bob) -> None:
    connector = make_connector("OpenAI", base_url="https://api.openai.com")
    action = make_action(connector)
    form_copy = Connector.objects.get(pk=connector.pk)  # loaded before the Test finished
    run = stored(action, 503)
    form_copy.description = "Edited"
    versions.save_versioned(form_copy, None)
    assert last_run(connector) == (run.created_at, 503, "")
    response = client_for(bob).post("/connectors/OpenAI/edit/", connector_post(version=2))
    assert response.status_code == 302
    assert last_run(connector) == (run.created_at, 503, "")
