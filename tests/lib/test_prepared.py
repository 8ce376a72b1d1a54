"""A prepared query yields what its queryset yields, with the SQL built once per connection."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from connectors.lib.prepared import Prepared, PreparedInsert
from connectors.models import Action, ActionDraft, Connector, InputArg, TestRun
from tests.helpers.factories import make_action, make_connector

pytestmark = pytest.mark.django_db


def _actions(name: str, action_name: str):
    return Action.objects.select_related("connector").filter(connector__name=name, name=action_name)


ACTIONS = Prepared(_actions, str, str)


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_it_yields_the_instances_and_their_related_row_as_the_queryset_does() -> None:
    connector = make_connector("Weather", headers=[{"key": "X-A", "value": "1"}])
    make_action(connector, "today", query_params=[{"key": "q", "value": "{{city}}"}])
    make_action(make_connector("Other"), "today")
    [found] = ACTIONS.rows("Weather", "today")
    [expected] = _actions("Weather", "today")
    assert _fields(found) == _fields(expected)
    assert _fields(found.connector) == _fields(expected.connector)
    assert found.connector.headers == [{"key": "X-A", "value": "1"}]
    assert found._state.adding is False and found._state.db == "default"


def test_each_call_runs_with_its_own_values_and_one_query() -> None:
    make_action(make_connector("One"), "a")
    make_action(make_connector("Two"), "b")
    assert ACTIONS.rows("One", "a")[0].connector.name == "One"
    with CaptureQueriesContext(connection) as queries:
        assert ACTIONS.rows("Two", "b")[0].connector.name == "Two"
        assert ACTIONS.rows("One", "b") == []
    assert len(queries) == 2


def test_it_sets_annotations_and_reads_int_values() -> None:
    alice = User.objects.create_user("alice-prepared")
    action = make_action(make_connector("Drafted"), "a")
    ActionDraft.objects.create(action=action, user=alice, posted={"name": "a"})

    def with_draft(name: str, action_name: str, user_pk: int):
        drafts = ActionDraft.objects.filter(action=OuterRef("pk"), user=user_pk)
        return _actions(name, action_name).annotate(
            draft_posted=Subquery(drafts.values("posted")[:1])
        )

    prepared = Prepared(with_draft, str, str, int)
    [found] = prepared.rows("Drafted", "a", alice.pk)
    [expected] = with_draft("Drafted", "a", alice.pk)
    assert found.draft_posted == expected.draft_posted
    assert prepared.rows("Drafted", "a", alice.pk + 1)[0].draft_posted is None


def test_a_value_that_is_not_in_the_sql_once_is_refused() -> None:
    both = Prepared(lambda name: Connector.objects.filter(name=name, display_name=name), str)
    with pytest.raises(ValueError, match="2 times"):
        both.rows("x")
    assert Prepared(lambda pk: InputArg.objects.filter(action=pk), int).rows(0) == []


RUNS = PreparedInsert(TestRun)


def _new_run(action: Action) -> TestRun:
    return TestRun(
        action=action,
        inputs={"city": "Paris"},
        request_method="GET",
        request_headers=[("Accept", "*/*")],
        status=200,
        response_body="é <b>",
        response_bytes=b"\x00\x01",
        elapsed_ms=1.5,
        timing={"dns": 0.1},
    )


def test_an_insert_stores_what_save_stores_and_reads_the_id_back() -> None:
    action = make_action(make_connector("Weather"), "today")
    saved, inserted = _new_run(action), _new_run(action)
    saved.save()
    with CaptureQueriesContext(connection) as queries:
        RUNS.save(inserted)
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    assert inserted.pk == saved.pk + 1
    assert inserted.created_at is not None
    assert inserted._state.adding is False and inserted._state.db == "default"
    stored = {run.pk: _fields(run) for run in TestRun.objects.all()}
    assert {**stored[inserted.pk], "id": None, "created_at": None} == {
        **stored[saved.pk],
        "id": None,
        "created_at": None,
    }
    assert bytes(stored[inserted.pk]["response_bytes"]) == b"\x00\x01"


def test_a_model_with_signal_listeners_is_saved_by_save() -> None:
    action = make_action(make_connector("Weather"), "today")
    heard = []

    def listener(sender, instance, created, **kwargs):
        heard.append((instance.pk, created))

    post_save.connect(listener, sender=TestRun)
    try:
        run = _new_run(action)
        RUNS.save(run)
    finally:
        post_save.disconnect(listener, sender=TestRun)
    assert heard == [(run.pk, True)]
