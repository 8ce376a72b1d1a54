"""Every URL, every role, hostile input: no 500, the right refusal, nothing half-saved.

The URLs come from the resolver (admin and django.contrib.auth's own views are Django's and
skipped), so a new URL is covered as soon as it is routed. A new URL is treated as one that
changes something (a Viewer must get 403) until it is listed in BROWSE; a new path parameter
fails loudly until `_value_for` knows a realistic value for it.
"""

from __future__ import annotations

import copy
import functools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection, transaction
from django.template import loader
from django.template.base import PartialTemplate, Template
from django.test import Client, override_settings
from django.test.utils import _TestState
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from connectors import roles
from connectors.catalog import history
from connectors.engine import monitors
from connectors.forms.action import ActionForm
from connectors.forms.credential import CredentialForm
from connectors.models import (
    Action,
    AlertChannel,
    Connector,
    Credential,
    InputArg,
    Monitor,
    Revision,
    SuiteRun,
    TestRun,
)
from connectors.secrets import sealing
from tests.conftest import make_user
from tests.helpers.factories import (
    LOCAL_HOSTS,
    action_post,
    api_key_connector,
    connector_post,
    make_action,
    make_channel,
)
from tests.helpers.previewed import import_catalog


@dataclass(frozen=True)
class Route:
    name: str
    route: str  # the pattern as written, e.g. "connectors/<str:name>/edit/"
    params: tuple[str, ...]

    def __str__(self) -> str:
        return self.name


def _is_djangos(resolver: URLResolver) -> bool:
    module = getattr(resolver.urlconf_module, "__name__", "")
    return resolver.app_name == "admin" or module.startswith(("django.", "studio.accounts_urls"))


def _routes(patterns: list[Any] | None = None, prefix: str = "") -> list[Route]:
    found: list[Route] = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            # The REST API answers as JSON with its own 401 (tests/api/, Schemathesis there).
            if not _is_djangos(pattern) and pattern.namespace != "api":
                found += _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"{prefix}{pattern.pattern} has no name"
            params = tuple(pattern.pattern.converters)
            found.append(Route(pattern.name, prefix + str(pattern.pattern), params))
    return found


PUBLIC = {"favicon"}  # a static icon browsers fetch before anyone logs in
ROUTES = [r for r in _routes() if r.name not in PUBLIC]
ROUTE_IDS = [r.name for r in ROUTES]

# Pages for browsing: a Viewer opens them. Every other URL changes something, or is a step
# towards a change (a form, a preview, a sign-in), and is refused to a Viewer.
BROWSE = {
    "catalog",
    "catalog_export",
    "deleted_list",
    "revision_detail",
    "connector_history",
    "action_history",
    "credential_history",
    "credential_list",
    "connector_detail",
    "action_detail",
    "action_runs",
    "run_body_download",
    "action_run_body",
    "gallery",
    "template_form",
    "connector_openapi",
    "suite_run_list",
    "suite_run_detail",
    "suite_run_junit",
    "run_filter",
    "run_preview",
    "api_docs",
    "token_list",  # every role keeps its own API tokens (a Viewer's read)
    "help",
    "monitor_list",
    "monitor_detail",
    "monitor_history",
}
# A user's own things, whatever the role: another user's is a 404 (tests/views/test_tokens.py).
OWN = {"token_revoke"}
# Of the rest, these are an Admin's alone: a Developer gets 403 too.
ADMIN_ONLY = {
    "catalog_import",
    "catalog_import_apply",
    "revision_restore",
    "credential_create",
    "credential_replace",
    "credential_delete",
    "alert_channels",
    "alert_channel_test",
    "alert_channel_delete",
    "alert_channel_edit",
    "alert_channel_history",
}
# Forms that must re-render with errors (never redirect, never save) on garbage or nothing.
FORMS = {
    "connector_create",
    "connector_edit",
    "action_create",
    "action_edit",
    "credential_create",
    "credential_replace",
    "curl_import",
    "connector_curl_import",
    "catalog_import",
    "api_import",
    "alert_channels",
    "alert_channel_edit",
}
EDIT_ROUTES = [r for r in ROUTES if r.name not in BROWSE | OWN]
FORM_ROUTES = [r for r in ROUTES if r.name in FORMS]
PARAM_ROUTES = [r for r in ROUTES if r.params]


def test_the_routes_are_found_and_the_lists_name_real_urls() -> None:
    names = {r.name for r in ROUTES}
    assert {"catalog", "connector_edit", "action_test", "revision_restore"} <= names
    assert not any(r.route.startswith(("admin/", "accounts/")) for r in ROUTES)
    assert names >= BROWSE | ADMIN_ONLY | FORMS


