"""PerRow: each row's own value in one UPDATE, adapted as its field stores it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F, Value
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connectors.lib.per_row import PerRow
from connectors.models import Action
from tests.helpers.factories import make_action, make_connector

pytestmark = pytest.mark.django_db

field = Action._meta.get_field


def test_each_row_named_gets_its_own_value_and_the_others_keep_theirs() -> None:
    connector = make_connector()
    one, two, _ = (make_action(connector, name) for name in ("one", "two", "three"))
    Action.objects.update(last_run_status=418)
    with CaptureQueriesContext(connection) as captured:
        Action.objects.update(
            last_run_status=PerRow({one.pk: 200, two.pk: None}, field("last_run_status"))
        )
    assert len(captured.captured_queries) == 1
    statuses = dict(Action.objects.values_list("name", "last_run_status"))
    assert statuses == {"one": 200, "two": None, "three": 418}


def test_times_and_json_are_stored_as_their_fields_store_them() -> None:
    connector = make_connector()
    one, two = make_action(connector, "one"), make_action(connector, "two")
    moment = timezone.now() - timedelta(minutes=5)
    Action.objects.filter(pk__in=[one.pk, two.pk]).update(
        last_run_at=PerRow(
            {one.pk: moment, two.pk: moment + timedelta(seconds=1)}, field("last_run_at")
        ),
        tags=PerRow({one.pk: ["pets", "beta"], two.pk: []}, field("tags")),
    )
    assert list(Action.objects.filter(last_run_at=moment).values_list("name", flat=True)) == ["one"]
    assert Action.objects.get(pk=one.pk).tags == ["pets", "beta"]
    assert Action.objects.get(pk=two.pk).tags == []
    # As a condition too: the rows whose value is the one named for them.
    named = PerRow({one.pk: moment, two.pk: moment}, field("last_run_at"))
    assert list(Action.objects.filter(last_run_at=named).values_list("name", flat=True)) == ["one"]


def test_rows_not_named_take_what_is_given_in_their_place() -> None:
    connector = make_connector()
    one = make_action(connector, "one")
    make_action(connector, "two")
    Action.objects.update(runs_since_prune=3)
    counts = PerRow({one.pk: 2}, field("runs_since_prune"), Value(0))
    Action.objects.update(runs_since_prune=F("runs_since_prune") + counts)
    assert dict(Action.objects.values_list("name", "runs_since_prune")) == {"one": 5, "two": 3}
