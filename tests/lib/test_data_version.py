"""The data version: a new token once a write to a watched table commits, and only then."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction

from connectors.catalog.queries import PAGES
from connectors.lib.data_version import DataVersion
from connectors.models import Action, Connector, Credential
from tests.helpers.factories import make_action, make_connector

# Tokens are read outside any transaction: the database is emptied between these tests.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_committed_write_to_a_watched_table_gives_a_new_token() -> None:
    before = PAGES.token()
    connector = make_connector()
    after_insert = PAGES.token()
    Connector.objects.filter(pk=connector.pk).update(display_name="Renamed")
    after_update = PAGES.token()
    connector.delete()
    assert len({before, after_insert, after_update, PAGES.token()}) == 4


def test_reading_and_writing_other_tables_keep_the_token() -> None:
    make_connector()
    before = PAGES.token()
    list(Connector.objects.all())
    Credential.objects.create(name="token", sealed="x")
    assert PAGES.token() == before


def test_every_kind_of_write_counts() -> None:
    connector = make_connector()
    tokens = [PAGES.token()]
    Action.objects.bulk_create([Action(connector=connector, name="a1")])  # no signal sent
    tokens.append(PAGES.token())
    with connection.cursor() as cursor:  # raw SQL
        cursor.execute('UPDATE "connectors_action" SET "name" = %s', ["a2"])
    tokens.append(PAGES.token())
    User.objects.create_user("dora")  # who changed a connector is shown
    tokens.append(PAGES.token())
    assert len(set(tokens)) == 4


def test_a_transaction_has_no_token_and_changes_it_only_when_it_commits() -> None:
    before = PAGES.token()
    with transaction.atomic():
        make_connector()
        assert PAGES.token() is None  # a page read here would see the uncommitted row
        make_action(Connector.objects.get())
    committed = PAGES.token()
    assert committed != before
    with pytest.raises(RuntimeError), transaction.atomic():
        make_connector("Other")
        raise RuntimeError("rolled back")
    assert PAGES.token() == committed  # nothing changed


def test_every_process_of_the_site_reads_the_same_token() -> None:
    other = DataVersion("catalog", PAGES.tables)  # as another worker process makes it
    assert other.token() == PAGES.token()
    make_connector()
    assert other.token() == PAGES.token()


def test_with_a_shared_cache_the_token_lives_in_the_cache(settings, tmp_path) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path),
        }
    }
    before = PAGES.token()
    make_connector()
    after = PAGES.token()
    assert before != after
    assert after == DataVersion("catalog", PAGES.tables).token()
    assert any(tmp_path.iterdir())  # the cache's files hold it


def test_a_token_that_cannot_be_kept_leaves_no_token(monkeypatch, tmp_path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setattr("tempfile.tempdir", str(blocked))  # no directory can be made there
    assert PAGES.token() is None
    make_connector()  # the write goes on: no page is kept without a token
    assert PAGES.token() is None


def test_a_token_that_cannot_be_replaced_is_removed(monkeypatch) -> None:
    PAGES.token()
    path = PAGES._path()
    monkeypatch.setattr("os.pwrite", lambda *args, **kwargs: _full_disk())
    make_connector()
    assert not path.exists()  # nobody reads the old token any more
    monkeypatch.undo()
    assert PAGES.token() is not None  # a new one, at the next read


def _full_disk() -> None:
    raise OSError(28, "No space left on device")