@pytest.fixture(autouse=True, scope="module")
def _templates_render_plainly() -> Iterator[None]:
    """These tests read a response's status, headers and content, never response.context:
    Django's test instrumentation, which sends a signal and copies the context for every
    template rendered, is left out here (a quarter of the CPU of a page with 2,000 form rows)."""
    instrumented = Template._render, PartialTemplate._render
    plain = _TestState.saved_data
    Template._render, PartialTemplate._render = plain.template_render, plain.partial_template_render
    yield
    Template._render, PartialTemplate._render = instrumented


# --- the seeded catalog --------------------------------------------------------------------------


@dataclass
class Seed:
    connector: Connector
    action: Action
    run: TestRun
    binary_run: TestRun  # a body kept for download
    credential: Credential
    revision: Revision
    channel: AlertChannel
    suite: SuiteRun
    monitor: Monitor


@dataclass
class World:
    users: dict[str, User]
    seed: Seed


def _build_seed(alice: User, bob: User) -> Seed:
    credential = Credential.objects.create(
        allowed_hosts=LOCAL_HOSTS,
        name="OPENAI_API_KEY",
        sealed=sealing.seal("sk-robustness-canary-3f9a"),
        hint=sealing.hint("sk-robustness-canary-3f9a"),
        set_by=alice,
    )
    history.record(credential, Revision.Event.CREATED, alice)
    connector = api_key_connector("http://127.0.0.1:9", "{{OPENAI_API_KEY}}", updated_by=bob)
    revision = history.record(connector, Revision.Event.CREATED, bob)
    action = make_action(
        connector,
        path="/v1/models/{{model}}",
        args=[{"name": "model", "example_value": "gpt-4o", "required": True}],
        updated_by=bob,
    )
    history.record(action, Revision.Event.CREATED, bob)
    run = TestRun.objects.create(
        action=action,
        user=bob,
        request_method="GET",
        request_url="http://127.0.0.1:9/v1/models/gpt-4o",
        status=200,
        reason="OK",
        response_body='{"id": "gpt-4o"}',
        content_type="application/json",
        elapsed_ms=12.5,
        size=16,
    )
    binary_run = TestRun.objects.create(
        action=action,
        user=bob,
        request_method="GET",
        status=200,
        content_type="image/gif",
        is_binary=True,
        response_bytes=b"GIF89a\x01\x00\x01\x00",
        size=10,
    )
    channel = make_channel("email", "oncall@example.com")
    suite = SuiteRun.objects.create(scope={"connector": connector.name}, scope_key="c", title="t")
    monitor = monitors.create_monitor(
        monitors.Values(name="Watch", connector=connector.name, interval_seconds=300)
    )
    return Seed(connector, action, run, binary_run, credential, revision, channel, suite, monitor)


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """The three users and the seeded catalog, written once for this module's thousands of tests.

    As Django's TestCase.setUpTestData: the rows are written in a transaction that each test's
    own (pytest-django's `db`) nests in as a savepoint, so every test starts from exactly these
    rows and nothing it writes outlives it; the module's transaction is rolled back at its end.
    Each test gets its own copies of the objects (`world`), and the cache as it was once the
    rows were written (`_CACHED`).
    """
    # The settings every test has (tests/conftest.py), while the rows are written.
    quiet = override_settings(STUDIO_ENV_CREDENTIALS=[], STUDIO_OUTBOUND_ALLOW=[])
    with django_db_blocker.unblock(), quiet, transaction.atomic():
        cache.clear()
        users = {
            "alice": make_user("alice", roles.ADMIN),
            "bob": make_user("bob", roles.DEVELOPER),
            "carol": make_user("carol", roles.VIEWER),
        }
        for name, user in users.items():
            signed_in = Client()
            signed_in.force_login(user)
            _SESSIONS[name] = signed_in.cookies[django_settings.SESSION_COOKIE_NAME].value
        world = World(users, _build_seed(users["alice"], users["bob"]))
        _CACHED.update(_cache_snapshot())
        yield world
        _SESSIONS.clear()
        _CACHED.clear()
        transaction.set_rollback(True)


# Each user's session, opened once by `_world` (its row is one of the module's).
_SESSIONS: dict[str, str] = {}
# The cache once `_world` wrote its rows (the sessions, the roles, their generation), as
# {key: (stored value, seconds it had left)}: empty when the cache is not the per-process one.
_CACHED: dict[str, tuple[Any, float | None]] = {}


def _cache_snapshot() -> dict[str, tuple[Any, float | None]]:
    store = caches["default"]
    if not isinstance(store, LocMemCache):
        return {}
    now = time.time()
    with store._lock:
        return {
            key: (value, None if store._expire_info[key] is None else store._expire_info[key] - now)
            for key, value in store._cache.items()
        }


