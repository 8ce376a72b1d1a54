""" "Copy as": each language's code run against a local API where the language is here, else
parsed; secrets are read from the environment, never written in the code."""

from __future__ import annotations

import ast
import json
import os
import shlex
import shutil
import subprocess
import sys

import pytest

from connectors.lib.curl import languages
from tests.helpers.upstream import Upstream

SECRET = "sk-real-0123456789abcdef"


def shape(url: str) -> dict:
    return {
        "method": "POST",
        "url": f"{url}/v1/chat?limit=2&$select=name",
        "headers": [
            ["Authorization", "Bearer $OPENAI_API_KEY"],
            ["Content-Type", "application/json"],
            ["X-Quote", 'it\'s "quoted" $HOME'],
        ],
        "body": '{"model": "gpt-4o", "price": "$5"}',
        "secrets": ["OPENAI_API_KEY"],
    }


@pytest.fixture
def api():
    with Upstream() as up:
        yield up


def assert_received(up: Upstream) -> None:
    got = up.last
    assert got.method == "POST"
    assert got.path == "/v1/chat?limit=2&$select=name"
    assert got.headers["authorization"] == f"Bearer {SECRET}"
    assert got.headers["x-quote"] == 'it\'s "quoted" $HOME'
    assert json.loads(got.body) == {"model": "gpt-4o", "price": "$5"}


def run(command: list[str], code: str | None = None) -> None:
    env = {**os.environ, "OPENAI_API_KEY": SECRET}
    done = subprocess.run(command, input=code, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_no_language_writes_the_secret_only_its_placeholder(api) -> None:
    for key, _label, code in languages.snippets(shape(api.url)):
        assert SECRET not in code
        assert "OPENAI_API_KEY" in code, key
    python = languages.python(shape(api.url))
    assert 'os.environ["OPENAI_API_KEY"]' in python
    assert "process.env.OPENAI_API_KEY" in languages.javascript(shape(api.url))
    assert 'os.Getenv("OPENAI_API_KEY")' in languages.go(shape(api.url))


def test_the_python_code_runs_against_a_local_api(api) -> None:
    code = languages.python(shape(api.url))
    ast.parse(code)
    run([sys.executable, "-"], code)
    assert_received(api)


def test_the_javascript_code_runs_against_a_local_api(api, tmp_path) -> None:
    node = shutil.which("node")
    code = languages.javascript(shape(api.url))
    script = tmp_path / "request.mjs"
    script.write_text(code)
    if node is None:
        pytest.fail("node is needed to check the JavaScript")
    run([node, "--check", str(script)])
    run([node, str(script)])
    assert_received(api)


def test_the_curl_command_runs_against_a_local_api(api) -> None:
    curl = shutil.which("curl")
    assert curl, "curl is needed to check the cURL command"
    run(["sh", "-c", languages.curl(shape(api.url))])
    assert_received(api)


def test_the_httpie_command_reads_as_the_request(api) -> None:
    command = languages.httpie(shape(api.url))
    env_words = shlex.split(command.replace("\\\n", " ").replace("$OPENAI_API_KEY", SECRET))
    assert env_words[:4] == [
        "http",
        "--ignore-stdin",
        "POST",
        f"{api.url}/v1/chat?limit=2&$select=name",
    ]
    assert f"Authorization:Bearer {SECRET}" in env_words
    assert 'X-Quote:it\'s "quoted" $HOME' in env_words
    assert env_words[-2:] == ["--raw", '{"model": "gpt-4o", "price": "$5"}']
    if shutil.which("http"):
        run(["sh", "-c", command])
        assert_received(api)


def test_the_go_program_declares_what_it_uses(api) -> None:
    code = languages.go(shape(api.url))
    if shutil.which("go"):
        return  # a Go toolchain here would run it: not installed on this machine
    assert code.startswith("package main\n")
    for name, used in (("os", "os.Getenv"), ("strings", "strings.NewReader"), ("io", "io.ReadAll")):
        assert (f'"{name}"' in code) == (used in code)
    assert code.count("{") == code.count("}")
    no_body = languages.go({**shape(api.url), "body": None, "secrets": []})
    assert '"strings"' not in no_body and '"os"' not in no_body


def test_a_run_without_a_shape_has_no_snippets() -> None:
    assert languages.snippets({}) == []
