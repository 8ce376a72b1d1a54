"""The real curl binary as the oracle of what a pasted command sends, and the comparison with what
the same command, imported, sends when Test is pressed.

Both requests go to one local echo server (tests.upstream.Upstream, which records the raw request):
every URL in the command is rewritten to it, and curl also runs with `--noproxy '*'` and
`--connect-to ::127.0.0.1:PORT`, so it never reaches another host nor asks DNS for one.

A comparison lists the differences by name. Those in ALLOWED make a command "equivalent";
any other is a mismatch. Never counted: header order, the letter case of header names, and the
headers each client sends of its own (User-Agent, Accept-Encoding, Connection) unless the
command itself set them.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import subprocess
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote_to_bytes, urlsplit

from connectors.lib.curl.shell import split_command
from tests.helpers.upstream import Received

CORPUS = Path(__file__).resolve().parents[1] / "data" / "curl_corpus.toml"
# Outcomes of this run, by command id: (source, outcome, differences, refusal), for the summary.
RESULTS: dict[str, tuple[str, str, list[str], str]] = {}

# What may differ between curl's request and Test's, and why a user need not care.
ALLOWED = {
    "accept-encoding": "the command asked for an encoding (--compressed, an Accept-Encoding "
    "header); Test always asks for gzip, deflate, br, zstd and decodes the answer",
    "content-length": "Test sends Content-Length: 0 on a body-less POST, PUT, PATCH or DELETE",
    "expect": "curl asks Expect: 100-continue before an upload",
    "browser-headers": "sec-*, priority, upgrade-insecure-requests and TE are left out, with a "
    "note",
    "file-body": "curl sent a file's content; the import asks to paste it into Body",
    "header-merge": "a header given twice is sent once, its values joined by a comma",
    "multipart-as-form": "-F fields go form-encoded, as a note says: the same fields, the same "
    "order, not multipart",
    "query-encoding": "the same query parameters, percent-encoded differently (`,` as %2C, a "
    "space as +)",
    "query-order": "the same query parameters, the Param Auth key sent last",
    "http2-upgrade": "curl offered HTTP/2 (Connection: Upgrade, Upgrade: h2c, HTTP2-Settings); "
    "Test speaks HTTP/1.1, as a note says",
    "postman-variable": "curl sent Postman's {{NAME}} as it is; Test sends NAME's value",
    "path-encoding": "the same path, its non-ASCII letters percent-encoded where curl sends "
    "raw UTF-8",
}
_BROWSER_ONLY = re.compile(r"sec-.*|priority|upgrade-insecure-requests|te")
_URL_RE = re.compile(r"(https?://)([^/@\s'\"^\\]*@)?([^/\s'\"^\\?#]+)")
_CURL_WORD = re.compile(r"(?m)^(\s*(?:\$ )?)curl(?=\s)")


@dataclass
class Entry:
    id: str
    source: str
    shell: str
    command: str
    expect: str  # exact | equivalent | refused
    differences: list[str]
    refusal: str


def load() -> tuple[list[Entry], dict[str, str], dict[str, str]]:
    data = tomllib.loads(CORPUS.read_text(encoding="utf-8"))
    entries = [
        Entry(
            id=item["id"],
            source=item["source"],
            shell=item.get("shell", "bash"),
            command=item["command"].strip("\n"),
            expect=item["expect"],
            differences=sorted(item.get("differences", [])),
            refusal=item.get("refusal", ""),
        )
        for item in data["command"]
    ]
    return entries, dict(data["env"]), dict(data["files"])


def rewrite(command: str, base: str) -> str:
    """Every URL's scheme and host (keeping any user:password@) pointed at the echo server."""
    local = urlsplit(base).netloc

    def to_local(match: re.Match[str]) -> str:
        if any(mark in match.group(3) for mark in "${%"):
            return match.group(0)  # a variable host stays one: the import must refuse it
        return f"http://{match.group(2) or ''}{local}"

    return _URL_RE.sub(to_local, command)


def run_curl(entry: Entry, command: str, port: int, cwd: Path, env: dict[str, str]) -> None:
    """Run the command as its shell would, with curl kept on this machine."""
    fence = ["--noproxy", "*", "--connect-to", f"::127.0.0.1:{port}", "--max-time", "10"]
    clean_env = {"PATH": os.environ["PATH"], "HOME": str(cwd), **env}
    if entry.shell == "bash":
        fenced = _CURL_WORD.sub(
            lambda m: (
                m.group(1).replace("$ ", "") + "curl " + " ".join(f"'{word}'" for word in fence)
            ),
            command,
            count=1,
        )
        args: list[str] = ["bash", "--norc", "--noprofile", "-c", fenced]
    else:  # no cmd.exe here: its words, as the importer's cmd reader splits them, go to curl
        words, _notes = split_command(command)
        args = ["curl", *fence, *words[1:]]
    subprocess.run(args, cwd=cwd, env=clean_env, capture_output=True, timeout=30, check=False)


