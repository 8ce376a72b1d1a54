"""Suite runs: scopes, the worker running real tasks (database backend; RQ on Redis), the
per-host bound, pass or fail, what changed since the previous run, retention."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from connectors.engine import suites
from connectors.models import SuiteResult, SuiteRun, TestRun
from tests.helpers.factories import make_action, make_connector
from tests.helpers.machine_rq import machine_queue
from tests.helpers.upstream import Received, Reply

pytestmark = pytest.mark.django_db
worker_db = pytest.mark.django_db(transaction=True)


def shop(base_url: str, name: str = "Shop") -> list:
    """A connector with three actions: two tagged "pets", one answering 404."""
    connector = make_connector(name, base_url=base_url)
    return [
        make_action(connector, "list_pets", path="/pets", tags=["pets"]),
        make_action(
            connector,
            "get_pet",
            path="/pets/{{id}}",
            tags=["pets"],
            args=[{"name": "id", "example_value": "7", "required": True}],
        ),
        make_action(connector, "missing", path="/missing"),
    ]


def answer_404_on_missing(got: Received) -> Reply:
    return Reply(status=404, body=b'{"error": "no"}') if "missing" in got.path else Reply()


def run_worker() -> None:
    """The database backend's real worker, in this process, until the queue is empty."""
    call_command("studio_worker", batch=True, stdout=io.StringIO())


@worker_db
def test_it_runs_a_connectors_suite_on_the_database_worker(upstream, bob) -> None:
    shop(upstream.url)
    upstream.handler = answer_404_on_missing
    suite = suites.start_suite_run(connector="Shop", user=bob)
    assert suite.status == SuiteRun.Status.QUEUED and suite.total == 3

    run_worker()

    suite.refresh_from_db()
    assert (suite.status, suite.passed, suite.failed, suite.errored) == ("finished", 2, 1, 0)
    results = {r.action_name: r for r in suite.results.all()}
    assert results["get_pet"].outcome == "passed"
    assert "/pets/7" in {got.path for got in upstream.received}  # the example input was used
    missing = results["missing"]
    assert missing.outcome == "failed" and missing.status == 404
    assert missing.checks == [
        {"type": "status", "passed": False, "detail": "The API answered 404."}
    ]
    run = TestRun.objects.get(pk=missing.run_id)  # a real stored run, as the Test button makes
    assert run.user == bob and run.action.name == "missing"


@worker_db
def test_it_runs_a_suite_on_rq_with_the_machines_redis(upstream, bob) -> None:
    django_rq = pytest.importorskip("django_rq")
    shop(upstream.url)
    with machine_queue() as queue:
        suite = suites.start_suite_run(connector="Shop", tag="pets", user=bob)
        assert SuiteRun.objects.get(pk=suite.pk).status == "queued"
        assert queue.count == 1  # waiting in Redis, not run here
        # RQ's own worker class that runs jobs in its process (the test database lives here).
        worker = django_rq.get_worker(
            "default", job_class="django_tasks_rq.Job", worker_class="rq.worker.SimpleWorker"
        )
        worker.work(burst=True)
    suite.refresh_from_db()
    assert (suite.status, suite.total, suite.passed) == ("finished", 2, 2)
    assert sorted(suite.results.values_list("action_name", flat=True)) == ["get_pet", "list_pets"]


@worker_db
def test_it_sends_at_most_the_per_host_bound_at_once(upstream, bob, settings) -> None:
    settings.STUDIO_SUITE_PER_HOST = 2
    settings.STUDIO_SUITE_THREADS = 6
    connector = make_connector("Many", base_url=upstream.url)
    for number in range(8):
        make_action(connector, f"action_{number}", path=f"/{number}")
    lock = threading.Lock()
    in_flight, most = 0, 0
    # Each request waits for a second one: the suite must send two at once to get through.
    pair = threading.Barrier(2, timeout=10)

    def count(got: Received) -> Reply:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        try:
            pair.wait()
        finally:
            with lock:
                in_flight -= 1
        return Reply()

    upstream.handler = count
    suite = suites.start_suite_run(connector="Many", user=bob)
    run_worker()
    suite.refresh_from_db()
    assert (suite.passed, suite.errored) == (8, 0)
    assert most == 2


def test_a_run_passes_as_its_stored_verdict_says() -> None:
    # The verdict is judged once, when the run is stored (sent, answered, every check passed).
    assert suites.run_passed(TestRun(status=200, passed=True))
    assert not suites.run_passed(TestRun(status=200, passed=False))


