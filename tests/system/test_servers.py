"""Several app servers behind one database, as a team runs them: real gunicorn processes.

The site is a fresh database (a temporary SQLite file, or a new database on DATABASE_URL's
PostgreSQL server), migrated once for this module; each test starts its own servers.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator

import pytest
import redis
import requests

from tests.helpers.servers import (
    Server,
    Site,
    create_action,
    create_connector,
    csrf_token,
    is_postgres,
    log_in,
    press_test,
)
from tests.helpers.upstream import Received, Reply, Upstream

# The servers use a database of their own on DATABASE_URL's server: a test of each database.
pytestmark = pytest.mark.uses_database
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
on_postgres = pytest.mark.skipif(
    not is_postgres(os.environ.get("DATABASE_URL", "")),
    reason="pg_terminate_backend needs PostgreSQL (CI runs this on its PostgreSQL leg)",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    site = Site(tmp_path_factory.mktemp("site"))
    try:
        site.prepare(users=("alice", "bob"))
        yield site
    finally:
        site.drop()


def test_two_servers_share_logins_and_the_catalog(site: Site) -> None:
    with Server(site) as one, Server(site) as two:
        session = log_in(one.url, "alice")
        # The same cookie on the other server: the session lives in the shared database.
        assert two.url != one.url
        page = session.get(f"{two.url}/", allow_redirects=False)
        assert page.status_code == 200
        assert "alice" in page.text

        create_connector(session, two.url, "MadeOnTwo", "https://api.example.com")
        assert "MadeOnTwo" in session.get(f"{one.url}/").text
        assert session.get(f"{one.url}/connectors/MadeOnTwo/").status_code == 200


def test_a_catalog_every_worker_keeps_shows_a_change_made_on_another_server(site: Site) -> None:
    # Each worker keeps rendered catalog pages until the catalog's data version changes; the
    # version lives where every process of the machine reads it.
    close = {"Connection": "close"}  # a new connection each time: any worker may answer
    with Server(site) as one, Server(site) as two:
        session = log_in(one.url, "alice")
        for _ in range(8):
            for server in (one, two):
                assert "KeptEverywhere" not in session.get(f"{server.url}/", headers=close).text
        create_connector(session, two.url, "KeptEverywhere", "https://api.example.com")
        for _ in range(8):
            assert "KeptEverywhere" in session.get(f"{one.url}/", headers=close).text
            assert "KeptEverywhere" in session.get(f"{two.url}/?q=kept", headers=close).text


def test_a_log_out_on_one_server_ends_the_session_on_the_other(site: Site) -> None:
    # Sessions are cached_db: without a shared cache the other server would still find the
    # session in its own memory. With CACHE_URL on one Redis, it is gone everywhere.
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.fail(f"This test needs Redis at {REDIS_URL} (.ci/run starts it).")
    shared = {"CACHE_URL": f"{REDIS_URL}?key_prefix=t{secrets.token_hex(4)}"}
    # One worker each, so server one surely holds the session it cached at login.
    one_worker = {"WEB_CONCURRENCY": "1"}
    with Server(site, **shared, **one_worker) as one, Server(site, **shared, **one_worker) as two:
        session = log_in(one.url, "bob")
        assert session.get(f"{two.url}/", allow_redirects=False).status_code == 200
        cookie = session.cookies["sessionid"]
        token = csrf_token(session, f"{two.url}/new/")
        logout = session.post(
            f"{two.url}/accounts/logout/",
            {"csrfmiddlewaretoken": token},
            headers={"Referer": f"{two.url}/"},
            allow_redirects=False,
        )
        assert logout.status_code == 302
        stale = requests.get(f"{one.url}/", cookies={"sessionid": cookie}, allow_redirects=False)
        assert stale.status_code == 302
        assert "/accounts/login/" in stale.headers["Location"]


@on_postgres
def test_the_app_recovers_when_the_database_cuts_every_connection(site: Site) -> None:
    # Persistent connections, so each thread holds one the cut kills; health checks find it.
    with Server(site, CONN_MAX_AGE="60", WEB_CONCURRENCY="1", GUNICORN_THREADS="4") as server:
        session = log_in(server.url, "alice")
        create_connector(session, server.url, "BeforeCut", "https://api.example.com")
        for _ in range(8):
            assert session.get(f"{server.url}/").status_code == 200
        assert site.terminate_connections() > 0

        pages = [session.get(f"{server.url}/") for _ in range(8)]
        assert [page.status_code for page in pages] == [200] * 8
        assert "BeforeCut" in pages[-1].text
        create_connector(session, server.url, "AfterCut", "https://api.example.com")
        catalog = session.get(f"{server.url}/").text
        assert "BeforeCut" in catalog and "AfterCut" in catalog


@on_postgres
def test_a_test_survives_the_database_cutting_its_connection_while_it_waits(
    site: Site,
) -> None:
    reached, release = threading.Event(), threading.Event()

    def slow(got: Received) -> Reply:
        reached.set()
        release.wait(10)
        return Reply(body=b'{"ok": true}')

    with Upstream() as upstream, Server(site, CONN_MAX_AGE="60") as server:
        upstream.handler = slow
        session = log_in(server.url, "alice")
        create_connector(session, server.url, "Slow", upstream.url)
        action_url = create_action(session, server.url, "Slow", "wait", "/wait")
        token = csrf_token(session, f"{server.url}/new/")
        answer: list[requests.Response] = []
        test = threading.Thread(
            target=lambda: answer.append(press_test(session, action_url, token))
        )
        test.start()
        assert reached.wait(10)
        # The Test's connection is idle while it waits on the API: cut it now.
        assert site.terminate_connections() > 0
        release.set()
        test.join(20)
        assert answer[0].status_code == 200
        assert "200 OK" in answer[0].text
