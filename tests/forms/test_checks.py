"""The action form's Checks rows: added, removed, read by the one parser, and every bad row's
errors shown next to it, all at once, with nothing saved."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.models import Action, Revision
from tests.conftest import client_for
from tests.helpers.factories import action_post, make_action, make_connector

pytestmark = pytest.mark.django_db


def with_checks(rows: list[dict[str, str]], initial: int = 0, **overrides: Any) -> dict[str, Any]:
    """The action form as posted, with these Checks rows (type, target, op, value, DELETE)."""
    data = action_post(**overrides)
    data.update(
        {
            "checks-TOTAL_FORMS": str(len(rows)),
            "checks-INITIAL_FORMS": str(initial),
            "checks-MIN_NUM_FORMS": "0",
            "checks-MAX_NUM_FORMS": "50",
        }
    )
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"checks-{i}-{key}"] = value
    return data


def test_a_developer_adds_checks_of_every_type(bob) -> None:
    make_connector()
    rows = [
        {"type": "status", "op": "in", "value": "200, 2xx"},
        {"type": "jsonpath", "target": "$.data[0].id", "op": "equals", "value": "42"},
        {"type": "jsonpath", "target": "$.object", "op": "equals", "value": "list"},
        {"type": "header", "target": "Content-Type", "op": "contains", "value": "json"},
        {"type": "time", "op": "below", "value": "800"},
        {"type": "schema"},
        {"type": "", "target": "", "op": "", "value": ""},  # the spare row
    ]
    response = client_for(bob).post("/connectors/OpenAI/new-action/", with_checks(rows))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Action.objects.get().checks == [
        {"type": "status", "op": "in", "value": [200, "2xx"]},
        {"type": "jsonpath", "op": "equals", "path": "$.data[0].id", "value": 42},
        {"type": "jsonpath", "op": "equals", "path": "$.object", "value": "list"},
        {"type": "header", "op": "contains", "name": "Content-Type", "value": "json"},
        {"type": "time", "op": "below", "value": 800},
        {"type": "schema"},
    ]


def test_every_bad_row_says_what_is_wrong_next_to_it_and_nothing_is_saved(bob) -> None:
    make_connector()
    rows = [
        {"type": "jsonpath", "target": "$.[", "op": "exists"},
        {"type": "status", "op": "equals", "value": "abc"},
        {"type": "header", "target": "Bad Name", "op": "equals", "value": "x"},
        {"type": "", "target": "$.a", "op": "exists"},
        {"type": "time", "op": "contains", "value": "5"},
    ]
    response = client_for(bob).post("/connectors/OpenAI/new-action/", with_checks(rows))
    page = response.content.decode()
    assert response.status_code == 200 and not Action.objects.exists()
    assert '<p class="error" id="id_checks-0-target_error">Not an RFC 9535 JSONPath' in page
    assert '<p class="error" id="id_checks-1-value_error">Give a status code' in page
    assert '<p class="error" id="id_checks-2-target_error">Header name “Bad Name”' in page
    assert '<p class="error" id="id_checks-3-type_error">Choose a type' in page
    assert '<p class="error" id="id_checks-4-op_error">A Time check' in page
    # The summary at the top links to each row's field.
    for href in ("0-target", "1-value", "2-target", "3-type", "4-op"):
        assert f'href="#id_checks-{href}"' in page
    assert "Check 2 Value" in page
    assert 'value="$.["' in page  # what was typed stays


def test_checks_are_shown_as_typed_and_removed_with_their_box(bob) -> None:
    checks = [
        {"type": "jsonpath", "op": "equals", "path": "$.id", "value": "42"},
        {"type": "status", "op": "in", "value": [200, "3xx"]},
    ]
    action = make_action(make_connector(), checks=checks)
    page = client_for(bob).get(f"{action.get_absolute_url()}edit/").content.decode()
    assert 'name="checks-0-value" value="&quot;42&quot;"' in page  # the text "42", not 42
    assert 'name="checks-1-value" value="200, 3xx"' in page
    rows = [
        {"type": "jsonpath", "target": "$.id", "op": "equals", "value": '"42"', "DELETE": "on"},
        {"type": "status", "op": "in", "value": "200, 3xx"},
    ]
    client_for(bob).post(f"{action.get_absolute_url()}edit/", with_checks(rows, 2, version="1"))
    action.refresh_from_db()
    assert action.checks == [{"type": "status", "op": "in", "value": [200, "3xx"]}]


def test_a_post_without_checks_rows_keeps_the_checks(bob) -> None:
    action = make_action(make_connector(), checks=[{"type": "schema"}])
    response = client_for(bob).post(f"{action.get_absolute_url()}edit/", action_post(version="1"))
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.checks == [{"type": "schema"}]


def test_history_shows_a_change_of_checks_as_sentences(bob, alice) -> None:
    make_connector()
    client_for(bob).post("/connectors/OpenAI/new-action/", with_checks([]))
    action = Action.objects.get()
    rows = [{"type": "jsonpath", "target": "$.data", "op": "type", "value": "array"}]
    client_for(bob).post(f"{action.get_absolute_url()}edit/", with_checks(rows, version="1"))
    assert Revision.objects.filter(kind="action").count() == 2
    page = client_for(alice).get(f"{action.get_absolute_url()}history/").content.decode()
    assert "Checks" in page and "$.data is of type array" in page


def test_viewers_see_the_checks_and_developers_a_link_to_edit_them(bob, carol) -> None:
    action = make_action(make_connector(), checks=[{"type": "time", "op": "below", "value": 300}])
    page = client_for(carol).get(action.get_absolute_url()).content.decode()
    assert '<section class="card" id="action-checks">' in page
    assert "Time is below 300 ms" in page and "Edit checks" not in page
    page = client_for(bob).get(action.get_absolute_url()).content.decode()
    assert "Edit checks" in page
    plain = make_action(action.connector, "plain")
    assert (
        "Status is 2xx (default)"
        in client_for(carol).get(plain.get_absolute_url()).content.decode()
    )
