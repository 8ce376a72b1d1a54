"""The connector page of a large connector: grouped by tag, filtered as you type, paginated."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from connectors.models import Action, Connector, InputArg
from tests.conftest import client_for
from tests.helpers.factories import connector_post


@pytest.fixture
def big(db) -> Connector:
    connector = Connector.objects.create(name="github", base_url="https://api.github.test")
    tags = ["repos", "issues", "users", "orgs"]
    Action.objects.bulk_create(
        Action(
            connector=connector,
            name=f"op_{n:04d}",
            path=f"/things/{n}",
            description=f"Operation {n}",
            tags=[tags[n % 4]],
        )
        for n in range(1000)
    )
    InputArg.objects.bulk_create(
        InputArg(action=action, name="arg") for action in connector.actions.all()
    )
    return connector


def test_a_1000_action_connector_page_takes_at_most_10_queries(big, carol) -> None:
    client = client_for(carol)
    client.get(big.get_absolute_url())  # the session and permissions, as on any page
    with CaptureQueriesContext(connection) as queries:
        response = client.get(big.get_absolute_url())
    assert response.status_code == 200
    assert len(queries) <= 10, [q["sql"][:120] for q in queries]
    html = response.content.decode()
    assert html.count('class="method') == 50  # one page
    assert "1000 actions" in html and "Page 1 of 20" in html
    assert '<th colspan="5" scope="rowgroup">issues</th>' in html  # grouped by tag


def test_it_filters_by_text_and_tag_with_a_plain_get(big, carol) -> None:
    client = client_for(carol)
    html = client.get(big.get_absolute_url(), {"q": "op_0042"}).content.decode()
    assert "op_0042" in html and "op_0043" not in html and "1 action matching" in html
    html = client.get(big.get_absolute_url(), {"tag": "users", "page": "2"}).content.decode()
    assert "250 actions matching" in html and "Page 2 of 5" in html
    assert "op_0002" not in html and "op_0202" in html  # users: n % 4 == 2
    assert "No action matches." in client.get(big.get_absolute_url(), {"q": "zzz"}).content.decode()


def test_htmx_gets_only_the_actions_partial(big, carol) -> None:
    response = client_for(carol).get(big.get_absolute_url(), {"q": "op_09"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="actions">')
    assert "<h1>" not in html and "op_0901" in html


def test_the_action_page_takes_at_most_6_queries(big, carol) -> None:
    action = big.actions.get(name="op_0001")
    client = client_for(carol)
    client.get(action.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        response = client.get(action.get_absolute_url())
    assert response.status_code == 200
    assert len(queries) <= 6, [q["sql"][:120] for q in queries]  # the README's count
    assert sum("connectors_inputarg" in q["sql"] for q in queries) == 1


def test_it_warns_before_saving_a_base_url_that_retires_secrets(alice) -> None:
    client = client_for(alice)
    client.post("/new/", connector_post(**{"auth-api_key": "sk-literal-0000-1111"}))
    moved = connector_post(base_url="http://127.0.0.1:9000", version="1", **{"auth-api_key": ""})
    del moved["confirm_moves"]
    page = client.post("/connectors/OpenAI/edit/", moved).content.decode()
    assert "Not saved yet: this change moves where secrets are sent" in page
    assert "enter the Api Key again" in page and "Save and clear them</button>" in page
    assert "sk-literal-0000-1111" not in page
    assert Connector.objects.get().base_url == "https://api.openai.com"
    saved = client.post("/connectors/OpenAI/edit/", moved | {"confirm_moves": "1"})
    assert saved.status_code == 302
    assert Connector.objects.get().base_url == "http://127.0.0.1:9000"
    # A move that retires nothing (a secret typed again in the same form) saves at once.
    again = connector_post(
        base_url="http://127.0.0.1:9001", version="2", **{"auth-api_key": "sk-new-2222-3333"}
    )
    del again["confirm_moves"]
    assert client.post("/connectors/OpenAI/edit/", again).status_code == 302