def test_it_refuses_a_scope_that_names_nothing_to_run(bob) -> None:
    make_connector("Empty", base_url="https://api.example.com")
    with pytest.raises(suites.ScopeError, match="no action to test"):
        suites.start_suite_run(connector="Empty", user=bob)
    with pytest.raises(suites.ScopeError, match="no connector named Nope"):
        suites.start_suite_run(connectors=["Empty", "Nope"], user=bob)
    with pytest.raises(suites.ScopeError, match="Choose a connector"):
        suites.start_suite_run(user=bob)
    assert not SuiteRun.objects.exists()


def test_a_tag_spans_every_connector_and_names_the_same_scope_in_any_order(bob) -> None:
    shop("https://a.example.com", "ShopA")
    shop("https://b.example.com", "ShopB")
    suite = suites.start_suite_run(tag="pets", user=bob)
    assert suite.total == 4 and suite.title == "Tag pets"
    one = suites.scope_from(connectors=["ShopB", "ShopA"])
    other = suites.scope_from(connectors=["ShopA", "ShopB", "ShopA"])
    assert one.key == other.key


def finished(scope_key: str, outcomes: dict[str, str], days_ago: float = 0) -> SuiteRun:
    suite = SuiteRun.objects.create(
        scope_key=scope_key, title="Shop", status="finished", total=len(outcomes)
    )
    SuiteRun.objects.filter(pk=suite.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    for position, (name, outcome) in enumerate(outcomes.items()):
        SuiteResult.objects.create(
            suite_run=suite,
            position=position,
            connector_name="Shop",
            action_name=name,
            outcome=outcome,
        )
    suite.refresh_from_db()
    return suite


def test_it_says_what_changed_since_the_previous_run_of_the_same_scope() -> None:
    finished("k", {"a": "passed", "b": "passed", "c": "failed"}, days_ago=2)
    previous = finished("k", {"a": "passed", "b": "passed", "c": "failed", "d": "passed"}, 1)
    finished("other", {"a": "failed"}, days_ago=0.5)
    now = finished("k", {"a": "passed", "b": "errored", "c": "passed", "e": "failed"})
    changes = suites.changes(now)
    assert changes.previous == previous
    assert [r.action_name for r in changes.newly_failing] == ["b"]
    assert [r.action_name for r in changes.newly_passing] == ["c"]
    assert suites.changes(finished("new", {"a": "passed"})).previous is None


def test_prune_removes_old_suite_runs_but_keeps_each_scopes_newest(settings) -> None:
    settings.STUDIO_RUN_RETENTION_DAYS = 30
    old = finished("k", {"a": "passed"}, days_ago=60)
    newest_old = finished("k", {"a": "failed"}, days_ago=40)
    recent = finished("j", {"a": "passed"}, days_ago=1)
    lone_old = finished("z", {"a": "passed"}, days_ago=90)
    out = io.StringIO()
    call_command("prune_runs", stdout=out)
    assert "Removed 1 suite run older than 30 days" in out.getvalue()
    assert not SuiteRun.objects.filter(pk=old.pk).exists()
    assert not SuiteResult.objects.filter(suite_run_id=old.pk).exists()
    assert set(SuiteRun.objects.values_list("pk", flat=True)) == {
        newest_old.pk,
        recent.pk,
        lone_old.pk,
    }


def test_a_result_keeps_its_outcome_when_its_run_is_removed(upstream, bob, settings) -> None:
    settings.STUDIO_SUITE_THREADS = 1  # in this thread: the test's transaction is not committed
    shop(upstream.url)
    suite = suites.start_suite_run(connector="Shop", user=bob)
    suites.execute(suite.pk)
    TestRun.objects.all().delete()
    data = suites.results_data(SuiteRun.objects.get(pk=suite.pk))
    assert data["status"] == "finished" and data["passed"] == 3
    assert [r["run"] for r in data["results"]] == [None, None, None]
    assert all(r["passed"] for r in data["results"])


def test_a_second_worker_finds_nothing_to_claim(upstream, bob, settings) -> None:
    settings.STUDIO_SUITE_THREADS = 1
    shop(upstream.url)
    suite = suites.start_suite_run(connector="Shop", user=bob)
    suites.execute(suite.pk)
    suites.execute(suite.pk)
    assert len(upstream.received) == 3
