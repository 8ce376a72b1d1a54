"""A URL means one thing everywhere: the home check, the guard and the wire read it alike.

Concrete attacks against a real "api" listener and a real "evil" one on 127.0.0.1 (the evil one
receives nothing), then the proof by difference: Hypothesis writes URLs from the characters
parsers disagree on, and either the studio refuses a URL or the listener the transport reached,
and the Host it sent, are the ones the home check read.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from connectors.importing import sources
from connectors.importing.plan import ReadError
from connectors.lib import origins as homes_origins
from connectors.lib.outbound import door, errors, messages
from connectors.lib.outbound import urls as origins
from connectors.models import Connector
from tests.conftest import client_for
from tests.engine.oauth.test_broker import oauth_connector
from tests.helpers.factories import (
    api_key_connector,
    connector_post,
    make_connector,
    make_credential,
)
from tests.helpers.oauth_server import AuthServer
from tests.helpers.upstream import Reply, Upstream
from tests.lib.outbound.test_door import CountingUpstream
from tests.secrets.test_homes import KEY, assert_nothing_carries, move_bypassing_forms, run, shown
from tests.test_admin import admin_post

LOCAL = ["127.0.0.1", "localhost"]


@pytest.fixture(autouse=True)
def local(settings) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = LOCAL
    settings.STUDIO_ENV_CREDENTIALS = []


@pytest.fixture
def api() -> Iterator[Upstream]:
    with Upstream() as server:
        yield server


@pytest.fixture
def evil() -> Iterator[Upstream]:
    with Upstream() as server:
        yield server


def confused(evil: str, api: str) -> str:
    """`http://evil\\@api`: a parser reading the host after the last @ sees api; urllib3
    ends the host at the backslash and connects to evil."""
    return f"http://{shown(evil)}\\@{shown(api)}"


# --- the parser ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://evil.example\\@api.example.com", "a backslash (\\)"),
        ("http://api.example.com/a b", "a space"),
        ("http://api.example.com/\tx", "a tab"),
        ("http://api.example.com\x00.evil.net/", "control character (U+0000)"),
        ("http://api.example\u200b.com/", "zero width space (U+200B)"),
        ("http://api.example.com\u3000/", "ideographic space (U+3000)"),
        ("http://user@api.example.com/", "“@” before its host"),
        ("http://@api.example.com/", "“@” before its host"),
        ("https://api.example.com:x@evil.net/", "“@” before its host"),
        ("http://api%2eexample.com/", "percent-encoded host"),
        ("http://ａｐｉ.example.com/", "“ａ” (U+FF41)"),
        ("http://bücher.de/", "write the host as xn--bcher-kva.de"),
        ("http://аpi.example.com/", "write the host as xn--pi-6kc.example.com"),
        ("http://127.1/", "127.1 as its host, an IP address"),
        ("http://0x7f.1/", "0x7f.1 as its host"),
        ("http://2130706433/", "2130706433 as its host"),
        ("http://0177.0.0.1/", "0177.0.0.1 as its host"),
        ("http://127.000.000.001/", "127.000.000.001 as its host"),
        ("http://api.example.1/", "an IP address in a form"),
        ("http://[fe80::1%25eth0]/", "IPv6 zone"),
        ("http://api.example.com&evil.net/", "“&” in its host"),
        ("ftp://api.example.com/", "Enter a URL starting with http://"),
        ("http:/api.example.com/", "Enter a URL starting with http://"),
        ("http://api.example.com:0/", "port 0"),
    ],
)
def test_it_refuses_what_parsers_read_differently(url: str, said: str) -> None:
    with pytest.raises(origins.UnsafeURL) as refused:
        origins.parse(url)
    assert said in refused.value.message


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://API.Example.com:443/v1/ä?q=1#top", "https://api.example.com/v1/%C3%A4?q=1"),
        ("http://api.example.com", "http://api.example.com/"),
        ("http://api.example.com:0080/x", "http://api.example.com/x"),
        ("http://[0:0:0:0:0:0:0:1]:8080/", "http://[::1]:8080/"),
        ("http://127.0.0.1:5/a/../b", "http://127.0.0.1:5/b"),
        ("http://xn--bcher-kva.de/", "http://xn--bcher-kva.de/"),
    ],
)
def test_it_hands_on_the_canonical_form(url: str, canonical: str) -> None:
    parsed = origins.parse(url)
    assert parsed.text == canonical
    again = origins.parse(parsed.text)  # the canonical form reads the same again
    assert (again.text, again.origin) == (parsed.text, parsed.origin)


def test_a_template_keeps_its_tags_in_the_host_and_nowhere_else() -> None:
    origin = origins.template_origin("https://{{instance}}.service-now.com/api/{{ path }}")
    assert origin == origins.Origin("https", "{{instance}}.service-now.com", 443)
    assert origin.admits(origins.parse("https://dev1.service-now.com/x").origin)
    assert not origin.admits(origins.parse("https://dev1.evil.net/x").origin)


# --- refused at save -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_connector_form_names_the_backslash(bob) -> None:
    page = client_for(bob).post(
        "/new/", connector_post(base_url="http://evil.example\\@api.example.com")
    )
    assert page.status_code == 200
    assert "The Base URL contains a backslash (\\)" in page.content.decode()
    assert not Connector.objects.exists()


@pytest.mark.django_db
def test_the_connector_form_refuses_userinfo_and_odd_addresses(bob) -> None:
    for base_url, said in [
        ("https://user@api.example.com", "“@” before its host"),
        ("http://0x7f.1:8000", "0x7f.1 as its host"),
        ("https://bücher.de", "xn--bcher-kva.de"),
    ]:
        page = client_for(bob).post("/new/", connector_post(base_url=base_url))
        assert said in page.content.decode(), base_url
    assert not Connector.objects.exists()


@pytest.mark.django_db
def test_the_token_url_field_names_the_backslash(bob) -> None:
    page = client_for(bob).post(
        "/new/",
        connector_post(
            base_url="https://api.example.com",
            auth_config="OAUTH2",
            **{
                "auth-oauth2_grant_type": "client_credentials",
                "auth-client_id": "client",
                "auth-client_secret": "s3cret-value-0123",
                "auth-oauth2_token_url": "https://evil.example\\@login.example.com/token",
            },
        ),
    )
    assert "The URL contains a backslash (\\)" in page.content.decode()
    assert not Connector.objects.exists()


@pytest.mark.django_db
def test_the_admin_names_the_backslash(alice) -> None:
    alice.is_staff = True
    alice.save()
    page = client_for(alice).post(
        "/admin/connectors/connector/add/",
        admin_post(base_url="http://evil.example\\@api.example.com"),
    )
    assert "The Base URL contains a backslash" in page.content.decode()
    assert not Connector.objects.exists()


@pytest.mark.django_db
def test_an_import_names_the_odd_address(bob) -> None:
    page = client_for(bob).post(
        reverse("curl_import"), {"command": "curl http://0x7f.1:8000/v1/models", "preview": "1"}
    )
    assert "0x7f.1 as its host" in page.content.decode()
    assert not Connector.objects.exists()


@pytest.mark.django_db
def test_a_curl_command_with_a_backslash_is_not_read(bob) -> None:
    page = client_for(bob).post(
        reverse("curl_import"),
        {"command": "curl 'http://evil.example\\@api.example.com/v1/models'", "preview": "1"},
    )
    assert "contains a backslash" in page.content.decode()
    assert not Connector.objects.exists()


def test_import_api_never_fetches_a_url_parsers_disagree_on(evil) -> None:
    with pytest.raises(ReadError, match="backslash"):
        sources.fetch(confused(evil.url, "api.example.com") + "/openapi.json")
    assert evil.received == []


# --- refused at send: the evil listener receives nothing ------------------------------------------


@pytest.mark.django_db
def test_a_backslash_base_url_never_sends_a_literal_api_key(api, evil) -> None:
    connector = api_key_connector(api.url, KEY)
    move_bypassing_forms(connector, base_url=confused(evil.url, api.url))
    result = run(connector)
    assert result.error_kind == "Blocked" and "backslash" in result.error_message
    assert evil.received == [] and api.received == []


@pytest.mark.django_db
def test_nor_a_team_credential_allowed_for_the_api(api, evil) -> None:
    make_credential("TEAM_API_KEY", KEY, allowed_hosts=[shown(api.url)])
    connector = make_connector(
        "Team", base_url=api.url, auth_config="BEARER", secrets={"token": "{{TEAM_API_KEY}}"}
    )
    move_bypassing_forms(connector, base_url=confused(evil.url, api.url))
    result = run(connector)
    assert result.error_kind == "Blocked" and "backslash" in result.error_message
    assert evil.received == []


@pytest.mark.django_db
def test_nor_an_environment_credential(api, evil, settings, monkeypatch) -> None:
    monkeypatch.setenv("VAULT_KEY", KEY)
    settings.STUDIO_ENV_CREDENTIALS = [f"VAULT_KEY@{shown(api.url)}"]
    connector = api_key_connector(api.url, "{{VAULT_KEY}}", name="Env")
    assert run(connector).status == 200
    move_bypassing_forms(connector, base_url=confused(evil.url, api.url))
    result = run(connector)
    assert result.error_kind == "Blocked" and "backslash" in result.error_message
    assert evil.received == []


@pytest.mark.django_db
def test_nor_the_client_secret_to_a_moved_token_url(evil) -> None:
    with AuthServer() as auth:
        connector = oauth_connector(auth)
        token_url = confused(evil.url, auth.url) + "/token"
        move_bypassing_forms(connector, auth_settings={"oauth2_token_url": token_url})
        result = run(connector)
        assert result.error_kind == "AuthFailed" and "backslash" in result.error_message
        assert auth.token_requests == []
    assert evil.received == []
    assert_nothing_carries(evil, auth.client_secret)


@pytest.mark.django_db
def test_a_backslash_redirect_carries_no_credential(api, evil) -> None:
    api.reply = Reply(302, {"Location": confused(evil.url, api.url) + "/x"}, b"")
    connector = api_key_connector(api.url, KEY)
    result = run(connector)
    assert result.error_kind == "Blocked"
    assert "302" in result.error_message and "backslash" in result.error_message
    assert len(api.received) == 1 and evil.received == []


@pytest.mark.django_db
def test_an_odd_ip_spelling_in_a_redirect_is_not_followed(api, evil) -> None:
    api.reply = Reply(302, {"Location": f"http://127.1:{evil.port}/x"}, b"")
    result = run(api_key_connector(api.url, KEY))
    assert result.error_kind == "Blocked" and "127.1 as its host" in result.error_message
    assert evil.received == []


# --- the proof by difference ---------------------------------------------------------------------

API, EVIL = "api.example", "evil.example"


class Pin:
    """DNS for the test: api.example and evil.example are 127.0.0.1, other names do not exist
    (answered at once, never asking a real resolver); IP literals resolve as themselves."""

    def __init__(self) -> None:
        self.real = socket.getaddrinfo

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = str(host).lower()
        if name in (API, EVIL):
            return self.real("127.0.0.1", port, *args, **kwargs)
        kwargs["flags"] = kwargs.get("flags", 0) | socket.AI_NUMERICHOST
        return self.real(host, port, *args, **kwargs)


def spellings(api_port: int, evil_port: int) -> st.SearchStrategy[str]:
    hosts = st.sampled_from(
        [API, EVIL, "API.Example", "api.example.", "ａｐｉ.example", "аpi.example", "api%2eexample"]
        + ["127.0.0.1", "127.1", "0x7f.1", "2130706433", "0177.0.0.1", "0x7f000001"]
        + ["[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[0:0:0:0:0:0:0:1]", "localhost"]
    )
    ports = st.sampled_from(
        [f":{api_port}", f":{evil_port}", f":0{api_port}", ":", f":{api_port}{evil_port}"]
        + [f"：{evil_port}", f":%3{evil_port}"]
    )
    marks = st.sampled_from(
        list("\\@:/?#%[].")
        + ["\t", " ", "\u3000", "\u200b", "\x00", "＠", "／", "＼", "：", "。"]
        + ["%40", "%2F", "%5C", "%2e", "//", "\\\\", "@@", "user:pw@"]
    )
    schemes = st.sampled_from(
        ["http://", "HTTP://", "https://", "http:/", "http:\\\\", "http:", "//", " http://"]
    )
    piece = st.one_of(hosts, ports, marks)
    # Free: any run of pieces. Shaped: [something that looks like a host, then a mark] + a host
    # + a port + a tail, the form of every known confusion, accepted often enough to connect.
    free = st.builds(
        lambda scheme, rest: scheme + rest,
        schemes,
        st.lists(piece, min_size=1, max_size=8).map("".join),
    )
    lead = st.one_of(st.just(""), st.builds(lambda h, p, m: h + p + m, hosts, ports, marks))
    tail = st.lists(st.one_of(piece, st.sampled_from(["/x", "/", "?q=1", "#f"])), max_size=4).map(
        "".join
    )
    shaped = st.builds(
        lambda lead_, host, port, tail_: "http://" + lead_ + host + port + tail_,
        lead,
        hosts,
        st.one_of(st.just(""), ports),
        tail,
    )
    # Plain: a readable host with a clean or odd tail, so that many do connect.
    plain_host = st.sampled_from([API, EVIL, "API.Example", "127.0.0.1", "[::ffff:127.0.0.1]"])
    plain = st.builds(
        lambda scheme, host, port, tail_: scheme + host + port + tail_,
        st.sampled_from(["http://", "HTTP://", "https://"]),
        plain_host,
        st.sampled_from([f":{api_port}", f":{evil_port}", f":0{evil_port}", ""]),
        tail,
    )
    return st.one_of(plain, shaped, free)


@pytest.fixture(scope="module")
def listeners() -> Iterator[tuple[CountingUpstream, CountingUpstream]]:
    with CountingUpstream() as api_listener, CountingUpstream() as evil_listener:
        yield api_listener, evil_listener


def send_and_see(url: str, api_l: CountingUpstream, evil_l: CountingUpstream) -> None:
    """Either the home check refuses url and nothing connects, or the one listener reached,
    and the Host it was sent, are the origin the home check read."""
    before = {id(listener): len(listener.received) for listener in (api_l, evil_l)}
    opened = {id(listener): len(listener.accepted) for listener in (api_l, evil_l)}
    try:
        approved: origins.Origin | None = homes_origins.origin_of(url)
    except origins.UnsafeURL:
        approved = None
    request = messages.OutboundRequest(
        "GET",
        url,
        [("Authorization", f"Bearer {KEY}")],
        timeout=5,
        connect_timeout=2,
        allow=LOCAL,
        credential_headers=frozenset({"authorization"}),
        follow_redirects=False,
    )
    with contextlib.suppress(errors.OutboundError):
        door.send(request)
    for listener in (api_l, evil_l):
        got = listener.received[before[id(listener)] :]
        connected = listener.accepted[opened[id(listener)] :]
        if approved is None:
            assert got == [] and connected == [], url
            continue
        if got or connected:
            assert listener.port == approved.port, (url, approved)
        for request_seen in got:
            assert request_seen.headers["host"] == approved.shown, (url, approved)


@pytest.mark.django_db
def test_what_the_home_check_reads_is_where_the_request_goes(listeners, monkeypatch) -> None:
    api_l, evil_l = listeners
    monkeypatch.setattr(socket, "getaddrinfo", Pin())

    @settings(
        max_examples=3000,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(spellings(api_l.port, evil_l.port))
    # The attacks this test was written for, and what it found, kept as regressions.
    @example(f"http://{EVIL}:{evil_l.port}\\@{API}:{api_l.port}/x")
    @example(f"http://{EVIL}:{evil_l.port}%5C@{API}:{api_l.port}/x")
    @example(f"http://{EVIL}:{evil_l.port}#@{API}:{api_l.port}/x")
    @example(f"http://{EVIL}:{evil_l.port}?@{API}:{api_l.port}/x")
    @example(f"http://{API}:{api_l.port}@{EVIL}:{evil_l.port}/x")
    @example(f"http://{EVIL}:{evil_l.port}＠{API}:{api_l.port}/x")
    @example(f"http://{EVIL}:{evil_l.port}\t@{API}:{api_l.port}/x")
    @example(f"http://[::ffff:127.0.0.1]:{evil_l.port}/")
    @example(f"http://0x7f.1:{evil_l.port}/")
    @example(f"http:\\\\{EVIL}:{evil_l.port}/")
    @example(f"http://{API}:{api_l.port}/")
    # Found by this test against the former hand-written home check (host after the last @,
    # host and port split at the first colon): each was read one way there, another on the wire.
    @example(f"http://{API}:{api_l.port}\\{API}")
    @example(f"http://api%2eexample:{api_l.port}")
    def check(url: str) -> None:
        send_and_see(url, api_l, evil_l)

    check()
    # The plain spellings did reach the listeners: the test saw real connections.
    assert api_l.received and evil_l.received
