"""Each user's role kept in the cache: no permission query on a page, a change seen at once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from connectors import roles
from tests.conftest import client_for
from tests.helpers.factories import make_action, make_connector

pytestmark = pytest.mark.django_db


def test_a_page_reads_no_permission_nor_group(bob) -> None:
    client = client_for(bob)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/").content.decode()
    assert not [q for q in queries if "auth_permission" in q["sql"] or "auth_group" in q["sql"]]
    assert "bob · Developer" in page


def test_a_new_role_counts_at_the_next_request(bob) -> None:
    action = make_action(make_connector())
    client = client_for(bob)
    assert client.get(action.get_absolute_url()).status_code == 200
    bob.groups.set([Group.objects.get(name=roles.VIEWER)])
    assert client.post(f"{action.get_absolute_url()}test/").status_code == 403
    assert "bob · Viewer" in client.get("/").content.decode()


def test_a_grant_taken_from_a_role_counts_at_the_next_request(carol) -> None:
    client = client_for(carol)
    assert client.get("/").status_code == 200
    viewer = Group.objects.get(name=roles.VIEWER)
    viewer.permissions.remove(Permission.objects.get(codename="view_connector"))
    assert client.get("/").status_code == 403
