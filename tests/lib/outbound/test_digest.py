"""Digest Auth (RFC 7616) against a real local digest server: the password never travels."""

from __future__ import annotations

import pytest

from connectors.engine import executor
from connectors.lib.curl import parse as curl_parse
from connectors.lib.outbound import digest
from connectors.models import Connector
from tests.conftest import client_for
from tests.helpers.digest_server import DigestServer
from tests.helpers.factories import connector_post, make_action, make_connector
from tests.helpers.upstream import Reply, Upstream
from tests.views.test_importing_curl import create, preview

pytestmark = pytest.mark.django_db


@pytest.fixture
def allow_local(settings) -> None:
    settings.STUDIO_OUTBOUND_ALLOW = ["127.0.0.1", "localhost"]


def digest_connector(
    server: DigestServer, password: str | None = None, base_url: str = ""
) -> Connector:
    return make_connector(
        "Digested",
        base_url=base_url or server.url,
        auth_config=Connector.AuthConfig.DIGEST,
        auth_settings={"username": server.username},
        secrets={"password": server.password if password is None else password},
    )


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_it_answers_the_digest_challenge_with_each_algorithm(allow_local, algorithm) -> None:
    with DigestServer(algorithms=(algorithm,)) as server:
        action = make_action(digest_connector(server), path="/dir/index.json")
        run = executor.run(action, {}, None)
        assert (run.status, run.error_kind) == (200, "")
        [accepted] = server.accepted
        assert accepted["algorithm"] == algorithm and accepted["qop"] == "auth"
        assert accepted["nc"] == "00000001" and accepted["uri"] == "/dir/index.json"
        assert not server.password_travelled()


def test_it_prefers_sha_256_when_the_server_offers_both(allow_local) -> None:
    with DigestServer(algorithms=("MD5", "SHA-256")) as server:
        run = executor.run(make_action(digest_connector(server), path="/x"), {}, None)
        assert run.status == 200
        assert server.accepted[0]["algorithm"] == "SHA-256"


def test_it_answers_a_legacy_challenge_without_qop(allow_local) -> None:
    with DigestServer(algorithms=("MD5",), qop=None) as server:
        run = executor.run(make_action(digest_connector(server), path="/legacy"), {}, None)
        assert run.status == 200
        assert "qop" not in server.accepted[0] and "nc" not in server.accepted[0]


def test_it_signs_the_query_and_a_post_body_request(allow_local) -> None:
    with DigestServer() as server:
        action = make_action(
            digest_connector(server),
            method="POST",
            path="/items",
            query_params=[{"key": "tag", "value": "a"}, {"key": "tag", "value": "b"}],
            body='{"name": "x"}',
        )
        run = executor.run(action, {}, None)
        assert run.status == 200
        assert server.accepted[0]["uri"] == "/items?tag=a&tag=b"


def test_a_wrong_password_ends_in_the_servers_401_after_one_answer(allow_local) -> None:
    with DigestServer() as server:
        action = make_action(digest_connector(server, password="not-the-password-42"), path="/x")
        run = executor.run(action, {}, None)
        assert run.status == 401 and run.error_kind == ""
        assert len(server.raw) == 2  # the first try and one answer, no loop
        assert "not-the-password-42" not in run.request_curl + str(run.request_headers)


def test_the_nonce_count_grows_when_a_nonce_is_answered_again() -> None:
    credentials = digest.DigestCredentials("ada", "pw")
    challenge = digest.Challenge(realm="r", nonce="same-nonce", algorithm="MD5", qop=["auth"])
    first = digest.authorization(credentials, challenge, "GET", "/", "http://h:1")
    second = digest.authorization(credentials, challenge, "GET", "/", "http://h:1")
    assert "nc=00000001" in first and "nc=00000002" in second
    assert "pw" not in first.replace("response=", "")


def test_it_matches_the_rfc_7616_example() -> None:
    """RFC 7616 section 3.9.1: Mufasa, "Circle of Life", SHA-256 and MD5."""
    challenge = digest.Challenge(
        realm="http-auth@example.org",
        nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
        algorithm="SHA-256",
        qop=["auth", "auth-int"],
        opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
    )
    cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
    credentials = digest.DigestCredentials("Mufasa", "Circle of Life")
    header = digest.authorization(
        credentials, challenge, "GET", "/dir/index.html", "rfc:1", cnonce=cnonce
    )
    assert 'response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"' in header
    md5 = digest.authorization(
        credentials,
        digest.Challenge(**{**challenge.__dict__, "algorithm": "MD5"}),
        "GET",
        "/dir/index.html",
        "rfc:2",
        cnonce=cnonce,
    )
    assert 'response="8ca523f5e9506fed4657c9700eebdbec"' in md5


