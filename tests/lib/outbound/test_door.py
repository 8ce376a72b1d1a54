"""connectors.lib.outbound against real servers on 127.0.0.1: guard, pinning, deadlines, caps."""

from __future__ import annotations

import contextlib
import datetime
import gzip
import socket
import ssl
import struct
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from connectors.lib.outbound.door import send
from connectors.lib.outbound.errors import Blocked, OutboundError
from connectors.lib.outbound.guard import check_host, validate_allow_list
from connectors.lib.outbound.messages import OutboundRequest, OutboundResponse
from tests.helpers.upstream import Received, Reply, Upstream

LOCAL = ("127.0.0.1", "localhost")


class CountingUpstream(Upstream):
    """An Upstream that also records the peer address of every connection it accepts."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted: list[tuple[str, int]] = []
        accept = self.server.get_request

        def counting_accept() -> tuple[socket.socket, tuple[str, int]]:
            conn, peer = accept()
            self.accepted.append(peer)
            return conn, peer

        self.server.get_request = counting_accept  # type: ignore[method-assign]
        # Clients here hang up mid-response on purpose: no tracebacks for that.
        self.server.handle_error = lambda *_: None  # type: ignore[method-assign]


class TLSUpstream(CountingUpstream):
    """The same server behind TLS, with a self-signed certificate for "localhost"."""

    def __init__(self, cert: Path, key: Path) -> None:
        super().__init__()
        self.server_names: list[str | None] = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        context.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)


@pytest.fixture
def up() -> Iterator[CountingUpstream]:
    with CountingUpstream() as server:
        yield server


@pytest.fixture
def other() -> Iterator[CountingUpstream]:
    """A second upstream, reached as http://localhost:<port>: another origin than `up`."""
    with CountingUpstream() as server:
        yield server


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture
def tls(certificate: tuple[Path, Path]) -> Iterator[TLSUpstream]:
    with TLSUpstream(*certificate) as server:
        yield server


def get(url: str, **options: object) -> OutboundResponse:
    options.setdefault("allow", LOCAL)
    return send(OutboundRequest("GET", url, [], **options))  # type: ignore[arg-type]


def failure(url: str, **options: object) -> OutboundError:
    with pytest.raises(OutboundError) as caught:
        get(url, **options)
    return caught.value


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[list[str]]]) -> list[str]:
    """A resolver for made-up names giving answers[name][n] on the n-th lookup (then the last).

    Returns the names looked up, in order. Other names go to the real resolver.
    """
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: str, port: object, *args: object, **kwargs: object) -> list:
        if host not in answers:
            return real(host, port, *args, **kwargs)  # type: ignore[arg-type]
        asked.append(host)
        answer = answers[host][min(asked.count(host), len(answers[host])) - 1]
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in answer
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def raw_reply(sock: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):  # the client may have hung up already
        sock.sendall(data)


# --- the address guard -------------------------------------------------------------------

FORBIDDEN = [
    "127.0.0.1",
    "127.1",
    "127.0.1",
    "0",
    "0.0.0.0",
    "2130706433",
    "0x7f000001",
    "0x7f.0.0.1",
    "017700000001",
    "0177.0.0.1",
    "127.000.000.001",
    "localhost",
    "LOCALHOST",
    "[::1]",
    "[::]",
    "[0:0:0:0:0:0:0:1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::127.0.0.1]",
    "[64:ff9b::7f00:1]",
    "[64:ff9b::a9fe:a9fe]",
    "[64:ff9b:1::1]",
    "[2002:7f00:1::]",
    "[2002:a9fe:a9fe::1]",
    "[2001:0:4136:e378:8000:63bf:80ff:fffe]",  # Teredo, client 127.0.0.1
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "169.254.0.1",
    "169.254.170.2",
    "100.64.0.1",
    "100.100.100.200",
    "168.63.129.16",
    "[fd00:ec2::254]",
    "[::ffff:169.254.169.254]",
    "[fc00::1]",
    "[fd12:3456::1]",
    "[fe80::1]",
    "[fec0::1]",
    "224.0.0.1",
    "239.255.255.250",
    "255.255.255.255",
    "[ff02::1]",
    "198.18.0.1",
    "240.0.0.1",
    "192.0.0.1",
    "192.0.2.1",
    "198.51.100.1",
    "203.0.113.1",
    "[2001:db8::1]",
    "[100::1]",
]


