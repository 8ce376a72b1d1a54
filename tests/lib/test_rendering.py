from __future__ import annotations

import html
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import JsonLexer

from connectors.lib.rendering import pygments_css, render_body

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a hx-get="/x" hx-trigger="load">',
    '<div hx-on:click="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    "&lt;already escaped&gt;",
]

SPAN_RE = re.compile(r'<span class="[A-Za-z0-9 ]+">|</span>')


def body_markup(html_text: str) -> str:
    """The markup with Pygments' own spans removed: what remains came from the body."""
    return SPAN_RE.sub("", html_text)


def assert_safe_and_faithful(rendered_html: str, text: str) -> None:
    rest = body_markup(rendered_html)
    assert "<" not in rest and ">" not in rest  # quotes are harmless outside a tag
    assert 'style="' not in rendered_html  # classes only: the CSP forbids inline styles
    assert html.unescape(rest) == text


def test_it_pretty_prints_and_highlights_json():
    result = render_body(b'{"id":1,"tags":["a"],"ok":true}', "application/json")
    assert result.kind == "json"
    assert result.text == '{\n  "id": 1,\n  "tags": [\n    "a"\n  ],\n  "ok": true\n}'
    assert '<span class="nt">"id"</span>' in result.html
    assert_safe_and_faithful(result.html, result.text)
    assert not result.truncated
    assert result.size == 31


def test_it_gives_each_json_token_the_class_pygments_gives_it():
    body = b'{"a": [1, -2.5, 3e5, true, false, null, "x\\"<y: 1 true"], "b": {"c": "d"}}'
    result = render_body(body, "application/json")
    ours = re.findall(r'<span class="([a-z0-9]+)">([^<]*)</span>', result.html)
    theirs = re.findall(
        r'<span class="([a-z0-9]+)">([^<]*)</span>',
        highlight(result.text, JsonLexer(), HtmlFormatter(nowrap=True)),
    )
    assert ours == [token for token in theirs if token[0] != "w"]  # spaces stay bare


MARKS = ' "\\<&:,{}[]'  # what a string may hold that looks like markup or JSON's own tokens
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from(MARKS)),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)


@given(document=JSON_VALUES)
def test_any_document_gets_pygments_classes_and_its_text_back(document: object) -> None:
    result = render_body(json.dumps(document).encode(), "application/json")
    assert result.kind == "json"
    ours = re.findall(r'<span class="([a-z0-9]+)">([^<]*)</span>', result.html)
    theirs = re.findall(
        r'<span class="([a-z0-9]+)">([^<]*)</span>',
        highlight(result.text, JsonLexer(), HtmlFormatter(nowrap=True)),
    )
    assert ours == [token for token in theirs if token[0] != "w"]
    assert_safe_and_faithful(result.html, result.text)


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "application/problem+json", "application/vnd.api+json"],
)
def test_it_recognises_json_content_types(content_type: str):
    assert render_body(b"[1, 2]", content_type).kind == "json"


@pytest.mark.parametrize("content_type", ["", "text/plain", "text/plain; charset=utf-8"])
def test_it_sniffs_json_when_the_type_is_missing_or_plain_text(content_type: str):
    assert render_body(b' {"a": 1}', content_type).kind == "json"


def test_it_does_not_sniff_bare_scalars_as_json():
    assert render_body(b"true", "text/plain").kind == "text"


def test_it_shows_broken_json_as_text():
    result = render_body(b'{"a": <b>', "application/json")
    assert result.kind == "text"
    assert result.html == "{&quot;a&quot;: &lt;b&gt;"


def test_it_keeps_unicode_readable_in_json():
    result = render_body('{"name": "Zoë ☃"}'.encode(), "application/json")
    assert '"Zoë ☃"' in result.text


@pytest.mark.parametrize("attack", ATTACKS)
def test_it_escapes_markup_inside_json_strings(attack: str):
    body = json.dumps({"html": attack, attack: [attack]}).encode()
    result = render_body(body, "application/json")
    assert result.kind == "json"
    assert_safe_and_faithful(result.html, result.text)


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize(
    "content_type", ["text/html", "application/xhtml+xml", "image/svg+xml", "text/plain", ""]
)
def test_it_never_renders_markup_bodies(attack: str, content_type: str):
    body = f"<html><body>{attack}</body></html>".encode()
    result = render_body(body, content_type)
    assert result.kind == "text"
    assert result.text == body.decode()
    assert_safe_and_faithful(result.html, result.text)


def test_it_escapes_markup_in_the_unhighlighted_tail():
    body = json.dumps(["<script>alert(1)</script>"] * 50).encode()
    result = render_body(body, "application/json", highlight_cap=100)
    assert result.html.count("&lt;script&gt;") == 50
    assert_safe_and_faithful(result.html, result.text)


def test_it_highlights_only_up_to_the_cap_and_cuts_at_a_line_end():
    body = json.dumps(list(range(1000))).encode()
    result = render_body(body, "application/json", highlight_cap=200)
    head, _, tail = result.html.rpartition("</span>")
    assert len(body_markup(head)) <= 200
    assert tail.startswith("\n")
    assert "<span" not in tail
    assert_safe_and_faithful(result.html, result.text)