def test_it_refuses_challenges_it_cannot_answer_safely() -> None:
    only_int = digest.parse(['Digest realm="r", nonce="n", qop="auth-int", algorithm=MD5'])
    unknown = digest.parse(['Digest realm="r", nonce="n", qop="auth", algorithm=SHA-1'])
    assert digest.choose(only_int) is None and digest.choose(unknown) is None
    both = digest.parse(
        ['Basic realm="x", Digest realm="r", nonce="n1", qop="auth", algorithm=MD5',
         'Digest realm="r", nonce="n2", qop="auth,auth-int", algorithm=SHA-256']
    )  # fmt: skip
    chosen = digest.choose(both)
    assert chosen is not None and (chosen.algorithm, chosen.nonce) == ("SHA-256", "n2")


def test_a_redirect_to_another_origin_gets_no_digest_answer(allow_local) -> None:
    with Upstream() as evil, DigestServer() as server, Upstream() as front:
        front.reply = Reply(302, {"Location": f"{evil.url}/steal"}, b"")
        evil.reply = Reply(
            401, {"WWW-Authenticate": 'Digest realm="evil", nonce="n", qop="auth"'}, b""
        )
        connector = digest_connector(server, base_url=front.url)  # entered for front
        run = executor.run(make_action(connector, path="/start"), {}, None)
        assert run.status == 401
        assert len(evil.received) == 1 and "authorization" not in evil.last.headers
        assert server.raw == []


def test_copy_as_curl_asks_curl_for_digest_with_a_placeholder(allow_local) -> None:
    with DigestServer() as server:
        run = executor.run(make_action(digest_connector(server), path="/x"), {}, None)
        assert "--digest -u" in run.request_curl and "ada:$DIGEST_PASSWORD" in run.request_curl
        assert server.password not in run.request_curl


def test_the_connector_form_saves_digest_auth_with_a_sealed_password(bob) -> None:
    canary = "canary-digest-secret-77"
    response = client_for(bob).post(
        "/new/",
        connector_post(
            name="Digested",
            auth_config="DIGEST",
            **{"auth-username": "ada", "auth-password": canary},
        ),
    )
    assert response.status_code == 302
    connector = Connector.objects.get(name="Digested")
    assert connector.auth_config == "DIGEST"
    assert connector.auth_settings == {"username": "ada"}
    assert canary not in str(connector.auth_secrets)
    page = client_for(bob).get(connector.get_absolute_url()).content.decode()
    assert "Digest Auth" in page and canary not in page
    form = client_for(bob).get("/auth-fields/?auth_config=DIGEST").content.decode()
    assert 'for="id_auth-username"' in form and 'for="id_auth-password"' in form
    assert 'type="password"' in form


def test_the_form_asks_for_the_password(bob) -> None:
    response = client_for(bob).post(
        "/new/", connector_post(name="Digested", auth_config="DIGEST", **{"auth-username": "a"})
    )
    assert response.status_code == 200
    assert "Enter the Password." in response.content.decode()
    assert not Connector.objects.filter(name="Digested").exists()


def test_curl_digest_imports_as_digest_auth() -> None:
    parsed = curl_parse.parse_curl("curl --digest -u ada:s3cret-value-99 https://api.example.com/x")
    assert parsed.auth is not None and parsed.auth.auth_config == "DIGEST"
    assert parsed.auth.describe() == "Digest Auth"
    assert parsed.auth.secrets["password"].value == "s3cret-value-99"
    plain = curl_parse.parse_curl("curl -u ada:s3cret-value-99 https://api.example.com/x")
    assert plain.auth is not None and plain.auth.auth_config == "BASIC"


def test_curl_import_creates_a_digest_connector_that_passes_its_test(allow_local, bob) -> None:
    with DigestServer() as server:
        client = client_for(bob)
        command = f"curl --digest -u '{server.username}:{server.password}' {server.url}/dir/x"
        previewed = preview(client, command)
        assert "Digest Auth" in previewed.content.decode()
        assert server.password not in previewed.content.decode()
        assert create(client, previewed).status_code == 302
        connector = Connector.objects.get()
        assert connector.auth_config == "DIGEST"
        run = executor.run(connector.actions.get(), {}, bob)
        assert (run.status, run.error_kind) == (200, "")
        assert not server.password_travelled()
