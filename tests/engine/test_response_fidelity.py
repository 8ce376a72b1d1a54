"""The response as it came, against a real local server: binary bodies and their download,
images inline, br and zstd, redirect hops, XML as JSON, and the URL as it went on the wire."""

from __future__ import annotations

import base64
import json
import os
import struct
import subprocess
import zlib

import brotli
import pytest
from django.contrib.auth.models import User
from django.test import Client

from connectors.engine import executor
from connectors.lib.curl.export import to_curl
from connectors.models import TestRun
from tests.conftest import client_for
from tests.helpers.factories import api_key_connector, make_action, make_connector
from tests.helpers.upstream import Received, Reply

try:
    from compression import zstd
except ImportError:  # Python < 3.14: the backport urllib3 decodes with
    from backports import zstd

pytestmark = pytest.mark.django_db

KEY = "sk-canary-fidelity-0123456789"


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG image (RGB, every pixel red)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def htmx_test(client, action) -> str:
    response = client.post(f"{action.get_absolute_url()}test/", {}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def download_url(run: TestRun) -> str:
    return f"{run.action.get_absolute_url()}runs/{run.pk}/body/"


# --- binary bodies --------------------------------------------------------------------------------


def test_it_shows_a_png_inline_and_downloads_its_bytes(upstream, bob, carol) -> None:
    image = png()
    upstream.reply = Reply(headers={"Content-Type": "image/png"}, body=image)
    action = make_action(make_connector("Img", base_url=upstream.url), path="/image/png")
    page = htmx_test(client_for(bob), action)
    run = TestRun.objects.get()
    assert bytes(run.response_bytes) == image and run.is_binary
    assert f"({len(image)} bytes), binary" in page
    assert f'<img class="response-image" src="{download_url(run)}"' in page
    assert f'href="{download_url(run)}" download>Download the body</a>' in page

    got = client_for(carol).get(download_url(run))  # a Viewer may see the run, and its body
    assert got.status_code == 200 and got.content == image
    assert got["Content-Type"] == "image/png"
    assert got["Content-Disposition"] == f'attachment; filename="list_models-{run.pk}.png"'
    assert got["X-Content-Type-Options"] == "nosniff"
    assert got["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_it_offers_arbitrary_bytes_for_download_without_an_image(upstream, bob) -> None:
    data = bytes(range(256)) * 8
    upstream.reply = Reply(headers={"Content-Type": "application/octet-stream"}, body=data)
    action = make_action(make_connector("Bytes", base_url=upstream.url), path="/bytes/2048")
    page = htmx_test(client_for(bob), action)
    run = TestRun.objects.get()
    assert "application/octet-stream, 2.0\xa0KB (2048 bytes), binary." in page
    assert "<img" not in page
    got = client_for(bob).get(download_url(run))
    assert got.content == data and got["Content-Type"] == "application/octet-stream"


def test_it_never_shows_a_body_inline_whose_bytes_are_not_the_declared_image(upstream, bob) -> None:
    fake = b"\x00<html><script>alert(1)</script></html>"
    upstream.reply = Reply(headers={"Content-Type": "image/png"}, body=fake)
    action = make_action(make_connector("Fake", base_url=upstream.url), path="/x")
    page = htmx_test(client_for(bob), action)
    assert "<img" not in page and "alert(1)" not in page
    got = client_for(bob).get(download_url(TestRun.objects.get()))
    assert got["Content-Disposition"].startswith("attachment;")
    assert got["X-Content-Type-Options"] == "nosniff"


def test_it_downloads_an_html_labelled_binary_as_plain_bytes(upstream, bob) -> None:
    upstream.reply = Reply(headers={"Content-Type": "text/html"}, body=b"<p>\x00\x01</p>")
    action = make_action(make_connector("Page", base_url=upstream.url), path="/x")
    htmx_test(client_for(bob), action)
    got = client_for(bob).get(download_url(TestRun.objects.get()))
    assert got["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize(
    "encode",
    [
        lambda key: key,
        lambda key: base64.b64encode(b"x" + key),
        lambda key: base64.b64encode(b"xy" + key),
        lambda key: key.decode().encode("utf-16-le"),
        lambda key: key.hex().encode(),
    ],
    ids=["raw", "base64-offset-1", "base64-offset-2", "utf-16", "hex"],
)
def test_it_keeps_no_bytes_that_hold_the_connectors_secret(upstream, bob, encode) -> None:
    body = b"\x00\x01\x02" + encode(KEY.encode()) + b"\xff\xfe"
    upstream.reply = Reply(headers={"Content-Type": "application/octet-stream"}, body=body)
    action = make_action(api_key_connector(upstream.url, KEY), path="/echo-key")
    page = htmx_test(client_for(bob), action)
    run = TestRun.objects.get()
    assert bytes(run.response_bytes) == b""
    assert "bytes cannot be masked like text" in page and "Download the body" not in page
    assert client_for(bob).get(download_url(run)).status_code == 404


def test_it_refuses_the_download_to_a_stranger_and_to_another_action(upstream, bob) -> None:
    upstream.reply = Reply(headers={"Content-Type": "image/png"}, body=png())
    connector = make_connector("Img", base_url=upstream.url)
    action = make_action(connector)
    other = make_action(connector, name="other")
    run = executor.run(action, {}, bob)
    nobody = User.objects.create_user("dave", password="pass-dave")  # no role
    assert client_for(nobody).get(download_url(run)).status_code == 403
    assert Client().get(download_url(run)).status_code == 302  # to the login page
    wrong = f"{other.get_absolute_url()}runs/{run.pk}/body/"
    assert client_for(bob).get(wrong).status_code == 404


def test_it_keeps_svg_as_text_never_as_an_image(upstream, bob) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    upstream.reply = Reply(headers={"Content-Type": "image/svg+xml"}, body=svg)
    action = make_action(make_connector("Svg", base_url=upstream.url), path="/image/svg")
    page = htmx_test(client_for(bob), action)
    assert "<img" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not TestRun.objects.get().is_binary


# --- br and zstd ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "compress"), [("br", brotli.compress), ("zstd", zstd.compress)]
)
def test_it_decodes_br_and_zstd(upstream, bob, encoding, compress) -> None:
    body = json.dumps({"decoded": encoding, "pad": "x" * 2000}).encode()
    upstream.reply = Reply(
        headers={"Content-Type": "application/json", "Content-Encoding": encoding},
        body=compress(body),
    )
    run = executor.run(make_action(make_connector("Z", base_url=upstream.url)), {}, bob)
    assert run.error_kind == "" and json.loads(run.response_body)["decoded"] == encoding
    assert run.size == len(body)
    assert encoding in upstream.last.headers["accept-encoding"]


@pytest.mark.parametrize(
    ("encoding", "compress"), [("br", brotli.compress), ("zstd", zstd.compress)]
)
def test_it_stops_a_br_or_zstd_bomb_at_the_size_cap(upstream, settings, encoding, compress) -> None:
    settings.STUDIO_MAX_RESPONSE_BYTES = 1024 * 1024
    bomb = compress(b"\0" * (64 * 1024 * 1024))  # 64 MiB in a few kB
    assert len(bomb) < 64 * 1024
    upstream.reply = Reply(
        headers={"Content-Type": "application/octet-stream", "Content-Encoding": encoding},
        body=bomb,
    )
    run = executor.run(make_action(make_connector("Bomb", base_url=upstream.url)), {}, None)
    assert run.error_kind == "TooLarge"


# --- redirects ------------------------------------------------------------------------------------


def test_it_lists_each_redirect_hop_with_its_cookie_masked_and_the_final_url(upstream, bob) -> None:
    def handler(got: Received) -> Reply:
        if got.path.startswith("/redirect/"):
            left = int(got.path.rsplit("/", 1)[1])
            target = f"/redirect/{left - 1}" if left > 1 else "/get"
            return Reply(
                302,
                {"Location": target, "Set-Cookie": f"session=sess-{left}-abcdefghijkl; Path=/"},
                b"",
            )
        return Reply(body=b'{"url": "final"}')

    upstream.handler = handler
    action = make_action(make_connector("Hops", base_url=upstream.url), path="/redirect/3")
    page = htmx_test(client_for(bob), action)
    run = TestRun.objects.get()
    assert [(h["status"], h["location"]) for h in run.redirects] == [
        (302, "/redirect/2"),
        (302, "/redirect/1"),
        (302, "/get"),
    ]
    assert run.redirects[0]["url"] == f"{upstream.url}/redirect/3"
    assert run.redirects[0]["set_cookies"] == ["session=••••ijkl; Path=/"]
    assert run.final_url == f"{upstream.url}/get"
    assert "Redirects (3)" in page and f"{upstream.url}/get</span>" in page
    assert "sess-3-abcdefghijkl" not in page


def test_it_masks_the_secret_in_a_redirect_hop(upstream, settings) -> None:
    def handler(got: Received) -> Reply:
        if got.path.startswith("/start"):
            return Reply(302, {"Location": f"/next?seen={KEY}"}, b"")
        return Reply()

    upstream.handler = handler
    connector = api_key_connector(upstream.url, KEY)
    connector.auth_settings.update(api_key_auth_type="PARAM", param_auth_param_name="api_key")
    connector.save()
    run = executor.run(make_action(connector, path="/start"), {}, None)
    stored = json.dumps([run.redirects, run.final_url, run.request_url])
    assert KEY not in stored and run.redirects[0]["location"].startswith("/next?seen=••••")


# --- XML ------------------------------------------------------------------------------------------


def test_it_shows_xml_as_json_with_the_raw_xml_one_click_away(upstream, bob) -> None:
    xml = b'<?xml version="1.0"?><users><user id="7"><name>Lea</name></user></users>'
    upstream.reply = Reply(headers={"Content-Type": "application/xml"}, body=xml)
    action = make_action(make_connector("Soap", base_url=upstream.url), path="/xml")
    page = htmx_test(client_for(bob), action)
    assert '"@id"' in page.replace("&quot;", '"') and "Lea" in page
    assert "<summary>Raw XML</summary>" in page
    assert "&lt;user id=&quot;7&quot;&gt;" in page
    assert TestRun.objects.get().response_body == xml.decode()  # stored as it came


def test_it_refuses_to_expand_xml_entities_and_shows_the_text(upstream, bob) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>'
    )
    upstream.reply = Reply(headers={"Content-Type": "text/xml"}, body=bomb)
    action = make_action(make_connector("Bomb", base_url=upstream.url), path="/xml")
    page = htmx_test(client_for(bob), action)
    assert "Raw XML" not in page and "aaaaaaaaaaaaaaaaaaaa" not in page
    assert "&lt;!ENTITY" in page


