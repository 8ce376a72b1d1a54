"""Masking a secret in every form an API may echo it back in."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus

import pytest

from connectors.engine import executor
from connectors.lib import redaction
from connectors.secrets import sealing
from tests.helpers.factories import api_key_connector, make_action
from tests.helpers.upstream import Reply

SECRET = "sk-live/0a+9 z=éx41f7"


def _stream(data: bytes, offset: int, encode=base64.b64encode) -> str:
    return encode(b"ab"[:offset] + data + b"--rest of it").decode()


def _secret_part(stream: str, offset: int, size: int) -> str:
    """The characters of a base64 stream made of the secret's bits alone, one in from each edge."""
    return stream[-(-8 * offset // 6) + 1 : 8 * (offset + size) // 6 - 1]


DATA = SECRET.encode()
ECHOES = [
    (echo, echo)
    for echo in [
        SECRET,
        quote(SECRET, safe=""),
        quote(SECRET),
        quote_plus(SECRET),
        DATA.hex(),
        DATA.hex().upper(),
        json.dumps(SECRET)[1:-1],
        json.dumps(SECRET, ensure_ascii=False)[1:-1],
    ]
] + [
    (stream, _secret_part(stream, k, len(DATA)))
    for encode in (base64.b64encode, base64.urlsafe_b64encode)
    for k in range(3)
    if (stream := _stream(DATA, k, encode))
]


@pytest.mark.parametrize(("echo", "core"), ECHOES)
def test_it_masks_the_secret_in_each_encoding(echo: str, core: str) -> None:
    text = f'{{"echo": "{echo}", "other": "kept"}}'
    masked = sealing.redact(text, [SECRET])
    assert sealing.MASK in masked and '"other": "kept"' in masked
    assert core not in masked
    # Nothing longer than a few characters of the encoded secret is left.
    assert not any(core[i : i + 6] in masked for i in range(len(core) - 6))


def test_it_masks_the_stable_middle_of_base64_at_every_alignment() -> None:
    for offset in range(3):
        stream = _stream(SECRET.encode(), offset)
        for form in redaction.base64_forms(SECRET.encode()):
            if form in stream:
                break
        else:
            pytest.fail(f"no stable form found at offset {offset}")


def test_it_masks_a_basic_value_made_of_user_and_password() -> None:
    basic = redaction.basic_credentials("studio-client", SECRET)
    assert base64.b64decode(basic) == f"studio-client:{SECRET}".encode()
    masked = sealing.redact(f"Authorization: Basic {basic}", [SECRET, basic])
    assert masked.startswith(f"Authorization: Basic {sealing.MASK}") and basic not in masked


def test_the_raw_value_keeps_its_hint_and_short_values_are_left_alone() -> None:
    long_secret = "sk-0123456789abcdef"
    assert sealing.redact(f"key={long_secret}", [long_secret]) == "key=••••cdef"
    assert sealing.redact("abc and abc", ["abc"]) == "abc and abc"


def test_it_masks_several_secrets_in_one_pass_longest_first() -> None:
    inner, outer = "inner-secret-1", "outer-inner-secret-1-x"
    text = f"{outer} {inner} {base64.b64encode(inner.encode()).decode()}"
    masked = sealing.redact(text, [inner, outer])
    assert inner not in masked and "outer" not in masked
    assert masked.count(sealing.MASK) == 3


PERCENT = quote(SECRET, safe="")
NESTED = {
    "percent of percent": quote(PERCENT, safe=""),
    "percent of percent, %20 as +": quote_plus(quote_plus(SECRET)),
    "JSON-escaped percent of percent": json.dumps(quote(PERCENT, safe=""))[1:-1],
    "decimal references": "".join(f"&#{ord(char)};" for char in SECRET),
    "hex references, zero-padded": "".join(f"&#x{ord(char):04x};" for char in SECRET),
    "references here and there": "sk-l&#105;ve/0a&#43;9 z=&eacute;x41f7",
    "named entities": SECRET.replace("/", "&sol;").replace("+", "&plus;"),
    "every character \\u-escaped": "".join(f"\\u{ord(char):04x}" for char in SECRET),
    "every byte percent-encoded": "".join(f"%{byte:02x}" for byte in DATA),
    "references of \\u escapes": "".join(f"&#92;u{ord(char):04x}" for char in SECRET),
}


@pytest.mark.parametrize("echo", NESTED.values(), ids=NESTED.keys())
def test_it_masks_nested_encodings_and_escaped_spellings(echo: str) -> None:
    text = f"<a>Fish &amp; chips, {echo}; the rest %41 &#65; kept</a>"
    masked = sealing.redact(text, [SECRET])
    # Only the echo is masked: the escapes around it are kept as they came.
    assert masked == f"<a>Fish &amp; chips, {sealing.MASK}; the rest %41 &#65; kept</a>"


@pytest.mark.parametrize(
    "echo",
    [
        base64.b64encode(PERCENT.encode()).decode(),
        quote(base64.b64encode(DATA).decode(), safe=""),
        json.dumps(base64.urlsafe_b64encode(b"x" + PERCENT.encode()).decode())[1:-1],
    ],
    ids=["base64 of percent", "percent of base64", "JSON-escaped URL-safe base64 of percent"],
)
def test_it_masks_base64_of_percent_and_percent_of_base64(echo: str) -> None:
    masked = sealing.redact(f"before {echo} after", [SECRET])
    assert sealing.MASK in masked and masked.startswith("before ") and masked.endswith(" after")
    assert len(masked) < len("before  after") + len(sealing.MASK) + 8  # the edges at most


def test_reveals_says_whether_a_decoded_text_still_shows_a_secret() -> None:
    assert redaction.reveals(NESTED["decimal references"], [SECRET])
    assert not redaction.reveals("nothing here &amp; %41", [SECRET])


def test_bytes_holding_a_nested_form_are_found() -> None:
    assert redaction.found_in_bytes(b"\x00\x01" + NESTED["percent of percent"].encode(), [SECRET])
    assert not redaction.found_in_bytes(b"\x00\x01 nothing", [SECRET])


@pytest.mark.django_db
def test_a_secret_across_the_display_cap_is_masked_whole(upstream, alice, settings) -> None:
    settings.STUDIO_DISPLAY_BYTES = 1000
    key = "sk-across-the-cap-0123456789"
    upstream.reply = Reply(headers={"Content-Type": "text/plain"}, body=("x" * 990 + key).encode())
    run = executor.run(make_action(api_key_connector(upstream.url, key)), {}, alice)
    assert run.status == 200
    # Cut at 1,000 characters first, the body would end in "sk-across-" and match no form.
    assert len(run.response_body) <= 1000
    assert "sk-across" not in run.response_body and sealing.MASK in run.response_body