def _restore_cache() -> None:
    """The cache as `_world` left it (its rows are what every test starts from): a session or
    a role cached by an earlier test is gone, and the module's are not read again per test."""
    cache.clear()
    if not _CACHED:
        return  # a shared cache (CACHE_URL): each test starts with an empty one
    store = caches["default"]
    now = time.time()
    with store._lock:
        for key, (value, seconds) in _CACHED.items():
            store._cache[key] = value
            store._expire_info[key] = None if seconds is None else now + seconds


def client_for(user: User) -> Client:
    """A client signed in as the user on the session `_world` opened for them: as
    tests.conftest.client_for, without a login per test (it cost as much as the request)."""
    client = Client()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = _SESSIONS[user.username]
    return client


class _Copies:
    """Deep copies of an object's attributes, made when first read and kept, one memo for all
    (as Django's TestData): a test pays for copying only the objects it uses."""

    def __init__(self, original: object, memo: dict[int, Any]) -> None:
        self._original = original
        self._memo = memo

    def __getattr__(self, name: str) -> Any:
        value = copy.deepcopy(getattr(self._original, name), self._memo)
        setattr(self, name, value)
        return value


class _CopiesByName(dict):
    """The same, for a dict's values."""

    def __init__(self, original: dict[str, Any], memo: dict[int, Any]) -> None:
        super().__init__()
        self._original = original
        self._memo = memo

    def __missing__(self, key: str) -> Any:
        value = self[key] = copy.deepcopy(self._original[key], self._memo)
        return value


@pytest.fixture
def world(_world: World, db) -> World:
    # Test may reach nothing (STUDIO_OUTBOUND_ALLOW is empty: tests/conftest.py): a Test sent by
    # these tests ends in an inline "blocked" error.
    _restore_cache()
    memo: dict[int, Any] = {}
    return World(_CopiesByName(_world.users, memo), cast(Seed, _Copies(_world.seed, memo)))


@pytest.fixture
def seed(world: World) -> Seed:
    return world.seed


@pytest.fixture
def alice(world: World) -> User:
    """An Admin (the module's)."""
    return world.users["alice"]


@pytest.fixture
def bob(world: World) -> User:
    """A Developer (the module's)."""
    return world.users["bob"]


@pytest.fixture
def carol(world: World) -> User:
    """A Viewer (the module's)."""
    return world.users["carol"]


def _value_for(route: Route, param: str, seed: Seed) -> str:
    if param == "pk" and route.name == "run_body_download":
        return str(seed.binary_run.pk)
    if param == "pk" and route.name.startswith("alert_channel"):
        return str(seed.channel.pk)
    if param == "pk" and route.name.startswith("suite_run"):
        return str(seed.suite.pk)
    if param == "pk" and route.name.startswith("monitor"):
        return str(seed.monitor.pk)
    if param == "pk":
        return str(seed.revision.pk)
    if param == "action_name":
        return seed.action.name
    if param == "run_id":
        return str(seed.run.pk)
    if param == "name":
        return (
            seed.credential.name if route.route.startswith("credentials/") else seed.connector.name
        )
    if param == "template_id":
        return "openai-api-key"
    raise AssertionError(f"{route.name}: give the path parameter {param!r} a realistic value")


def url_of(route: Route, seed: Seed, **overrides: str) -> str:
    kwargs = {p: overrides.get(p) or _value_for(route, p, seed) for p in route.params}
    return reverse(route.name, kwargs=kwargs)


# What `state` reads: the rows of every model a request could write, and how many there are.
COUNTED = (Connector, Action, InputArg, Credential, TestRun, Revision, User, AlertChannel)
READ = {
    "connectors": Connector.objects.values().order_by("pk"),
    "actions": Action.objects.values().order_by("pk"),
    "args": InputArg.objects.values().order_by("pk"),
    "credentials": Credential.objects.values("name", "sealed").order_by("pk"),
    "channels": AlertChannel.objects.values().order_by("pk"),
}


@functools.cache
def _state_sql() -> tuple[str, dict[str, tuple[str, tuple[Any, ...]]]]:
    """The queries of `state`, compiled once: the counts in one statement, then the rows."""
    quote = connection.ops.quote_name
    counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in COUNTED)
    return f"SELECT {counts}", {key: qs.query.sql_with_params() for key, qs in READ.items()}


def state() -> dict[str, object]:
    """Everything a request could write: row counts, and each object's version and fields (as
    the database holds them: the queries run as compiled once, the ORM's cost being most of a
    test's)."""
    counts_sql, rows_sql = _state_sql()
    with connection.cursor() as cursor:
        cursor.execute(counts_sql)
        found: dict[str, object] = {
            "counts": dict(zip([m.__name__ for m in COUNTED], cursor.fetchone(), strict=True))
        }
        for key, (sql, params) in rows_sql.items():
            cursor.execute(sql, params)
            found[key] = cursor.fetchall()
    return found