@pytest.mark.parametrize("host", FORBIDDEN)
def test_it_refuses_private_and_special_addresses(host: str, up: CountingUpstream) -> None:
    error = failure(f"http://{host}:{up.port}/canary", allow=())

    assert isinstance(error, Blocked)
    assert error.kind == "Blocked"
    # A shorthand spelling (127.1, 0x7f.0.0.1) is refused before any address is looked up.
    assert "STUDIO_OUTBOUND_ALLOW" in error.message or "IP address in a form" in error.message
    assert up.accepted == []
    assert up.received == []


def test_it_refuses_the_metadata_address_naming_it() -> None:
    error = failure("http://169.254.169.254/latest/meta-data/")

    assert error.message.startswith("169.254.169.254 is a cloud metadata address")


def test_it_names_the_address_a_hostname_resolved_to(up: CountingUpstream) -> None:
    error = failure(f"http://localhost:{up.port}/", allow=())

    assert error.message.startswith("localhost resolves to 127.0.0.1, a loopback address")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/",
        "dict://127.0.0.1:11211/",
        "localhost:8000/path",
    ],
)
def test_it_refuses_schemes_other_than_http_and_https(url: str) -> None:
    assert failure(url).kind == "Blocked"


def test_it_reports_a_name_that_does_not_resolve() -> None:
    error = failure("http://no-such-host.invalid/v1")

    assert error.kind == "DNSError"
    assert error.message == "Could not resolve no-such-host.invalid: check the Base URL."


# --- the allow list ----------------------------------------------------------------------


def test_it_reaches_an_allow_listed_address(up: CountingUpstream) -> None:
    response = get(f"{up.url}/ping", allow=["127.0.0.1"])

    assert response.status == 200
    assert up.last.path == "/ping"


def test_it_reaches_an_address_inside_an_allow_listed_network(up: CountingUpstream) -> None:
    assert get(up.url, allow=["127.0.0.0/8"]).status == 200


def test_a_hostname_entry_allows_that_hostname_only(up: CountingUpstream) -> None:
    assert get(f"http://LocalHost:{up.port}/", allow=["localhost"]).status == 200
    assert failure(f"http://127.0.0.1:{up.port}/", allow=["localhost"]).kind == "Blocked"
    assert failure(f"http://127.1:{up.port}/", allow=["localhost"]).kind == "Blocked"
    assert len(up.received) == 1


def test_a_hostname_entry_never_unlocks_a_metadata_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_dns(monkeypatch, {"metadata.internal": [["169.254.169.254"]]})

    with pytest.raises(Blocked, match="cloud metadata"):
        check_host("metadata.internal", 80, ["metadata.internal"])
    assert check_host("metadata.internal", 80, ["169.254.169.254"]) == ["169.254.169.254"]


@pytest.mark.parametrize(
    "entries",
    [["*"], ["0.0.0.0/0"], ["::/0"], ["127.0.0.1", "*.example.com"], ["0.0.0.0/1"]],
)
def test_it_refuses_an_allow_list_that_allows_everything(entries: list[str]) -> None:
    with pytest.raises(ValueError):
        validate_allow_list(entries)


@pytest.mark.parametrize(
    "entry", ["10.0.0.0/33", "10.0.0.1/8", "127.1", "0x7f000001", "not a host", "fe80::1/200"]
)
def test_it_refuses_a_malformed_allow_list_entry(entry: str) -> None:
    with pytest.raises(ValueError):
        validate_allow_list([entry])


def test_it_accepts_hosts_addresses_and_networks() -> None:
    validate_allow_list(
        ["127.0.0.1", "localhost", " api.internal.example ", "10.0.0.0/8", "fd00::/8", "[::1]"]
    )