def _headers(got: Received) -> list[tuple[str, str]]:
    return [(k.lower(), v) for k, v in got.header_lines]


def compare(curl: Received, test: Received, reads_file: bool) -> list[str]:
    """The names of the differences between curl's request and Test's; [] is an exact match."""
    found: set[str] = set()
    if curl.method != test.method:
        found.add("method")
    curl_url, test_url = urlsplit(curl.path), urlsplit(test.path)
    if curl_url.path != test_url.path:
        same = unquote_to_bytes(curl_url.path.encode("latin-1")) == unquote_to_bytes(test_url.path)
        found.add("path-encoding" if same else "path")
    if curl_url.query != test_url.query:
        curl_query = parse_qsl(curl_url.query, keep_blank_values=True)
        test_query = parse_qsl(test_url.query, keep_blank_values=True)
        if curl_query == test_query:
            found.add("query-encoding")
        else:
            found.add("query-order" if sorted(curl_query) == sorted(test_query) else "query")
    curl_headers, test_headers = _headers(curl), _headers(test)
    if curl.body != test.body:
        fields = _multipart_as_form(curl_headers, curl.body, test_headers, test.body)
        if fields is not None:
            found.add("multipart-as-form")
            if fields:  # it had file fields
                found.add("file-body")
            curl_headers = [(k, v) for k, v in curl_headers if k != "content-type"]
            test_headers = [(k, v) for k, v in test_headers if k != "content-type"]
        else:
            found.add("file-body" if reads_file else "body")
    found |= _header_differences(curl_headers, test_headers)
    return sorted(found)


def _multipart_as_form(
    curl_headers: list[tuple[str, str]],
    curl_body: bytes,
    test_headers: list[tuple[str, str]],
    test_body: bytes,
) -> bool | None:
    """None unless curl's multipart fields are Test's form fields (True: curl also sent files)."""
    curl_type = next((v for k, v in curl_headers if k == "content-type"), "")
    test_type = next((v for k, v in test_headers if k == "content-type"), "")
    if not curl_type.startswith("multipart/form-data") or test_type != FORM:
        return None
    head = f"Content-Type: {curl_type}\r\n\r\n".encode()
    message = email.message_from_bytes(head + curl_body, policy=email.policy.HTTP)
    fields, files = [], False
    for part in message.iter_parts():
        if part.get_filename() is not None:
            files = True
            continue
        name = part.get_param("name", header="content-disposition")
        fields.append((str(name), part.get_payload(decode=True).decode()))
    return files if fields == parse_qsl(test_body.decode(), keep_blank_values=True) else None


FORM = "application/x-www-form-urlencoded"
# Every HTTP client sends its own of these; they count only when the command itself set them.
_CLIENT_OWN = ("user-agent", "accept-encoding", "connection")
_HTTP2_UPGRADE = ("upgrade", "http2-settings")
_AUTOMATIC = ("user-agent", "accept-encoding", "connection", "expect", "content-length")


def _header_differences(curl: list[tuple[str, str]], test: list[tuple[str, str]]) -> set[str]:
    found: set[str] = set()
    for name in _AUTOMATIC:
        a = [v for k, v in curl if k == name]
        b = [v for k, v in test if k == name]
        if a == b:
            continue
        if name in _CLIENT_OWN and (not a or a[0].startswith("curl/")):
            continue  # each client's own: never counted
        if name == "user-agent":
            found.add("header:user-agent")
        elif name == "connection" and "Upgrade" in a[0]:
            found.add("http2-upgrade")
        elif name == "content-length":
            if not a and b == ["0"]:
                found.add(name)  # otherwise it follows the body, compared already
        else:
            found.add(name)
    left = Counter((k, v) for k, v in curl if k not in _AUTOMATIC)
    right = Counter((k, v) for k, v in test if k not in _AUTOMATIC)
    only_curl, only_test = left - right, right - left
    merged = set()
    for name in {k for k, _ in only_curl} & {k for k, _ in only_test}:
        values = [v for k, v in curl if k == name]
        if len(values) > 1 and [v for k, v in test if k == name] == [", ".join(values)]:
            merged.add(name)
    test_names = {k for k, _ in test}
    for name, value in only_curl:
        if name in merged:
            found.add("header-merge")
        elif name in _HTTP2_UPGRADE:
            found.add("http2-upgrade")
        elif "{{" in value and name in test_names:
            found.add("postman-variable")
        elif _BROWSER_ONLY.fullmatch(name):
            found.add("browser-headers")
        elif name == "cookie" and name not in test_names:
            found.add("cookie")
        else:
            found.add(f"header:{name}")
    curl_values = dict(only_curl.keys())
    for name, _value in only_test:
        if name not in merged and "{{" not in curl_values.get(name, ""):
            found.add(f"header:{name}")
    return found