def _headers(htmx: bool) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Current-URL": "http://testserver/"} if htmx else {}


HTMX = [pytest.param(False, id="plain"), pytest.param(True, id="htmx")]


def _allows_get(response) -> bool:
    return response.status_code != 405 or "GET" in response.get("Allow", "")


# --- anonymous -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_every_url_sends_an_anonymous_visitor_to_the_login_page(
    route: Route, method: str, seed: Seed
) -> None:
    before = state()
    url = url_of(route, seed)
    response = getattr(Client(), method)(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={quote(url)}"
    assert state() == before


# --- the Viewer ----------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", HTMX)
@pytest.mark.parametrize("route", [r for r in ROUTES if r.name in BROWSE], ids=str)
def test_a_viewer_opens_every_page_for_browsing(
    route: Route, htmx: bool, seed: Seed, carol: User
) -> None:
    response = client_for(carol).get(url_of(route, seed), headers=_headers(htmx))
    assert response.status_code == 200
    page = response.content.decode()
    for edit in EDIT_ROUTES:
        url = url_of(edit, seed)
        for attribute in ("href", "action", "hx-get", "hx-post"):
            assert f'{attribute}="{url}' not in page, f"{route.name} offers {edit.name}"
    if route.name == "help":
        return  # the README as a page: it names the buttons other roles have, in prose
    for button in (">Edit<", ">Delete<", ">Restore", ">Undo<", ">Test</button>", "Import cURL"):
        assert button not in page, f"{route.name} shows {button!r} to a Viewer"


@pytest.mark.parametrize("htmx", HTMX)
@pytest.mark.parametrize("route", EDIT_ROUTES, ids=str)
def test_a_viewer_gets_403_on_every_url_that_changes_something(
    route: Route, htmx: bool, seed: Seed, carol: User
) -> None:
    client = client_for(carol)
    before = state()
    url = url_of(route, seed)
    for method in ("get", "post"):
        response = getattr(client, method)(url, {"name": "x"}, headers=_headers(htmx))
        # A method the URL does not take is 405, whoever asks; it does nothing either way.
        allowed = response.get("Allow", "") if response.status_code == 405 else ""
        assert response.status_code == 403 or (allowed and method.upper() not in allowed), (
            method,
            response.status_code,
        )
    assert state() == before


# --- Developers and Admins -----------------------------------------------------------------------

USERS = ["bob", "alice"]


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_every_url_answers_a_developer_and_an_admin_without_an_error(
    route: Route, username: str, seed: Seed, request
) -> None:
    user = request.getfixturevalue(username)
    client = client_for(user)
    response = client.get(url_of(route, seed))
    if username == "bob" and route.name in ADMIN_ONLY:
        assert response.status_code in {403, 405}
    elif _allows_get(response):
        assert response.status_code in {200, 302}, response.status_code
    if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
        assert b"sk-robustness-canary" not in response.content


# --- hostile path parameters ---------------------------------------------------------------------

MISSING_NAMES = {
    "unknown": "does_not_exist",
    "unicode": "ünïcødé_名前_🚀",
    "long": "a" * 500,
    "dots": "..",
    "quote": "o'reilly\"<script>",
    "percent": "%2F%00",
    "nul": "a\x00b",
}


@pytest.mark.parametrize("htmx", HTMX)
@pytest.mark.parametrize("missing", list(MISSING_NAMES.values()), ids=list(MISSING_NAMES))
@pytest.mark.parametrize("route", PARAM_ROUTES, ids=str)
def test_a_name_that_does_not_exist_is_a_404(
    route: Route, missing: str, htmx: bool, seed: Seed, alice: User
) -> None:
    client = client_for(alice)
    for param in route.params:
        value = "999999" if param in ("pk", "run_id") else missing
        url = url_of(route, seed, **{param: value})
        before = state()
        for method in ("get", "post"):
            response = getattr(client, method)(url, headers=_headers(htmx))
            assert response.status_code in {404, 405}, (method, url, response.status_code)
        assert state() == before


@pytest.mark.parametrize("route", [r for r in ROUTES if "pk" in r.params], ids=str)
@pytest.mark.parametrize("pk", ["abc", "-1", "1.5", "99999999999999999999999"])
def test_a_malformed_id_is_a_404(route: Route, pk: str, seed: Seed, alice: User) -> None:
    url = url_of(route, seed).replace(f"/{_value_for(route, 'pk', seed)}/", f"/{quote(pk)}/")
    client = client_for(alice)
    response = client.get(url)
    if response.status_code == 405:  # takes POST only
        response = client.post(url)
    assert response.status_code == 404


# --- hostile query strings -----------------------------------------------------------------------

HOSTILE_QUERIES = {
    "run-abc": {"run": "abc"},
    "run-negative": {"run": "-1"},
    "run-missing": {"run": "999999999"},
    "run-huge": {"run": "9" * 40},
    "page-negative": {"page": "-1"},
    "page-huge": {"page": "999999"},
    "page-abc": {"page": "abc"},
    "q-huge": {"q": "x" * 20_000},
    "q-unicode": {"q": "ünïcødé 名前 🚀 '\"<>%_\\"},
    "q-nul": {"q": "a\x00b"},
    "filters-unknown": {"auth": "NOPE", "test": "NOPE", "by": "nobody", "sort": "NOPE"},
    "auth-config-unknown": {"auth_config": "NOPE", "auth-api_key_auth_type": "NOPE"},
    "connector-missing": {"connector": "does_not_exist"},
    "scope-selected-none": {"scope": "selected"},
    "scope-selected-missing": {"scope": "selected", "name": ["does_not_exist", "ü名"]},
    "next-offsite": {"next": "https://evil.example/steal"},
    "oauth-error": {"error": "access_denied", "error_description": "<b>no</b>", "state": "x"},
    "oauth-bad-state": {"state": "forged", "code": "abc"},
    "name-prefill": {"name": "x" * 5000},
    "nul-everywhere": {
        "connector": "a\x00b",
        "name": "a\x00b",
        "scope": "selected",
        "state": "\x00",
        "code": "\x00",
        "by": "\x00",
        "next": "/\x00",
    },
}


@pytest.mark.parametrize("htmx", HTMX)
@pytest.mark.parametrize("query", list(HOSTILE_QUERIES.values()), ids=list(HOSTILE_QUERIES))
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_hostile_query_strings_never_break_a_page(
    route: Route, query: dict[str, Any], htmx: bool, seed: Seed, alice: User
) -> None:
    before = state()
    response = client_for(alice).get(url_of(route, seed), query, headers=_headers(htmx))
    assert response.status_code in {200, 302, 400, 404, 405}, response.status_code
    if response.status_code == 302:
        assert not response["Location"].startswith("https://evil.example")
    assert state() == before


def test_a_run_id_that_is_not_a_number_or_not_this_actions_is_a_404(seed: Seed, bob: User) -> None:
    client = client_for(bob)
    url = seed.action.get_absolute_url()
    other = make_action(seed.connector, "other")
    foreign = TestRun.objects.create(action=other, request_method="GET", status=200)
    for run in ("abc", "-1", "1e3", "９", str(foreign.pk), "999999999", "9" * 40):
        assert client.get(url, {"run": run}).status_code == 404, run
        htmx = client.get(url, {"run": run}, headers=_headers(True))
        assert htmx.status_code == 404, run
    assert client.get(url, {"run": seed.run.pk}).status_code == 200


@pytest.mark.parametrize("page", ["-1", "0", "999999", "abc", "1" * 40])
def test_any_catalog_page_number_shows_a_page(page: str, seed: Seed, carol: User) -> None:
    response = client_for(carol).get(reverse("catalog"), {"page": page})
    assert response.status_code == 200
    assert seed.connector.name.encode() in response.content


def test_an_unknown_auth_config_shows_the_no_auth_fields(seed: Seed, bob: User) -> None:
    client = client_for(bob)
    response = client.get(reverse("auth_fields"), {"auth_config": "NOPE"})
    assert response.status_code == 200
    missing = client.get(reverse("auth_fields"), {"auth_config": "NONE", "connector": "nope"})
    assert missing.status_code == 404


# --- garbage and empty POSTs ---------------------------------------------------------------------

NUL_CATALOG = (
    '{"format": "connector-studio-catalog", "version": 1, "connectors": [{"name": "nul", '
    '"description": "\\u0000", "base_url": "https://a.example", "actions": [{"name": "act", '
    '"path": "/v1", "description": "\\u0000", "body": "\\u0000"}]}]}'
)
GARBAGE: dict[str, dict[str, Any]] = {
    "empty": {},
    "blanks": {
        "name": "",
        "base_url": "",
        "auth_config": "",
        "method": "",
        "path": "",
        "value": "",
        "command": "",
        "text": "",
        "document": "",
    },
    "garbage": {
        "name": "ünïcødé 名前 🚀 <script>",
        "display_name": "x" * 10_000,
        "base_url": "javascript:alert(1)",
        "auth_config": "NOPE",
        "timeout_seconds": "-abc",
        "verify_tls": "maybe",
        "headers_key": ["", "X-A", "X-A"],
        "headers_value": ["only one"],
        "headers_kind": ["secret", "secret", "nope", "extra"],
        "method": "BREW",
        "path": "no slash {{undeclared}}",
        "query_params_key": ["a"],
        "query_params_value": [],
        "body": "{not json",
        "args-TOTAL_FORMS": "abc",
        "args-INITIAL_FORMS": "-5",
        "version": "not-a-number",
        "value": "",
        "command": "curl 'https://api.example.com/v1/{{x",
        "connector": "does_not_exist",
        "sealed": "not-a-fernet-token",
        "digest": "0" * 64,
        "create": "1",
        "text": '{"format": 1, "connectors": "nope"}',
        "document": "[1, 2",
        "output_schema": "{broken",
        "model": "",
        "with_secrets": "on",
    },
    "huge-formset": {
        "name": "fine_name",
        "method": "GET",
        "path": "/ok",
        "args-TOTAL_FORMS": "100000000",
        "args-INITIAL_FORMS": "0",
        "args-MAX_NUM_FORMS": "1000",
    },
    "deep-json": {
        "name": "deep json!",
        "base_url": "https://api.example.com",
        "auth_config": "NONE",
        "timeout_seconds": "30",
        "method": "POST",
        "path": "/deep",
        "headers_key": ["Content-Type"],
        "headers_value": ["application/json"],
        "body": "[" * 100_000,
        "output_schema": "[" * 100_000,
        "text": "[" * 100_000,
        "document": "[" * 100_000,
        "command": "curl https://api.example.com/deep --json '" + "[" * 100_000 + "'",
        "value": "",
        "args-TOTAL_FORMS": "0",
        "args-INITIAL_FORMS": "0",
    },
    "nul-bytes": {
        "name": "a\x00b",
        "base_url": "https://api.example.com/\x00",
        "value": "secret\x00",
        "command": "curl https://api.example.com/\x00",
        "text": '{"a": "\x00"}',
        "document": '{"format": "\x00"}',
        "output_schema": '{"a": "\\u0000", "\\u0000": 1}',
        "body": "\x00",
        "path": "/\x00",
        "method": "GET",
        "model": "a\x00",
        "headers_key": ["X-\x00"],
        "headers_value": ["\x00"],
        "query_params_key": ["q\x00"],
        "query_params_value": ["\x00"],
        "auth_config": "API_KEY",
        "auth-api_key": "\x00",
        "auth-header_auth_key": "X\x00",
    },
    "nul-escaped": {
        "command": "curl $'https://api.example.com/v1/a\\x00b' -H $'X-A: a\\x00b' -d $'a=\\x00'",
        "text": NUL_CATALOG,
        "document": NUL_CATALOG,
        "choice-nul": "overwrite",
        "output_schema": '{"\\u0000": 1}',
        "model": "\\u0000",
    },
}


@pytest.mark.parametrize("htmx", HTMX)
@pytest.mark.parametrize("body", list(GARBAGE.values()), ids=list(GARBAGE))
@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_garbage_posts_never_500_and_never_half_save(
    route: Route, username: str, body: dict[str, Any], htmx: bool, seed: Seed, request
) -> None:
    client = client_for(request.getfixturevalue(username))
    before = state()
    response = client.post(url_of(route, seed), body, headers=_headers(htmx))
    assert response.status_code in {200, 302, 400, 403, 404, 405}, response.status_code
    refused = response.status_code != 302 and not (
        response.status_code == 200 and response.get("HX-Trigger")
    )
    if route.name in FORMS or refused:
        # A form with errors, a refusal: not one row written or changed.
        assert state() == before
    if route.name in FORMS and response.status_code not in {403, 405}:
        assert response.status_code in {200, 400}
        assert b'class="error"' in response.content


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_a_body_that_is_not_a_form_never_500s(
    route: Route, username: str, seed: Seed, request
) -> None:
    client = client_for(request.getfixturevalue(username))
    url = url_of(route, seed)
    before = state()
    for content_type, data in (
        ("application/json", b'{"name": "x", "auth_config": ["NOPE"]}'),
        ("application/x-www-form-urlencoded", b"name=%ff%fe&=&&%&a=%zz&args-TOTAL_FORMS=%00"),
        ("multipart/form-data; boundary=nope", b"--nope\r\nbroken"),
        ("text/plain", "\udcff".encode("utf-8", "surrogatepass")),
    ):
        response = client.post(url, data=data, content_type=content_type)
        assert response.status_code in {200, 302, 400, 403, 404, 405}, (content_type, response)
        if route.name in FORMS:
            assert response.status_code != 302
            assert state() == before


def test_the_test_button_with_no_input_is_an_inline_error(seed: Seed, bob: User) -> None:
    client = client_for(bob)
    url = reverse(
        "action_test", kwargs={"name": seed.connector.name, "action_name": seed.action.name}
    )
    before = TestRun.objects.count()
    response = client.post(url, {"model": ""}, headers=_headers(True))
    assert response.status_code == 200
    assert b'class="error"' in response.content or b"required" in response.content
    assert TestRun.objects.count() == before


def test_an_output_schema_that_is_not_json_keeps_the_old_one(seed: Seed, bob: User) -> None:
    seed.action.output_schema = {"type": "object"}
    seed.action.save()
    client = client_for(bob)
    url = reverse(
        "action_schema", kwargs={"name": seed.connector.name, "action_name": seed.action.name}
    )
    response = client.post(url, {"output_schema": "{broken"}, follow=True)
    assert response.status_code == 200
    assert b"not valid JSON" in response.content
    seed.action.refresh_from_db()
    assert seed.action.output_schema == {"type": "object"}


# --- error pages with DEBUG off ------------------------------------------------------------------

LEAKS = [
    b"Traceback",
    b"Using the URLconf",
    b"urlpatterns",
    b"DJANGO_SETTINGS_MODULE",
    b"SECRET_KEY",
    b"STUDIO_ENCRYPTION_KEYS",
    b"sk-robustness-canary",
    b"connectors/views.py",
    b"No Connector matches",
]


def _plain(response) -> None:
    assert response["Content-Type"].startswith("text/html")
    for leak in LEAKS:
        assert leak not in response.content, leak
    assert b"Connector Studio" in response.content


def test_the_404_page_is_plain(settings, seed: Seed, carol: User) -> None:
    settings.DEBUG = False
    client = client_for(carol)
    response = client.get("/connectors/does_not_exist/")
    assert response.status_code == 404
    _plain(response)
    assert b"Not found" in response.content
    assert client.get("/no/such/page/").status_code == 404


def test_the_403_page_is_plain(settings, seed: Seed, carol: User) -> None:
    settings.DEBUG = False
    response = client_for(carol).get(f"/connectors/{seed.connector.name}/edit/")
    assert response.status_code == 403
    _plain(response)
    assert b"Forbidden" in response.content
    assert b"Edit" not in response.content


def test_the_500_page_is_plain(settings, seed: Seed, carol: User, monkeypatch) -> None:
    settings.DEBUG = False

    def broken(query: str) -> None:
        raise RuntimeError("sk-robustness-canary in connectors/views.py: SECRET_KEY")

    monkeypatch.setattr("connectors.views.catalog.search_connectors", broken)
    client = client_for(carol)
    client.raise_request_exception = False
    response = client.get(reverse("catalog"))
    assert response.status_code == 500
    _plain(response)
    assert b"Server error" in response.content


def test_the_500_page_needs_no_request_and_no_database() -> None:
    # No `db` fixture: a query here would fail the test; no context: as Django's handler.
    html = loader.get_template("500.html").render()
    assert "Server error" in html
    assert "{%" not in html and "{{" not in html


# --- probes: the same name twice, restores that cannot apply, imports with odd choices ----------


def _action_url(name: str, seed: Seed) -> str:
    return reverse(name, kwargs={"name": seed.connector.name, "action_name": seed.action.name})


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([{"name": "model"}, {"name": "model"}], id="same-arg-twice"),
        pytest.param([{"name": "1bad"}, {"name": ""}], id="bad-arg-names"),
    ],
)
def test_input_args_that_clash_are_field_errors(
    args: list[dict[str, str]], seed: Seed, bob: User
) -> None:
    before = state()
    response = client_for(bob).post(
        reverse("action_create", kwargs={"name": seed.connector.name}),
        action_post(args=args, name="fresh", path="/v1/{{model}}"),
    )
    assert response.status_code == 200
    assert b'class="error"' in response.content
    assert state() == before