@pytest.mark.parametrize("wildcard", ["*", "0.0.0.0/0", "::/0"])
def test_send_refuses_to_use_a_wildcard_allow_list(wildcard: str, up: CountingUpstream) -> None:
    error = failure(up.url, allow=["127.0.0.1", wildcard])

    assert error.kind == "Blocked"
    assert "STUDIO_OUTBOUND_ALLOW" in error.message
    assert up.accepted == []


def test_an_allow_listed_private_network_is_let_through_and_bounded() -> None:
    """10.255.255.1 usually never answers (connect timeout); sandboxes may refuse or even answer.

    Whatever this network does, the guard lets the address through and the attempt ends in time.
    """
    try:
        get("http://10.255.255.1/", allow=["10.0.0.0/8"], connect_timeout=0.5, timeout=2)
    except OutboundError as error:
        assert error.kind in {"ConnectTimeout", "ConnectError", "Deadline"}
    with pytest.raises(Blocked):
        get("http://10.255.255.1/", allow=["10.0.0.0/16"])


# --- pinning -------------------------------------------------------------------------------


def test_it_connects_to_the_address_it_checked(up: CountingUpstream) -> None:
    checked = check_host("localhost", up.port, ["localhost"])

    get(f"http://localhost:{up.port}/pinned", allow=["localhost"])

    assert up.accepted[0][0] in checked
    assert up.last.headers["host"] == f"localhost:{up.port}"


