""" "Copy as": a request as code in cURL, Python (requests), JavaScript (fetch), HTTPie and Go
(net/http). Pure generators.

A request arrives as its stored shape ({"method", "url", "headers", "body", "secrets"}), where
each secret is already a `$NAME` placeholder; every language reads NAME from the environment
(`os.environ["NAME"]`, `process.env.NAME`, `os.Getenv("NAME")`, `$NAME` in a shell), so the
code copied holds no secret. Any other `$word` stays literal text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from connectors.lib.curl.export import shell_quote, to_curl

__all__ = ["LANGUAGES", "snippets"]

_PLACEHOLDER_RE = re.compile(r"\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))", re.ASCII)


def _parts(text: str, secrets: set[str]) -> list[tuple[bool, str]]:
    """The text as (is_secret, literal or variable name) pieces."""
    parts: list[tuple[bool, str]] = []
    pos = 0
    for match in _PLACEHOLDER_RE.finditer(text):
        name = match.group(1) or match.group(2)
        if name not in secrets:
            continue
        if match.start() > pos:
            parts.append((False, text[pos : match.start()]))
        parts.append((True, name))
        pos = match.end()
    if pos < len(text) or not parts:
        parts.append((False, text[pos:]))
    return parts


def _expression(text: str, secrets: set[str], env: Callable[[str], str], joiner: str) -> str:
    """A string expression: literals quoted, secrets read from the environment, joined."""
    pieces = [
        env(value) if secret else json.dumps(value) for secret, value in _parts(text, secrets)
    ]
    return joiner.join(pieces)


def _unpack(
    shape: Mapping[str, Any],
) -> tuple[str, str, list[tuple[str, str]], str | None, set[str]]:
    headers = [(str(k), str(v)) for k, v in shape.get("headers") or []]
    return (
        str(shape.get("method") or "GET").upper(),
        str(shape.get("url") or ""),
        headers,
        shape.get("body"),
        set(shape.get("secrets") or []),
    )


def curl(shape: Mapping[str, Any]) -> str:
    method, url, headers, body, secrets = _unpack(shape)
    command = to_curl(method, url, headers, body, placeholders=secrets)
    if user := shape.get("digest"):
        command += " \\\n  --digest -u " + shell_quote(str(user), {"DIGEST_PASSWORD"})
    return command


def python(shape: Mapping[str, Any]) -> str:
    method, url, headers, body, secrets = _unpack(shape)

    def env(name: str) -> str:
        return f"os.environ[{json.dumps(name)}]"

    def expr(text: str) -> str:
        return _expression(text, secrets, env, " + ")

    digest_user = shape.get("digest")
    uses_env = bool(secrets) or bool(digest_user)
    lines = ["import os", ""] if uses_env else []
    lines += ["import requests"]
    if digest_user:
        lines += ["from requests.auth import HTTPDigestAuth"]
    lines += ["", "response = requests.request(", f"    {json.dumps(method)},", f"    {expr(url)},"]
    if headers:
        lines.append("    headers={")
        lines += [f"        {json.dumps(k)}: {expr(v)}," for k, v in headers]
        lines.append("    },")
    if body is not None:
        lines.append(f"    data=({expr(body)}).encode(),")
    if digest_user:
        user = expr(str(digest_user).split(":", 1)[0])
        lines.append(f'    auth=HTTPDigestAuth({user}, os.environ["DIGEST_PASSWORD"]),')
    lines += ["    timeout=30,", ")", "print(response.status_code, response.reason)"]
    lines.append("print(response.text)")
    return "\n".join(lines) + "\n"


def javascript(shape: Mapping[str, Any]) -> str:
    method, url, headers, body, secrets = _unpack(shape)

    def expr(text: str) -> str:
        return _expression(text, secrets, lambda name: f"process.env.{name}", " + ")

    lines = []
    if shape.get("digest"):
        lines.append("// This API asks for Digest auth, which fetch does not answer: use cURL.")
    lines += [f"const response = await fetch({expr(url)}, {{", f"  method: {json.dumps(method)},"]
    if headers:
        lines.append("  headers: {")
        lines += [f"    {json.dumps(k)}: {expr(v)}," for k, v in headers]
        lines.append("  },")
    if body is not None:
        lines.append(f"  body: {expr(body)},")
    lines += ["});", "console.log(response.status, response.statusText);"]
    lines.append("console.log(await response.text());")
    return "\n".join(lines) + "\n"


def httpie(shape: Mapping[str, Any]) -> str:
    method, url, headers, body, secrets = _unpack(shape)
    first = ["http", "--ignore-stdin"]
    if user := shape.get("digest"):
        name = str(user).split(":", 1)[0]
        first += [
            "-A",
            "digest",
            "-a",
            shell_quote(f"{name}:$DIGEST_PASSWORD", {"DIGEST_PASSWORD"}),
        ]
    first += [shell_quote(method), shell_quote(url, secrets)]
    lines = [" ".join(first)]
    # `Name:value` sends a header; `Name;` sends it empty (`Name:` would drop it).
    lines += [shell_quote(f"{k}:{v}" if v else f"{k};", secrets) for k, v in headers]
    if body is not None:
        lines.append("--raw " + shell_quote(body, secrets))
    return " \\\n  ".join(lines)


def go(shape: Mapping[str, Any]) -> str:
    method, url, headers, body, secrets = _unpack(shape)

    def expr(text: str) -> str:
        return _expression(text, secrets, lambda name: f"os.Getenv({json.dumps(name)})", "+")

    imports = ["fmt", "io", "net/http"]
    if secrets or shape.get("digest"):
        imports.append("os")
    if body is not None:
        imports.append("strings")
    lines = ["package main", "", "import ("]
    lines += [f"\t{json.dumps(name)}" for name in sorted(imports)]
    lines += [")", "", "func main() {"]
    if shape.get("digest"):
        lines.append(
            "\t// This API asks for Digest auth, which net/http does not answer: use cURL."
        )
        lines.append('\t_ = os.Getenv("DIGEST_PASSWORD")')
    reader = f"strings.NewReader({expr(body)})" if body is not None else "nil"
    lines += [
        f"\treq, err := http.NewRequest({json.dumps(method)}, {expr(url)}, {reader})",
        "\tif err != nil {",
        "\t\tpanic(err)",
        "\t}",
    ]
    lines += [f"\treq.Header.Set({json.dumps(k)}, {expr(v)})" for k, v in headers]
    lines += [
        "\tresp, err := http.DefaultClient.Do(req)",
        "\tif err != nil {",
        "\t\tpanic(err)",
        "\t}",
        "\tdefer resp.Body.Close()",
        "\tdata, err := io.ReadAll(resp.Body)",
        "\tif err != nil {",
        "\t\tpanic(err)",
        "\t}",
        "\tfmt.Println(resp.Status)",
        "\tfmt.Println(string(data))",
        "}",
    ]
    return "\n".join(lines) + "\n"


# (key, label, generator): the order of the "Copy as" tabs.
LANGUAGES: list[tuple[str, str, Callable[[Mapping[str, Any]], str]]] = [
    ("curl", "cURL", curl),
    ("python", "Python (requests)", python),
    ("javascript", "JavaScript (fetch)", javascript),
    ("httpie", "HTTPie", httpie),
    ("go", "Go (net/http)", go),
]


def snippets(shape: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(key, label, code) per language, or [] for a run stored without a shape."""
    if not shape or not shape.get("url"):
        return []
    return [(key, label, generate(shape)) for key, label, generate in LANGUAGES]