def test_an_input_arg_of_another_action_cannot_be_edited_through_this_one(
    seed: Seed, bob: User
) -> None:
    other = make_action(seed.connector, "other", args=[{"name": "victim"}])
    victim = other.input_args.get()
    data = action_post(args=[{"name": "model"}], name=seed.action.name, path="/v1/{{model}}")
    data.update({"args-INITIAL_FORMS": "1", "args-0-id": str(victim.pk)})
    before = state()
    response = client_for(bob).post(_action_url("action_edit", seed), data)
    assert response.status_code in {200, 302}
    victim.refresh_from_db()
    assert victim.action_id == other.pk and victim.name == "victim"
    if response.status_code == 200:
        assert state() == before


def test_an_action_name_taken_meanwhile_is_a_field_error(
    seed: Seed, bob: User, monkeypatch
) -> None:
    """Two people create the same action at once: the constraint holds, the form says so."""
    monkeypatch.setattr(ActionForm, "clean_name", lambda form: form.cleaned_data["name"])
    before = state()
    response = client_for(bob).post(
        reverse("action_create", kwargs={"name": seed.connector.name}),
        action_post(name=seed.action.name),
    )
    assert response.status_code == 200
    assert b'class="error"' in response.content
    assert state() == before


def test_a_credential_name_taken_meanwhile_is_a_field_error(
    seed: Seed, alice: User, monkeypatch
) -> None:
    monkeypatch.setattr(CredentialForm, "validate_unique", lambda form: None)
    monkeypatch.setattr(CredentialForm, "validate_constraints", lambda form: None, raising=False)
    before = state()
    response = client_for(alice).post(
        reverse("credential_create"), {"name": seed.credential.name, "value": "another"}
    )
    assert response.status_code == 200
    assert b'class="error"' in response.content
    assert state() == before