# --- the URL as it went on the wire ---------------------------------------------------------------


def test_it_shows_a_non_ascii_path_as_sent_and_the_curl_copy_runs_as_is(upstream, bob) -> None:
    connector = api_key_connector(upstream.url, KEY, name="Wiki")
    action = make_action(
        connector,
        path="/wiki/Zürich straße",
        query_params=[{"key": "filter[city]", "value": "Zürich"}],
    )
    run = executor.run(action, {}, bob)
    sent = upstream.last.path
    assert sent == "/wiki/Z%C3%BCrich%20stra%C3%9Fe?filter%5Bcity%5D=Z%C3%BCrich"
    assert run.request_url == upstream.url + sent
    page = client_for(bob).get(f"{action.get_absolute_url()}?run={run.pk}").content.decode()
    assert f"GET {upstream.url}{sent}" in page

    env = {"PATH": os.environ["PATH"], "API_KEY": KEY}  # the placeholder the copy names
    copied = run.request_curl.replace("curl ", "curl -sS --noproxy '*' ", 1)
    done = subprocess.run(["bash", "-c", copied], env=env, capture_output=True, timeout=20)
    assert done.returncode == 0, done.stderr
    assert upstream.last.path == sent
    assert upstream.last.headers["authorization"] == f"Bearer {KEY}"


def test_it_turns_curl_globbing_off_for_a_url_with_brackets(upstream) -> None:
    command = to_curl("GET", f"{upstream.url}/items[0]?ids={{1,2}}", [], None)
    assert "--globoff" in command
    done = subprocess.run(
        ["bash", "-c", command.replace("curl ", "curl -sS --noproxy '*' ", 1)],
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        timeout=20,
    )
    assert done.returncode == 0, done.stderr
    assert upstream.last.path == "/items[0]?ids={1,2}"


def test_it_generates_the_output_schema_from_xml_as_json(upstream, bob) -> None:
    xml = b'<users><user id="7"><name>Lea</name></user></users>'
    upstream.reply = Reply(headers={"Content-Type": "text/xml"}, body=xml)
    action = make_action(make_connector("Soap", base_url=upstream.url), path="/xml")
    executor.run(action, {}, bob)
    client_for(bob).post(f"{action.get_absolute_url()}schema/", {"generate": "1"})
    action.refresh_from_db()
    user = action.output_schema["properties"]["users"]["properties"]["user"]
    assert set(user["properties"]) == {"@id", "name"}
