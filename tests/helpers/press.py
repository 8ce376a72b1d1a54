"""Pressing Test, one helper per kind of client.

Here: the Django test client (an HTMX POST, as the action page's button sends it) and the
executor itself (an action run with its example inputs). A real browser's is
tests/browser/helpers.press_test; a requests session against a running server's is
tests/helpers/servers.press_test.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.test import Client

from connectors.engine import executor
from connectors.models import Connector, TestRun
from tests.conftest import client_for


def htmx_post(client: Client, url: str, data: dict | None = None) -> HttpResponse:
    """A POST as htmx sends it."""
    return client.post(url, data or {}, HTTP_HX_REQUEST="true")


def press_test(user: Any, action_url: str, inputs: dict[str, str] | None = None) -> str:
    """The result partial of pressing Test on the action page, as this user."""
    response = htmx_post(client_for(user), f"{action_url}test/", inputs or {})
    assert response.status_code == 200
    return response.content.decode()


def run_with_examples(connector: Connector, user: Any = None) -> TestRun:
    """Test the connector's one action with its input args' example values."""
    action = connector.actions.get()
    inputs = {arg.name: arg.example_value for arg in action.input_args.all()}
    return executor.run(action, inputs, user)