def test_renaming_a_connector_to_a_taken_name_is_a_field_error(seed: Seed, bob: User) -> None:
    other = api_key_connector("https://api.example.com", "k", name="Other")
    before = state()
    response = client_for(bob).post(
        reverse("connector_edit", kwargs={"name": other.name}),
        connector_post(name=seed.connector.name, version=str(other.version)),
    )
    assert response.status_code == 200
    assert b'class="error"' in response.content
    assert state() == before


@pytest.mark.parametrize("with_secrets", ["on", ""])
def test_every_revision_can_be_restored_or_says_why_not(
    with_secrets: str, seed: Seed, alice: User
) -> None:
    client = client_for(alice)
    # A deleted connector whose name was taken again meanwhile, and every seeded revision.
    gone = api_key_connector("https://api.example.com", "k", name="Gone")
    deleted = history.record(gone, Revision.Event.DELETED, alice)
    gone.delete()
    api_key_connector("https://api.example.com", "k", name="Gone")
    for revision in [deleted, *Revision.objects.exclude(pk=deleted.pk)]:
        response = client.post(
            reverse("revision_restore", kwargs={"pk": revision.pk}), {"with_secrets": with_secrets}
        )
        assert response.status_code == 302, (revision, response.status_code)
        assert client.get(response["Location"]).status_code in {200, 404}