def test_it_truncates_text_over_the_display_cap():
    result = render_body(b"x" * 5000, "text/plain", display_cap=1000)
    assert result.truncated
    assert result.text == "x" * 1000
    assert result.size == 5000


def test_it_truncates_pretty_json_over_the_display_cap():
    body = json.dumps([{"n": n} for n in range(1000)]).encode()
    result = render_body(body, "application/json", display_cap=500)
    assert result.kind == "json"
    assert result.truncated
    assert len(result.text) == 500
    assert_safe_and_faithful(result.html, result.text)


LONG_DOCUMENTS = [
    [{"id": f"model-{n:05d}", "tags": ["a", "b"], "n": n} for n in range(3000)],
    {"object": "list", "data": [{"id": n, "deep": {"x": [n] * 3}} for n in range(3000)]},
    [{"page": 1, "items": list(range(5000))}, {"page": 2, "items": list(range(5000))}],
    {f"key{n}": {"values": list(range(n % 7))} for n in range(4000)},
    [[["x" * 40] * 50] * 50] * 3,  # long only as a whole: written out whole
    "\ud800" + "é" * 300_000,  # one long string, a lone surrogate first
]


@pytest.mark.parametrize("document", LONG_DOCUMENTS)
@pytest.mark.parametrize("cap", [100, 4096, 60_000, 10**7])
def test_long_json_shows_the_same_start_as_the_whole_pretty_printed(document, cap):
    body = json.dumps(document).encode()
    whole = render_body(body, "application/json", display_cap=10**9, markup=False).text
    result = render_body(body, "application/json", display_cap=cap)
    assert result.kind == "json"
    assert result.text == whole[:cap]
    assert result.truncated == (len(whole) > cap)
    assert_safe_and_faithful(result.html, result.text)


def test_json_nested_deeper_than_python_recurses_is_still_shown():
    body = b"[" * 5000 + b"]" * 5000
    result = render_body(body, "application/json", display_cap=100)
    assert result.kind == "json" and result.truncated
    assert result.text == json.dumps(json.loads(body), indent=2)[:100]


def test_without_markup_only_the_text_is_made():
    for body, content_type in [
        (b'{"a": "<b>"}', "application/json"),
        (b"<a>1</a>", "application/xml"),
        (b"<b>", "text/plain"),
    ]:
        plain = render_body(body, content_type, markup=False)
        marked = render_body(body, content_type)
        assert (plain.kind, plain.text, plain.truncated) == (marked.kind, marked.text, False)
        assert plain.html == plain.raw_html == ""


def test_it_honours_a_valid_charset():
    body = "café".encode("latin-1")
    assert render_body(body, "text/plain; charset=ISO-8859-1").text == "café"
    assert (
        render_body('["ü"]'.encode("utf-16"), 'application/json; charset="utf-16"').kind == "json"
    )


@pytest.mark.parametrize("charset", ["no-such-charset", "base64", "rot13"])
def test_it_falls_back_to_utf8_for_a_bad_charset(charset: str):
    assert render_body("café".encode(), f"text/plain; charset={charset}").text == "café"


def test_it_replaces_bytes_that_are_not_utf8_in_declared_text():
    assert render_body(b"caf\xe9", "text/plain").text == "caf\ufffd"


def test_it_keeps_text_cut_mid_character_as_text():
    assert render_body("hé".encode()[:-1], "").text == "h"


def test_it_writes_a_lone_surrogate_back_as_its_escape():
    result = render_body(b'["\\ud800"]', "application/json")
    assert result.text == '[\n  "\\ud800"\n]'
    result.html.encode("utf-8")  # would raise on a lone surrogate


@pytest.mark.parametrize(
    ("body", "content_type", "note"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 12337, "image/png", "image/png, 12,345 bytes"),
        (b"plain ascii", "application/octet-stream", "application/octet-stream, 11 bytes"),
        (b"\xff\xfe\xfa", "", "unknown type, 3 bytes"),
        (b"%PDF-1.7\n\xe2\xe3\xcf\xd3", "application/pdf", "application/pdf, 13 bytes"),
        (b"a\x00b", "text/plain", "text/plain, 3 bytes"),
    ],
)
def test_it_does_not_show_binary_bodies(body: bytes, content_type: str, note: str):
    result = render_body(body, content_type)
    assert result.kind == "binary"
    assert result.html == f"{note} (binary, not shown)"
    assert result.size == len(body)


def test_it_escapes_a_hostile_content_type_in_the_binary_note():
    result = render_body(b"\x00", "image/<script>")
    assert "<script>" not in result.html
    assert "&lt;script&gt;" in result.html


def test_it_reports_an_empty_body():
    result = render_body(b"", "application/json")
    assert (result.kind, result.html, result.text, result.size) == ("empty", "", "", 0)


def test_the_stylesheet_styles_only_highlight_classes():
    css = pygments_css()
    assert ".highlight .s2 {" in css
    rules = [line for line in css.splitlines() if line.strip()]
    assert all(line.startswith(".highlight") for line in rules)