def test_it_resolves_the_host_once_so_rebinding_fails(
    up: CountingUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first answer passes the check; a second lookup would get the metadata address.
    asked = fake_dns(monkeypatch, {"rebind.example": [["127.0.0.1"], ["169.254.169.254"]]})

    response = get(f"http://rebind.example:{up.port}/", allow=["127.0.0.0/8"])

    assert response.status == 200
    assert asked == ["rebind.example"]
    assert up.last.headers["host"] == f"rebind.example:{up.port}"


def test_it_tries_the_next_checked_address_when_one_refuses(
    up: CountingUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dns(monkeypatch, {"two.example": [["127.0.0.2", "127.0.0.1"]]})
    # Nothing listens on 127.0.0.2 at the upstream's port.

    assert get(f"http://two.example:{up.port}/", allow=["127.0.0.0/8"]).status == 200


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_it_keeps_the_hostname_for_tls_while_connecting_to_the_checked_ip(
    tls: TLSUpstream,
) -> None:
    response = get(f"https://localhost:{tls.port}/secure", allow=["localhost"], verify_tls=False)

    assert response.status == 200
    assert tls.server_names == ["localhost"]
    assert tls.last.headers["host"] == f"localhost:{tls.port}"
    assert tls.accepted[0][0] == "127.0.0.1"


def test_it_refuses_an_untrusted_certificate_when_verify_tls_is_on(tls: TLSUpstream) -> None:
    error = failure(f"https://localhost:{tls.port}/", allow=["localhost"], verify_tls=True)

    assert error.kind == "TLSError"
    assert "self-signed certificate" in error.message
    assert "Verify TLS" in error.message
    assert tls.server_names == ["localhost"]
    assert tls.received == []


def test_it_reports_https_to_a_plain_http_server_as_a_tls_error(up: CountingUpstream) -> None:
    error = failure(f"https://127.0.0.1:{up.port}/")

    assert error.kind == "TLSError"
    assert "Verify TLS" in error.message


# --- pooling -----------------------------------------------------------------------------


def test_it_reuses_the_connection(up: CountingUpstream) -> None:
    get(f"{up.url}/one")
    get(f"{up.url}/two")

    assert [r.path for r in up.received] == ["/one", "/two"]
    assert len(up.accepted) == 1


def test_it_keeps_no_cookies_between_requests(up: CountingUpstream) -> None:
    up.reply = Reply(headers={"Set-Cookie": "session=alice; Path=/"})

    get(f"{up.url}/login")
    get(f"{up.url}/next")

    assert "cookie" not in up.last.headers


def test_it_keeps_repeated_response_headers(up: CountingUpstream) -> None:
    up.raw = lambda sock, _: raw_reply(
        sock,
        b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 2\r\n\r\nok",
    )

    response = get(up.url)

    assert [v for k, v in response.headers if k.lower() == "set-cookie"] == ["a=1", "b=2"]


# --- responses and failures --------------------------------------------------------------


def test_it_returns_a_500_as_a_response(up: CountingUpstream) -> None:
    up.reply = Reply(status=500, body=b'{"error": "boom"}')

    response = get(up.url)

    assert (response.status, response.reason) == (500, "Internal Server Error")
    assert response.body == b'{"error": "boom"}'
    assert response.size == len(response.body)
    assert response.url == up.url + "/"
    assert response.redirects == []


def test_it_returns_a_body_that_is_not_utf8_intact(up: CountingUpstream) -> None:
    body = bytes(range(256)) + "café".encode("latin-1")
    up.reply = Reply(headers={"Content-Type": "application/octet-stream"}, body=body)

    assert get(up.url).body == body


def test_it_sends_method_headers_and_body(up: CountingUpstream) -> None:
    send(
        OutboundRequest(
            "POST",
            f"{up.url}/v1/items?q=a%20b",
            [("Content-Type", "application/json"), ("X-Trace", "1")],
            body=b'{"a": 1}',
            allow=LOCAL,
        )
    )

    assert (up.last.method, up.last.path, up.last.body) == (
        "POST",
        "/v1/items?q=a%20b",
        b'{"a": 1}',
    )
    assert up.last.headers["x-trace"] == "1"


def test_it_cuts_a_dripping_body_at_the_deadline(up: CountingUpstream) -> None:
    def drip(sock: socket.socket, _: Received) -> None:
        raw_reply(sock, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(100):
            try:
                sock.sendall(b"x")
            except OSError:
                return
            time.sleep(0.2)

    up.raw = drip

    error = failure(up.url, timeout=1)

    assert error.kind == "Deadline"
    assert error.message == "The whole request took longer than the connector's 1 s timeout."


def test_it_watches_every_sends_deadline_with_one_thread(up: CountingUpstream) -> None:
    # Counted by name: threads of other tests' servers may still be ending meanwhile.
    def watchdogs() -> list[str]:
        names = ("send-deadlines", "send-cancels")
        return [t.name for t in threading.enumerate() if t.name in names]

    get(up.url)  # the watchdog's thread starts with the first send
    before = watchdogs()
    for _ in range(20):
        assert get(up.url).status == 200
    assert watchdogs() == before
    assert watchdogs().count("send-deadlines") == 1


def test_it_cuts_dripping_headers_at_the_deadline(up: CountingUpstream) -> None:
    def drip(sock: socket.socket, _: Received) -> None:
        for byte in b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"y" * 100:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                return
            time.sleep(0.2)

    up.raw = drip

    assert failure(up.url, timeout=1).kind == "Deadline"


def test_it_reports_a_connection_reset_mid_body(up: CountingUpstream) -> None:
    def reset(sock: socket.socket, _: Received) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
        time.sleep(0.1)  # let the client take the first bytes
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # RST, not FIN

    up.raw = reset

    error = failure(up.url)

    assert error.kind == "ConnectError"
    assert "127.0.0.1" in error.message


def test_it_reports_a_refused_connection() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    error = failure(f"http://127.0.0.1:{port}/")

    assert error.kind == "ConnectError"
    assert error.message == f"Connection refused by 127.0.0.1:{port}: is the server running?"
    assert error.elapsed_ms is not None


@pytest.mark.parametrize("url", ["http://[::1/", "http://127.0.0.1:99999/", "http:///path"])
def test_it_reports_a_url_it_cannot_parse(url: str) -> None:
    assert failure(url).kind == "InvalidURL"


def test_it_refuses_a_header_with_a_line_break_without_echoing_it(up: CountingUpstream) -> None:
    request = OutboundRequest("GET", up.url, [("X-Key", "secret\r\nX-Injected: 1")], allow=LOCAL)

    with pytest.raises(OutboundError) as caught:
        send(request)

    assert caught.value.kind == "InvalidHeader"
    assert "secret" not in caught.value.message
    assert up.received == []


def test_it_gives_up_connecting_after_the_connect_timeout() -> None:
    # A listener whose backlog is full: the kernel drops further SYNs, so connect() hangs.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        try:
            error = failure(f"http://127.0.0.1:{port}/", connect_timeout=0.5)
        finally:
            for filler in fillers:
                filler.close()

    assert error.kind == "ConnectTimeout"
    assert error.message.startswith(f"No connection to 127.0.0.1:{port} within 0.5 s")


def test_it_refuses_a_body_declared_larger_than_the_cap(up: CountingUpstream) -> None:
    up.reply = Reply(body=b"x" * 5000)

    error = failure(up.url, max_bytes=1000)

    assert error.kind == "TooLarge"
    assert "1000 bytes" in error.message


def test_it_stops_reading_a_streamed_body_at_the_cap(up: CountingUpstream) -> None:
    def endless(sock: socket.socket, _: Received) -> None:
        raw_reply(sock, b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        for _ in range(1000):  # 64 MB unless the client hangs up
            try:
                sock.sendall(b"x" * 65536)
            except OSError:
                return

    up.raw = endless

    error = failure(up.url, max_bytes=1 << 20)

    assert error.kind == "TooLarge"
    assert error.message.startswith("The response is larger than 1 MB (STUDIO_MAX_RESPONSE_BYTES)")


def test_it_stops_a_gzip_bomb_at_the_cap_with_bounded_memory(up: CountingUpstream) -> None:
    member = gzip.compress(bytes(1 << 20), compresslevel=9)
    bomb = member * 1024  # 1 GB of zeros in about 1 MB
    up.reply = Reply(headers={"Content-Encoding": "gzip"}, body=bomb)

    tracemalloc.start()
    try:
        error = failure(up.url, max_bytes=1 << 20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert error.kind == "TooLarge"
    assert peak < 8 << 20  # bytes; the bomb inflates to 1 GB


def test_it_reports_a_body_that_does_not_decompress(up: CountingUpstream) -> None:
    up.reply = Reply(headers={"Content-Encoding": "gzip"}, body=b"not gzip at all")

    assert failure(up.url).kind == "BadResponse"


# --- redirects -----------------------------------------------------------------------------

CREDENTIALS = [
    ("Authorization", "Bearer sk-secret"),
    ("X-Api-Key", "key-secret"),
    ("Cookie", "session=secret"),
    ("X-Trace", "kept"),
]


def send_with_credentials(url: str) -> OutboundResponse:
    return send(
        OutboundRequest(
            "GET",
            url,
            list(CREDENTIALS),
            allow=LOCAL,
            credential_headers=frozenset({"x-api-key"}),
            credential_params=frozenset({"api_key"}),
        )
    )


def redirect_to(location: str, status: int = 302) -> Reply:
    return Reply(status=status, headers={"Location": location}, body=b"")


def test_it_keeps_credentials_on_a_same_host_redirect(up: CountingUpstream) -> None:
    up.handler = lambda got: (
        redirect_to("/next?api_key=s&page=2") if got.path.startswith("/start") else Reply()
    )

    response = send_with_credentials(f"{up.url}/start?api_key=s")

    assert response.redirects == [(302, "/next?api_key=s&page=2")]
    assert response.url == f"{up.url}/next?api_key=s&page=2"
    last = up.last
    assert last.path == "/next?api_key=s&page=2"
    assert last.headers["authorization"] == "Bearer sk-secret"
    assert last.headers["x-api-key"] == "key-secret"
    assert last.headers["cookie"] == "session=secret"


@pytest.mark.parametrize("target_host", ["localhost", "127.0.0.1"])
def test_it_drops_credentials_on_a_redirect_to_another_origin(
    target_host: str, up: CountingUpstream, other: CountingUpstream
) -> None:
    location = f"http://{target_host}:{other.port}/landing?api_key=s&page=2"
    up.reply = redirect_to(location, 307)

    response = send_with_credentials(f"{up.url}/start?api_key=s")

    assert response.status == 200
    assert response.redirects == [(307, location)]
    landed = other.last
    assert landed.path == "/landing?page=2"
    assert "authorization" not in landed.headers
    assert "x-api-key" not in landed.headers
    assert "cookie" not in landed.headers
    assert landed.headers["x-trace"] == "kept"


def test_it_turns_a_303_into_a_get_without_body(up: CountingUpstream) -> None:
    up.handler = lambda got: redirect_to("/result", 303) if got.method == "POST" else Reply()

    send(
        OutboundRequest(
            "POST", up.url, [("Content-Type", "text/plain")], body=b"payload", allow=LOCAL
        )
    )

    assert (up.last.method, up.last.path, up.last.body) == ("GET", "/result", b"")
    assert "content-type" not in up.last.headers


def test_it_repeats_a_post_on_a_307(up: CountingUpstream) -> None:
    up.handler = lambda got: redirect_to("/again", 307) if got.path == "/" else Reply()

    send(OutboundRequest("POST", up.url, [], body=b"payload", allow=LOCAL))

    assert (up.last.method, up.last.path, up.last.body) == ("POST", "/again", b"payload")


def test_it_follows_five_redirects(up: CountingUpstream) -> None:
    up.handler = lambda got: (
        redirect_to(f"/{int(got.path[1:]) + 1}") if int(got.path[1:]) < 5 else Reply()
    )

    response = get(f"{up.url}/0")

    assert response.status == 200
    assert [location for _, location in response.redirects] == ["/1", "/2", "/3", "/4", "/5"]


def test_it_stops_at_the_sixth_redirect(up: CountingUpstream) -> None:
    up.handler = lambda got: redirect_to(f"/{int(got.path[1:]) + 1}")

    error = failure(f"{up.url}/0")

    assert error.kind == "Redirect"
    assert "302" in error.message
    assert "Location: /6" in error.message
    assert len(up.received) == 6


def test_it_refuses_a_redirect_to_the_metadata_address(up: CountingUpstream) -> None:
    up.reply = redirect_to("http://169.254.169.254/latest/meta-data/iam/")

    error = failure(up.url)

    assert error.kind == "Blocked"
    assert "302" in error.message
    assert "http://169.254.169.254/latest/meta-data/iam/" in error.message
    assert "cloud metadata" in error.message


def test_it_refuses_a_redirect_to_another_scheme(up: CountingUpstream) -> None:
    up.reply = redirect_to("file:///etc/passwd", 301)

    error = failure(up.url)

    assert error.kind == "Blocked"
    assert "301" in error.message
    assert "file:///etc/passwd" in error.message


def test_it_does_not_read_the_body_of_a_redirect(up: CountingUpstream) -> None:
    def handler(sock: socket.socket, got: Received) -> None:
        if got.path == "/start":  # a gigabyte announced, never sent
            raw_reply(
                sock, b"HTTP/1.1 302 Found\r\nLocation: /end\r\nContent-Length: 1000000000\r\n\r\n"
            )
        else:
            raw_reply(sock, b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone")

    up.raw = handler

    response = get(f"{up.url}/start", timeout=5)

    assert (response.status, response.body) == (200, b"done")


def test_it_refuses_a_redirect_to_a_location_that_is_not_a_url(up: CountingUpstream) -> None:
    up.reply = redirect_to("http://[::1/oops")

    error = failure(up.url)

    assert error.kind == "Redirect"
    assert "302" in error.message
    assert "http://[::1/oops" in error.message


def test_it_returns_a_redirect_without_location_as_a_response(up: CountingUpstream) -> None:
    up.reply = Reply(status=302, body=b"nowhere")

    response = get(up.url)

    assert (response.status, response.body, response.redirects) == (302, b"nowhere", [])


def test_deadline_covers_a_slow_server_in_another_thread(up: CountingUpstream) -> None:
    """Each send has its own deadline: a slow call in one thread does not cut a fast one."""
    slow_started = threading.Event()

    def handler(got: Received) -> Reply:
        if got.path == "/slow":
            slow_started.set()
            time.sleep(1.5)
        return Reply()

    up.handler = handler
    results: list[str] = []

    def slow() -> None:
        try:
            get(f"{up.url}/slow", timeout=0.5)
        except OutboundError as e:
            results.append(e.kind)

    thread = threading.Thread(target=slow)
    thread.start()
    slow_started.wait(5)
    fast = get(f"{up.url}/fast", timeout=5)
    thread.join()

    assert fast.status == 200
    assert results == ["Deadline"]