def test_importing_with_choices_that_are_not_offered_skips(seed: Seed, alice: User) -> None:
    client = client_for(alice)
    document = client.get(reverse("catalog_export")).content.decode()
    before = state()
    for choice in ("garbage", "", "overwrite\x00", "ü" * 1000):
        response = import_catalog(client, document, {f"choice-{seed.connector.name}": choice})
        assert response.status_code == 302
    assert state()["counts"] == before["counts"]


@pytest.mark.parametrize(
    "upload",
    [
        pytest.param(b"\xff\xfe\x00garbage", id="binary"),
        pytest.param(b"", id="empty"),
        pytest.param(b"[" * 100_000, id="deep"),
        pytest.param(b'{"format": "connector-studio-catalog"}', id="no-version"),
    ],
)
def test_an_uploaded_catalog_that_is_not_one_says_so(
    upload: bytes, seed: Seed, alice: User
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = state()
    response = client_for(alice).post(
        reverse("catalog_import"), {"file": SimpleUploadedFile("catalog.json", upload)}
    )
    assert response.status_code == 400
    assert b'class="error"' in response.content
    assert state() == before


def test_a_token_endpoint_answer_nested_too_deeply_is_no_token() -> None:
    from connectors.engine.oauth import client

    assert client._parse("[" * 100_000, "application/json") == {}


def test_a_jwt_claim_nested_too_deeply_stays_text() -> None:
    from connectors.engine.oauth.assertion import claim_value

    assert claim_value("[" * 100_000) == "[" * 100_000


def test_a_nul_in_a_name_or_a_query_is_refused_before_the_database(seed: Seed, carol: User) -> None:
    """PostgreSQL cannot compare text with NUL; SQLite can: the answer is the same on both."""
    client = client_for(carol)
    assert client.get("/connectors/Open%00AI/").status_code == 404
    assert client.get(reverse("catalog"), {"q": "a\x00b"}).status_code == 400
    assert client.get(reverse("catalog"), {"q\x00": "a"}).status_code == 400
    anonymous = Client().get("/connectors/Open%00AI/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))


def test_an_output_schema_with_a_nul_is_refused(seed: Seed, bob: User) -> None:
    response = client_for(bob).post(
        _action_url("action_schema", seed), {"output_schema": '{"\\u0000": 1}'}, follow=True
    )
    assert b"NUL" in response.content
    seed.action.refresh_from_db()
    assert seed.action.output_schema is None


def test_it_serves_the_favicon_to_anyone() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
